package main

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestTwin: the twin's ratios come from its own runs against Redis's, round
// by round; its columns and its line in the p99 target appear only when it
// ran, and a run without it does not list it as failed.
func TestTwin(t *testing.T) {
	cells := []cell{{test: testByKey("set"), pipeline: 1, size: 3, requests: 1000}}
	run := func(round, server int, rps, p99 float64, cpu time.Duration) sample {
		return sample{round: round, cell: 0, server: server, status: statusOK,
			figures: figures{rps: rps, p99: p99}, cpu: cpu}
	}
	samples := []sample{
		run(0, serverRedis, 100, 1.0, 10*time.Millisecond),
		run(0, serverFast, 110, 1.2, 9*time.Millisecond),
		run(0, serverCeiling, 120, 1.1, 8*time.Millisecond),
		run(0, serverTwin, 90, 2.0, 11*time.Millisecond),
		run(1, serverRedis, 200, 1.0, 10*time.Millisecond),
		run(1, serverFast, 220, 1.0, 9*time.Millisecond),
		run(1, serverCeiling, 240, 1.0, 8*time.Millisecond),
		run(1, serverTwin, 220, 1.6, 12*time.Millisecond),
	}
	sums := summarize(cells, samples)
	// Per round the twin made 0.9x and 1.1x Redis's rate: the median of the
	// two is 1.0x, where the ratio of the medians would be 155/150.
	s := sums[0]
	if !near(s.twinRatio, 1.0) || !near(s.twinP99, 1.8) || !near(s.twinCPU, 1.15) {
		t.Fatalf("twin ratios = %v rps, %v p99, %v CPU; want 1.0, 1.8, 1.15", s.twinRatio, s.twinP99, s.twinCPU)
	}

	with := &results{opts: options{twin: true}, cells: cells, sums: sums}
	var report strings.Builder
	with.writeThroughput(&mdWriter{w: &report})
	with.writeLatency(&mdWriter{w: &report})
	for _, want := range []string{"| ratio to Redis | twin | of ceiling |", "| CPU ratio | twin CPU |",
		"| Redis twin | p99 ratio | twin p99 ratio |", "| 1.00x |", "| 1.80x |"} {
		if !strings.Contains(report.String(), want) {
			t.Errorf("the tables lack %q:\n%s", want, report.String())
		}
	}
	var chart strings.Builder
	if err := writeChart(&chart, sums); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(chart.String(), "<circle"); n != 3 { // two panels and the legend
		t.Errorf("the chart has %d twin dots; want one per panel and one in the legend", n)
	}

	var p99 target
	for _, tg := range with.targets() {
		if strings.HasPrefix(tg.goal, "p99") {
			p99 = tg
		}
	}
	if !strings.Contains(p99.measured, "the twin's: worst 1.80x, median 1.80x, 1 over 1.5x") {
		t.Errorf("p99 target = %q; want the twin's tails beside redis-fast's", p99.measured)
	}

	// A missed rate target quotes the twin's rate beside the ceiling's,
	// and how busy the client was, where that was measured.
	miss := s
	miss.ratio, miss.ofCeiling = 0.97, 0.99
	if b := rateBound(miss, true); !strings.Contains(b, "the client bounds it") ||
		strings.Contains(b, "on a core") ||
		!strings.HasSuffix(b, "Redis's twin ran at 1.00x Redis's rate in the same rounds.") {
		t.Errorf("rate bound = %q; want the client's bound and the twin's rate, and no client time", b)
	}
	busy := append([]sample(nil), samples...)
	for i := range busy {
		busy[i].wall, busy[i].client = time.Second, time.Duration(900+10*busy[i].server+10*busy[i].round)*time.Millisecond
	}
	miss.clientBusy = summarize(cells, busy)[0].clientBusy
	if b := rateBound(miss, true); !strings.Contains(b, fmt.Sprintf("was on a core %s of the time against redis-fast and %s against Redis.",
		percent(0.905+0.01*serverFast), percent(0.905+0.01*serverRedis))) {
		t.Errorf("rate bound = %q; want the client's busy time against each server, the median of its rounds", b)
	}
	miss.ofCeiling = 0.80
	if b := rateBound(miss, false); b != "" {
		t.Errorf("rate bound far from the ceiling and without a twin = %q; want none", b)
	}

	// Without the twin: no twin columns, and no "not run" line for it.
	var alone []sample
	for _, smp := range samples {
		if smp.server != serverTwin {
			alone = append(alone, smp)
		}
	}
	without := &results{opts: options{}, cells: cells, sums: summarize(cells, alone)}
	report.Reset()
	p := &mdWriter{w: &report}
	without.writeThroughput(p)
	without.writeLatency(p)
	without.writeProblems(p)
	for _, tg := range without.targets() {
		report.WriteString(tg.measured + "\n")
	}
	chart.Reset()
	if err := writeChart(&chart, without.sums); err != nil {
		t.Fatal(err)
	}
	report.WriteString(chart.String())
	if strings.Contains(report.String(), "twin") || strings.Contains(report.String(), "not run") {
		t.Errorf("a run without the twin mentions it:\n%s", report.String())
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// TestTailRuns: redis-fast's -P 1 runs split at 1.5x Redis's p99 in the
// same round, and each side counts its runs with a garbage collection or a
// long wait in the run queue; pipelined runs and runs without INFO are left
// out.
func TestTailRuns(t *testing.T) {
	cells := []cell{{test: &tests[0], pipeline: 1, size: 3, requests: 1000},
		{test: &tests[0], pipeline: 16, size: 3, requests: 1000}}
	run := func(ci, round, server int, p99 float64, gc, waits int64, read bool) sample {
		s := sample{round: round, cell: ci, server: server, status: statusOK, figures: figures{p99: p99},
			wall: time.Second, others: time.Duration(p99 * float64(100*time.Millisecond))}
		s.goRuntime.read, s.goRuntime.gcCycles, s.goRuntime.longWaits = read, gc, waits
		return s
	}
	r := &results{cells: cells, samples: []sample{
		run(0, 0, serverRedis, 1.0, 0, 0, false),
		run(0, 0, serverFast, 2.0, 1, 0, true), // over, with a GC
		run(0, 1, serverRedis, 1.0, 0, 0, false),
		run(0, 1, serverFast, 1.4, 0, 3, true), // under, with long waits
		run(0, 2, serverRedis, 1.0, 0, 0, false),
		run(0, 2, serverFast, 1.6, 0, 0, true), // over, neither
		run(0, 3, serverRedis, 1.0, 0, 0, false),
		run(0, 3, serverFast, 9.0, 1, 1, false), // INFO not read
		run(1, 0, serverRedis, 1.0, 0, 0, false),
		run(1, 0, serverFast, 9.0, 1, 1, true), // pipelined
	}}
	got := r.tailRuns()
	want := tailRuns{over: tailGroup{runs: 2, gc: 1, waits: 0, others: []float64{0.2, 0.16}},
		under: tailGroup{runs: 1, gc: 0, waits: 1, others: []float64{0.14}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("tailRuns = %+v; want %+v", got, want)
	}
	for _, part := range []string{"Of redis-fast's 3 runs at -P 1, 2 had a p99 over 1.5x",
		"during 1 of 2 (50%) of those and 0 of 1 (0%) of the others",
		"during 0 of 2 (0%) of those and 1 of 1 (100%) of the others",
		"took a median 18% of a core during those runs, 14% during the others"} {
		if !strings.Contains(got.String(), part) {
			t.Errorf("the paragraph lacks %q:\n%s", part, got)
		}
	}
	var report strings.Builder
	r.writeLatency(&mdWriter{w: &report})
	if !strings.Contains(report.String(), "(50%)") || strings.Contains(report.String(), "%!") {
		t.Errorf("the latency section does not carry the paragraph intact:\n%s", report.String())
	}
}
