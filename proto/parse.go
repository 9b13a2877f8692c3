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
	part    partialFrame
}

// Parse reads one command from the front of buf.
//
// It returns the command's arguments and n, the number of bytes it consumed.
// When buf holds no complete command yet, n is 0 and need is the length buf
// must reach before parsing again can make progress. A frame that declares no
// arguments (an empty line, "*0\r\n") is consumed with n > 0 and no args.
//
// After an incomplete result, the next call must be given the same bytes
// followed by more (what a reader does that leaves a partial frame in its
// buffer): the Parser resumes where it stopped instead of parsing the whole
// frame again. Reset forgets that state.
//
// The args alias buf (or the Parser's scratch space) and stay valid only until
// buf is reused or Parse is called again.
func (p *Parser) Parse(buf []byte) (args [][]byte, n, need int, err error) {
	if len(buf) == 0 {
		p.part.active = false
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
// Redis does not check); a NUL before it hides it, as strchr would. It
// returns the index of the '\r', or -1. Header lines are a few bytes long,
// so a plain loop beats setting up a vectorised search, twice.
func countLine(buf []byte) int {
	for i, c := range buf {
		switch c {
		case '\r':
			if i+1 >= len(buf) {
				return -1
			}
			return i
		case 0:
			return -1
		}
	}
	return -1
}

func (p *Parser) parseMultibulk(buf []byte) (args [][]byte, n, need int, err error) {
	argc, pos, args, err := p.frameStart(buf)
	if err != nil || pos == 0 || argc <= 0 {
		p.part.active = false
		if err == nil && pos == 0 {
			return nil, 0, len(buf) + 1, nil // the count line is not complete
		}
		return nil, pos, 0, err
	}
	maxBulk := p.MaxBulkLen
	if maxBulk == 0 {
		maxBulk = DefaultMaxBulkLen
	}
	from := pos
	for i := int64(len(args)); i < argc; i++ {
		line := buf[pos:]
		cr := countLine(line)
		if cr < 0 {
			if len(line) > InlineMaxSize {
				p.part.active = false
				return nil, 0, 0, errBigBulkCount
			}
			p.suspend(buf, argc, from, pos, args)
			return nil, 0, len(buf) + 1, nil
		}
		if line[0] != '$' {
			p.part.active = false
			return nil, 0, 0, expectedDollar(line[0])
		}
		size, ok := ParseInt(line[1:cr])
		if !ok || size < 0 || size > maxBulk {
			p.part.active = false
			return nil, 0, 0, errInvalidBulk
		}
		if size > UnauthBulkLen && p.Unauthenticated {
			p.part.active = false
			return nil, 0, 0, errUnauthBulk
		}
		start := pos + cr + 2
		end := start + int(size)
		if end+2 > len(buf) {
			// Wait for the whole argument and the two bytes after it.
			p.suspend(buf, argc, from, pos, args)
			return nil, 0, end + 2, nil
		}
		args = append(args, buf[start:end:end])
		pos = end + 2
	}
	p.part.active = false
	p.argv = args
	return args, pos, 0, nil
}

// partialFrame is how far an incomplete multibulk frame was parsed.
type partialFrame struct {
	active bool
	argc   int64
	pos    int    // where the next argument's header starts
	spans  []span // the arguments cut so far, as offsets in the frame
}

type span struct{ start, end int }

// frameStart reads the count line of the frame at the front of buf, or,
// when the last call stopped inside this same frame, picks up where it
// stopped: the arguments it had cut are sliced again out of buf (the bytes
// are the same, the memory may not be). It returns the argument count, the
// position of the next argument's header and the arguments so far. A
// position of 0 with no error means the count line is incomplete.
func (p *Parser) frameStart(buf []byte) (argc int64, pos int, args [][]byte, err error) {
	if p.part.active && p.part.pos <= len(buf) {
		args = p.argv[:0]
		for _, sp := range p.part.spans {
			args = append(args, buf[sp.start:sp.end:sp.end])
		}
		return p.part.argc, p.part.pos, args, nil
	}
	cr := countLine(buf)
	if cr < 0 {
		if len(buf) > InlineMaxSize {
			return 0, 0, nil, errBigMultibulkCount
		}
		return 0, 0, nil, nil
	}
	argc, ok := ParseInt(buf[1:cr])
	if !ok || argc > MaxMultibulkLen {
		return 0, 0, nil, errInvalidMultibulk
	}
	if argc > UnauthMultibulkLen && p.Unauthenticated {
		return 0, 0, nil, errUnauthMultibulk
	}
	return argc, cr + 2, p.argv[:0], nil
}

// suspend records how far an incomplete frame was parsed, so that the next
// call, given the same bytes followed by more, does not parse them again: a
// frame of many small arguments arriving over many reads is then parsed in
// linear time, as Redis's incremental parser does. The headers between from
// and pos were cut by this call and are valid; they are walked once more to
// note where their arguments lie.
func (p *Parser) suspend(buf []byte, argc int64, from, pos int, args [][]byte) {
	if !p.part.active {
		p.part.spans = p.part.spans[:0]
	}
	for at := from; at < pos; {
		cr := countLine(buf[at:])
		size, _ := ParseInt(buf[at+1 : at+cr])
		start := at + cr + 2
		p.part.spans = append(p.part.spans, span{start, start + int(size)})
		at = start + int(size) + 2
	}
	p.part.active, p.part.argc, p.part.pos = true, argc, pos
	p.argv = args[:0]
}

// Reset forgets an incomplete frame, for a Parser about to be given
// unrelated bytes.
func (p *Parser) Reset() { p.part.active = false }

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
