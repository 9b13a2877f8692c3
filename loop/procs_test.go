package loop

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"redis-fast/cpustat"
)

func TestWorthTrying(t *testing.T) {
	const long, short = 20000, 2000000 // commands/s at busy 0.5: 25 us and 0.25 us each
	tests := []struct {
		name         string
		cur, max     int
		recent, idle float64
		rate         float64
		want         bool
	}{
		{name: "idle stays", cur: 1, max: 2, recent: 0.1, idle: 1.8, rate: long},
		{name: "long commands on a busy machine try", cur: 1, max: 2, recent: 0.5, idle: 0, rate: long, want: true},
		{name: "short commands on a busy machine stay", cur: 1, max: 2, recent: 0.5, idle: 0, rate: short},
		{name: "one idle tick is not a busy machine", cur: 1, max: 2, recent: 0.5, idle: 0.09, rate: long},
		{name: "long commands half busy on a quiet machine stay", cur: 1, max: 2, recent: 0.5, idle: 0.2, rate: long},
		{name: "saturated on long commands tries", cur: 1, max: 2, recent: 0.8, idle: 0.2, rate: long * 1.6, want: true},
		{name: "saturated on short commands with a core to spare tries", cur: 1, max: 2, recent: 0.8, idle: 0.8, rate: short, want: true},
		{name: "saturated on short commands without a core to spare stays", cur: 1, max: 2, recent: 0.8, idle: 0.3, rate: short},
		{name: "short commands half busy with a core to spare stay", cur: 1, max: 2, recent: 0.5, idle: 0.8, rate: short},
		{name: "a light load with a core to spare stays", cur: 1, max: 2, recent: 0.25, idle: 1.5, rate: short},
		{name: "never past the reactors", cur: 2, max: 2, recent: 1.9, idle: 2, rate: long},
		{name: "busy counts per P", cur: 2, max: 4, recent: 0.5, idle: 2, rate: long},
		{name: "one at a time", cur: 2, max: 8, recent: 1.9, idle: 5, rate: long, want: true},
		{name: "one reactor is one P", cur: 1, max: 1, recent: 5, idle: 2, rate: long},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := procLoad{recent: tt.recent, idle: tt.idle, rate: tt.rate}
			if got := worthTrying(tt.cur, tt.max, l); got != tt.want {
				t.Fatalf("worthTrying(%d, %d, %+v) = %v, want %v", tt.cur, tt.max, l, got, tt.want)
			}
		})
	}
}

func TestShouldShrink(t *testing.T) {
	tests := []struct {
		cur  int
		busy float64
		want bool
	}{
		{cur: 1, busy: 0}, {cur: 2, busy: 0.8}, {cur: 2, busy: 0.2, want: true},
		{cur: 3, busy: 0.8}, {cur: 3, busy: 0.6, want: true},
	}
	for _, tt := range tests {
		if got := shouldShrink(tt.cur, tt.busy); got != tt.want {
			t.Errorf("shouldShrink(%d, %.2f) = %v, want %v", tt.cur, tt.busy, got, tt.want)
		}
	}
}

// tunerSim drives a tuner with a made-up clock and a made-up load, and
// plays the load meter's part: a window that fills again from nothing
// each time the count changes.
type tunerSim struct {
	t       *testing.T
	tu      *procTuner
	applied int
	at      time.Time
	span    time.Duration
	busy    int64
}

func newTunerSim(t *testing.T) *tunerSim {
	s := &tunerSim{t: t, applied: 1, at: time.Unix(1000, 0)}
	s.tu = &procTuner{enabled: true, max: 2, cur: 1, apply: func(n int) int { s.applied = n; return n }}
	return s
}

// step advances one tick of a load whose reactors are busy per P (in Ps,
// for each P the tuner has), running commands that take each long, with
// idle cores to spare, and returns the count the tuner chose.
func (s *tunerSim) step(busy float64, each time.Duration, idle float64, background bool) int {
	s.t.Helper()
	s.at = s.at.Add(procsTick)
	s.span = min(s.span+procsTick, loadWindow)
	s.busy += int64(busy * float64(procsTick))
	l := procLoad{busy: s.busy, recent: busy, last: busy, idle: idle, span: s.span}
	if each > 0 {
		l.rate = busy / each.Seconds()
	}
	before := s.tu.cur
	got := s.tu.observe(l, s.at, background)
	if got != s.applied {
		s.t.Fatalf("observe said %d Ps but set %d", got, s.applied)
	}
	if got != before {
		s.span = -procsTick // the meter starts a new window, empty at its next sample
	}
	return got
}

