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
// Handlers append while they hold the locks of the shards they changed, so
// two changes to one key are logged in the order they happened. Appending
// costs nothing until the log is enabled (a consumer exists); then it is one
// mutex and one copy into a buffer the consumers drain.
//
// WriteLog is safe for concurrent use.
type WriteLog struct {
	enabled atomic.Bool

	mu     sync.Mutex
	buf    []byte
	offset int64
	db     int // the database of the last entry; -1 forces a SELECT
}

// NewWriteLog returns a disabled log at offset 0.
func NewWriteLog() *WriteLog { return &WriteLog{db: -1} }

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
	if db != l.db {
		l.buf = appendSelect(l.buf, db)
		l.db = db
	}
	l.buf = appendCommand(l.buf, argv)
	l.offset += int64(len(l.buf) - before)
	l.mu.Unlock()
}

// Offset returns the number of bytes appended since the start.
func (l *WriteLog) Offset() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.offset
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
