package proto

// Writer appends replies to Buf in the protocol version its connection chose
// (HELLO 2 or HELLO 3). The zero value writes RESP2. A Writer belongs to one
// connection and is not safe for concurrent use.
type Writer struct {
	Buf   []byte
	RESP3 bool
}

// OK appends +OK.
func (w *Writer) OK() { w.Buf = append(w.Buf, "+OK\r\n"...) }

// Simple appends a simple string.
func (w *Writer) Simple(s string) { w.Buf = AppendSimple(w.Buf, s) }

// Error appends an error; msg starts with its code ("ERR ...").
func (w *Writer) Error(msg string) { w.Buf = AppendError(w.Buf, msg) }

// Int appends an integer.
func (w *Writer) Int(n int64) { w.Buf = AppendInt(w.Buf, n) }

// Bulk appends a bulk string; the bytes are copied.
func (w *Writer) Bulk(v []byte) {
	w.reserve(len(v) + bulkOverhead)
	w.Buf = AppendBulk(w.Buf, v)
}

// BulkString appends a bulk string holding s.
func (w *Writer) BulkString(s string) {
	w.reserve(len(s) + bulkOverhead)
	w.Buf = AppendBulkString(w.Buf, s)
}

// bulkOverhead is the most a bulk string's header and CRLF add to it.
const bulkOverhead = 1 + 20 + 2 + 2

// reserve makes room for n more bytes before an append that would grow
// the reply past a small one (bufpool.go); the replies of a few small
// items grow as append grows them.
func (w *Writer) reserve(n int) {
	if cap(w.Buf)-len(w.Buf) < n && len(w.Buf)+n > 1024 {
		w.Buf = Grow(w.Buf, n)
	}
}

// BulkInt appends n in decimal as a bulk string.
func (w *Writer) BulkInt(n int64) { w.Buf = AppendBulkInt(w.Buf, n) }

// Null appends the null bulk string: $-1 in RESP2, _ in RESP3.
func (w *Writer) Null() {
	if w.RESP3 {
		w.Buf = append(w.Buf, "_\r\n"...)
		return
	}
	w.Buf = append(w.Buf, "$-1\r\n"...)
}

// NullArray appends the null array: *-1 in RESP2, _ in RESP3.
func (w *Writer) NullArray() {
	if w.RESP3 {
		w.Buf = append(w.Buf, "_\r\n"...)
		return
	}
	w.Buf = append(w.Buf, "*-1\r\n"...)
}

// ArrayLen appends the header of an array of n elements.
func (w *Writer) ArrayLen(n int) { w.Buf = AppendArrayLen(w.Buf, n) }

// MapLen appends the header of a map of n pairs: %n in RESP3, an array of
// 2n elements in RESP2.
func (w *Writer) MapLen(n int) {
	if w.RESP3 {
		w.Buf = appendPrefix(w.Buf, '%', int64(n))
		return
	}
	w.Buf = appendPrefix(w.Buf, '*', int64(2*n))
}

// SetLen appends the header of a set of n elements: ~n in RESP3, an array
// in RESP2.
func (w *Writer) SetLen(n int) {
	if w.RESP3 {
		w.Buf = appendPrefix(w.Buf, '~', int64(n))
		return
	}
	w.Buf = appendPrefix(w.Buf, '*', int64(n))
}

// PushLen appends the header of an out-of-band push of n elements: >n in
// RESP3, an array in RESP2.
func (w *Writer) PushLen(n int) {
	if w.RESP3 {
		w.Buf = appendPrefix(w.Buf, '>', int64(n))
		return
	}
	w.Buf = appendPrefix(w.Buf, '*', int64(n))
}

// Double appends a double as Redis 7.0 does: ,%.17g in RESP3, a bulk string
// in RESP2.
func (w *Writer) Double(f float64) {
	var tmp [40]byte
	d := AppendFloat17(tmp[:0], f)
	if w.RESP3 {
		w.Buf = append(w.Buf, ',')
		w.Buf = append(w.Buf, d...)
		w.Buf = append(w.Buf, '\r', '\n')
		return
	}
	w.Buf = AppendBulk(w.Buf, d)
}

// Bool appends a boolean: #t/#f in RESP3, :1/:0 in RESP2.
func (w *Writer) Bool(v bool) {
	switch {
	case w.RESP3 && v:
		w.Buf = append(w.Buf, "#t\r\n"...)
	case w.RESP3:
		w.Buf = append(w.Buf, "#f\r\n"...)
	case v:
		w.Buf = append(w.Buf, ":1\r\n"...)
	default:
		w.Buf = append(w.Buf, ":0\r\n"...)
	}
}

// Verbatim appends a verbatim string of format fmt ("txt"): =len\r\ntxt:...
// in RESP3, a bulk string in RESP2.
func (w *Writer) Verbatim(format, s string) {
	if !w.RESP3 {
		w.BulkString(s)
		return
	}
	w.Buf = appendPrefix(w.Buf, '=', int64(len(s)+4))
	w.Buf = append(w.Buf, format...)
	w.Buf = append(w.Buf, ':')
	w.Buf = append(w.Buf, s...)
	w.Buf = append(w.Buf, '\r', '\n')
}

// Raw appends bytes that are already RESP.
func (w *Writer) Raw(b []byte) {
	w.reserve(len(b))
	w.Buf = append(w.Buf, b...)
}
