package main

import (
	"fmt"
	"math"
)

// tailLimit is the p99 target at -P 1: redis-fast's p99 within 1.5 times
// Redis's.
const tailLimit = 1.5

// tailRuns splits redis-fast's -P 1 runs by their p99 against Redis's in
// the same round, and counts, on each side, the runs during which
// redis-fast collected garbage or had a goroutine wait a millisecond or
// more in the run queue, and how much of the machine other processes
// took. If the runs over the limit had those far more often than the
// others, that is what their tails were made of.
type tailRuns struct{ over, under tailGroup }

// tailGroup is one side of tailRuns.
type tailGroup struct {
	runs  int // runs with redis-fast's INFO read
	gc    int // of which had a garbage collection
	waits int // of which had a sampled run-queue wait of 1 ms or more
	// others is, per run where it was read, the share of a core that the
	// rest of the machine took (othersShareOf).
	others []float64
}

func (g *tailGroup) add(s sample) {
	g.runs++
	if s.goRuntime.gcCycles > 0 {
		g.gc++
	}
	if s.goRuntime.longWaits > 0 {
		g.waits++
	}
	if share := othersShareOf(s); !math.IsNaN(share) {
		g.others = append(g.others, share)
	}
}

func (r *results) tailRuns() tailRuns {
	var t tailRuns
	redis := map[[2]int]sample{}
	for _, s := range r.samples {
		if s.server == serverRedis && s.status == statusOK {
			redis[[2]int{s.cell, s.round}] = s
		}
	}
	for _, s := range r.samples {
		if s.server != serverFast || s.status != statusOK || !s.goRuntime.read || r.cells[s.cell].pipeline != 1 {
			continue
		}
		ref, ok := redis[[2]int{s.cell, s.round}]
		if !ok || ref.p99 <= 0 {
			continue
		}
		if s.p99/ref.p99 > tailLimit {
			t.over.add(s)
		} else {
			t.under.add(s)
		}
	}
	return t
}

// String is the paragraph under the latency table.
func (t tailRuns) String() string {
	if t.over.runs+t.under.runs == 0 {
		return ""
	}
	s := fmt.Sprintf("Of redis-fast's %d runs at -P 1, %d had a p99 over %.1fx Redis's in the same round.",
		t.over.runs+t.under.runs, t.over.runs, tailLimit)
	if t.over.runs == 0 {
		return s
	}
	s += fmt.Sprintf(" A garbage collection ran during %s of those and %s of the others; "+
		"a goroutine waited 1 ms or more in Go's run queue (sampled: the runtime times about one wait in eight) "+
		"during %s of those and %s of the others.",
		share(t.over.gc, t.over.runs), share(t.under.gc, t.under.runs),
		share(t.over.waits, t.over.runs), share(t.under.waits, t.under.runs))
	if len(t.over.others) > 0 && len(t.under.others) > 0 {
		s += fmt.Sprintf(" Other processes on the machine took a median %s of a core during those runs, %s during the others.",
			percent(median(t.over.others)), percent(median(t.under.others)))
	}
	return s + " Per run, in runs.csv: gc_cycles, sched_waits_ge_1ms and others_cpu_s."
}

// share is "n of m (p%)".
func share(n, m int) string {
	if m == 0 {
		return "none"
	}
	return fmt.Sprintf("%d of %d (%.0f%%)", n, m, math.Round(100*float64(n)/float64(m)))
}