// run steps ticks times and returns the counts seen, as a string of digits.
func (s *tunerSim) run(ticks int, busy func(procs int) float64, each time.Duration, idle float64) string {
	s.t.Helper()
	var seen []byte
	for range ticks {
		seen = append(seen, byte('0'+s.step(busy(s.tu.cur), each, idle, false)))
	}
	return string(seen)
}

// windowTicks is the ticks of one meter window.
var windowTicks = int(loadWindow / procsTick)

// TestTunerKeepsAPOnlyWhereItPays: a load of long commands gets a trial
// once it has filled a window; the P stays where the throughput rose by
// more than procsTrialGain, and goes back where it did not, and then the
// load is not tried again until its hold ends or the load pauses.
func TestTunerKeepsAPOnlyWhereItPays(t *testing.T) {
	const each = 20 * time.Microsecond
	scales := func(procs int) float64 { return 0.5 * float64(procs) } // twice the rate with two
	flat := func(procs int) float64 { return 0.5 }                    // the same rate with two

	s := newTunerSim(t)
	s.step(0, 0, 2, false) // the first observation starts the windows
	got := s.run(2*windowTicks+2, scales, each, 0)
	if want := "11111" + "2222222"; got != want[:len(got)] {
		t.Fatalf("a load that scales: counts %s, want %s (a window at one P, then a trial that is kept)", got, want)
	}
	if s.tu.trial.kept != 2 {
		t.Fatalf("a load that scales: the trial's P was not kept (%+v)", s.tu.trial)
	}
	// A kept P is put to the test again after procsTrialKeep: it goes,
	// and a window later the trial brings it back.
	keep := int(procsTrialKeep / procsTick)
	got = s.run(keep+windowTicks+1, scales, each, 0)
	if n := strings.Count(got, "1"); n < windowTicks || n > windowTicks+2 || got[len(got)-1] != '2' {
		t.Fatalf("a kept P after %v: counts %s, want one window at one P, then two again", procsTrialKeep, got)
	}

	s = newTunerSim(t)
	s.step(0, 0, 2, false)
	got = s.run(3*windowTicks, flat, each, 0)
	if want := strings.Repeat("1", windowTicks) + strings.Repeat("2", windowTicks+1); !strings.HasPrefix(got, want) || strings.Contains(got[len(want):], "2") {
		t.Fatalf("a load that does not scale: counts %s, want a window at one P, one trial window at two, then one", got)
	}
	// While the hold lasts the load stays at one P; a pause ends it.
	got = s.run(int(procsTrialHold/procsTick)-3*windowTicks, flat, each, 0)
	if strings.Contains(got, "2") {
		t.Fatalf("during the hold after a failed trial: counts %s, want only 1", got)
	}
	s.run(2, func(int) float64 { return 0 }, 0, 2)
	got = s.run(windowTicks+2, flat, each, 0)
	if !strings.Contains(got, "2") {
		t.Fatalf("after a pause: counts %s, want a new trial", got)
	}
}

// TestTunerLeavesShortCommandsAlone: small commands on a machine with no
// idle core never get a trial, however busy; with a core idle they do.
func TestTunerLeavesShortCommandsAlone(t *testing.T) {
	s := newTunerSim(t)
	s.step(0, 0, 2, false)
	busy := func(int) float64 { return 0.9 }
	if got := s.run(20*windowTicks, busy, 200*time.Nanosecond, 0.2); strings.Contains(got, "2") {
		t.Fatalf("short commands, no idle core: counts %s, want only 1", got)
	}
	if got := s.run(2*windowTicks, busy, 200*time.Nanosecond, 1.5); !strings.Contains(got, "2") {
		t.Fatalf("short commands, a core idle: counts %s, want a trial", got)
	}
}

