package proto

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func argsString(args [][]byte) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = fmt.Sprintf("%q", a)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func TestParseComplete(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
		n    int
	}{
		{name: "multibulk", in: "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", want: []string{"GET", "k"}},
		{name: "binary arg", in: "*2\r\n$3\r\nSET\r\n$4\r\na\r\n\x00\r\n", want: []string{"SET", "a\r\n\x00"}},
		{name: "empty arg", in: "*1\r\n$0\r\n\r\n", want: []string{""}},
		{name: "trailing data", in: "*1\r\n$4\r\nPING\r\nextra", want: []string{"PING"}, n: 14},
		{name: "zero count", in: "*0\r\n", want: []string{}},
		{name: "negative count", in: "*-1\r\n", want: []string{}},
		{name: "inline", in: "PING\r\n", want: []string{"PING"}},
		{name: "inline lf", in: "SET a b\n", want: []string{"SET", "a", "b"}},
		{name: "inline blanks", in: "  SET \t a   b  \r\n", want: []string{"SET", "a", "b"}},
		{name: "inline empty", in: "\r\n", want: []string{}},
		{name: "inline double quotes", in: "SET k \"hello world\"\r\n", want: []string{"SET", "k", "hello world"}},
		{name: "inline escapes", in: `SET k "a\x41\n\t\"\\z"` + "\n", want: []string{"SET", "k", "aA\n\t\"\\z"}},
		{name: "inline single quotes", in: `SET k 'it\'s "x"'` + "\n", want: []string{"SET", "k", `it's "x"`}},
		{name: "inline quote mid word", in: `SET k ab"c d"` + "\n", want: []string{"SET", "k", "abc d"}},
		{name: "inline empty quotes", in: `SET k ""` + "\n", want: []string{"SET", "k", ""}},
		{name: "inline vertical tab in word", in: "a\vb\n", want: []string{"a\vb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Parser
			args, n, _, err := p.Parse([]byte(tt.in))
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			wantN := tt.n
			if wantN == 0 {
				wantN = len(tt.in)
			}
			if n != wantN {
				t.Errorf("Parse(%q): n = %d, want %d", tt.in, n, wantN)
			}
			got := make([]string, len(args))
			for i, a := range args {
				got[i] = string(a)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) || len(got) != len(tt.want) {
				t.Errorf("Parse(%q) = %s, want %q", tt.in, argsString(args), tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		unauth bool
		want   string
	}{
		{name: "bad count", in: "*x\r\n", want: "Protocol error: invalid multibulk length"},
		{name: "count leading zero", in: "*01\r\n", want: "Protocol error: invalid multibulk length"},
		{name: "count too big", in: "*2147483648\r\n", want: "Protocol error: invalid multibulk length"},
		{name: "not dollar", in: "*1\r\n+PING\r\n", want: "Protocol error: expected '$', got '+'"},
		{name: "not dollar cr", in: "*1\r\n\r\n", want: "Protocol error: expected '$', got ' '"},
		{name: "bad bulk len", in: "*1\r\n$x\r\n", want: "Protocol error: invalid bulk length"},
		{name: "negative bulk len", in: "*1\r\n$-1\r\n", want: "Protocol error: invalid bulk length"},
		{name: "bulk too big", in: "*1\r\n$536870913\r\n", want: "Protocol error: invalid bulk length"},
		{name: "unbalanced double", in: "SET k \"abc\r\n", want: "Protocol error: unbalanced quotes in request"},
		{name: "unbalanced single", in: "SET k 'abc\r\n", want: "Protocol error: unbalanced quotes in request"},
		{name: "quote then char", in: "SET k \"a\"b\r\n", want: "Protocol error: unbalanced quotes in request"},
		{name: "unauth count", in: "*11\r\n", unauth: true, want: "Protocol error: unauthenticated multibulk length"},
		{name: "unauth bulk", in: "*1\r\n$16385\r\n", unauth: true, want: "Protocol error: unauthenticated bulk length"},
		{name: "inline too big", in: strings.Repeat("a", InlineMaxSize+1), want: "Protocol error: too big inline request"},
		{name: "count line too big", in: "*" + strings.Repeat("1", InlineMaxSize+1), want: "Protocol error: too big mbulk count string"},
		{name: "bulk line too big", in: "*1\r\n$" + strings.Repeat("1", InlineMaxSize+1), want: "Protocol error: too big bulk count string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Parser{Unauthenticated: tt.unauth}
			_, _, _, err := p.Parse([]byte(tt.in))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Parse(%.40q) error = %v, want %q", tt.in, err, tt.want)
			}
		})
	}
}

// TestParseIncomplete feeds every prefix of a pipeline: each must either
// wait (n == 0, with a need beyond the prefix but not beyond the frame, or
// the reader would wait for bytes that never come) or yield exactly the
// commands that are complete in it.
func TestParseIncomplete(t *testing.T) {
	pipeline := "*3\r\n$3\r\nSET\r\n$2\r\nk1\r\n$5\r\nhello\r\nGET k1\r\n*2\r\n$3\r\nGET\r\n$0\r\n\r\n" +
		"*5\r\n$4\r\nMSET\r\n$1\r\na\r\n$0\r\n\r\n$1\r\nb\r\n$0\r\n\r\n"
	want := []string{`["SET" "k1" "hello"]`, `["GET" "k1"]`, `["GET" ""]`, `["MSET" "a" "" "b" ""]`}
	// frameEnd[i] is where the frame that starts at i ends.
	frameEnd := map[int]int{}
	var whole Parser
	for off := 0; off < len(pipeline); {
		_, n, _, _ := whole.Parse([]byte(pipeline[off:]))
		frameEnd[off] = off + n
		off += n
	}
	for cut := 0; cut <= len(pipeline); cut++ {
		var p Parser
		buf := []byte(pipeline[:cut])
		var got []string
		for off := 0; ; {
			args, n, need, err := p.Parse(buf[off:])
			if err != nil {
				t.Fatalf("cut=%d off=%d: %v", cut, off, err)
			}
			if n == 0 {
				if need <= len(buf)-off {
					t.Fatalf("cut=%d off=%d: need %d is not beyond the %d bytes held", cut, off, need, len(buf)-off)
				}
				if end, ok := frameEnd[off]; ok && off+need > end {
					t.Fatalf("cut=%d off=%d: need %d goes past the frame's end at %d", cut, off, need, end)
				}
				break
			}
			got = append(got, argsString(args))
			off += n
		}
		for i, g := range got {
			if g != want[i] {
				t.Fatalf("cut=%d: command %d = %s, want %s", cut, i, g, want[i])
			}
		}
	}
}

func TestParseNeedHint(t *testing.T) {
	var p Parser
	in := []byte("*2\r\n$3\r\nSET\r\n$100\r\nabc")
	_, n, need, err := p.Parse(in)
	if err != nil || n != 0 {
		t.Fatalf("Parse = n %d err %v, want incomplete", n, err)
	}
	if want := len("*2\r\n$3\r\nSET\r\n$100\r\n") + 100 + 2; need != want {
		t.Fatalf("need = %d, want %d", need, want)
	}
}

func TestParseAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	var pipeline bytes.Buffer
	for i := 0; i < 16; i++ {
		fmt.Fprintf(&pipeline, "*3\r\n$3\r\nSET\r\n$6\r\nkey:%02d\r\n$3\r\nxyz\r\n", i)
	}
	buf := pipeline.Bytes()
	var p Parser
	allocs := testing.AllocsPerRun(100, func() {
		for off := 0; off < len(buf); {
			_, n, _, err := p.Parse(buf[off:])
			if err != nil || n == 0 {
				panic("bad pipeline")
			}
			off += n
		}
	})
	if allocs != 0 {
		t.Fatalf("parsing a 16-command pipeline allocates %.1f times, want 0", allocs)
	}
}

