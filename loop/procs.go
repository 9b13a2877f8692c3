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
// one P and a goroutine of its own adjusts it: every procsTick it reads how
// busy the reactors were (the time spent running commands, across all of
// them) and adds a P, up to one per reactor, as soon as the Ps it has were
// mostly busy over that tick; it gives one back only when the load of a
// whole procsPeriod would fit in one fewer. Growing fast matters because
// until the second P comes, a heavy command's clients queue behind one;
// shrinking slowly keeps a pause between bursts from flapping the count.
//
// A background snapshot (BGSAVE, an AOF rewrite, a full sync) is work the
// reactors' busy time does not count: with one P, the snapshot goroutine
// would hold it and the reactors would get it back only when the scheduler
// preempts it, every 10 ms, so clients would wait that long. While a
// snapshot runs the tuner gives the server every P it may have.

// procTuner decides the number of Ps, from its own goroutine (tuneProcs),
// and boosts it when a snapshot begins.
type procTuner struct {
	mu      sync.Mutex // boost comes from the goroutine that starts a snapshot
	enabled bool
	max     int
	cur     int
	// The grow window is the last tick; the shrink window, the last
	// procsPeriod. Each is where it began, and the busy time then (ns).
	growAt, shrinkAt     time.Time
	growBusy, shrinkBusy int64
	// unboosted is the count to go back to when the snapshot that boosted
	// it ends (0: not boosted): the extra P was the snapshot's, and kept
	// on it would cost the small commands what the tuner exists to save.
	unboosted int
	// apply sets the count: runtime.GOMAXPROCS, but for the tests.
	apply func(int) int
}

// procsTick is how often the tuner measures, and so how long a burst of
// heavy commands waits for its Ps; procsPeriod is the window over which a
// quiet spell must last before a P is given back.
const (
	procsTick   = 20 * time.Millisecond
	procsPeriod = 200 * time.Millisecond
)

// Thresholds of the busy fraction (busy time per wall time, in Ps).
const (
	procsGrowAt   = 0.7  // add a P when the Ps are this busy on average
	procsShrinkAt = 0.35 // drop one when the load would fit in one fewer at this
)

func newProcTuner(loops int) *procTuner {
	t := &procTuner{max: loops, cur: runtime.GOMAXPROCS(0), apply: runtime.GOMAXPROCS}
	if _, set := os.LookupEnv("GOMAXPROCS"); set || loops <= 1 {
		return t
	}
	t.enabled = true
	t.set(1)
	return t
}

// tuneProcs is the tuner's goroutine: it measures every procsTick until
// stop closes.
func (s *Server) tuneProcs(stop <-chan struct{}) {
	tick := time.NewTicker(procsTick)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-tick.C:
			s.procs.Store(int32(s.tuner.observe(s.reactors.busy(), now, s.ks.Snapshotting())))
		}
	}
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
	switch {
	case background:
		t.boostLocked()
		t.restart(busy, now)
		return t.cur
	case t.unboosted > 0:
		t.set(t.unboosted)
		t.unboosted = 0
		t.restart(busy, now)
		return t.cur
	case t.growAt.IsZero():
		t.restart(busy, now)
		return t.cur
	}
	grow := fraction(busy-t.growBusy, now.Sub(t.growAt))
	t.growAt, t.growBusy = now, busy
	if next := nextProcs(t.cur, t.max, grow); next > t.cur {
		t.set(next)
		t.restart(busy, now)
		return t.cur
	}
	if now.Sub(t.shrinkAt) < procsPeriod {
		return t.cur
	}
	shrink := fraction(busy-t.shrinkBusy, now.Sub(t.shrinkAt))
	t.shrinkAt, t.shrinkBusy = now, busy
	if next := nextProcs(t.cur, t.max, shrink); next < t.cur {
		t.set(next)
	}
	return t.cur
}

// restart begins both windows at now: what was measured before belongs
// to another count of Ps.
func (t *procTuner) restart(busy int64, now time.Time) {
	t.growAt, t.growBusy = now, busy
	t.shrinkAt, t.shrinkBusy = now, busy
}

func (t *procTuner) set(n int) {
	t.cur = n
	t.apply(n)
}

func fraction(busy int64, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return float64(busy) / float64(wall)
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
		t.set(t.max)
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
