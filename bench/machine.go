package main

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// machine is what the report records about where and how it ran.
type machine struct {
	started               time.Time
	took                  time.Duration
	cores                 int
	model, kernel         string
	goVersion             string
	gomaxprocs            int // the bench program's own
	redisVersion          string
	benchmarkVersion      string
	fastLoops, fastProcs  string // redis-fast's loops and GOMAXPROCS, from its log
	fastAdaptive          string // ", adapting to the load up to N" when it does
	ceilLoops, ceilProcs  string
	loadBefore, loadAfter string    // /proc/loadavg, 1, 5 and 15 minutes
	git                   string    // the state of the work tree when the bench ran, if known
	built                 time.Time // the redis-fast binary's modification time
}

// loopsLine is how redis-fast and the ceiling log their loop count and
// GOMAXPROCS at start.
var loopsLine = regexp.MustCompile(`loops=(\d+), GOMAXPROCS=(\d+)`)

// adaptiveLine is how redis-fast says it adjusts GOMAXPROCS to its load.
var adaptiveLine = regexp.MustCompile(`adapting to the load, up to (\d+)`)

func describeMachine(root, server string) machine {
	m := machine{
		started:    time.Now(),
		cores:      runtime.NumCPU(),
		model:      cpuModel(),
		goVersion:  runtime.Version(),
		gomaxprocs: runtime.GOMAXPROCS(0),
		loadBefore: loadAverage(),
	}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		m.kernel = unix.ByteSliceToString(u.Sysname[:]) + " " + unix.ByteSliceToString(u.Release[:])
	}
	m.redisVersion = version("redis-server", "--version")
	m.benchmarkVersion = version("redis-benchmark", "--version")
	m.git = gitState(root)
	if fi, err := os.Stat(server); err == nil {
		m.built = fi.ModTime()
	}
	return m
}

// noteServers records the loop counts the servers logged at start.
func (m *machine) noteServers(f *fleet) {
	m.fastLoops, m.fastProcs = loopsOf(f.fast)
	if a := adaptiveLine.FindStringSubmatch(f.fast.log.String()); a != nil {
		m.fastAdaptive = ", adapting to the load up to " + a[1]
	}
	for _, p := range f.ceilings {
		m.ceilLoops, m.ceilProcs = loopsOf(p)
		break
	}
}

func loopsOf(p *process) (loops, procs string) {
	if m := loopsLine.FindStringSubmatch(p.log.String()); m != nil {
		return m[1], m[2]
	}
	return "?", "?"
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func loadAverage() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// version is the first line a tool prints for --version.
func version(tool, flag string) string {
	b, err := exec.Command(tool, flag).Output()
	if err != nil {
		return "?"
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return strings.TrimSpace(string(line))
}

// gitState is the commit of the working tree and whether it has changes.
// It only reads.
func gitState(root string) string {
	cmd := exec.Command("git", "rev-parse", "--short", "HEAD")
	cmd.Dir = root
	head, err := cmd.Output()
	if err != nil {
		return ""
	}
	state := strings.TrimSpace(string(head))
	// --no-optional-locks keeps status from refreshing the index on disk.
	cmd = exec.Command("git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no")
	cmd.Dir = root
	if dirty, err := cmd.Output(); err == nil && len(bytes.TrimSpace(dirty)) > 0 {
		state += " with uncommitted changes"
	}
	return state
}
