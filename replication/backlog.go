package replication

import "sync"

// DefaultBacklogSize is repl-backlog-size's default, 1 MB.
const DefaultBacklogSize = 1 << 20

// MinBacklogSize is the smallest backlog Redis keeps, 16 KB, whatever
// repl-backlog-size says (CONFIG_REPL_BACKLOG_MIN_SIZE).
const MinBacklogSize = 16 << 10

// BacklogSize is the capacity a backlog gets for the repl-backlog-size
// setting: the setting, but never less than MinBacklogSize.
func BacklogSize(setting int64) int { return int(max(setting, MinBacklogSize)) }

// Backlog keeps the last bytes of the write log, so that a replica that
// briefly lost its link can continue from its offset instead of syncing
// everything again. It is safe for concurrent use.
type Backlog struct {
	mu    sync.Mutex
	buf   []byte // ring of len(buf) bytes
	size  int    // bytes held, up to len(buf)
	start int64  // log offset of the oldest byte held
	end   int64  // log offset just past the newest byte
}

// NewBacklog returns an empty backlog of size bytes whose next byte will be
// at log offset end.
func NewBacklog(size int, end int64) *Backlog {
	return &Backlog{buf: make([]byte, max(size, 1)), start: end, end: end}
}

// Append adds data, which ends at log offset end. Data that does not follow
// on from what the backlog holds (a gap) makes it start again from data.
func (b *Backlog) Append(data []byte, end int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if begin := end - int64(len(data)); begin != b.end {
		b.size, b.start, b.end = 0, begin, begin
	}
	if len(data) > len(b.buf) {
		data = data[len(data)-len(b.buf):]
	}
	// A byte at log offset o lives at o modulo the ring's length.
	at := int((end - int64(len(data))) % int64(len(b.buf)))
	n := copy(b.buf[at:], data)
	copy(b.buf, data[n:])
	b.end = end
	b.size = min(b.size+len(data), len(b.buf))
	b.start = b.end - int64(b.size)
}

// Range returns the offsets of the first byte held and just past the last.
func (b *Backlog) Range() (start, end int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.start, b.end
}

// From appends to dst the bytes from log offset off to the end, and
// reports false when off is not within what the backlog holds.
func (b *Backlog) From(dst []byte, off int64) ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.from(dst, off)
}

func (b *Backlog) from(dst []byte, off int64) ([]byte, bool) {
	if off < b.start || off > b.end {
		return dst, false
	}
	n := int(b.end - off)
	at := int(off % int64(len(b.buf)))
	first := min(n, len(b.buf)-at)
	dst = append(dst, b.buf[at:at+first]...)
	return append(dst, b.buf[:n-first]...), true
}

// Resize changes the capacity (CONFIG SET repl-backlog-size), keeping the
// newest bytes that fit.
func (b *Backlog) Resize(size int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	held, _ := b.from(nil, b.start)
	if len(held) > size {
		held = held[len(held)-size:]
	}
	b.buf = make([]byte, max(size, 1))
	b.size, b.start = 0, b.end-int64(len(held))
	end := b.end
	b.end = b.start
	at := int(b.start % int64(len(b.buf)))
	n := copy(b.buf[at:], held)
	copy(b.buf, held[n:])
	b.end, b.size = end, len(held)
}

// Size returns the capacity.
func (b *Backlog) Size() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.buf)
}
