package db

import (
	"strings"
	"testing"
)

func TestNotifyFlags(t *testing.T) {
	cases := []struct {
		in, out string
		bad     bool
	}{
		{in: "", out: ""},
		{in: "K", out: "K"},
		{in: "KEA", out: "AKE"},
		{in: "Ag", out: "A"},
		{in: "KEmn", out: "nKEm"},
		{in: "Elg$shzxetd", out: "AE"},
		{in: "Elg$", out: "g$lE"},
		{in: "AKEmnt", out: "AKEm"},
		{in: "KEQ", bad: true},
		{in: "K E", bad: true},
	}
	for _, c := range cases {
		f, err := ParseNotifyFlags(c.in)
		switch {
		case c.bad && err != ErrNotifyFlags:
			t.Errorf("in=%q: err %v, want ErrNotifyFlags", c.in, err)
		case !c.bad && err != nil:
			t.Errorf("in=%q: %v", c.in, err)
		case !c.bad && FormatNotifyFlags(f) != c.out:
			t.Errorf("in=%q: printed %q, want %q", c.in, FormatNotifyFlags(f), c.out)
		}
	}
}

// events runs line and returns the events it fired, as "class name key"
// without the class: "name key", in order.
func (x *tester) events(line string) string {
	x.t.Helper()
	x.do(line)
	var out []string
	for _, e := range x.ctx.TakeEvents() {
		out = append(out, e.Name+" "+string(e.Key))
	}
	return strings.Join(out, ", ")
}

func TestNotifyEvents(t *testing.T) {
	x := newTester(t)
	all, _ := ParseNotifyFlags("KEAmn")
	x.ks.Notify.Set(all)
	cases := []struct {
		line, want string
	}{
		{line: "SET a 1 EX 100", want: "new a, set a, expire a"},
		{line: "SET a 2", want: "set a"},
		{line: "GET nope", want: "keymiss nope"},
		{line: "RPUSH l x y", want: "new l, rpush l"},
		{line: "LMOVE l m LEFT LEFT", want: "new m, lpush m, lpop l"},
		{line: "LMOVE l m LEFT LEFT", want: "lpush m, lpop l, del l"},
		{line: "ZADD z 1 a", want: "new z, zadd z"},
		{line: "ZADD z 1 a", want: ""},
		{line: "ZADD z INCR 1 a", want: "zincr z"},
		{line: "ZPOPMIN z", want: "zpopmin z, del z"},
		{line: "RENAME a b", want: "new b, rename_from a, rename_to b"},
		{line: "EXPIRE b -1", want: "del b"},
		{line: "SADD s1 a", want: "new s1, sadd s1"},
		{line: "SINTERSTORE s2 s1", want: "new s2, sinterstore s2"},
		{line: "SINTERSTORE s2 s1", want: "sinterstore s2"},
		{line: "SINTERSTORE s2 nope", want: "keymiss nope, del s2"},
	}
	for _, c := range cases {
		if got := x.events(c.line); got != c.want {
			t.Errorf("%s: events %q, want %q", c.line, got, c.want)
		}
	}
	x.do("SET gone v PX 10")
	x.ctx.TakeEvents()
	x.advance(20)
	if got, want := x.events("GET gone"), "expired gone, keymiss gone"; got != want {
		t.Errorf("lazy expiry: events %q, want %q", got, want)
	}
	x.ks.Notify.Set(0)
	if got := x.events("SET quiet v"); got != "" {
		t.Errorf("with notifications off: events %q", got)
	}
}

func TestNotifyOffAllocatesNothing(t *testing.T) {
	x := newTester(t)
	x.do("SET k v")
	key := []byte("k")
	if allocs := testing.AllocsPerRun(100, func() { x.ctx.Notify(NotifyString, "set", key) }); allocs != 0 {
		t.Fatalf("Notify with notifications off allocates %.1f times", allocs)
	}
}
