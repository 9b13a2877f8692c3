package db

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// bulkArray is the RESP array of bulk strings holding elems.
func bulkArray(elems ...string) string {
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(elems)) + "\r\n")
	for _, e := range elems {
		b.WriteString("$" + strconv.Itoa(len(e)) + "\r\n" + e + "\r\n")
	}
	return b.String()
}

func TestSortList(t *testing.T) {
	x := newTester(t)
	x.mustInt("RPUSH l 3 1 2 10", 4)
	for _, tc := range []struct{ line, want string }{
		{line: "SORT l", want: bulkArray("1", "2", "3", "10")},
		{line: "SORT l DESC", want: bulkArray("10", "3", "2", "1")},
		{line: "SORT l ALPHA", want: bulkArray("1", "10", "2", "3")},
		{line: "SORT l LIMIT 1 2", want: bulkArray("2", "3")},
		{line: "SORT l LIMIT 4 2", want: bulkArray()},
		{line: "SORT l BY nosort", want: bulkArray("3", "1", "2", "10")},
		{line: "SORT l BY nosort DESC LIMIT 1 2", want: bulkArray("2", "1")},
		{line: "SORT_RO l LIMIT -1 1", want: bulkArray("1")},
		{line: "SORT missing", want: bulkArray()},
		{line: "SORT l STORE d", want: ":4\r\n"},
		{line: "LRANGE d 0 -1", want: bulkArray("1", "2", "3", "10")},
	} {
		x.expect(tc.line, tc.want)
	}
	x.mustErr("SORT_RO l STORE d", msgSyntax)
	x.mustErr("SORT l LIMIT 1", msgSyntax)
	x.mustErr("SORT l LIMIT x 1", msgNotInteger)
	x.mustOK("SET s v")
	x.mustErr("SORT s", msgWrongType)
	x.mustErr("SORT s LIMIT x 1", msgNotInteger) // options first
}

func TestSortPatterns(t *testing.T) {
	x := newTester(t)
	x.mustInt("RPUSH l a b c", 3)
	x.mustOK("MSET w_a 3 w_b 1 w_c 2 n_a A n_b B")
	x.mustInt("HSET h_a f 2 g x", 2)
	x.mustInt("HSET h_b f 1", 1)
	x.w.RESP3 = true
	for _, tc := range []struct{ line, want string }{
		{line: "SORT l BY w_*", want: bulkArray("b", "c", "a")},
		{line: "SORT l BY w_* GET # GET n_*", want: "*6\r\n$1\r\nb\r\n$1\r\nB\r\n$1\r\nc\r\n_\r\n$1\r\na\r\n$1\r\nA\r\n"},
		{line: "SORT l BY h_*->f GET h_*->g", want: "*3\r\n_\r\n_\r\n$1\r\nx\r\n"},
		{line: "SORT l BY n_* ALPHA", want: bulkArray("c", "a", "b")}, // missing weights first, in list order
		{line: "SORT l BY nokey_*", want: bulkArray("a", "b", "c")},
		{line: "SORT l BY nosort GET nostar", want: "*3\r\n_\r\n_\r\n_\r\n"},
	} {
		x.expect(tc.line, tc.want)
	}
}

// SORT ... STORE is logged as it came, and only when it changed something;
// the dirty counter counts the elements stored.
func TestSortStorePropagation(t *testing.T) {
	x := newTester(t)
	x.mustInt("RPUSH l 2 1", 2)
	x.mustOK("SET d old")
	x.mustInt("EXPIRE d 100", 1)
	x.logged()
	for _, tc := range []struct {
		line  string
		log   []string
		dirty int64
	}{
		{line: "SORT l", dirty: 0},
		{line: "SORT l STORE d", log: []string{"SORT l STORE d"}, dirty: 2},
		{line: "SORT missing STORE nothere"},
		{line: "SORT missing STORE d", log: []string{"SORT missing STORE d"}, dirty: 1},
		{line: "SORT l LIMIT 5 5 STORE d"},
	} {
		d0 := x.stats.Dirty.Load()
		x.do(tc.line)
		x.mustLog(tc.log...)
		if d := x.stats.Dirty.Load() - d0; d != tc.dirty {
			t.Errorf("%s: dirty +%d, want +%d", tc.line, d, tc.dirty)
		}
	}
	x.mustInt("EXISTS d", 0)
	x.mustInt("SORT l STORE d", 2)
	x.mustInt("TTL d", -1)
}

func TestSortScore(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{in: "", want: 0, ok: true},
		{in: " 5", want: 5, ok: true},
		{in: "\t-2.5", want: -2.5, ok: true},
		{in: "5 ", ok: false},
		{in: "5\x00junk", want: 5, ok: true},
		{in: "0x10", want: 16, ok: true},
		{in: "inf", want: 1 / zero(), ok: true},
		{in: "nan", ok: false},
		{in: "1e400", ok: false},
		{in: "1e-310", ok: false},
		{in: "1e-400", ok: false},
		{in: "0e-400", want: 0, ok: true},
		{in: "   ", ok: false},
		{in: "abc", ok: false},
	} {
		got, ok := sortScore([]byte(tc.in))
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("sortScore(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func zero() float64 { return 0 }

func TestSortKeys(t *testing.T) {
	for _, tc := range []struct {
		line string
		want []int
	}{
		{line: "SORT k", want: []int{1}},
		{line: "SORT k STORE d", want: []int{1, 3}},
		{line: "SORT k STORE d STORE e", want: []int{1, 5}},
		{line: "SORT k LIMIT 0 1 STORE d", want: []int{1, 6}},
		{line: "SORT k GET STORE x", want: []int{1}},
		{line: "SORT k BY STORE STORE d", want: []int{1, 5}},
		{line: "SORT k STORE", want: []int{1}},
	} {
		if got := sortKeys(nil, bytes.Fields([]byte(tc.line))); !slices.Equal(got, tc.want) {
			t.Errorf("%s: keys %v, want %v", tc.line, got, tc.want)
		}
	}
}

// Numbers that fail to parse still leave the elements sorted, but the reply
// is the error, and nothing is stored.
func TestSortBadScores(t *testing.T) {
	x := newTester(t)
	x.mustInt("RPUSH l 1 x 1e-310", 3)
	x.mustErr("SORT l", msgSortNotDouble)
	x.mustErr("SORT l STORE d", msgSortNotDouble)
	x.mustInt("EXISTS d", 0)
	x.expect("SORT l ALPHA", bulkArray("1", "1e-310", "x"))
}
