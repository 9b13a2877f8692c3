package integration

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// expectClosed reads until the server closes the connection, failing if it
// sends another reply first.
func expectClosed(t *testing.T, c *rawConn) {
	t.Helper()
	if reply, err := c.ReadErr(); err == nil {
		t.Fatalf("got %q, want the connection closed", reply)
	}
}

func TestRequirePass(t *testing.T) {
	srv := startServer(t, "--requirepass", "secret")
	c := dialRaw(t, srv.Addr())
	steps := []struct {
		cmd  []string
		want string
	}{
		{[]string{"GET", "k"}, "-NOAUTH Authentication required.\r\n"},
		{[]string{"AUTH", "wrong"}, "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{[]string{"AUTH", "other", "secret"}, "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{[]string{"HELLO", "3"}, "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n"},
		{[]string{"AUTH", "secret"}, "+OK\r\n"},
		{[]string{"SET", "k", "v"}, "+OK\r\n"},
		{[]string{"GET", "k"}, "$1\r\nv\r\n"},
		{[]string{"RESET"}, "+RESET\r\n"},
		{[]string{"GET", "k"}, "-NOAUTH Authentication required.\r\n"},
	}
	for _, s := range steps {
		if got := c.Do(s.cmd...); got != s.want {
			t.Fatalf("%v = %q, want %q", s.cmd, got, s.want)
		}
	}
	for _, protocol := range []int{2, 3} {
		gc := redis.NewClient(&redis.Options{Addr: srv.Addr(), Password: "secret", Protocol: protocol})
		if got, err := gc.Get(context.Background(), "k").Result(); err != nil || got != "v" {
			t.Errorf("go-redis protocol %d: GET = %q, %v", protocol, got, err)
		}
		gc.Close()
	}
	// Before authenticating, Redis's smaller frame limits apply and break
	// the connection.
	u := dialRaw(t, srv.Addr())
	u.Send([]byte("*11\r\n"))
	if got := u.Read(); got != "-ERR Protocol error: unauthenticated multibulk length\r\n" {
		t.Fatalf("11 arguments unauthenticated: %q", got)
	}
	expectClosed(t, u)
}

func TestMaxClients(t *testing.T) {
	srv := startServer(t, "--maxclients", "2")
	a := dialRaw(t, srv.Addr())
	// The harness's PING that found the server ready may not be closed on
	// the server's side yet (another loop may hold it): until it is, it
	// counts against maxclients.
	eventually(t, "the first client is the only one", func() bool {
		return strings.Count(a.Do("CLIENT", "LIST"), "id=") == 1
	})
	b := dialRaw(t, srv.Addr())
	if got := b.Do("PING"); got != "+PONG\r\n" {
		t.Fatalf("second client got %q", got)
	}
	c := dialRaw(t, srv.Addr())
	if got, _ := c.ReadErr(); got != "-ERR max number of clients reached\r\n" {
		t.Fatalf("third client got %q", got)
	}
	expectClosed(t, c)
}

func TestProtocolErrorRepliesThenCloses(t *testing.T) {
	srv := startServer(t)
	cases := []struct{ name, in, want string }{
		{"multibulk length", "*x\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"bulk length", "*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"dollar", "*1\r\n+PING\r\n", "-ERR Protocol error: expected '$', got '+'\r\n"},
		{"quotes", "SET k \"v\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, srv.Addr())
			// The command before the bad frame is served first.
			c.Send([]byte("PING\r\n" + tc.in))
			if got := c.Read(); got != "+PONG\r\n" {
				t.Fatalf("reply before the error: %q", got)
			}
			if got := c.Read(); got != tc.want {
				t.Fatalf("error reply %q, want %q", got, tc.want)
			}
			expectClosed(t, c)
		})
	}
}

func TestQueryBufferLimitCloses(t *testing.T) {
	srv := startServer(t, "--client-query-buffer-limit", "1048576")
	c := dialRaw(t, srv.Addr())
	c.Send([]byte("*2\r\n$3\r\nGET\r\n$3000000\r\n"))
	chunk := []byte(strings.Repeat("x", 64<<10))
	for sent := 0; sent < 2<<20; sent += len(chunk) {
		if _, err := c.conn.Write(chunk); err != nil {
			break // closed already
		}
	}
	expectClosed(t, c)
	eventually(t, "the log names the reason", func() bool {
		return strings.Contains(srv.Log(), "max query buffer length")
	})
	// The server goes on serving others.
	if got := dialRaw(t, srv.Addr()).Do("PING"); got != "+PONG\r\n" {
		t.Fatalf("PING after: %q", got)
	}
}

