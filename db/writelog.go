package db

import (
	"strconv"
	"sync"
	"sync/atomic"
)

// WriteLog is the ordered record of every change to the data, as the RESP
// commands that replay it: the spine the AOF and replication hang on. Its
// offset counts the bytes ever appended, which is what Redis calls the
// replication offset.
//
// A command's changes are gathered in a Batch while it runs and appended
// as one unit while the command still holds the locks of the shards it
// changed, so two changes to one key are logged in the order they happened.
// A batch of more than one command (a command that also expired keys, an
// EXEC) is wrapped in MULTI ... EXEC, as Redis 7.0 propagates it. Logging
// costs nothing until the log is enabled (a consumer exists); then it is a
// copy into the batch, one mutex and one copy into the buffer the consumers
// drain.
//
// WriteLog is safe for concurrent use.
type WriteLog struct {
	enabled atomic.Bool
	notify  chan struct{} // a token when entries are waiting

	mu     sync.Mutex
	buf    []byte
	offset int64
	db     int // the database of the last entry; -1 forces a SELECT
}

// NewWriteLog returns a disabled log at offset 0.
func NewWriteLog() *WriteLog { return &WriteLog{db: -1, notify: make(chan struct{}, 1)} }

// Notify returns a channel that receives a token when entries have been
// appended since the consumer last took them.
func (l *WriteLog) Notify() <-chan struct{} { return l.notify }

func (l *WriteLog) signal() {
	select {
	case l.notify <- struct{}{}:
	default:
	}
}

// Enable starts recording.
func (l *WriteLog) Enable() { l.enabled.Store(true) }

// Enabled reports whether appends are recorded.
func (l *WriteLog) Enabled() bool { return l.enabled.Load() }

// Append records one command run against database db, preceded by a SELECT
// when db is not the database of the previous entry. argv is copied.
func (l *WriteLog) Append(db int, argv ...[]byte) {
	if !l.enabled.Load() {
		return
	}
	l.mu.Lock()
	before := len(l.buf)
	l.appendEntry(db, func(b []byte) []byte { return appendCommand(b, argv) })
	l.offset += int64(len(l.buf) - before)
	l.mu.Unlock()
	l.signal()
}

// AppendBatch records the commands of b, wrapped in MULTI ... EXEC when
// there is more than one, empties b, and returns the offset just past them
// (0 when nothing was recorded).
func (l *WriteLog) AppendBatch(b *Batch) int64 {
	if len(b.ends) == 0 {
		return 0
	}
	if !l.enabled.Load() {
		b.reset()
		return 0
	}
	l.mu.Lock()
	before := len(l.buf)
	wrap := len(b.ends) > 1
	if wrap {
		l.appendEntry(b.dbs[0], func(buf []byte) []byte { return append(buf, multiFrame...) })
	}
	start := 0
	for i, end := range b.ends {
		frame := b.buf[start:end]
		l.appendEntry(b.dbs[i], func(buf []byte) []byte { return append(buf, frame...) })
		start = end
	}
	if wrap {
		l.buf = append(l.buf, execFrame...)
	}
	l.offset += int64(len(l.buf) - before)
	end := l.offset
	l.mu.Unlock()
	b.reset()
	l.signal()
	return end
}

var (
	multiFrame = []byte("*1\r\n$5\r\nMULTI\r\n")
	execFrame  = []byte("*1\r\n$4\r\nEXEC\r\n")
)

// appendEntry appends one frame for database db, after a SELECT if the
// log's current database is another. l.mu must be held.
func (l *WriteLog) appendEntry(db int, frame func([]byte) []byte) {
	if db != l.db {
		l.buf = appendSelect(l.buf, db)
		l.db = db
	}
	l.buf = frame(l.buf)
}

// Batch gathers the log entries of one command (or one transaction) until
// they are appended together. It belongs to one connection and is not safe
// for concurrent use.
type Batch struct {
	buf  []byte
	ends []int // where each entry's frame ends in buf
	dbs  []int // each entry's database
}

func (b *Batch) add(db int, argv [][]byte) {
	b.buf = appendCommand(b.buf, argv)
	b.ends = append(b.ends, len(b.buf))
	b.dbs = append(b.dbs, db)
}

func (b *Batch) reset() {
	b.buf, b.ends, b.dbs = b.buf[:0], b.ends[:0], b.dbs[:0]
}

// Offset returns the number of bytes appended since the start.
func (l *WriteLog) Offset() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.offset
}

// Swap takes the entries appended since the last Swap or Drain, giving the
// log spare (emptied) to append to instead, so that taking costs no copy.
// It returns the entries and the offset just past them.
func (l *WriteLog) Swap(spare []byte) ([]byte, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	data := l.buf
	l.buf = spare[:0]
	return data, l.offset
}

// AppendRaw records bytes that are already log entries: a replica passes on
// its master's stream exactly as it came, so that its offsets stay equal to
// the master's. The stream carries its own SELECTs, so the next entry of
// this server's own starts with one.
func (l *WriteLog) AppendRaw(data []byte) int64 {
	if !l.enabled.Load() {
		return 0
	}
	l.mu.Lock()
	l.buf = append(l.buf, data...)
	l.offset += int64(len(data))
	l.db = -1
	end := l.offset
	l.mu.Unlock()
	l.signal()
	return end
}

// Reset drops what was recorded and not taken, and continues from offset: a
// replica starts its log where the master's full sync put it.
func (l *WriteLog) Reset(offset int64) {
	l.mu.Lock()
	l.buf = l.buf[:0]
	l.offset = offset
	l.db = -1
	l.mu.Unlock()
}

// ForceSelect makes the next entry start with a SELECT, as the first entry
// of a new file or stream must.
func (l *WriteLog) ForceSelect() {
	l.mu.Lock()
	l.db = -1
	l.mu.Unlock()
}

// Disable stops recording; what was recorded and not taken is dropped.
func (l *WriteLog) Disable() {
	l.mu.Lock()
	l.enabled.Store(false)
	l.buf = l.buf[:0]
	l.mu.Unlock()
}

// Drain moves the entries appended since the last Drain to the end of dst
// and returns it, with the offset just past them.
func (l *WriteLog) Drain(dst []byte) ([]byte, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	dst = append(dst, l.buf...)
	l.buf = l.buf[:0]
	return dst, l.offset
}

func appendSelect(b []byte, db int) []byte {
	var num [20]byte
	return appendCommand(b, [][]byte{[]byte("SELECT"), strconv.AppendInt(num[:0], int64(db), 10)})
}

// appendCommand appends argv as a RESP multibulk frame.
func appendCommand(b []byte, argv [][]byte) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(argv)), 10)
	b = append(b, '\r', '\n')
	for _, a := range argv {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}
