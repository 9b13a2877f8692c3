package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseCSV(t *testing.T) {
	out := `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"LPUSH (needed to benchmark LRANGE)","57142.86","0.443","0.112","0.431","0.607","0.807","0.943"
"LRANGE_100 (first 100 elements)","55555.56","0.478","0.232","0.447","0.671","0.775","1.055"
`
	f, err := parseCSV([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := figures{rps: 55555.56, avg: 0.478, p50: 0.447, p99: 0.775}
	if f != want {
		t.Errorf("got %+v, want %+v (the last row)", f, want)
	}
	for _, bad := range []string{"", `"test","rps"` + "\n", `"test","rps"` + "\n" + `"SET","x"` + "\n"} {
		if _, err := parseCSV([]byte(bad)); err == nil {
			t.Errorf("parseCSV(%q): no error", bad)
		}
	}
}

func TestServerError(t *testing.T) {
	out := "WARNING: Could not fetch server CONFIG\nError from server: ERR unknown command 'INCR', with args beginning with: 'x' \n"
	msg, ok := serverError(out)
	if !ok || msg != "ERR unknown command 'INCR', with args beginning with: 'x'" {
		t.Errorf("got %q, %v", msg, ok)
	}
	if _, ok := serverError("WARNING: Could not fetch server CONFIG\n"); ok {
		t.Error("a warning taken for an error reply")
	}
}

func TestParseStat(t *testing.T) {
	// The command name holds a space and a parenthesis; utime is 250 ticks
	// and stime 50.
	stat := "1234 (odd) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 100 0 0"
	got, err := parseStat([]byte(stat))
	if err != nil || got != 3*time.Second {
		t.Errorf("got %v, %v; want 3s", got, err)
	}
	if _, err := parseStat([]byte("1234 (x) S 1")); err == nil {
		t.Error("short stat: no error")
	}
}

func TestPairRatio(t *testing.T) {
	ok := func(round int, rps float64) sample {
		return sample{round: round, status: statusOK, figures: figures{rps: rps}}
	}
	fast := []sample{ok(0, 110), ok(1, 90), ok(2, 300), {round: 3, status: statusFailed}}
	redis := []sample{ok(0, 100), ok(1, 100), ok(2, 200), ok(3, 100)}
	// Per round: 1.1, 0.9, 1.5; round 3 has no pair; the median is 1.1.
	if got := pairRatio(fast, redis, rpsOf); math.Abs(got-1.1) > 1e-9 {
		t.Errorf("pairRatio = %v, want 1.1", got)
	}
	if got := pairRatio(nil, redis, rpsOf); !math.IsNaN(got) {
		t.Errorf("pairRatio with no pairs = %v, want NaN", got)
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		in   []float64
		want float64
	}{
		{name: "odd", in: []float64{3, 1, 2}, want: 2},
		{name: "even", in: []float64{4, 1, 3, 2}, want: 2.5},
		{name: "one", in: []float64{7}, want: 7},
	}
	for _, tc := range tests {
		if got := median(tc.in); got != tc.want {
			t.Errorf("name=%s in=%v: got %v, want %v", tc.name, tc.in, got, tc.want)
		}
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median(nil) is not NaN")
	}
}

func TestMatrix(t *testing.T) {
	o := options{requests: 25000, clients: 50, pipelines: []int{1, 16}, sizes: []int{3, 1024}}
	cells, err := matrix(o)
	if err != nil {
		t.Fatal(err)
	}
	sized := len(tests) - 1
	if want := sized*4 + 2; len(cells) != want {
		t.Fatalf("%d cells, want %d", len(cells), want)
	}
	requests := map[string]int{}
	for _, c := range cells {
		if min := o.clients * c.pipeline; c.requests < min {
			t.Errorf("cell=%s: %d requests, less than a pipeline per client (%d)", c, c.requests, min)
		}
		requests[c.String()] = c.requests
	}
	// The cells the CPU targets are judged on run four times as long.
	for cell, want := range map[string]int{"SET P16 3 B": 1000000, "GET P16 1 KiB": 1000000,
		"PING_MBULK P16 3 B": 250000, "SET P1 3 B": 25000} {
		if requests[cell] != want {
			t.Errorf("%s: %d requests, want %d", cell, requests[cell], want)
		}
	}
	o.quick = true
	quick, _ := matrix(o)
	if len(quick) != (len(quickTests)-1)*4+2 {
		t.Errorf("-quick: %d cells", len(quick))
	}
	for _, c := range quick {
		if c.test.key == "set" && c.pipeline > 1 && c.requests != 250000 {
			t.Errorf("-quick %s: %d requests, want 250000 (no longer runs)", c, c.requests)
		}
	}
	o.tests = "nosuch"
	if _, err := matrix(o); err == nil {
		t.Error("-tests nosuch: no error")
	}
}

func TestProcsRange(t *testing.T) {
	for _, tt := range []struct {
		in   []float64
		want string
	}{
		{nil, "-"},
		{[]float64{1, 1.01, 0.99}, "1.0"},
		{[]float64{1, 1.62, 1}, "1.0 / 1.6 / 1.0"},
	} {
		if got := procsRange(tt.in); got != tt.want {
			t.Errorf("procsRange(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestTargetBounds: a missed throughput target says the client bounds it
// only where redis-fast came close to the ceiling; a missed p99 target
// says the loop does.
func TestTargetBounds(t *testing.T) {
	set, get := testByKey("set"), testByKey("get")
	nearCeiling := summary{cell: cell{test: set, pipeline: 1, size: 3}, ratio: 0.97, ofCeiling: 0.99,
		ceilingRatio: 0.98, p99Ratio: 1.2, ceilingP99: 1.1}
	belowCeiling := summary{cell: cell{test: get, pipeline: 1, size: 3}, ratio: 0.90, ofCeiling: 0.85,
		ceilingRatio: 1.06, p99Ratio: 1.8, ceilingP99: 1.7}
	r := &results{sums: []summary{nearCeiling, belowCeiling}}
	var bounds []string
	for _, tg := range r.targets() {
		if tg.bound != "" {
			bounds = append(bounds, tg.bound)
		}
	}
	if len(bounds) != 2 || !strings.HasPrefix(bounds[0], "SET P1 3 B: the client bounds it") ||
		!strings.HasPrefix(bounds[1], "p99 at -P 1: the event loop bounds it") {
		t.Fatalf("bounds = %q; want the client's for SET (at 99%% of the ceiling), none for GET (at 85%%), and the loop's for p99", bounds)
	}
	// The worst p99 cell is GET's, where the ceiling's tail was as long.
	if !strings.Contains(bounds[1], "same tail in that cell (1.70x)") {
		t.Fatalf("p99 bound %q does not quote the ceiling's tail", bounds[1])
	}
	if b := p99Bound(0.95, nil); strings.Contains(b, "same tail") || !strings.Contains(b, "was 0.95x Redis's") ||
		strings.Contains(b, "twin") {
		t.Fatalf("p99 bound with a short ceiling tail and no twin: %q", b)
	}
	if b := p99Bound(0.95, []float64{1.6, 1.0, 1.2}); !strings.Contains(b, "over 1.5x Redis's p99 in 1 of the 3 cells") {
		t.Fatalf("p99 bound does not say the twin missed too: %q", b)
	}
	if b := p99Bound(0.95, []float64{1.4, 1.0}); strings.Contains(b, "twin") {
		t.Fatalf("p99 bound blames the noise though the twin stayed under 1.5x: %q", b)
	}
}

// TestThreadClock: the clock adds up its threads, and a thread that exits
// keeps what it had at the last reading.
func TestThreadClock(t *testing.T) {
	dir := t.TempDir()
	write := func(tid, stat string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(dir, tid), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, tid, "schedstat"), []byte(stat), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var c threadClock
	write("100", "1000 5 3\n")
	write("101", "250 0 1\n")
	if got, err := c.read(dir); err != nil || got != 1250 {
		t.Fatalf("first reading = %v, %v; want 1250ns", got, err)
	}
	write("100", "3000 5 3\n")
	if err := os.RemoveAll(filepath.Join(dir, "101")); err != nil {
		t.Fatal(err)
	}
	write("102", "40 0 1\n")
	if got, err := c.read(dir); err != nil || got != 3000+250+40 {
		t.Fatalf("after thread 101 exited = %v, %v; want 3290ns", got, err)
	}
	write("100", "x 5 3\n")
	if _, err := c.read(dir); err == nil {
		t.Fatal("a malformed schedstat was read")
	}
}

// TestRoundByRound: a missed rate target lists its rounds, so a single slow
// round can be seen, and a miss hidden by the rounding shows three
// decimals.
func TestRoundByRound(t *testing.T) {
	c := cell{test: testByKey("sintercard"), pipeline: 1, size: 3, requests: 1000}
	run := func(round, server int, rps float64, cpu time.Duration) sample {
		return sample{round: round, cell: 0, server: server, status: statusOK, figures: figures{rps: rps}, cpu: cpu}
	}
	samples := []sample{
		run(0, serverRedis, 100, 36*time.Millisecond), run(0, serverFast, 139, 26*time.Millisecond),
		run(1, serverFast, 102, 35*time.Millisecond), run(1, serverRedis, 100, 36*time.Millisecond),
		run(2, serverRedis, 100, 38*time.Millisecond), run(2, serverFast, 124.9, 31*time.Millisecond),
	}
	r := &results{cells: []cell{c}, samples: samples, sums: summarize([]cell{c}, samples)}
	ts := r.targets()
	if len(ts) == 0 || ts[0].verdict != "**not met**" {
		t.Fatalf("targets = %+v; want SINTERCARD's missed", ts)
	}
	if !strings.HasPrefix(ts[0].measured, "1.249x") {
		t.Errorf("measured = %q; want the deciding digit, 1.249x", ts[0].measured)
	}
	want := "round by round: 1.39x, 1.02x, 1.25x Redis's rate; redis-fast's CPU per request 26.0, 35.0, 31.0 µs against Redis's 36.0, 36.0, 38.0."
	if !strings.Contains(ts[0].bound, want) {
		t.Errorf("bound = %q; want it to contain %q", ts[0].bound, want)
	}
}