func TestQuit(t *testing.T) {
	srv := startServer(t)
	c := dialRaw(t, srv.Addr())
	if got := c.Do("QUIT"); got != "+OK\r\n" {
		t.Fatalf("QUIT = %q", got)
	}
	expectClosed(t, c)
}

func TestClientReply(t *testing.T) {
	srv := startServer(t)
	c := dialRaw(t, srv.Addr())
	c.Send(encodeCommand("CLIENT", "REPLY", "OFF"))
	c.Send(encodeCommand("PING", "hidden"))
	c.Send(encodeCommand("CLIENT", "REPLY", "SKIP"))
	c.Send(encodeCommand("CLIENT", "REPLY", "ON"))
	c.Send(encodeCommand("CLIENT", "REPLY", "SKIP"))
	c.Send(encodeCommand("PING", "skipped"))
	c.Send(encodeCommand("PING", "shown"))
	if got := c.Read(); got != "+OK\r\n" {
		t.Fatalf("first reply %q, want the +OK of CLIENT REPLY ON", got)
	}
	if got := c.Read(); got != "$5\r\nshown\r\n" {
		t.Fatalf("second reply %q, want only the last PING's", got)
	}
}

func TestClientKillAndList(t *testing.T) {
	srv := startServer(t)
	victim, killer := dialRaw(t, srv.Addr()), dialRaw(t, srv.Addr())
	victim.Do("CLIENT", "SETNAME", "victim")
	id := strings.TrimSpace(strings.TrimPrefix(victim.Do("CLIENT", "ID"), ":"))
	list := killer.Do("CLIENT", "LIST")
	if !strings.Contains(list, "id="+id+" ") || !strings.Contains(list, "name=victim") {
		t.Fatalf("CLIENT LIST does not show the victim:\n%s", list)
	}
	if got := killer.Do("CLIENT", "KILL", "ID", id); got != ":1\r\n" {
		t.Fatalf("CLIENT KILL ID = %q", got)
	}
	expectClosed(t, victim)
	if got := killer.Do("CLIENT", "KILL", "ID", id); got != ":0\r\n" {
		t.Fatalf("second CLIENT KILL ID = %q", got)
	}
}

// TestClientCmdFieldMatchesRedis: the cmd= field of CLIENT LIST and CLIENT
// INFO, compared with Redis's: a client's own line names the command it is
// running (EXEC inside a transaction, even when the pipeline ran another
// command just before), another client's line the last one it finished.
func TestClientCmdFieldMatchesRedis(t *testing.T) {
	cmdField := func(line, reply string) string {
		t.Helper()
		for _, l := range strings.Split(reply, "\n") {
			if strings.Contains(l, line) {
				for _, f := range strings.Fields(l) {
					if strings.HasPrefix(f, "cmd=") {
						return f
					}
				}
			}
		}
		t.Fatalf("no line with %q in %q", line, reply)
		return ""
	}
	run := func(addr string) []string {
		self, other := dialRaw(t, addr), dialRaw(t, addr)
		self.Do("CLIENT", "SETNAME", "self")
		other.Do("CLIENT", "SETNAME", "other")
		other.Do("GET", "k")
		got := []string{
			cmdField("name=self", self.Do("CLIENT", "INFO")),
			cmdField("name=self", self.Do("CLIENT", "LIST")),
			cmdField("name=other", self.Do("CLIENT", "LIST")),
		}
		self.Send(encodeCommand("SET", "k", "v"))
		self.Send(encodeCommand("CLIENT", "INFO"))
		self.Read()
		got = append(got, cmdField("name=self", self.Read()))
		self.Do("MULTI")
		self.Do("CLIENT", "INFO")
		self.Do("CLIENT", "LIST")
		exec := self.Do("EXEC")
		got = append(got, cmdField("name=self", exec))
		// Redis notes a client's command when it looks the name up, before
		// any check: a refused command shows, an unknown one is NULL, and
		// a command queued in MULTI shows though it has not run.
		for _, argv := range [][]string{{"GET"}, {"NOSUCH"}, {"CLIENT", "NOSUCHSUB"},
			{"MULTI"}, {"SET", "k", "v"}, {"GET"}, {"DISCARD"}} {
			other.Do(argv...)
			got = append(got, strings.Join(argv, " ")+": "+cmdField("name=other", self.Do("CLIENT", "LIST")))
		}
		return got
	}
	fast, redis := run(startServer(t).Addr()), run(startRedis(t).Addr())
	if strings.Join(fast, " ") != strings.Join(redis, " ") {
		t.Fatalf("cmd= fields: redis-fast %v, Redis %v", fast, redis)
	}
}

