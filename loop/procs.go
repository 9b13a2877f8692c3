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
// 100 ms (the time spent running commands, across all of them), how many
// commands they ran and how many of the machine's cores sat idle
// meanwhile. Where another P might pay, it tries one and keeps it only if
// the reactors then serve markedly more commands per second (trials.go),
// up to one P per reactor. It gives one back when the load of a whole
// procsPeriod would fit in one fewer, so that a pause between bursts does
// not flap the count.
//
// Neither the busy time nor the idle cores alone tell the loads apart.
// Measured with one P and the client on the same two cores:
//
//	load                           busy   idle cores   a second P
//	SET, GET, -P 1 or -P 16        <0.3   0.2-0.5      5-25% slower, up to 1.5x the CPU
//	MSET of 10 keys, -P 16         0.51   0.1-0.2      12% slower to 3% faster
//	SINTERCARD, -P 1               0.55   0.2-0.8      15-20% faster, p99 up to twice as long
//	SINTERCARD, -P 1, neighbour    0.37   0-0.1        1.5 times as fast, same p99
//	SINTERCARD, -P 16              0.90   0.8-1.0      1.6 times as fast
//
// ("neighbour": another process kept 60% of a core busy.) Two reactor
// threads and the client on two cores take turns, and the kernel's time
// slices (milliseconds) become the clients' waits: that is the longer
// p99. On an otherwise idle machine a second P must win big to be worth
// it; on a shared one it wins big because two threads get a bigger share
// of the cores than one.
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
	// trial is the P being tried, if one is (see trials.go).
	trial procTrial
	// pTime adds up the count over time until since, when cur was set:
	// INFO's gomaxprocs_seconds, from which a tool can tell how many Ps a
	// stretch of load ran with on average.
	pTime time.Duration
	since time.Time
	// apply sets the count: runtime.GOMAXPROCS, but for the tests.
	apply func(int) int
}

// procsTick is how often the tuner measures; procsPeriod is how long a
// quiet spell must last before a P is given back.
const (
	procsTick   = 20 * time.Millisecond
	procsPeriod = 200 * time.Millisecond
)

// procsShrinkAt is the busy fraction (busy time per wall time, in Ps)
// under which a load would fit in one P fewer.
const procsShrinkAt = 0.35

func newProcTuner(loops int) *procTuner {
	t := &procTuner{max: loops, cur: runtime.GOMAXPROCS(0), apply: runtime.GOMAXPROCS, since: time.Now()}
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
			var l procLoad
			l.busy, l.commands = s.reactors.totals()
			meter.sample(&l, now)
			n := s.tuner.observe(l, now, s.ks.Snapshotting())
			if int32(n) != s.procs.Swap(int32(n)) {
				meter.reset() // its window measured another count of Ps
			}
		}
	}
}

// procLoad is what the tuner decides from.
type procLoad struct {
	busy     int64         // the reactors' busy time so far, ns
	commands int64         // the commands they have run so far
	recent   float64       // their busy fraction over the load meter's window
	idle     float64       // the machine's idle cores over that window
	rate     float64       // commands per second over that window
	span     time.Duration // the window's length: all of it at the current count
	last     float64       // the busy fraction over the last tick alone
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
	if !background && t.unboosted == 0 && t.trial.step(t, l, now) {
		t.shrinkAt, t.shrinkBusy = now, l.busy
		return t.cur
	}
	switch {
	case background:
		t.boostLocked()
	case t.unboosted > 0:
		t.set(t.unboosted)
		t.unboosted = 0
	case t.shrinkAt.IsZero():
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
	now := time.Now()
	t.pTime += time.Duration(t.cur) * now.Sub(t.since)
	t.since = now
	t.cur = n
	t.apply(n)
}

func fraction(busy int64, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return float64(busy) / float64(wall)
}

// procTime is the count added up over time, in P-seconds, until now.
func (t *procTuner) procTime(now time.Time) float64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return (t.pTime + time.Duration(t.cur)*now.Sub(t.since)).Seconds()
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
	t.trial = procTrial{} // a trial measured without the snapshot
	if t.cur < t.max {
		t.unboosted = t.cur
		t.set(t.max)
	}
}

// shouldShrink says whether cur Ps should become one fewer: the load of a
// whole procsPeriod, busy, would fit in one fewer.
func shouldShrink(cur int, busy float64) bool {
	return cur > 1 && busy < procsShrinkAt*float64(cur-1)
}
