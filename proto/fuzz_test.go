package proto

import (
	"bytes"
	"testing"
)

var fuzzSeeds = []string{
	"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
	"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\nPING\r\n",
	"SET k \"a\\x41\\n\" 'b\\'c'\r\n",
	"*1\r\n$-1\r\n",
	"*x\r\n",
	"\r\n\r\n*0\r\n",
	"*1\r\n$4\r\nPI",
}

// FuzzParse checks the parser's promises on any input: no panic, n within
// the input, arguments inside the input or the scratch space, and a need
// hint beyond what is held when a frame is incomplete.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Parser
		for off := 0; off < len(data); {
			args, n, need, err := p.Parse(data[off:])
			if err != nil {
				return
			}
			if n == 0 {
				if need <= len(data)-off {
					t.Fatalf("incomplete frame at %d with need %d <= %d held", off, need, len(data)-off)
				}
				return
			}
			if n > len(data)-off {
				t.Fatalf("n = %d beyond the %d bytes held", n, len(data)-off)
			}
			if data[off] == '*' {
				for _, a := range args {
					if !within(a, data[off:off+n]) {
						t.Fatalf("argument %q is not inside the frame", a)
					}
				}
			}
			off += n
		}
	})
}

// FuzzParseSplit checks that input split in two parses to the same commands
// as the whole, the way a reader that waits for more bytes sees it.
func FuzzParseSplit(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), uint16(len(s)/2))
	}
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		whole := parseAll(data)
		c := int(cut) % (len(data) + 1)
		var got [][]string
		var p Parser
		buf := append([]byte(nil), data[:c]...)
		off := 0
		for _, more := range [][]byte{nil, data[c:]} {
			buf = append(buf, more...)
			for {
				args, n, _, err := p.Parse(buf[off:])
				if err != nil || n == 0 {
					break
				}
				got = append(got, toStrings(args))
				off += n
			}
		}
		if len(got) != len(whole) {
			t.Fatalf("split at %d: %d commands, whole: %d", c, len(got), len(whole))
		}
		for i := range got {
			if !equalStrings(got[i], whole[i]) {
				t.Fatalf("split at %d: command %d = %q, whole: %q", c, i, got[i], whole[i])
			}
		}
	})
}

func parseAll(data []byte) [][]string {
	var p Parser
	var out [][]string
	for off := 0; off < len(data); {
		args, n, _, err := p.Parse(data[off:])
		if err != nil || n == 0 {
			break
		}
		out = append(out, toStrings(args))
		off += n
	}
	return out
}

func toStrings(args [][]byte) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = string(a)
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// within reports whether a lies inside buf's memory.
func within(a, buf []byte) bool {
	if len(a) == 0 {
		return true
	}
	for i := 0; i+len(a) <= len(buf); i++ {
		if &buf[i] == &a[0] {
			return bytes.Equal(buf[i:i+len(a)], a)
		}
	}
	return false
}
