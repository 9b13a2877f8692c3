package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBgsaveSmoke runs the BGSAVE scenario alone, tiny, end to end, and
// checks that its section of the report and its raw runs are written. It
// asserts nothing about speed.
func TestBgsaveSmoke(t *testing.T) {
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
		keys:     20000,
		clients:  10,
		tests:    bgsaveTest,
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
	for _, want := range []string{"## BGSAVE (issue 6)", "| Redis | 20000 | ", "| redis-fast | 20000 | "} {
		if !strings.Contains(string(report), want) {
			t.Errorf("%s lacks %q:\n%s", reportFile, want, report)
		}
	}
	if strings.Contains(string(report), "failed") {
		t.Errorf("a run failed:\n%s", report)
	}
	runs, err := os.ReadFile(filepath.Join(o.out, bgsaveFile))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(runs), "\n"); n != 3 {
		t.Errorf("%s has %d lines, want a header and 2 runs:\n%s", bgsaveFile, n, runs)
	}
	if pids := children(); len(pids) > 0 {
		t.Errorf("processes left running after the bench: %v", pids)
	}
}

func TestBgsaveWindow(t *testing.T) {
	const m = time.Millisecond
	samples := []probeSample{
		{start: 0, took: 1 * m},        // before
		{start: 2 * m, took: 1 * m},    // before: ends as BGSAVE is sent
		{start: 9 * m, took: 40 * m},   // waits on BGSAVE's own reply
		{start: 20 * m, took: 2 * m},   // inside
		{start: 99 * m, took: 3 * m},   // ends after the window
		{start: 100 * m, took: 50 * m}, // starts as the window ends
	}
	during, before := window(samples, 3*m, 100*m)
	if want := (latencies{requests: 3, worst: 40, p99: 3}); during != want {
		t.Errorf("during: got %+v, want %+v", during, want)
	}
	if want := (latencies{requests: 2, worst: 1, p99: 1}); before != want {
		t.Errorf("before: got %+v, want %+v", before, want)
	}
	if during, before := window(nil, 0, m); during != (latencies{}) || before != (latencies{}) {
		t.Errorf("no samples: got %+v and %+v, want zeros", during, before)
	}
}

func TestBgsaveDone(t *testing.T) {
	for _, tc := range []struct {
		name, info string
		done, err  bool
	}{
		{name: "running", info: "# Persistence\r\nloading:0\r\nrdb_bgsave_in_progress:1\r\nrdb_last_bgsave_status:ok\r\n"},
		{name: "done", info: "# Persistence\r\nrdb_bgsave_in_progress:0\r\nrdb_last_bgsave_status:ok\r\n", done: true},
		{name: "failed", info: "rdb_bgsave_in_progress:0\r\nrdb_last_bgsave_status:err\r\n", err: true},
		{name: "no status", info: "rdb_bgsave_in_progress:0\r\n", err: true},
		{name: "no progress field", info: "# Persistence\r\nloading:0\r\n", err: true},
	} {
		done, err := bgsaveDone(tc.info)
		if done != tc.done || (err != nil) != tc.err {
			t.Errorf("%s: got done=%v err=%v, want done=%v err=%v", tc.name, done, err, tc.done, tc.err)
		}
	}
}

// bgsaveResults are two rounds on each server, one of redis-fast's failed.
func bgsaveResults() *results {
	run := func(srv, round int, took time.Duration, worst, p99 float64, dump int64, fork int64, err string) bgsaveRun {
		return bgsaveRun{server: srv, round: round, keys: 1000000, took: took,
			during: latencies{requests: 100, worst: worst, p99: p99}, before: latencies{requests: 50, worst: 1, p99: 0.25},
			dump: dump, forkUsec: fork, err: err}
	}
	return &results{bgsave: []bgsaveRun{
		run(serverRedis, 0, 900*time.Millisecond, 20, 1.5, 24_000_000, 8000, ""),
		run(serverFast, 0, 600*time.Millisecond, 5, 0.5, 25_000_000, 0, ""),
		run(serverFast, 1, 0, 0, 0, -1, -1, "BGSAVE not done after 2m0s"),
		run(serverRedis, 1, 1100*time.Millisecond, 30, 2.5, 24_000_000, 12000, ""),
	}}
}

func TestWriteBgsave(t *testing.T) {
	var b strings.Builder
	r := bgsaveResults()
	r.writeBgsave(&mdWriter{w: &b})
	got := b.String()
	for _, want := range []string{
		"## BGSAVE (issue 6)",
		"| Redis | 1000000 | 1000.00 | 25.00 | 2.00 | 24.0 |  | 2 |",
		"| redis-fast | 1000000 | 600.00 | 5.00 | 0.50 | 25.0 | 0.25x | 1 |",
		"p99 was 0.25 ms on Redis and 0.25 ms on redis-fast",
		"Redis's fork itself took 10.00 ms",
		"- redis-fast, round 2: `BGSAVE not done after 2m0s`",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the section lacks %q:\n%s", want, got)
		}
	}

	b.Reset()
	r.bgsave = r.bgsave[2:3]
	r.writeBgsave(&mdWriter{w: &b})
	if want := "| redis-fast | 1000000 | failed: BGSAVE not done after 2m0s | | | | | 0 |"; !strings.Contains(b.String(), want) {
		t.Errorf("with no good run, the section lacks %q:\n%s", want, b.String())
	}

	b.Reset()
	(&results{}).writeBgsave(&mdWriter{w: &b})
	if b.Len() != 0 {
		t.Errorf("with no runs, wrote %q", b.String())
	}
}

func TestWriteBgsaveRuns(t *testing.T) {
	var b strings.Builder
	if err := bgsaveResults().writeBgsaveRuns(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("got %d lines, want a header and 4 runs:\n%s", len(lines), b.String())
	}
	if want := "1,Redis,1000000,900,100,20,1.5,50,1,0.25,24000000,8000,"; lines[1] != want {
		t.Errorf("first run: got %q, want %q", lines[1], want)
	}
}

func TestBgsaveSelected(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tests string
		keys  int
		want  bool
	}{
		{name: "everything", keys: 1000, want: true},
		{name: "alone", tests: "bgsave", keys: 1000, want: true},
		{name: "in a list", tests: "set, BGSAVE", keys: 1000, want: true},
		{name: "not listed", tests: "set,aof", keys: 1000},
		{name: "no keys", tests: "bgsave"},
	} {
		o := options{tests: tc.tests, keys: tc.keys}
		if got := o.bgsaveWanted(); got != tc.want {
			t.Errorf("%s: -tests %q -keys %d: bgsaveWanted() = %v, want %v", tc.name, tc.tests, tc.keys, got, tc.want)
		}
	}
	if !known("bgsave") {
		t.Error(`known("bgsave") = false`)
	}
}
