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
// more in the run queue. If the runs over the limit had those far more
// often than the others, that is what their tails were made of; if not,
// the cause lies outside the process.
type tailRuns struct {
	over, under           int // runs with redis-fast's INFO read
	overGC, underGC       int // of which had a garbage collection
	overWaits, underWaits int // of which had a sampled wait of 1 ms or more
	// The rest of the machine's CPU time over the run's wall time: the
	// median share of a core other processes took, in each group.
	overOthers, underOthers []float64
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
		gc, waits := s.goRuntime.gcCycles > 0, s.goRuntime.longWaits > 0
		over := s.p99/ref.p99 > tailLimit
		if over {
			t.over++
			t.overGC += b2i(gc)
			t.overWaits += b2i(waits)
		} else {
			t.under++
			t.underGC += b2i(gc)
			t.underWaits += b2i(waits)
		}
		if s.others >= 0 && s.wall > 0 {
			share := s.others.Seconds() / s.wall.Seconds()
			if over {
				t.overOthers = append(t.overOthers, share)
			} else {
				t.underOthers = append(t.underOthers, share)
			}
		}
	}
	return t
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// String is the paragraph under the latency table.
func (t tailRuns) String() string {
	if t.over+t.under == 0 {
		return ""
	}
	s := fmt.Sprintf("Of redis-fast's %d runs at -P 1, %d had a p99 over %.1fx Redis's in the same round.",
		t.over+t.under, t.over, tailLimit)
	if t.over == 0 {
		return s
	}
	s += fmt.Sprintf(" A garbage collection ran during %s of those and %s of the others; "+
		"a goroutine waited 1 ms or more in Go's run queue (sampled: the runtime times about one wait in eight) "+
		"during %s of those and %s of the others.",
		share(t.overGC, t.over), share(t.underGC, t.under), share(t.overWaits, t.over), share(t.underWaits, t.under))
	if len(t.overOthers) > 0 && len(t.underOthers) > 0 {
		s += fmt.Sprintf(" Other processes on the machine took a median %s of a core during those runs, %s during the others.",
			percent(median(t.overOthers)), percent(median(t.underOthers)))
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
