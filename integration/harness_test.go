package integration

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the redis-fast binary TestMain builds for every test.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "redis-fast-integration")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "redis-fast")
	args := []string{"build", "-tags", "invariants", "-o", binary}
	if os.Getenv("RACE") == "1" {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "..")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building redis-fast:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// freePort returns a loopback TCP port nobody listens on right now.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// process is a server the test started; Stop ends it by PID.
type process struct {
	t    testing.TB
	cmd  *exec.Cmd
	Port int
	Dir  string
	log  *syncBuffer
	done chan struct{}
}

// Addr is the server's host:port.
func (p *process) Addr() string { return "127.0.0.1:" + strconv.Itoa(p.Port) }

// Log returns what the server printed so far.
func (p *process) Log() string { return p.log.String() }

// Stop sends SIGTERM, waits, and sends SIGKILL if the process does not exit.
func (p *process) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// Kill ends the process with SIGKILL, as a crash would.
func (p *process) Kill() {
	p.cmd.Process.Kill()
	<-p.done
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServer starts redis-fast on a free port in a fresh directory, waits
// until it answers PING, and stops it when the test ends (dumping its log if
// the test failed).
func startServer(t testing.TB, args ...string) *process {
	t.Helper()
	dir := t.TempDir()
	return startServerIn(t, dir, args...)
}

// startServerIn is startServer with a chosen directory, for restarts.
func startServerIn(t testing.TB, dir string, args ...string) *process {
	t.Helper()
	return launch(t, dir, func(port int) (string, []string, []byte) {
		return binary, append([]string{"--port", strconv.Itoa(port), "--dir", dir}, args...), nil
	})
}

// launch starts the server command gives for a free port and waits until
// it answers PING. Tests pick their ports on their own and run in
// parallel, so a port free when picked can be taken before the server
// binds it: a server that exits saying so starts again on another port.
func launch(t testing.TB, dir string, command func(port int) (path string, args []string, stdin []byte)) *process {
	t.Helper()
	for attempt := 1; ; attempt++ {
		port := freePort(t)
		path, args, stdin := command(port)
		p := start(t, path, args, stdin, port, dir)
		err := waitReady(p)
		if err == nil {
			return p
		}
		if attempt < 3 && errors.Is(err, errExited) && strings.Contains(p.Log(), "Address already in use") {
			t.Logf("port %d was taken before %s bound it; another one", port, filepath.Base(path))
			continue
		}
		t.Fatalf("%v:\n%s", err, p.Log())
	}
}

// start runs the server and stops it when the test ends (dumping its log
// if the test failed).
func start(t testing.TB, path string, args []string, stdin []byte, port int, dir string) *process {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	p := &process{t: t, cmd: cmd, Port: port, Dir: dir, log: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.Stop()
		if strings.Contains(p.Log(), "WARNING: DATA RACE") {
			t.Errorf("the race detector reported a data race in %s", filepath.Base(path))
		}
		if t.Failed() {
			t.Logf("log of %s on port %d:\n%s", filepath.Base(path), port, p.Log())
		}
	})
	return p
}

var errExited = errors.New("server exited before answering PING")

// waitReady polls PING until the server answers or exits.
func waitReady(p *process) error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return errExited
		default:
		}
		c, err := net.DialTimeout("tcp", p.Addr(), time.Second)
		if err == nil {
			c.SetDeadline(time.Now().Add(2 * time.Second))
			c.Write([]byte("PING\r\n"))
			line, err := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if err == nil && (strings.HasPrefix(line, "+PONG") || strings.HasPrefix(line, "-NOAUTH")) {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("server on port %d did not answer PING", p.Port)
}

// redisServerPath returns the real redis-server, or skips the test (fails
// it, under REQUIRE_REDIS=1) when there is none.
func redisServerPath(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("REQUIRE_REDIS") == "1" {
			t.Fatal("redis-server is not on PATH (apt-get install -y redis-server redis-tools)")
		}
		t.Skip("redis-server is not on PATH; install it with apt-get install -y redis-server redis-tools")
	}
	return path
}

// startRedis starts a real redis-server as an oracle: loopback, a free
// port, no persistence, its configuration piped through stdin.
func startRedis(t testing.TB, extraConfig ...string) *process {
	t.Helper()
	return launchRedis(t, t.TempDir(), append([]string{"appendonly no", "enable-debug-command yes"}, extraConfig...)...)
}

// launchRedis starts a real redis-server in dir on loopback and a free
// port, without RDB saves, with settings after those.
func launchRedis(t testing.TB, dir string, settings ...string) *process {
	t.Helper()
	path := redisServerPath(t)
	return launch(t, dir, func(port int) (string, []string, []byte) {
		conf := append([]string{"port " + strconv.Itoa(port), "bind 127.0.0.1", "dir " + dir, `save ""`}, settings...)
		return path, []string{"-"}, []byte(strings.Join(conf, "\n") + "\n")
	})
}

// runBinary runs redis-fast to completion (for start-up failures) and
// returns what it printed.
func runBinary(t testing.TB, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = t.TempDir()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return "", err
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		return out.String(), nil
	}
}

// eventually polls cond until it holds, failing the test after a generous
// deadline; for effects another process makes visible a little later.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
