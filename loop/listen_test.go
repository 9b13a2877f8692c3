package loop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// listenShared binds a SO_REUSEPORT listener, as each loop's is.
func listenShared(t *testing.T, addr string) net.Listener {
	t.Helper()
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func TestParseListener(t *testing.T) {
	for _, tc := range []struct {
		line  string
		port  int
		ip    string
		inode uint64
		ok    bool
	}{
		{"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0", 8080, "127.0.0.1", 4242, true},
		{"   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1 0", 8080, "0.0.0.0", 77, true},
		{"   2: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 5 1 0", 8080, "", 0, false}, // established, not listening
		{"   3: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6 1 0", 8080, "", 0, false}, // another port
		{"   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1 0", 8080, "::1", 99, true},
		{"garbage", 8080, "", 0, false},
	} {
		l, ok := parseListener(tc.line, tc.port)
		if ok != tc.ok {
			t.Errorf("parseListener(%q) ok = %v, want %v", tc.line, ok, tc.ok)
			continue
		}
		if ok && (!l.ip.Equal(net.ParseIP(tc.ip)) || l.inode != tc.inode) {
			t.Errorf("parseListener(%q) = %v %d, want %s %d", tc.line, l.ip, l.inode, tc.ip, tc.inode)
		}
	}
}

// TestPortAloneCountsListeners: the check wants exactly the listeners the
// server bound; one more, even this process's own (another server in the
// same process), means the port is shared.
func TestPortAloneCountsListeners(t *testing.T) {
	first := listenShared(t, "127.0.0.1:0")
	port := first.Addr().(*net.TCPAddr).Port
	listenShared(t, "127.0.0.1:"+strconv.Itoa(port))
	binds := []string{"127.0.0.1"}
	if shared, err := portAlone(binds, port, 2); err != nil || shared != "" {
		t.Fatalf("two listeners, two loops: %q, %v", shared, err)
	}
	if shared, err := portAlone(binds, port, 3); err == nil || shared != "127.0.0.1" {
		t.Fatalf("two listeners where three loops bound: %q, %v; want 127.0.0.1 named shared", shared, err)
	}
	listenShared(t, "127.0.0.1:"+strconv.Itoa(port))
	if _, err := portAlone(binds, port, 2); err == nil {
		t.Fatal("three listeners where two loops bound: no error")
	}
	// A wildcard listener on the port takes connections to 127.0.0.1 too.
	listenShared(t, "0.0.0.0:"+strconv.Itoa(port))
	if _, err := portAlone(binds, port, 3); err == nil {
		t.Fatal("a wildcard listener beside three loops: no error")
	}
}

// TestPortAloneSeesAnotherProcess: a listener of another process on the
// port fails the check, however many there are.
func TestPortAloneSeesAnotherProcess(t *testing.T) {
	if addr := os.Getenv("LISTEN_TEST_HOLD"); addr != "" {
		listenShared(t, addr)
		os.Stdout.WriteString("listening\n")
		io.Copy(io.Discard, os.Stdin) // until the parent closes the pipe
		return
	}
	ours := listenShared(t, "127.0.0.1:0")
	port := ours.Addr().(*net.TCPAddr).Port
	child := exec.Command(os.Args[0], "-test.run=^TestPortAloneSeesAnotherProcess$")
	child.Env = append(os.Environ(), "LISTEN_TEST_HOLD=127.0.0.1:"+strconv.Itoa(port))
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); child.Process.Kill(); child.Wait() })
	buf := make([]byte, len("listening\n"))
	if _, err := io.ReadFull(stdout, buf); err != nil {
		t.Fatalf("the child did not listen: %v", err)
	}
	if _, err := portAlone([]string{"127.0.0.1"}, port, 2); err == nil {
		t.Fatal("another process's listener on the port: no error")
	}
}

// TestEveryLoopListensOnThePort: the loops accept for themselves, each on
// its own SO_REUSEPORT listener, so they must all be on the one port even
// when the configuration asks for port 0; connections reach every loop.
func TestEveryLoopListensOnThePort(t *testing.T) {
	s := startTestServer(t)
	for i := range 32 {
		c, err := net.DialTimeout("tcp", s.Addr().String(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte("PING\r\n")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 7)
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "+PONG\r\n" {
			t.Fatalf("connection %d: %q, %v", i, buf, err)
		}
	}
	// The kernel spreads the 32 by a hash of their addresses: all on one
	// loop would happen once in two billion runs.
	if n := len(s.reactors.all()); n != 2 {
		t.Fatalf("connections reached %d loops; want both", n)
	}
}

// newTwoLoopServer makes a server of two loops on port 0, not yet
// serving, and the log it writes warnings to.
func newTwoLoopServer(t *testing.T) (*Server, *strings.Builder) {
	cfg := DefaultConfig()
	cfg.Port = 0
	cfg.Loops = 2
	cfg.Dir = t.TempDir()
	log := new(strings.Builder)
	return New(cfg, NewLogger(log, LevelWarning)), log
}

// TestServerGivesUpASharedPort: a second server that binds the port after
// this one's first check, as two started at the same moment would, makes
// this one stop with Redis's words instead of sharing its clients.
func TestServerGivesUpASharedPort(t *testing.T) {
	s, log := newTwoLoopServer(t)
	var port int // known once the loops listen
	s.portCheck = func(binds []string, p, loops int) (string, error) {
		port = p
		listenShared(t, "127.0.0.1:"+strconv.Itoa(port)) // the other server
		return portAlone(binds, port, loops)
	}
	serveRefused(t, s, log, func() int { return port })
}

// TestClientsWaitForThePortCheck: the loops accept before the check that
// the port is ours alone has run; a client that comes then is served only
// after it, and is closed unserved when the check fails.
func TestClientsWaitForThePortCheck(t *testing.T) {
	for _, alone := range []bool{true, false} {
		t.Run(fmt.Sprintf("alone=%v", alone), func(t *testing.T) {
			s, _ := newTwoLoopServer(t)
			ports, release := make(chan int, 1), make(chan struct{})
			s.portCheck = func(_ []string, port, _ int) (string, error) {
				ports <- port
				<-release
				if !alone {
					return "127.0.0.1", fmt.Errorf("another process listens on 127.0.0.1:%d", port)
				}
				return "", nil
			}
			served := make(chan error, 1)
			go func() { served <- s.Serve() }()
			t.Cleanup(func() {
				s.Shutdown(context.Background())
				<-served
			})
			port := <-ports
			c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Write([]byte("PING\r\n")); err != nil {
				t.Fatal(err)
			}
			c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			buf := make([]byte, 7)
			if n, err := c.Read(buf); n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("before the check: %q, %v; want no answer yet", buf[:n], err)
			}
			close(release)
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			n, err := io.ReadFull(c, buf)
			if alone && (err != nil || string(buf) != "+PONG\r\n") {
				t.Fatalf("after the check: %q, %v; want +PONG", buf[:n], err)
			}
			// Closed with the PING unread, the socket may answer with a
			// reset rather than an orderly end.
			if !alone && (n > 0 || (err != io.EOF && !errors.Is(err, syscall.ECONNRESET))) {
				t.Fatalf("after a failed check: %q, %v; want the connection closed", buf[:n], err)
			}
		})
	}
}
