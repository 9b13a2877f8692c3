package loop

import (
	"strconv"
	"testing"
)

// newBenchClient returns a server with no network and a client with no
// connection, to run commands straight through dispatch.
func newBenchClient(tb testing.TB) (*Server, *client) {
	tb.Helper()
	s := New(DefaultConfig(), NewLogger(testLog{tb}, LevelWarning))
	return s, s.newClient(nil)
}

func argvOf(words ...string) [][]byte {
	argv := make([][]byte, len(words))
	for i, w := range words {
		argv[i] = []byte(w)
	}
	return argv
}

// run dispatches one command and returns its reply.
func run(s *Server, cl *client, words ...string) string {
	cl.w.Buf = cl.w.Buf[:0]
	b := newBatch()
	s.dispatch(cl, argvOf(words...), &b)
	return string(cl.w.Buf)
}

func TestDispatchChecksInRedisOrder(t *testing.T) {
	s, cl := newBenchClient(t)
	tests := []struct {
		name string
		cmd  []string
		want string
	}{
		{name: "unknown", cmd: []string{"NOPE", "a"}, want: "-ERR unknown command 'NOPE', with args beginning with: 'a' \r\n"},
		{name: "arity", cmd: []string{"GET"}, want: "-ERR wrong number of arguments for 'get' command\r\n"},
		{name: "subcommand arity", cmd: []string{"CONFIG", "GET"}, want: "-ERR wrong number of arguments for 'config|get' command\r\n"},
		{name: "unknown subcommand", cmd: []string{"config", "nope"}, want: "-ERR unknown subcommand 'nope'. Try CONFIG HELP.\r\n"},
		{name: "mixed case", cmd: []string{"gEt", "k"}, want: "$-1\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(s, cl, tt.cmd...); got != tt.want {
				t.Fatalf("%v = %q, want %q", tt.cmd, got, tt.want)
			}
		})
	}
	cl.setAuthenticated(false)
	if got := run(s, cl, "GET"); got != "-ERR wrong number of arguments for 'get' command\r\n" {
		t.Fatalf("arity is checked before authentication: %q", got)
	}
	if got := run(s, cl, "GET", "k"); got != "-NOAUTH Authentication required.\r\n" {
		t.Fatalf("unauthenticated GET = %q", got)
	}
}

// TestDispatchAllocs holds the hot path to its promise: GET and SET of an
// existing key allocate nothing, from argv to reply.
func TestDispatchAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	s, cl := newBenchClient(t)
	run(s, cl, "SET", "key:000001", "xyz")
	for _, words := range [][]string{
		{"GET", "key:000001"},
		{"SET", "key:000001", "abc"},
		{"GET", "missing"},
		{"PING"},
	} {
		argv := argvOf(words...)
		b := newBatch()
		allocs := testing.AllocsPerRun(200, func() {
			cl.w.Buf = cl.w.Buf[:0]
			s.dispatch(cl, argv, &b)
		})
		if allocs != 0 {
			t.Errorf("%v allocates %.1f times per call, want 0", words, allocs)
		}
	}
}

func benchmarkDispatch(b *testing.B, words ...string) {
	s, cl := newBenchClient(b)
	for i := 0; i < 1000; i++ {
		run(s, cl, "SET", "key:"+strconv.Itoa(i), "xyz")
	}
	argv := argvOf(words...)
	bt := newBatch()
	b.ReportAllocs()
	for b.Loop() {
		cl.w.Buf = cl.w.Buf[:0]
		s.dispatch(cl, argv, &bt)
	}
}

func BenchmarkDispatchGet(b *testing.B)  { benchmarkDispatch(b, "GET", "key:500") }
func BenchmarkDispatchSet(b *testing.B)  { benchmarkDispatch(b, "SET", "key:500", "abc") }
func BenchmarkDispatchIncr(b *testing.B) { benchmarkDispatch(b, "INCR", "counter") }
func BenchmarkDispatchPing(b *testing.B) { benchmarkDispatch(b, "PING") }

// BenchmarkDispatchSintercard times the bench's server-bound cell:
// SINTERCARD over two 1000-member sets that share 500 members.
func BenchmarkDispatchSintercard(b *testing.B) {
	s, cl := newBenchClient(b)
	for i := 0; i < 1000; i++ {
		run(s, cl, "SADD", "s1", "m:"+strconv.Itoa(i))
		run(s, cl, "SADD", "s2", "m:"+strconv.Itoa(i+500))
	}
	argv := argvOf("SINTERCARD", "2", "s1", "s2")
	bt := newBatch()
	b.ReportAllocs()
	for b.Loop() {
		cl.w.Buf = cl.w.Buf[:0]
		s.dispatch(cl, argv, &bt)
	}
}
