package loop

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// Fair turns between the reactors.
//
// A reactor whose clients keep it busy never blocks in epoll_wait: every
// poll returns more work at once, so it never gives its P back. When the
// reactors share Ps (the tuner starts with one, see procs.go), the other
// reactor then waits in the run queue until the Go scheduler preempts the
// busy one, after 10 ms at the earliest, and measured under SINTERCARD at
// -P 1 its clients waited 20 ms at the 99th percentile while Redis's
// waited 2.7. Goroutines that feed replicas or write the AOF wait the
// same way.
//
// So a reactor yields its P by itself once it has run for reactorSlice
// without a break: at the end of an OnTraffic pass past its slice it calls
// runtime.Gosched, which runs whatever is waiting and comes straight back
// when nothing is. A pass that starts after a gap of more than reactorGap
// since the reactor's last one begins a new slice: the reactor has been
// blocked or descheduled in between, and has just had its turn again.
//
// A yield alone can hand the P to a reactor with nothing to do: gnet's
// loop, finding no events, calls runtime.Gosched and then blocks in
// epoll_wait, and if it was in the run queue when the busy reactor
// yielded, it takes the P and blocks with it. A goroutine blocked in a
// system call keeps its P until the runtime's monitor takes it back, and
// the monitor, asleep for up to 10 ms when it has had nothing to do, left
// the busy reactor's clients waiting that long (and the P idle). So while
// the reactors share Ps, a yielding reactor first nudges the others:
// it queues an empty task on each, whose wake-up makes their next
// epoll_wait return at once instead of blocking. An idle reactor then
// finds nothing, yields back, and the busy one runs on.

// reactorSlice bounds how long a reactor keeps its P while others wait.
// At -P 1 both reactors are busy all the time (their 25 clients each send
// again as soon as they are answered), so they trade the P slice by slice,
// and a request that arrives as its reactor yields waits out the other's
// whole slice: the slice is the clients' tail. Redis serves the 50 ready
// clients of such a load in one pass of about 200 µs, so each reactor gets
// half of that. Measured over 16 small commands at -P 1, the p99 went from
// up to 1.8 times Redis's (median 1.36) with 500 µs slices to at most 1.31
// times (median 1.02) with 100 µs (docs/01). A turn costs a yield and a
// nudge, a few microseconds, which heavy commands pay most.
const reactorSlice = 100 * time.Microsecond

// reactorGap is the pause between two passes of one reactor that counts
// as a break: longer than a write and a poll, shorter than a wake-up.
const reactorGap = 50 * time.Microsecond

// reactor is one event loop's turn-keeping, and its busy time. Only that
// loop touches it, except the tuner, which reads busy.
type reactor struct {
	el         gnet.EventLoop
	set        *reactors
	sliceStart time.Time // when its current run began
	lastEnd    time.Time // when its last pass ended
	// busy is the time the loop spent running commands and fanning out
	// messages, in ns: the load the tuner sizes the Ps by (procs.go).
	busy atomic.Int64
	// commands is how many commands it has run: the tuner's throughput.
	commands atomic.Int64
}

// reactors finds each event loop's state; a connection looks its own up
// once, when it opens.
type reactors struct {
	mu   sync.Mutex
	m    map[gnet.EventLoop]*reactor
	list atomic.Pointer[[]*reactor] // copied on write: yields read it
	// shared says whether the reactors share Ps, and so need nudges.
	shared func() bool
	// yield gives the P away: runtime.Gosched, but for the tests.
	yield func()
}

func (rs *reactors) of(c gnet.Conn) *reactor {
	el := c.EventLoop()
	rs.mu.Lock()
	defer rs.mu.Unlock()
	r := rs.m[el]
	if r == nil {
		if rs.m == nil {
			rs.m = make(map[gnet.EventLoop]*reactor)
		}
		r = &reactor{el: el, set: rs}
		rs.m[el] = r
		var list []*reactor
		if old := rs.list.Load(); old != nil {
			list = append(list, *old...)
		}
		list = append(list, r)
		rs.list.Store(&list)
	}
	return r
}

// all returns every reactor seen so far.
func (rs *reactors) all() []*reactor {
	if l := rs.list.Load(); l != nil {
		return *l
	}
	return nil
}

// totals are the busy time (ns) and the commands of all the loops so far.
func (rs *reactors) totals() (busy, commands int64) {
	for _, r := range rs.all() {
		busy += r.busy.Load()
		commands += r.commands.Load()
	}
	return busy, commands
}

// nudge is the empty task that wakes a reactor's poller.
var nudge = gnet.RunnableFunc(func(context.Context) error { return nil })

// turn hands from's P to whoever waits for one.
func (rs *reactors) turn(from *reactor) {
	if rs.shared != nil && rs.shared() {
		for _, r := range rs.all() {
			if r != from && r.el != nil {
				_ = r.el.Execute(context.Background(), nudge) // fails only at shutdown
			}
		}
	}
	if rs.yield != nil {
		rs.yield()
	} else {
		runtime.Gosched()
	}
}

// addBusy counts d as busy time of the loop (r is nil for a client with no
// connection).
func (r *reactor) addBusy(d time.Duration) {
	if r != nil {
		r.busy.Add(int64(d))
	}
}

// pass accounts for one OnTraffic pass that ran from start to end, busy of
// it running commands, and yields the P when the reactor's slice is spent.
func (r *reactor) pass(start, end time.Time, busy time.Duration, commands int64) {
	r.busy.Add(int64(busy))
	r.commands.Add(commands)
	if start.Sub(r.lastEnd) > reactorGap {
		r.sliceStart = start
	}
	r.lastEnd = end
	if end.Sub(r.sliceStart) >= reactorSlice {
		r.set.turn(r)
		r.lastEnd = time.Now()
		r.sliceStart = r.lastEnd
	}
}