func BenchmarkParse(b *testing.B) {
	buf := []byte("*3\r\n$3\r\nSET\r\n$10\r\nkey:000001\r\n$3\r\nxyz\r\n")
	var p Parser
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, n, _, _ := p.Parse(buf); n != len(buf) {
			b.Fatal("short parse")
		}
	}
}

// TestParseResumes feeds a frame of many small arguments a few bytes at a
// time, as slow networks deliver it: the parser must resume where it
// stopped (never re-cutting the arguments it had) and end with the same
// command as a whole parse.
func TestParseResumes(t *testing.T) {
	var frame bytes.Buffer
	const pairs = 500
	fmt.Fprintf(&frame, "*%d\r\n$4\r\nMSET\r\n", 1+2*pairs)
	for i := 0; i < pairs; i++ {
		fmt.Fprintf(&frame, "$%d\r\nk%d\r\n$1\r\nv\r\n", len(fmt.Sprint("k", i)), i)
	}
	data := frame.Bytes()
	for _, chunk := range []int{1, 7, 64, 1000} {
		var p Parser
		var args [][]byte
		parses := 0
		for held := 0; held < len(data); {
			held = min(held+chunk, len(data))
			a, n, need, err := p.Parse(data[:held])
			parses++
			if err != nil {
				t.Fatalf("chunk=%d held=%d: %v", chunk, held, err)
			}
			if n > 0 {
				args = a
				break
			}
			if need <= held {
				t.Fatalf("chunk=%d held=%d: need %d", chunk, held, need)
			}
		}
		if len(args) != 1+2*pairs || string(args[0]) != "MSET" || string(args[len(args)-2]) != fmt.Sprint("k", pairs-1) {
			t.Fatalf("chunk=%d: got %d arguments, last %q", chunk, len(args), args[len(args)-1])
		}
	}
}

// TestParseErrorInsideFrameIsNotDelayed: a bad header in the middle of a
// frame is reported as soon as its line is complete, as Redis does; a
// parser that waited for more bytes would leave the client hanging.
func TestParseErrorInsideFrameIsNotDelayed(t *testing.T) {
	var p Parser
	in := []byte("*3\r\n$3\r\nSET\r\n")
	if _, n, _, err := p.Parse(in); n != 0 || err != nil {
		t.Fatalf("first part: n %d err %v", n, err)
	}
	in = append(in, "+x\r\n"...)
	_, _, _, err := p.Parse(in)
	if err == nil || err.Error() != "Protocol error: expected '$', got '+'" {
		t.Fatalf("error = %v", err)
	}
}
