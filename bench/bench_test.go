package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// needTools skips the test when the Redis tools are missing, or fails it
// under REQUIRE_REDIS=1, as the integration tests do.
func needTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"redis-server", "redis-benchmark"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("REQUIRE_REDIS") == "1" {
				t.Fatalf("%s is not on PATH (%s)", tool, installHint)
			}
			t.Skipf("%s is not on PATH; install it with %s", tool, installHint)
		}
	}
}

// TestSmoke runs one tiny cell end to end against all four servers (Redis's
// twin included) and checks that the report, the chart and the raw runs are
// written. It asserts nothing about speed.
func TestSmoke(t *testing.T) {
	needTools(t)
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	server := filepath.Join(dir, "redis-fast")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := goBuild(ctx, root, ".", server); err != nil {
		t.Fatal(err)
	}
	o := options{
		rounds:    1,
		requests:  2000,
		keys:      2000,
		clients:   10,
		tests:     "set",
		twin:      true,
		profile:   true,
		pipelines: []int{1},
		sizes:     []int{3},
		out:       filepath.Join(dir, "results"),
		server:    server,
		root:      root,
	}
	if err := o.complete(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { killChildren(t) })
	var log strings.Builder
	if err := run(ctx, o, &log); err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	report, err := os.ReadFile(filepath.Join(o.out, reportFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Throughput and cost", "| SET | 1 | 3 B |", "## Memory", "| Redis twin |",
		"## Where the CPU goes", "| write(2) |"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("%s lacks %q:\n%s", reportFile, want, report)
		}
	}
	for _, name := range []string{chartFile, runsFile} {
		if fi, err := os.Stat(filepath.Join(o.out, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", name, err)
		}
	}
	// The profiles are real ones: the classifier must find the system
	// calls every request makes in Go's own stacks, whatever their names
	// are in this Go and this gnet.
	for _, server := range []int{serverFast, serverCeiling} {
		run := profileRun{cell: cell{test: testByKey("set"), pipeline: 1, size: 3}, server: server, requests: 1}
		raw, err := os.ReadFile(filepath.Join(o.out, run.fileName()))
		if err != nil {
			t.Errorf("%s's profile: %v", serverNames[server], err)
			continue
		}
		run.raw = raw
		if err := run.read(); err != nil {
			t.Errorf("%s's profile: %v", serverNames[server], err)
		} else if run.cpu[inWrite] == 0 || run.cpu[inRead] == 0 {
			t.Errorf("%s's profile has no write(2) or no read(2) time: %v", serverNames[server], run.cpu)
		}
	}
	if strings.Contains(string(report), "| SET | 1 | 3 B | failed") || strings.Contains(string(report), "## Unsupported and failed") {
		t.Errorf("a server failed the SET cell:\n%s", report)
	}
	if pids := children(); len(pids) > 0 {
		t.Errorf("processes left running after the bench: %v", pids)
	}
}

// children lists the PIDs of this process's live (not zombie) children.
func children() []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var pids []int
	for _, f := range stats {
		b, err := os.ReadFile(f)
		i := bytes.LastIndexByte(b, ')')
		if err != nil || i < 0 {
			continue
		}
		fields := strings.Fields(string(b[i+1:])) // state, ppid, ...
		if len(fields) > 1 && fields[0] != "Z" && fields[1] == strconv.Itoa(os.Getpid()) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(f)))
			pids = append(pids, pid)
		}
	}
	return pids
}

// killChildren ends, by PID, any child a failed run left behind.
func killChildren(t *testing.T) {
	for _, pid := range children() {
		t.Logf("killing leftover process %d", pid)
		syscall.Kill(pid, syscall.SIGKILL)
	}
}