// TestClientPauseWrite holds a write until CLIENT UNPAUSE while reads go on.
func TestClientPauseWrite(t *testing.T) {
	srv := startServer(t)
	admin, writer, reader := dialRaw(t, srv.Addr()), dialRaw(t, srv.Addr()), dialRaw(t, srv.Addr())
	if got := admin.Do("CLIENT", "PAUSE", "100000", "WRITE"); got != "+OK\r\n" {
		t.Fatalf("CLIENT PAUSE = %q", got)
	}
	writer.Send(encodeCommand("SET", "k", "v"))
	// Reads are served during the pause; the SET has not run.
	for i := 0; i < 3; i++ {
		if got := reader.Do("GET", "k"); got != "$-1\r\n" {
			t.Fatalf("GET during the pause = %q, want nil", got)
		}
	}
	if got := admin.Do("CLIENT", "UNPAUSE"); got != "+OK\r\n" {
		t.Fatalf("CLIENT UNPAUSE = %q", got)
	}
	if got := writer.Read(); got != "+OK\r\n" {
		t.Fatalf("held SET = %q", got)
	}
	if got := reader.Do("GET", "k"); got != "$1\r\nv\r\n" {
		t.Fatalf("GET after = %q", got)
	}
}

func TestMonitor(t *testing.T) {
	srv := startServer(t)
	mon, other := dialRaw(t, srv.Addr()), dialRaw(t, srv.Addr())
	if got := mon.Do("MONITOR"); got != "+OK\r\n" {
		t.Fatalf("MONITOR = %q", got)
	}
	other.Do("SET", "k", "a\"b\n")
	line := mon.Read()
	if !strings.HasSuffix(line, "\"SET\" \"k\" \"a\\\"b\\n\"\r\n") || !strings.HasPrefix(line, "+") || !strings.Contains(line, " [0 127.0.0.1:") {
		t.Fatalf("monitor line %q", line)
	}
}

func TestConfigFileAndRewrite(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "redis.conf")
	if err := os.WriteFile(conf, []byte("# test\nhz 15\nloglevel notice\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startServerIn(t, dir, conf)
	c := dialRaw(t, srv.Addr())
	if got := c.Do("CONFIG", "GET", "hz"); got != "*2\r\n$2\r\nhz\r\n$2\r\n15\r\n" {
		t.Fatalf("CONFIG GET hz = %q", got)
	}
	c.Do("CONFIG", "SET", "hz", "20", "slowlog-max-len", "7")
	if got := c.Do("CONFIG", "REWRITE"); got != "+OK\r\n" {
		t.Fatalf("CONFIG REWRITE = %q", got)
	}
	data, _ := os.ReadFile(conf)
	if !strings.Contains(string(data), "hz 20\n") || !strings.Contains(string(data), "slowlog-max-len 7\n") || !strings.Contains(string(data), "# test\n") {
		t.Fatalf("rewritten file:\n%s", data)
	}
	srv.Stop()
	again := startServerIn(t, dir, conf)
	if got := dialRaw(t, again.Addr()).Do("CONFIG", "GET", "slowlog-max-len"); got != "*2\r\n$15\r\nslowlog-max-len\r\n$1\r\n7\r\n" {
		t.Fatalf("after restart: %q", got)
	}
}

func TestBadConfigFileNamesTheLine(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "redis.conf")
	os.WriteFile(conf, []byte("port 7000\nno-such-directive yes\n"), 0o644)
	out, err := runBinary(t, conf)
	if err == nil {
		t.Fatalf("started with an unknown directive:\n%s", out)
	}
	if !strings.Contains(out, "redis.conf:2") || !strings.Contains(out, "no-such-directive") {
		t.Fatalf("the error does not name the line:\n%s", out)
	}
}

func TestShutdownCommand(t *testing.T) {
	srv := startServer(t)
	c := dialRaw(t, srv.Addr())
	c.Send(encodeCommand("SHUTDOWN", "NOSAVE"))
	expectClosed(t, c)
	select {
	case <-srv.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not exit after SHUTDOWN")
	}
}

func TestIdleTimeoutClosesClients(t *testing.T) {
	srv := startServer(t, "--timeout", "1")
	idle := dialRaw(t, srv.Addr())
	idle.Do("PING")
	// The server closes it after a second of silence; the read below waits
	// for that, however long the machine takes.
	expectClosed(t, idle)
}
