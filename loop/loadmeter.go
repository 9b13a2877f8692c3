package loop

import (
	"os"
	"time"

	"redis-fast/cpustat"
)

// loadMeter measures, over the last loadWindow, how busy the reactors were
// and how many of the machine's cores sat idle, the latter from the
// kernel's counters in /proc/stat (the first line, summed over all CPUs,
// in clock ticks of 1/100 s). The tuner asks it whether a second P would
// find a core to run on, or would only take one from whatever else runs
// on the machine, a client on the same host for one.
//
// The counters tick a hundred times a second per core, so the window is
// longer than the tuner's tick: over 20 ms the answer would be a handful
// of ticks. Both figures cover the same window, so a load that has just
// begun is not judged by the idle time from before it.
type loadMeter struct {
	path    string
	buf     []byte
	samples [loadSamples]loadSample
	n, next int
	prev    loadSample // the sample before the latest, for l.last
}

type loadSample struct {
	at       time.Time
	busy     int64 // the reactors' busy time so far, ns
	commands int64 // the commands they have run so far
	idle     int64 // the machine's idle + iowait time so far, clock ticks
}

const (
	loadWindow  = 100 * time.Millisecond
	loadSamples = int(loadWindow / procsTick) // the window, in ticks
)

func newLoadMeter() *loadMeter { return &loadMeter{path: "/proc/stat"} }

// sample records l's busy time and command count at now and fills in the
// rest of l over the window before now: the busy fraction (in Ps), the
// idle cores and the commands per second, on average, and the span of
// the window; and the busy fraction over the last tick alone. They stay 0
// when the meter cannot tell (no /proc, a single sample so far).
func (m *loadMeter) sample(l *procLoad, now time.Time) {
	l.recent, l.idle, l.rate, l.span, l.last = 0, 0, 0, 0, 0
	ticks, ok := m.read()
	if !ok {
		m.reset() // without the counters there is no window to keep
		return
	}
	oldest := m.samples[m.next]
	if m.n < len(m.samples) {
		oldest = m.samples[0]
		m.n++
	}
	cur := loadSample{at: now, busy: l.busy, commands: l.commands, idle: ticks}
	m.samples[m.next] = cur
	m.next = (m.next + 1) % len(m.samples)
	if !m.prev.at.IsZero() { // a reset empties the window, not the last tick
		l.last = fraction(l.busy-m.prev.busy, now.Sub(m.prev.at))
	}
	m.prev = cur
	wall := now.Sub(oldest.at)
	if m.n < 2 || wall <= 0 {
		return
	}
	l.recent = fraction(l.busy-oldest.busy, wall)
	l.idle = cpustat.Duration(ticks-oldest.idle).Seconds() / wall.Seconds()
	l.rate = float64(l.commands-oldest.commands) / wall.Seconds()
	l.span = wall
}

// reset empties the window.
func (m *loadMeter) reset() { m.n, m.next = 0, 0 }

// read returns the machine's idle and iowait ticks so far.
func (m *loadMeter) read() (int64, bool) {
	f, err := os.Open(m.path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	if m.buf == nil {
		m.buf = make([]byte, 512)
	}
	n, _ := f.Read(m.buf)
	t, ok := cpustat.Parse(m.buf[:n])
	return t.Idle, ok
}
