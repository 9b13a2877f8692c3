package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// runTimeout bounds one redis-benchmark run, so a server that stops
// answering costs a cell, not the whole bench.
const runTimeout = time.Minute

// errTimeout is a run that did not finish in runTimeout.
var errTimeout = fmt.Errorf("redis-benchmark did not finish in %v", runTimeout)

// figures are one redis-benchmark CSV row.
type figures struct {
	rps, avg, p50, p99 float64 // requests/s and latencies in ms
}

// unsupportedError is a run that ended because the server answered a
// request with an error (redis-benchmark stops at the first one): the server
// cannot run this test yet.
type unsupportedError struct{ msg string }

func (e *unsupportedError) Error() string { return e.msg }

// runBenchmark runs redis-benchmark once (pinned to cpus when set) and
// returns its figures and its own CPU time.
func runBenchmark(ctx context.Context, cpus string, args []string) (figures, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	argv := pinned(cpus, append([]string{"redis-benchmark"}, args...))
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.WaitDelay = 5 * time.Second // after a kill, do not wait long for the pipes
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var client time.Duration
	if cmd.ProcessState != nil {
		client = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	out := stdout.String() + stderr.String()
	if msg, ok := serverError(out); ok {
		return figures{}, client, &unsupportedError{msg}
	}
	if ctx.Err() != nil {
		return figures{}, client, errTimeout
	}
	if err != nil {
		return figures{}, client, fmt.Errorf("redis-benchmark: %w: %s", err, strings.TrimSpace(tail(out)))
	}
	f, err := parseCSV(stdout.Bytes())
	return f, client, err
}

// serverError finds the error reply redis-benchmark reports before it
// exits: "Error from server: ERR unknown command ...".
func serverError(out string) (string, bool) {
	const prefix = "Error from server: "
	i := strings.Index(out, prefix)
	if i < 0 {
		return "", false
	}
	msg := out[i+len(prefix):]
	if j := strings.IndexByte(msg, '\n'); j >= 0 {
		msg = msg[:j]
	}
	return strings.TrimSpace(msg), true
}

// parseCSV reads redis-benchmark --csv output: a header, then one row per
// test; the last row is the one a single-test run measured.
func parseCSV(b []byte) (figures, error) {
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		return figures{}, fmt.Errorf("redis-benchmark CSV: %w", err)
	}
	if len(rows) < 2 {
		return figures{}, fmt.Errorf("redis-benchmark printed no result: %q", tail(string(b)))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	row := rows[len(rows)-1]
	var f figures
	for _, c := range []struct {
		name string
		dst  *float64
	}{{"rps", &f.rps}, {"avg_latency_ms", &f.avg}, {"p50_latency_ms", &f.p50}, {"p99_latency_ms", &f.p99}} {
		i, ok := col[c.name]
		if !ok || i >= len(row) {
			return figures{}, fmt.Errorf("redis-benchmark CSV has no %s column", c.name)
		}
		v, err := strconv.ParseFloat(row[i], 64)
		if err != nil {
			return figures{}, fmt.Errorf("redis-benchmark CSV %s: %w", c.name, err)
		}
		*c.dst = v
	}
	if f.rps <= 0 {
		return figures{}, errors.New("redis-benchmark measured no requests")
	}
	return f, nil
}
