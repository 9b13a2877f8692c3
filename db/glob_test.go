package db

import (
	"strings"
	"testing"
)

// The expectations below were checked against redis-server 7.0 (KEYS with
// the subject as the only key), including its quirks.
func TestMatch(t *testing.T) {
	tests := []struct {
		name       string
		pattern, s string
		nocase     bool
		want       bool
	}{
		{name: "empty both", pattern: "", s: "", want: true},
		{name: "empty pattern", pattern: "", s: "a", want: false},
		{name: "star on empty", pattern: "*", s: "", want: false},
		{name: "star", pattern: "*", s: "anything", want: true},
		{name: "stars collapse", pattern: "a***b", s: "axxb", want: true},
		{name: "trailing stars", pattern: "abc**", s: "abc", want: true},
		{name: "star in middle", pattern: "h*llo", s: "heeeello", want: true},
		{name: "star needs suffix", pattern: "h*llo", s: "hellx", want: false},
		{name: "literal", pattern: "hello", s: "hello", want: true},
		{name: "literal case", pattern: "hello", s: "Hello", want: false},
		{name: "literal nocase", pattern: "hello", s: "HeLLo", nocase: true, want: true},
		{name: "question", pattern: "h?llo", s: "hallo", want: true},
		{name: "question needs a byte", pattern: "h?llo", s: "hllo", want: false},
		{name: "question matches NUL", pattern: "h?llo", s: "h\x00llo", want: true},
		{name: "set", pattern: "h[ae]llo", s: "hello", want: true},
		{name: "set miss", pattern: "h[ae]llo", s: "hillo", want: false},
		{name: "negated set", pattern: "h[^e]llo", s: "hallo", want: true},
		{name: "negated set miss", pattern: "h[^e]llo", s: "hello", want: false},
		{name: "range", pattern: "[a-c]", s: "b", want: true},
		{name: "range miss", pattern: "[a-c]", s: "d", want: false},
		{name: "reversed range", pattern: "[c-a]", s: "b", want: true},
		{name: "range nocase", pattern: "[A-C]", s: "b", nocase: true, want: true},
		{name: "range case", pattern: "[A-C]", s: "b", want: false},
		{name: "dash to bracket is a range", pattern: "[a-]", s: "^", want: true},
		{name: "dash to bracket includes a", pattern: "[a-]", s: "a", want: true},
		{name: "dash to bracket excludes dash", pattern: "[a-]", s: "-", want: false},
		{name: "dash range runs on", pattern: "[a-]x]", s: "x", want: true},
		{name: "escaped in set", pattern: `[\]]`, s: "]", want: true},
		{name: "escaped dash in set", pattern: `[a\-z]`, s: "-", want: true},
		{name: "escaped dash not a range", pattern: `[a\-z]`, s: "b", want: false},
		{name: "backslash last in set", pattern: `[\`, s: `\`, want: true},
		{name: "unterminated set", pattern: "h[a", s: "ha", want: true},
		{name: "unterminated set miss", pattern: "h[a", s: "hb", want: false},
		{name: "lone bracket", pattern: "[", s: "a", want: false},
		{name: "lone negated bracket", pattern: "[^", s: "a", want: true},
		{name: "empty set", pattern: "[]", s: "]", want: false},
		{name: "escaped star", pattern: `\*`, s: "*", want: true},
		{name: "escaped star literal", pattern: `\*`, s: "a", want: false},
		{name: "escaped question", pattern: `a\?c`, s: "abc", want: false},
		{name: "escaped backslash", pattern: `a\\b`, s: `a\b`, want: true},
		{name: "trailing backslash", pattern: `a\`, s: `a\`, want: true},
		{name: "trailing backslash miss", pattern: `a\`, s: "a", want: false},
		{name: "high bytes compare signed", pattern: "[\x80-\xff]", s: "\x90", want: true},
		{name: "signed range swaps", pattern: "[a-\xff]", s: "\x00", want: true},
		{name: "signed range excludes b", pattern: "[a-\xff]", s: "b", want: false},
		{name: "NUL in pattern", pattern: "a\x00b", s: "a\x00b", want: true},
		{name: "nocase only ASCII", pattern: "\xc9", s: "\xe9", nocase: true, want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Match([]byte(tc.pattern), []byte(tc.s), tc.nocase); got != tc.want {
				t.Errorf("Match(%q, %q, nocase=%v) = %v, want %v", tc.pattern, tc.s, tc.nocase, got, tc.want)
			}
		})
	}
}

// TestMatchNesting checks the depth limit: a '*' followed by more pattern
// costs one level, Redis gives up past 1000.
func TestMatchNesting(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		s       string
		want    bool
	}{
		{name: "1001 stars, last one free", pattern: strings.Repeat("a*", 1001), s: strings.Repeat("a", 1100), want: true},
		{name: "1002 stars", pattern: strings.Repeat("a*", 1002), s: strings.Repeat("a", 1100), want: false},
		{name: "1000 levels", pattern: strings.Repeat("*b", 1000), s: strings.Repeat("ab", 1100), want: true},
		{name: "1001 levels", pattern: strings.Repeat("*b", 1001), s: strings.Repeat("ab", 1100), want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Match([]byte(tc.pattern), []byte(tc.s), false); got != tc.want {
				t.Errorf("Match(len %d pattern, len %d subject) = %v, want %v", len(tc.pattern), len(tc.s), got, tc.want)
			}
		})
	}
}

// TestMatchNoBacktrackingBlowup would take exponential time without the
// shared give-up flag.
func TestMatchNoBacktrackingBlowup(t *testing.T) {
	pattern := []byte(strings.Repeat("a*", 30) + "b")
	s := []byte(strings.Repeat("a", 200))
	if Match(pattern, s, false) {
		t.Fatal("matched a subject without a b")
	}
}

func TestMatchAllocatesNothing(t *testing.T) {
	pattern, s := []byte("user:*:[a-z]?x*"), []byte("user:1234:session-x-y")
	if n := testing.AllocsPerRun(100, func() { Match(pattern, s, true) }); n != 0 {
		t.Errorf("Match allocates %v times per call", n)
	}
}

// FuzzMatch checks that no pattern panics or reads out of bounds, and that
// a pattern of plain bytes matches exactly itself.
func FuzzMatch(f *testing.F) {
	for _, seed := range []string{"*", "h?llo", "[a-]", "[^", `\`, "[z-a]x", "a*b*c"} {
		f.Add([]byte(seed), []byte("hello"))
	}
	f.Fuzz(func(t *testing.T, pattern, s []byte) {
		Match(pattern, s, false)
		Match(pattern, s, true)
		if !strings.ContainsAny(string(s), `*?[\`) && !Match(s, s, false) {
			t.Errorf("literal %q does not match itself", s)
		}
	})
}
