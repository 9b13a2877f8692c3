package loop

import "time"

// Trying a P.
//
// Whether another P pays shows only in the throughput (see the table in
// procs.go), so the tuner adds one as a trial. Once a load has filled a
// whole window of the load meter, and looks like one a P could help, it
// notes the commands per second of that window, adds the P, and after a
// whole window with it keeps it only if the rate rose by procsTrialGain.
// The bar is high because a second P has a price even where it wins: on
// two cores shared with the client it can double the p99 (procs.go), and
// it spends CPU on handing work between threads. Otherwise the P goes
// back, and the same load is not tried again for a while (procsTrialHold,
// doubling to procsTrialMaxHold while the load lasts); a pause in the load
// ends the wait, since what follows may be another load. A kept P is put
// to the test again after procsTrialKeep: the tuner gives it back, and a
// new trial, a window later, decides afresh, so that a load that changed
// under a kept P does not keep a P that no longer pays.
//
// A load looks like one a P could help in two cases. Either the reactors
// are nearly saturated (procsTrySaturated) and its commands are long
// (procsTryCommand each, on average) or a core sits idle
// (procsIdleCores): the work queues behind the one P. Or the reactors are
// fairly busy (procsTryAt) on long commands while the machine has no core
// idle (procsContended): something else runs, and two threads get a bigger
// share of the cores than one. Short commands on a busy machine are the
// small ones whose cost is mostly the system calls around them, where a
// trial would fail and cost a window at the worse count each time the load
// resumes.
//
// A load between the two, long commands keeping the reactors half busy on
// an otherwise quiet machine, stays on its P without a trial. That is
// SINTERCARD at -P 1: its 50 clients wait on their answers one at a time,
// a second P made it 0-15% faster and doubled its p99, and a 100 ms
// window of it on two shared cores varies by more than the bar, so the
// trials that noise passed kept the P for seconds. Measured on 2 cores,
// one P gave 1.45-1.66 times Redis's requests/s at Redis's p99; the tuner
// trying a P gave 1.45-1.6 times at 1.4 times Redis's p99.

// procsTrialGain is the rise in commands per second that keeps a tried P.
const procsTrialGain = 0.3

// procsTryAt is the busy fraction (per P) from which a P is worth trying
// on a machine with no idle core: below it the reactors mostly wait on
// their clients.
const procsTryAt = 0.3

// procsTrySaturated is the busy fraction (per P) from which a P is worth
// trying on a machine with cores to spare: SINTERCARD at -P 16 keeps one P
// 0.87 busy, at -P 1 0.55, LPUSH of 1 KiB values at -P 16 0.75.
const procsTrySaturated = 0.7

// procsContended is the idle time, in cores, under which the machine has
// no core to spare: not one idle tick in the load meter's window. One
// tick (0.08 to 0.1 of a core over the window) is common on a quiet
// machine with SINTERCARD at -P 1, a single tick's rounding.
const procsContended = 0.05

// procsTryCommand is the average time a command must run for a P to be
// worth trying on a machine with no idle core: SINTERCARD over two
// thousand members takes 13 us, a GET 0.1.
const procsTryCommand = 5 * time.Microsecond

// procsIdleCores is how much of a core must sit idle for a P to be worth
// trying whatever the commands.
const procsIdleCores = 0.7

// procsQuietAt is the busy fraction (per P) under which the load is taken
// to have paused.
const procsQuietAt = 0.02

const (
	procsTrialHold    = time.Second
	procsTrialMaxHold = 16 * time.Second
	procsTrialKeep    = 4 * time.Second
)

// procTrial is the tuner's trial state.
type procTrial struct {
	from      int     // the count before the running trial (0: none runs)
	base      float64 // commands per second at from
	hold      time.Duration
	holdUntil time.Time // no trial before this
	kept      int       // the count a kept trial reached (0: none kept)
	keptUntil time.Time // when the kept P is put to the test again
	// loadedSince is when the current stretch of load began (zero: the
	// reactors are quiet): a trial's base rate must come from a window
	// the load fills, not one that straddles its start.
	loadedSince time.Time
}

// step advances the trial state for the load l at now, changing t's
// count through t.set. It reports whether it decided the count this tick,
// in which case the tuner's other rules must not.
func (tr *procTrial) step(t *procTuner, l procLoad, now time.Time) bool {
	full := l.span >= loadWindow
	switch quiet := l.last < procsQuietAt*float64(t.cur); {
	case quiet:
		tr.loadedSince = time.Time{}
	case tr.loadedSince.IsZero():
		tr.loadedSince = now // it began during the last tick, counted from here
	}
	if tr.from > 0 {
		if !full {
			return true // the window with the new count is still filling
		}
		if l.rate >= tr.base*(1+procsTrialGain) {
			tr.kept, tr.keptUntil = t.cur, now.Add(procsTrialKeep)
			tr.hold = 0
		} else {
			t.set(tr.from)
			tr.holdFor(now)
		}
		tr.from = 0
		return true
	}
	if full && l.recent < procsQuietAt*float64(t.cur) {
		tr.hold, tr.holdUntil = 0, time.Time{} // the load paused
	}
	if tr.kept > 0 {
		if tr.kept != t.cur {
			tr.kept = 0 // another rule moved the count since
		} else if !now.Before(tr.keptUntil) {
			tr.kept = 0
			t.set(t.cur - 1)
			tr.holdUntil = time.Time{}
			return true
		}
		return false
	}
	steady := full && !tr.loadedSince.IsZero() && now.Sub(tr.loadedSince) >= l.span
	if !steady || now.Before(tr.holdUntil) || !worthTrying(t.cur, t.max, l) {
		return false
	}
	tr.from, tr.base = t.cur, l.rate
	t.set(t.cur + 1)
	return true
}

// worthTrying says whether cur Ps (at most max) should try one more for
// the load l: the reactors were nearly saturated, on long commands or with
// a core to spare; or fairly busy on long commands on a machine that other
// work keeps busy.
func worthTrying(cur, max int, l procLoad) bool {
	if cur >= max || l.recent <= procsTryAt*float64(cur) {
		return false
	}
	long := l.recent >= l.rate*procsTryCommand.Seconds()
	if l.recent >= procsTrySaturated*float64(cur) {
		return long || l.idle >= procsIdleCores
	}
	return long && l.idle < procsContended
}

// holdFor starts the wait after a failed trial, each one twice as long as
// the last while the load lasts.
func (tr *procTrial) holdFor(now time.Time) {
	switch {
	case tr.hold == 0:
		tr.hold = procsTrialHold
	case tr.hold < procsTrialMaxHold:
		tr.hold *= 2
	}
	tr.holdUntil = now.Add(tr.hold)
}
