package aof

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestManifestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		man  Manifest
		text string // what Redis writes for it
	}{
		{
			name: "base and one incr",
			man: Manifest{
				base:  &fileInfo{name: "appendonly.aof.1.base.aof", seq: 1, kind: typeBase},
				incrs: []fileInfo{{name: "appendonly.aof.1.incr.aof", seq: 1, kind: typeIncr}},
			},
			text: "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
		},
		{
			name: "a rewrite half done: history and several incrs",
			man: Manifest{
				base: &fileInfo{name: "appendonly.aof.2.base.rdb", seq: 2, kind: typeBase},
				history: []fileInfo{
					{name: "appendonly.aof.1.base.rdb", seq: 1, kind: typeHistory},
					{name: "appendonly.aof.1.incr.aof", seq: 1, kind: typeHistory},
				},
				incrs: []fileInfo{
					{name: "appendonly.aof.2.incr.aof", seq: 2, kind: typeIncr},
					{name: "appendonly.aof.3.incr.aof", seq: 3, kind: typeIncr},
				},
			},
			text: "file appendonly.aof.2.base.rdb seq 2 type b\n" +
				"file appendonly.aof.1.base.rdb seq 1 type h\n" +
				"file appendonly.aof.1.incr.aof seq 1 type h\n" +
				"file appendonly.aof.2.incr.aof seq 2 type i\n" +
				"file appendonly.aof.3.incr.aof seq 3 type i\n",
		},
		{
			name: "incrs only",
			man:  Manifest{incrs: []fileInfo{{name: "appendonly.aof.7.incr.aof", seq: 7, kind: typeIncr}}},
			text: "file appendonly.aof.7.incr.aof seq 7 type i\n",
		},
		{
			name: "a name that needs quoting",
			man: Manifest{
				base:  &fileInfo{name: "my file.aof.1.base.aof", seq: 1, kind: typeBase},
				incrs: []fileInfo{{name: `it's "x".aof.1.incr.aof`, seq: 1, kind: typeIncr}},
			},
			text: "file \"my file.aof.1.base.aof\" seq 1 type b\nfile \"it's \\\"x\\\".aof.1.incr.aof\" seq 1 type i\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(tt.man.bytes())
			if got != tt.text {
				t.Errorf("bytes() =\n%s\nwant\n%s", got, tt.text)
			}
			back, err := parseManifest([]byte(got))
			if err != nil {
				t.Fatalf("parseManifest(%q): %v", got, err)
			}
			if !reflect.DeepEqual(*back, tt.man) {
				t.Errorf("parseManifest(bytes()) = %+v, want %+v", *back, tt.man)
			}
		})
	}
}

func TestManifestParseLenient(t *testing.T) {
	// What Redis's parser also accepts: comments, CRLF line ends, the keys
	// in another order, keys it does not know (forward compatibility).
	text := "# written by hand\r\n" +
		"seq 1 type b file appendonly.aof.1.base.aof\r\n" +
		"file appendonly.aof.1.incr.aof seq 1 type i future yes\n"
	m, err := parseManifest([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	want := Manifest{
		base:  &fileInfo{name: "appendonly.aof.1.base.aof", seq: 1, kind: typeBase},
		incrs: []fileInfo{{name: "appendonly.aof.1.incr.aof", seq: 1, kind: typeIncr}},
	}
	if !reflect.DeepEqual(*m, want) {
		t.Errorf("got %+v, want %+v", *m, want)
	}
}

func TestManifestBad(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{name: "empty", text: "", want: "no base and no incremental file"},
		{name: "only comments", text: "# nothing\n", want: "no base and no incremental file"},
		{name: "two bases", text: "file a.1.base.aof seq 1 type b\nfile a.2.base.aof seq 2 type b\n", want: "more than one base"},
		{name: "incrs out of order", text: "file a.2.incr.aof seq 2 type i\nfile a.1.incr.aof seq 1 type i\n", want: "out of order"},
		{name: "incrs with the same seq", text: "file a.1.incr.aof seq 1 type i\nfile b.1.incr.aof seq 1 type i\n", want: "out of order"},
		{name: "unknown type", text: "file a.1.incr.aof seq 1 type x\n", want: "line 1: unknown type"},
		{name: "long type", text: "file a.1.incr.aof seq 1 type incr\n", want: "line 1: bad type"},
		{name: "no type", text: "file a.1.incr.aof seq 1\n", want: "line 1"},
		{name: "no file", text: "seq 1 type i\n", want: "line 1"},
		{name: "no seq", text: "file a.1.incr.aof type i\n", want: "line 1"},
		{name: "seq zero", text: "file a.1.incr.aof seq 0 type i\n", want: "line 1: bad seq"},
		{name: "seq not a number", text: "file a.1.incr.aof seq one type i\n", want: "line 1: bad seq"},
		{name: "odd number of words", text: "file a.1.incr.aof seq 1 type\n", want: "line 1"},
		{name: "a path, not a name", text: "file ../etc/passwd seq 1 type b\n", want: "line 1"},
		{name: "unbalanced quotes", text: "file \"a.1.incr.aof seq 1 type i\n", want: "line 1"},
		{name: "too long a line", text: "file " + strings.Repeat("a", 1100) + " seq 1 type i\n", want: "line 1 is too long"},
		{name: "the error is on line 2", text: "file a.1.base.aof seq 1 type b\nfile a.1.incr.aof seq x type i\n", want: "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := parseManifest([]byte(tt.text))
			if err == nil {
				t.Fatalf("parseManifest(%q) = %+v, want an error", tt.text, m)
			}
			if !errors.Is(err, ErrManifest) || !IsCorrupt(err) {
				t.Errorf("parseManifest(%q): %v does not wrap ErrManifest", tt.text, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseManifest(%q): %q does not say %q", tt.text, err, tt.want)
			}
		})
	}
}

func TestFileNames(t *testing.T) {
	tests := []struct{ got, want string }{
		{baseName("appendonly.aof", 3, false), "appendonly.aof.3.base.aof"},
		{baseName("appendonly.aof", 3, true), "appendonly.aof.3.base.rdb"},
		{incrName("appendonly.aof", 12), "appendonly.aof.12.incr.aof"},
		{manifestName("appendonly.aof"), "appendonly.aof.manifest"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestNextSeqs(t *testing.T) {
	tests := []struct {
		name       string
		man        Manifest
		base, incr int64
	}{
		{name: "empty", base: 1, incr: 1},
		{
			name: "base 4, incrs 4 and 5",
			man: Manifest{
				base:  &fileInfo{name: "b", seq: 4, kind: typeBase},
				incrs: []fileInfo{{name: "i4", seq: 4, kind: typeIncr}, {name: "i5", seq: 5, kind: typeIncr}},
			},
			base: 5, incr: 6,
		},
	}
	for _, tt := range tests {
		base, incr := tt.man.nextSeqs()
		if base != tt.base || incr != tt.incr {
			t.Errorf("%s: nextSeqs() = %d, %d, want %d, %d", tt.name, base, incr, tt.base, tt.incr)
		}
	}
}
