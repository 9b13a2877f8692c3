package loop

import (
	"os"
	"runtime"
	"sync"
	"time"
)

// How many of the reactors run Go code at once.
//
// Every reactor blocks in epoll_wait between bursts of work. While it is
// blocked, its P (the Go scheduler's right to run Go code) sits in a
// syscall; with no spare P, the runtime's monitor keeps taking such Ps back
// and handing them to other threads, and the reactors keep migrating
// between threads. Measured on a 2-core machine that also runs the client,
// that churn costs more than a third of the server's CPU on small commands
// (SET, GET), and one P serving both reactors is faster than Redis where
// two are not. On commands that are work rather than I/O (SINTERCARD over
// big sets), the reactors must run in parallel, and then more Ps pay.
//
// So, unless GOMAXPROCS is set in the environment, the server starts with
// one P and lets the cron adjust: five times a second it measures how busy the
// reactors were (the time spent running commands, across all of them) and
// adds a P, up to one per reactor, when the Ps it has are mostly busy, and
// gives one back when the rest would do.
//
// A background snapshot (BGSAVE, an AOF rewrite, a full sync) is work the
// reactors' busy time does not count: with one P, the snapshot goroutine
// would hold it and the reactors would get it back only when the scheduler
// preempts it, every 10 ms, so clients would wait that long. While a
// snapshot runs the tuner gives the server every P it may have.

// procTuner decides the number of Ps, from the cron goroutine, and boosts
// it when a snapshot begins.
type procTuner struct {
	mu       sync.Mutex // boost comes from the goroutine that starts a snapshot
	enabled  bool
	max      int
	cur      int
	lastBusy int64 // reactors' busy time so far, ns
	// unboosted is the count to go back to when the snapshot that boosted
	// it ends (0: not boosted): the extra P was the snapshot's, and kept
	// on it would cost the small commands what the tuner exists to save.
	unboosted int
	lastAt    time.Time
}

// procsPeriod is how often the tuner measures: short enough that a burst
// of heavy commands gets its Ps within a few hundred milliseconds.
const procsPeriod = 200 * time.Millisecond

// Thresholds of the busy fraction (busy time per wall time, in Ps).
const (
	procsGrowAt   = 0.7  // add a P when the Ps are this busy on average
	procsShrinkAt = 0.35 // drop one when the load would fit in one fewer at this
)

func newProcTuner(loops int) *procTuner {
	t := &procTuner{max: loops, cur: runtime.GOMAXPROCS(0)}
	if _, set := os.LookupEnv("GOMAXPROCS"); set || loops <= 1 {
		return t
	}
	t.enabled = true
	t.cur = 1
	runtime.GOMAXPROCS(1)
	return t
}

// observe takes the reactors' total busy time (ns) at now, and whether a
// snapshot runs in the background, and returns the number of Ps to use,
// changing GOMAXPROCS when the answer changes.
func (t *procTuner) observe(busy int64, now time.Time, background bool) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.enabled {
		return t.cur
	}
	if background {
		t.boostLocked()
	} else if t.unboosted > 0 {
		t.cur, t.unboosted = t.unboosted, 0
		runtime.GOMAXPROCS(t.cur)
		t.lastAt, t.lastBusy = now, busy
		return t.cur
	}
	if t.lastAt.IsZero() || now.Sub(t.lastAt) < procsPeriod {
		if t.lastAt.IsZero() {
			t.lastAt, t.lastBusy = now, busy
		}
		return t.cur
	}
	frac := float64(busy-t.lastBusy) / float64(now.Sub(t.lastAt))
	t.lastAt, t.lastBusy = now, busy
	if next := nextProcs(t.cur, t.max, frac); next != t.cur {
		t.cur = next
		runtime.GOMAXPROCS(next)
	}
	return t.cur
}

// boost gives the server every P it may have, at once: a snapshot begins.
func (t *procTuner) boost() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.enabled {
		t.boostLocked()
	}
}

func (t *procTuner) boostLocked() {
	if t.cur < t.max {
		t.unboosted = t.cur
		t.cur = t.max
		runtime.GOMAXPROCS(t.max)
	}
}

// nextProcs is the decision itself: from cur Ps (at most max) and the busy
// fraction measured with them, the number to use next.
func nextProcs(cur, max int, busy float64) int {
	switch {
	case cur < max && busy > procsGrowAt*float64(cur):
		return cur + 1
	case cur > 1 && busy < procsShrinkAt*float64(cur-1):
		return cur - 1
	}
	return cur
}
