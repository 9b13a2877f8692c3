package db

import (
	"strconv"
	"strings"
	"testing"

	"redis-fast/proto"
)

// tester runs commands against a keyspace without a network, with a clock
// the test moves by hand. Replies come back as raw RESP, as a client would
// read them.
type tester struct {
	t     *testing.T
	ks    *Keyspace
	w     proto.Writer
	ctx   Ctx
	stats Stats
	cmds  map[string]*Command
	now   int64
}

func newTester(t *testing.T) *tester {
	x := &tester{t: t, ks: NewKeyspace(DefaultDatabases), cmds: map[string]*Command{}, now: 1_700_000_000_000}
	x.ks.Log.Enable()
	for _, group := range Groups() {
		for i := range group {
			x.cmds[group[i].Name] = &group[i]
		}
	}
	x.ctx = Ctx{W: &x.w, DB: x.ks.DB(0), KS: x.ks, Stats: &x.stats}
	return x
}

// fork returns a tester on the same keyspace with a context of its own, to
// run commands from another goroutine.
func (x *tester) fork() *tester {
	y := &tester{t: x.t, ks: x.ks, cmds: x.cmds, now: x.now}
	y.ctx = Ctx{W: &y.w, DB: x.ks.DB(0), KS: x.ks, Stats: &y.stats}
	return y
}

// advance moves the clock forward by ms milliseconds.
func (x *tester) advance(ms int64) { x.now += ms }

// selectDB switches the database the next commands run in.
func (x *tester) selectDB(i int) { x.ctx.DB = x.ks.DB(i) }

// do runs one command line (redis-cli quoting) and returns the raw reply.
// It checks arity as the dispatcher does and locks every shard, so handlers
// run as they would in the server.
func (x *tester) do(line string) string {
	x.t.Helper()
	var p proto.Parser
	args, _, _, err := p.Parse([]byte(line + "\n"))
	if err != nil || len(args) == 0 {
		x.t.Fatalf("bad command line %q: %v", line, err)
	}
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = append([]byte(nil), a...)
	}
	cmd := x.cmds[strings.ToLower(string(argv[0]))]
	if cmd == nil {
		x.t.Fatalf("%q: no such data command", line)
	}
	if cmd.Arity > 0 && len(argv) != cmd.Arity || len(argv) < -cmd.Arity {
		return "-ERR wrong number of arguments for '" + cmd.Name + "' command\r\n"
	}
	x.w.Buf = x.w.Buf[:0]
	x.ctx.Begin(argv, x.now)
	if cmd.Flags&MultiDB != 0 {
		cmd.Run(&x.ctx, argv)
	} else {
		d := x.ctx.DB
		d.Lock(EveryShard, true)
		if cmd.Flags&Write != 0 {
			x.ks.Preserve(d, argv, cmd.KeyIndexes(nil, argv))
		}
		cmd.Run(&x.ctx, argv)
		x.ctx.FlushLog()
		d.Unlock(EveryShard, true)
	}
	if x.ctx.HasExpired() {
		x.ctx.ReclaimExpired()
	}
	return string(x.w.Buf)
}

func (x *tester) expect(line, want string) {
	x.t.Helper()
	if got := x.do(line); got != want {
		x.t.Errorf("%s\n  got  %q\n  want %q", line, got, want)
	}
}

func (x *tester) mustOK(line string)  { x.t.Helper(); x.expect(line, "+OK\r\n") }
func (x *tester) mustNil(line string) { x.t.Helper(); x.expect(line, "$-1\r\n") }

func (x *tester) mustInt(line string, n int64) {
	x.t.Helper()
	x.expect(line, ":"+strconv.FormatInt(n, 10)+"\r\n")
}

func (x *tester) mustBulk(line, s string) {
	x.t.Helper()
	x.expect(line, "$"+strconv.Itoa(len(s))+"\r\n"+s+"\r\n")
}

func (x *tester) mustErr(line, msg string) {
	x.t.Helper()
	x.expect(line, "-"+msg+"\r\n")
}

// logged returns the write log's contents since the last call, as the
// commands in it (one string per command, arguments joined by spaces).
func (x *tester) logged() []string {
	x.t.Helper()
	raw, _ := x.ks.Log.Drain(nil)
	var out []string
	var p proto.Parser
	for off := 0; off < len(raw); {
		args, n, _, err := p.Parse(raw[off:])
		if err != nil || n == 0 {
			x.t.Fatalf("write log does not parse at %d: %q", off, raw[off:])
		}
		words := make([]string, len(args))
		for i, a := range args {
			words[i] = string(a)
		}
		out = append(out, strings.Join(words, " "))
		off += n
	}
	return out
}

func (x *tester) mustLog(want ...string) {
	x.t.Helper()
	got := x.logged()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		x.t.Errorf("write log\n  got  %q\n  want %q", got, want)
	}
}
