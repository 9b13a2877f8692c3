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

	"redis-fast/cpustat"
)

// process is a server the bench started. Stop ends it by PID.
type process struct {
	name string
	port int
	cmd  *exec.Cmd
	log  *logBuffer
	done chan struct{} // closed once the process has exited and been reaped
	cpu  threadClock
}

// threadClock adds up a process's CPU time in nanoseconds from each
// thread's /proc/<pid>/task/<tid>/schedstat, where /proc/<pid>/stat counts
// only in clock ticks of 10 ms: a run that costs a server 0.15 s of CPU is
// 15 ticks, and one tick either way is 7% of it. A thread that exits keeps
// the time it had at the last reading; only what it ran since is lost, and
// the servers here keep their threads.
type threadClock struct {
	mu      sync.Mutex
	threads map[string]int64 // tid: ns on CPU at the last reading
	gone    int64            // the last readings of threads that have exited
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

// cpuTime is the CPU time (user + system, all threads) the process has
// used: to the nanosecond from its threads' schedstat files, or in clock
// ticks from /proc/<pid>/stat where those cannot be read.
func (p *process) cpuTime() (time.Duration, error) {
	dir := "/proc/" + strconv.Itoa(p.cmd.Process.Pid)
	if d, err := p.cpu.read(dir + "/task"); err == nil {
		return d, nil
	}
	b, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return 0, err
	}
	return parseStat(b)
}

// read takes a reading of every thread under taskDir and returns the
// process's total so far.
func (c *threadClock) read(taskDir string) (time.Duration, error) {
	tids, err := os.ReadDir(taskDir)
	if err != nil {
		return 0, err
	}
	now := make(map[string]int64, len(tids))
	for _, t := range tids {
		b, err := os.ReadFile(taskDir + "/" + t.Name() + "/schedstat")
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue // it exited between the listing and the read
			}
			return 0, err
		}
		ns, err := parseSchedstat(b)
		if err != nil {
			return 0, err
		}
		now[t.Name()] = ns
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for tid, ns := range c.threads {
		if _, ok := now[tid]; !ok {
			c.gone += ns
		}
	}
	c.threads = now
	total := c.gone
	for _, ns := range now {
		total += ns
	}
	return time.Duration(total), nil
}

// parseSchedstat reads the first field of a schedstat file: the time the
// thread has run on a CPU, in nanoseconds.
func parseSchedstat(b []byte) (int64, error) {
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, errors.New("bench: empty schedstat")
	}
	ns, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bench: malformed schedstat %q", b)
	}
	return ns, nil
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
	return cpustat.Duration(utime + stime), nil
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
