package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clockTicks is sysconf(_SC_CLK_TCK), the unit of utime and stime in
// /proc/<pid>/stat. Linux fixes it at 100 for user space (USER_HZ) whatever
// the kernel's own HZ, and golang.org/x/sys has no sysconf to ask.
const clockTicks = 100

// process is a server the bench started. Stop ends it by PID.
type process struct {
	name string
	port int
	cmd  *exec.Cmd
	log  *logBuffer
	done chan struct{} // closed once the process has exited and been reaped
}

// logBuffer collects a process's output; it is safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// freePort returns a loopback TCP port nobody listens on right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// pinned prefixes argv with taskset when cpus is a CPU list. taskset execs
// the program, so the PID stays the program's.
func pinned(cpus string, argv []string) []string {
	if cpus == "" {
		return argv
	}
	return append([]string{"taskset", "-c", cpus}, argv...)
}

// startProcess runs argv (with the port it listens on) and waits until it
// answers PING. The caller must Stop it.
func startProcess(name string, argv []string, port int, dir string) (*process, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	p := &process{name: name, port: port, cmd: cmd, log: &logBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() { cmd.Wait(); close(p.done) }()
	if err := p.waitReady(20 * time.Second); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

// waitReady polls PING until the server answers or exits.
func (p *process) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before answering PING:\n%s", p.name, tail(p.log.String()))
		default:
		}
		if ping(p.port, time.Second) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s on port %d did not answer PING in %v:\n%s", p.name, p.port, timeout, tail(p.log.String()))
}

// answers reports whether the server answers PING within two seconds.
func (p *process) answers() bool { return ping(p.port, 2*time.Second) }

// alive reports whether the process is still running.
func (p *process) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Stop sends SIGTERM, waits, and sends SIGKILL if the process does not exit.
func (p *process) Stop() {
	if !p.alive() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// cpuTime is the CPU time (user + system, all threads) the process has used.
func (p *process) cpuTime() (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/stat")
	if err != nil {
		return 0, err
	}
	return parseStat(b)
}

// parseStat reads utime and stime, fields 14 and 15 of /proc/<pid>/stat.
// The second field, the command name, may hold spaces and parentheses, so
// the count starts after its last ')'.
func parseStat(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("bench: malformed /proc stat")
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3, the state
	if len(f) < 13 {
		return 0, errors.New("bench: short /proc stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("bench: malformed utime or stime in /proc stat")
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// rss is the process's resident set size in bytes (VmRSS).
func (p *process) rss() (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("bench: no VmRSS in /proc status")
}

// tail is the end of a log, for error messages.
func tail(s string) string {
	const keep = 2000
	if len(s) > keep {
		return "..." + s[len(s)-keep:]
	}
	return s
}

// goBuild builds a package of the module into out.
func goBuild(ctx context.Context, root, pkg, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return nil
}
