package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAOFSmoke runs the appendonly scenario alone, tiny, end to end, and
// checks that its section of the report and its raw runs are written. It
// asserts nothing about speed.
func TestAOFSmoke(t *testing.T) {
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
		quick:    true,
		rounds:   1,
		requests: 2000,
		clients:  10,
		tests:    aofTest,
		out:      filepath.Join(dir, "results"),
		server:   server,
		root:     root,
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
	for _, want := range []string{"## With the append-only file", "| everysec | 16 | 3 B |", "AOF everysec ≥ 1.00x Redis"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("%s lacks %q:\n%s", reportFile, want, report)
		}
	}
	if strings.Contains(string(report), "failed") {
		t.Errorf("a run failed:\n%s", report)
	}
	runs, err := os.ReadFile(filepath.Join(o.out, aofFile))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(runs), "\n"); n != 1+numAOFServers {
		t.Errorf("%s has %d lines, want a header and %d runs:\n%s", aofFile, n, numAOFServers, runs)
	}
	if pids := children(); len(pids) > 0 {
		t.Errorf("processes left running after the bench: %v", pids)
	}
}
