package loop

import (
	"bytes"
	"os"
	"strconv"
	"time"
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
}

type loadSample struct {
	at   time.Time
	busy int64 // the reactors' busy time so far, ns
	idle int64 // the machine's idle + iowait time so far, clock ticks
}

const (
	loadWindow  = 100 * time.Millisecond
	loadSamples = int(loadWindow / procsTick) // the window, in ticks
	clockTicks  = 100                         // USER_HZ: /proc/stat's unit on every Linux
)

func newLoadMeter() *loadMeter { return &loadMeter{path: "/proc/stat"} }

// sample records the reactors' busy time at now and returns, over the
// window before now, the busy fraction (in Ps) and the idle cores, on
// average; idle is 0 when the meter cannot tell (no /proc, a single sample
// so far).
func (m *loadMeter) sample(busy int64, now time.Time) (busyFrac, idle float64) {
	ticks, ok := m.read()
	if !ok {
		m.reset() // without the counters there is no window to keep
		return 0, 0
	}
	oldest := m.samples[m.next]
	if m.n < len(m.samples) {
		oldest = m.samples[0]
		m.n++
	}
	m.samples[m.next] = loadSample{at: now, busy: busy, idle: ticks}
	m.next = (m.next + 1) % len(m.samples)
	wall := now.Sub(oldest.at)
	if m.n < 2 || wall <= 0 {
		return 0, 0
	}
	return fraction(busy-oldest.busy, wall), float64(ticks-oldest.idle) / clockTicks / wall.Seconds()
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
	return parseIdleTicks(m.buf[:n])
}

// parseIdleTicks reads the idle and iowait fields (the fourth and fifth
// numbers) of the "cpu" line that opens /proc/stat.
func parseIdleTicks(stat []byte) (int64, bool) {
	line, _, _ := bytes.Cut(stat, []byte("\n"))
	fields := bytes.Fields(line)
	if len(fields) < 6 || string(fields[0]) != "cpu" {
		return 0, false
	}
	var sum int64
	for _, f := range fields[4:6] {
		v, err := strconv.ParseInt(string(f), 10, 64)
		if err != nil {
			return 0, false
		}
		sum += v
	}
	return sum, true
}
