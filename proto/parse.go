package proto

import "bytes"

// Error is a protocol violation. Its Msg is the text Redis replies with (after
// "-ERR "), byte for byte; the connection is closed after the reply.
type Error struct {
	Msg string
}

func (e *Error) Error() string { return e.Msg }

var (
	errInvalidMultibulk   = &Error{"Protocol error: invalid multibulk length"}
	errUnauthMultibulk    = &Error{"Protocol error: unauthenticated multibulk length"}
	errInvalidBulk        = &Error{"Protocol error: invalid bulk length"}
	errUnauthBulk         = &Error{"Protocol error: unauthenticated bulk length"}
	errBigMultibulkCount  = &Error{"Protocol error: too big mbulk count string"}
	errBigBulkCount       = &Error{"Protocol error: too big bulk count string"}
	errBigInline          = &Error{"Protocol error: too big inline request"}
	errUnbalancedQuotes   = &Error{"Protocol error: unbalanced quotes in request"}
	errExpectedDollarSign = "Protocol error: expected '$', got '"
)

// Parser cuts commands out of a connection's inbound bytes. It keeps only
// reusable scratch space between calls; a connection owns one and it is not
// safe for concurrent use.
type Parser struct {
	// MaxBulkLen is proto-max-bulk-len; zero means DefaultMaxBulkLen.
	MaxBulkLen int64
	// Unauthenticated applies Redis's smaller frame limits, for a client that
	// must still authenticate.
	Unauthenticated bool

	argv    [][]byte
	scratch []byte
}

// Parse reads one command from the front of buf.
//
// It returns the command's arguments and n, the number of bytes it consumed.
// When buf holds no complete command yet, n is 0 and need is the length buf
// must reach before parsing again can make progress. A frame that declares no
// arguments (an empty line, "*0\r\n") is consumed with n > 0 and no args.
//
// The args alias buf (or the Parser's scratch space) and stay valid only until
// buf is reused or Parse is called again.
func (p *Parser) Parse(buf []byte) (args [][]byte, n, need int, err error) {
	if len(buf) == 0 {
		return nil, 0, 1, nil
	}
	if buf[0] == '*' {
		return p.parseMultibulk(buf)
	}
	return p.parseInline(buf)
}

// strchr finds c in buf the way C's strchr finds it in Redis's query buffer:
// a NUL byte before c hides it. It returns c's index, or -1.
func strchr(buf []byte, c byte) int {
	i := bytes.IndexByte(buf, c)
	if i < 0 || bytes.IndexByte(buf[:i], 0) >= 0 {
		return -1
	}
	return i
}

// countLine finds the end of the header line that starts buf, the way Redis
// does: the first '\r', followed by at least one more byte (the '\n', which
// Redis does not check). It returns the index of the '\r', or -1.
func countLine(buf []byte) int {
	cr := strchr(buf, '\r')
	if cr < 0 || cr+1 >= len(buf) {
		return -1
	}
	return cr
}

func (p *Parser) parseMultibulk(buf []byte) (args [][]byte, n, need int, err error) {
	cr := countLine(buf)
	if cr < 0 {
		if len(buf) > InlineMaxSize {
			return nil, 0, 0, errBigMultibulkCount
		}
		return nil, 0, len(buf) + 1, nil
	}
	argc, ok := ParseInt(buf[1:cr])
	if !ok || argc > MaxMultibulkLen {
		return nil, 0, 0, errInvalidMultibulk
	}
	if argc > UnauthMultibulkLen && p.Unauthenticated {
		return nil, 0, 0, errUnauthMultibulk
	}
	pos := cr + 2
	if argc <= 0 {
		return nil, pos, 0, nil
	}
	maxBulk := p.MaxBulkLen
	if maxBulk == 0 {
		maxBulk = DefaultMaxBulkLen
	}
	args = p.argv[:0]
	for i := int64(0); i < argc; i++ {
		line := buf[pos:]
		cr := countLine(line)
		if cr < 0 {
			if len(line) > InlineMaxSize {
				return nil, 0, 0, errBigBulkCount
			}
			return p.keep(args), 0, max(len(buf)+1, pos+minFrameBytes(argc-i)), nil
		}
		if line[0] != '$' {
			return nil, 0, 0, expectedDollar(line[0])
		}
		size, ok := ParseInt(line[1:cr])
		if !ok || size < 0 || size > maxBulk {
			return nil, 0, 0, errInvalidBulk
		}
		if size > UnauthBulkLen && p.Unauthenticated {
			return nil, 0, 0, errUnauthBulk
		}
		start := pos + cr + 2
		end := start + int(size)
		if end+2 > len(buf) {
			// Wait for the whole argument and the two bytes after it, and
			// for the smallest the arguments still to come can be.
			return p.keep(args), 0, end + 2 + minFrameBytes(argc-i-1), nil
		}
		args = append(args, buf[start:end:end])
		pos = end + 2
	}
	p.argv = args
	return args, pos, 0, nil
}

// minFrameBytes is the least n more arguments can take: "$0\r\n\r\n"
// each. A frame of many small arguments that arrives over many reads is then
// parsed again only when it can be complete, not on every read.
func minFrameBytes(n int64) int {
	if n > int64(InlineMaxSize) {
		n = int64(InlineMaxSize) // a hint, not a promise: keep it in range
	}
	return int(n) * 6
}

// keep remembers a grown argument array so the next Parse reuses it.
func (p *Parser) keep(args [][]byte) [][]byte {
	p.argv = args[:0]
	return nil
}

func expectedDollar(c byte) *Error {
	switch c {
	case 0:
		// Redis formats the byte with %c into a C string, which ends there.
		return &Error{errExpectedDollarSign}
	case '\r', '\n':
		// Redis replaces newlines in error replies with spaces.
		c = ' '
	}
	return &Error{errExpectedDollarSign + string(c) + "'"}
}

func (p *Parser) parseInline(buf []byte) (args [][]byte, n, need int, err error) {
	nl := strchr(buf, '\n')
	if nl < 0 {
		if len(buf) > InlineMaxSize {
			return nil, 0, 0, errBigInline
		}
		return nil, 0, len(buf) + 1, nil
	}
	n = nl + 1
	line := buf[:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	args, ok := p.splitArgs(line)
	if !ok {
		return nil, 0, 0, errUnbalancedQuotes
	}
	return args, n, 0, nil
}
