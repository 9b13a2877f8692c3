package loop

import (
	"context"
	"math"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestInfoGoRuntime: INFO server's go_gc_cycles counts a collection the
// moment it ends, and go_sched_waits lists the total and the counts at or
// above each bound, each no larger than the one before.
func TestInfoGoRuntime(t *testing.T) {
	s := startTestServer(t)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: s.Addr().String()})
	defer c.Close()
	read := func() (cycles int64, waits []int64) {
		t.Helper()
		info := c.Info(ctx, "server").Val()
		for _, line := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(line, "go_gc_cycles:"); ok {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					t.Fatalf("go_gc_cycles:%s: %v", v, err)
				}
				cycles = n
			}
			if v, ok := strings.CutPrefix(line, "go_sched_waits:"); ok {
				want := []string{"total", "ge_100us", "ge_1000us", "ge_10000us"}
				parts := strings.Split(v, ",")
				if len(parts) != len(want) {
					t.Fatalf("go_sched_waits:%s; want the fields %v", v, want)
				}
				for i, p := range parts {
					k, val, _ := strings.Cut(p, "=")
					n, err := strconv.ParseInt(val, 10, 64)
					if k != want[i] || err != nil {
						t.Fatalf("go_sched_waits:%s; want the fields %v, each a count", v, want)
					}
					waits = append(waits, n)
				}
			}
		}
		if waits == nil {
			t.Fatalf("no go_sched_waits in INFO server: %q", info)
		}
		return cycles, waits
	}
	before, _ := read()
	runtime.GC() // the test's server runs in this process
	after, waits := read()
	if after < before+1 {
		t.Errorf("go_gc_cycles went from %d to %d across a runtime.GC", before, after)
	}
	for i := 1; i < len(waits); i++ {
		if waits[i] > waits[i-1] {
			t.Errorf("go_sched_waits counts %v: a longer bound counts more than a shorter one", waits)
		}
	}
}

// TestHistogramAtLeast counts whole buckets that start at or above the
// bound, and everything for -Inf, where the runtime's first bucket starts.
func TestHistogramAtLeast(t *testing.T) {
	h := &metrics.Float64Histogram{Buckets: []float64{math.Inf(-1), 0, 1, 2, 4, 8}, Counts: []uint64{1, 5, 4, 3, 2}}
	for _, tc := range []struct {
		min  float64
		want uint64
	}{{math.Inf(-1), 15}, {0, 14}, {1, 9}, {1.5, 5}, {4, 2}, {8, 0}} {
		if got := histogramAtLeast(h, tc.min); got != tc.want {
			t.Errorf("histogramAtLeast(%v) = %d; want %d", tc.min, got, tc.want)
		}
	}
}