// TestTunerShrinksSlowlyAndBoostsForSnapshots: a kept P comes back only
// after a whole quiet procsPeriod, and a snapshot's boost ends with the
// snapshot.
func TestTunerShrinksSlowlyAndBoostsForSnapshots(t *testing.T) {
	s := newTunerSim(t)
	s.step(0, 0, 2, false)
	s.run(2*windowTicks+2, func(p int) float64 { return 0.5 * float64(p) }, 20*time.Microsecond, 0)
	if s.tu.cur != 2 {
		t.Fatalf("setup: %d Ps, want 2", s.tu.cur)
	}
	quietTicks := int(procsPeriod / procsTick)
	quiet := func(int) float64 { return 0.1 }
	got := s.run(2*quietTicks, quiet, 20*time.Microsecond, 1.5)
	if strings.Contains(got[:quietTicks/2], "1") || got[len(got)-1] != '1' {
		t.Fatalf("quiet ticks: counts %s, want 2 for at least half a period (a period's average decides), then 1", got)
	}
	if got := s.step(0, 0, 2, true); got != 2 {
		t.Fatalf("snapshot running: %d Ps, want 2", got)
	}
	if got := s.step(0, 0, 2, false); got != 1 {
		t.Fatalf("snapshot over: %d Ps, want 1", got)
	}
}

// TestLoadMeterWindow: the meter answers over its window, from a file
// that stands in for /proc/stat.
func TestLoadMeterWindow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stat")
	m := &loadMeter{path: path}
	at := time.Unix(1000, 0)
	ticks, busy := int64(5000), int64(0)
	write := func() {
		line := fmt.Sprintf("cpu  100 0 100 %d 0 0 0 0 0 0\n", ticks)
		if err := os.WriteFile(path, []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var commands int64
	var l procLoad
	step := func(idleCores, busyPs float64) (float64, float64) {
		at = at.Add(procsTick)
		ticks += int64(idleCores * cpustat.ClockTicks * procsTick.Seconds())
		busy += int64(busyPs * float64(procsTick))
		commands += int64(busyPs * 1000) // 50,000 commands/s per busy P
		write()
		l = procLoad{busy: busy, commands: commands}
		m.sample(&l, at)
		return l.recent, l.idle
	}
	write()
	l = procLoad{busy: busy}
	if m.sample(&l, at); l.recent != 0 || l.idle != 0 {
		t.Fatalf("first sample: busy %.2f, idle %.2f; want 0, 0 (nothing to compare with)", l.recent, l.idle)
	}
	near := func(got, want float64) bool { return got > want-0.01 && got < want+0.01 }
	// An idle machine: two cores idle.
	for i := 0; i < loadSamples; i++ {
		if b, idle := step(2, 0); !near(idle, 2) || b != 0 {
			t.Fatalf("idle sample %d: busy %.2f, idle %.2f; want 0, 2", i, b, idle)
		}
	}
	// A load begins; until the window holds only the load, both figures
	// are averages over the same window, before and after.
	b, idle := step(0.5, 1)
	if want := 1.0 / float64(loadSamples); !near(b, want) {
		t.Fatalf("first loaded sample: busy %.3f, want %.3f", b, want)
	}
	if want := (2*float64(loadSamples-1) + 0.5) / float64(loadSamples); !near(idle, want) {
		t.Fatalf("first loaded sample: idle %.3f, want %.3f", idle, want)
	}
	for i := 0; i < loadSamples; i++ {
		b, idle = step(0.5, 1)
	}
	if !near(b, 1) || !near(idle, 0.5) || !near(l.rate/50000, 1) || l.span != loadWindow || !near(l.last, 1) {
		t.Fatalf("window full of the load: %+v; want busy 1, idle 0.5, 50,000 commands/s over %v, busy 1 in the last tick", l, loadWindow)
	}
	m.reset()
	if b, idle := step(0.5, 0.5); b != 0 || idle != 0 || !near(l.last, 0.5) {
		t.Fatalf("after reset: %+v; want busy and idle 0 (no window) and the last tick's busy 0.5", l)
	}
	m.path = filepath.Join(t.TempDir(), "missing")
	if b, idle := step(0.5, 1); b != 0 || idle != 0 {
		t.Fatalf("without the file: busy %.2f, idle %.2f; want 0, 0", b, idle)
	}
}
