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
// one P and a goroutine of its own adjusts it. Every procsTick it asks the
// load meter (loadmeter.go) how busy the reactors were over the last
// 100 ms (the time spent running commands, across all of them) and how
// many of the machine's cores sat idle meanwhile, and adds a P, up to one
// per reactor, when the Ps it has were fairly busy while a core sat
// mostly idle. It gives one back only when the load of a whole
// procsPeriod would fit in one fewer, so that a pause between bursts does
// not flap the count.
//
// The idle core is what tells the loads apart when the busy time cannot.
// Measured with one P and the client on the same two cores:
//
//	load                        busy   idle cores   a second P
//	MSET of 10 keys, -P 16      0.51   0.1-0.2      12% slower
//	SINTERCARD, -P 1            0.55   0.2-0.6      as fast, p99 twice as long
//	SINTERCARD, -P 16           0.90   0.8-1.0      1.6 times as fast
//
// A second P helps only where there is a core for it to run on; where the
// client needs the other core, two reactor threads and the client take
// turns on two cores, and the kernel's time slices (milliseconds) become
// the clients' waits.
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
	// The shrink window: where it began, and the busy time then (ns).
	shrinkAt   time.Time
	shrinkBusy int64
	// unboosted is the count to go back to when the snapshot that boosted
	// it ends (0: not boosted): the extra P was the snapshot's, and kept
	// on it would cost the small commands what the tuner exists to save.
	unboosted int
	// apply sets the count: runtime.GOMAXPROCS, but for the tests.
	apply func(int) int
}

// procsTick is how often the tuner measures; procsPeriod is how long a
// quiet spell must last before a P is given back.
const (
	procsTick   = 20 * time.Millisecond
	procsPeriod = 200 * time.Millisecond
)

// Thresholds of the busy fraction (busy time per wall time, in Ps), and
// of the machine's idle cores.
const (
	procsGrowAt    = 0.4  // add a P when the Ps are this busy on average
	procsIdleCores = 0.7  // and this much of a core sat idle
	procsShrinkAt  = 0.35 // drop one when the load would fit in one fewer at this
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
	meter := newLoadMeter()
	for {
		select {
		case <-stop:
			return
		case now := <-tick.C:
			l := procLoad{busy: s.reactors.busy()}
			l.recent, l.idle = meter.sample(l.busy, now)
			n := s.tuner.observe(l, now, s.ks.Snapshotting())
			if int32(n) != s.procs.Swap(int32(n)) {
				meter.reset() // its window measured another count of Ps
			}
		}
	}
}

// procLoad is what the tuner decides from.
type procLoad struct {
	busy   int64   // the reactors' busy time so far, ns
	recent float64 // their busy fraction over the load meter's window
	idle   float64 // the machine's idle cores over that window
}

// observe takes the load at now, and whether a snapshot runs in the
// background, and returns the number of Ps to use, changing GOMAXPROCS
// when the answer changes.
func (t *procTuner) observe(l procLoad, now time.Time, background bool) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.enabled {
		return t.cur
	}
	switch {
	case background:
		t.boostLocked()
	case t.unboosted > 0:
		t.set(t.unboosted)
		t.unboosted = 0
	case t.shrinkAt.IsZero():
	case shouldGrow(t.cur, t.max, l):
		t.set(t.cur + 1)
	case now.Sub(t.shrinkAt) < procsPeriod:
		return t.cur
	default:
		if shouldShrink(t.cur, fraction(l.busy-t.shrinkBusy, now.Sub(t.shrinkAt))) {
			t.set(t.cur - 1)
		}
	}
	// A new shrink window: this one is over, or measured another count.
	t.shrinkAt, t.shrinkBusy = now, l.busy
	return t.cur
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

// shouldGrow says whether cur Ps (at most max) should become one more:
// over the load meter's window they were fairly busy, and a core sat
// mostly idle for another to run on.
func shouldGrow(cur, max int, l procLoad) bool {
	return cur < max && l.recent > procsGrowAt*float64(cur) && l.idle >= procsIdleCores
}

// shouldShrink says whether cur Ps should become one fewer: the load of a
// whole procsPeriod, busy, would fit in one fewer.
func shouldShrink(cur int, busy float64) bool {
	return cur > 1 && busy < procsShrinkAt*float64(cur-1)
}
