package loop

import (
	"fmt"
	"math"
	"runtime/metrics"
	"strings"
	"time"
)

// Go's scheduler, seen from INFO. Redis has one thread and nothing like
// it; redis-fast's reactors share Ps, and a reactor that waits in the run
// queue keeps its clients waiting (docs/01, "Sharing the cores"). These
// counters let a benchmark tell such waits, and garbage collections, apart
// from the machine's own noise, by reading them before and after a run.
const (
	metricSchedLatencies = "/sched/latencies:seconds"
	metricGCCycles       = "/gc/cycles/total:gc-cycles"
)

// schedWaitBounds are the waits INFO counts at or above, besides all of
// them: a tenth of a millisecond is a turn of another reactor, one is a
// long turn, ten is sysmon's longest nap.
var schedWaitBounds = []time.Duration{100 * time.Microsecond, time.Millisecond, 10 * time.Millisecond}

// infoGoRuntime writes go_sched_waits, the goroutine waits in the run
// queue that the runtime sampled (it times about one in eight), as a total
// and the counts at or above each of schedWaitBounds, and go_gc_cycles.
func infoGoRuntime(b *infoWriter) {
	samples := []metrics.Sample{{Name: metricSchedLatencies}, {Name: metricGCCycles}}
	metrics.Read(samples)

	var waits strings.Builder
	if samples[0].Value.Kind() == metrics.KindFloat64Histogram {
		h := samples[0].Value.Float64Histogram()
		fmt.Fprintf(&waits, "total=%d", histogramAtLeast(h, math.Inf(-1)))
		for _, d := range schedWaitBounds {
			fmt.Fprintf(&waits, ",ge_%dus=%d", d.Microseconds(), histogramAtLeast(h, d.Seconds()))
		}
	}
	b.field("go_sched_waits", waits.String())
	var cycles uint64
	if samples[1].Value.Kind() == metrics.KindUint64 {
		cycles = samples[1].Value.Uint64()
	}
	b.field("go_gc_cycles", cycles)
}

// histogramAtLeast counts the samples in buckets that start at or above
// min (the first bucket may start at -Inf, which only -Inf takes in). A
// bucket that straddles min is left out, so the count errs low by at most
// one bucket's width (an eighth of a power of two).
func histogramAtLeast(h *metrics.Float64Histogram, min float64) uint64 {
	var n uint64
	for i, c := range h.Counts {
		if h.Buckets[i] >= min {
			n += c
		}
	}
	return n
}
