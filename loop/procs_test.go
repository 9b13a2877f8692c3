package loop

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestShouldGrow(t *testing.T) {
	tests := []struct {
		name         string
		cur, max     int
		recent, idle float64
		want         bool
	}{
		{name: "idle stays at one", cur: 1, max: 2, recent: 0.1, idle: 1.8},
		{name: "small commands stay at one", cur: 1, max: 2, recent: 0.3, idle: 0.2},
		{name: "busy with a core to spare grows", cur: 1, max: 2, recent: 0.9, idle: 0.9, want: true},
		{name: "fairly busy with a core to spare grows", cur: 1, max: 2, recent: 0.5, idle: 0.8, want: true},
		{name: "busy on a busy machine stays", cur: 1, max: 2, recent: 0.9, idle: 0.3},
		{name: "a light load with a core to spare stays", cur: 1, max: 2, recent: 0.3, idle: 1.5},
		{name: "never past the reactors", cur: 2, max: 2, recent: 1.9, idle: 2},
		{name: "grows one at a time", cur: 2, max: 8, recent: 1.9, idle: 5, want: true},
		{name: "one reactor is one P", cur: 1, max: 1, recent: 5, idle: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := procLoad{recent: tt.recent, idle: tt.idle}
			if got := shouldGrow(tt.cur, tt.max, l); got != tt.want {
				t.Fatalf("shouldGrow(%d, %d, %+v) = %v, want %v", tt.cur, tt.max, l, got, tt.want)
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

// TestTunerGrowsFastShrinksSlowly drives the tuner with a made-up clock:
// one tick that finds the reactors busy and a core idle is enough to add
// a P, but one comes back only after a whole quiet procsPeriod, and a
// snapshot's boost ends with the snapshot.
func TestTunerGrowsFastShrinksSlowly(t *testing.T) {
	applied := 1
	tu := &procTuner{enabled: true, max: 2, cur: 1, apply: func(n int) int { applied = n; return n }}
	at := time.Unix(1000, 0)
	var busy int64
	step := func(busyPart, idle float64, background bool) int {
		at = at.Add(procsTick)
		busy += int64(busyPart * float64(procsTick))
		got := tu.observe(procLoad{busy: busy, recent: busyPart, idle: idle}, at, background)
		if got != applied {
			t.Fatalf("observe said %d Ps but set %d", got, applied)
		}
		return got
	}
	if got := step(0, 2, false); got != 1 {
		t.Fatalf("first observation: %d Ps, want 1", got)
	}
	if got := step(0.6, 0.2, false); got != 1 {
		t.Fatalf("busy with no core to spare: %d Ps, want 1", got)
	}
	if got := step(0.9, 0.9, false); got != 2 {
		t.Fatalf("busy with a core to spare: %d Ps, want 2", got)
	}
	quietTicks := int(procsPeriod / procsTick)
	for i := 1; i < quietTicks; i++ {
		if got := step(0.1, 1.5, false); got != 2 {
			t.Fatalf("quiet tick %d of %d: %d Ps, want 2 until a whole period is quiet", i, quietTicks, got)
		}
	}
	if got := step(0.1, 1.5, false); got != 1 {
		t.Fatalf("after a quiet period: %d Ps, want 1", got)
	}
	// With two Ps, a load that would not fit in one keeps both.
	step(0.9, 0.9, false)
	for i := 0; i < 3*quietTicks; i++ {
		if got := step(0.6, 0, false); got != 2 {
			t.Fatalf("steady load of 0.6 P: %d Ps, want 2", got)
		}
	}
	for i := 0; i < quietTicks+1; i++ {
		step(0, 2, false)
	}
	if tu.cur != 1 {
		t.Fatalf("idle: %d Ps, want 1", tu.cur)
	}
	if got := step(0, 2, true); got != 2 {
		t.Fatalf("snapshot running: %d Ps, want 2", got)
	}
	if got := step(0, 2, false); got != 1 {
		t.Fatalf("snapshot over: %d Ps, want 1", got)
	}
}

func TestParseIdleTicks(t *testing.T) {
	stat := "cpu  906782 0 728202 3137436 4742 0 144195 1793 0 0\ncpu0 450542 0 366680 1569916 1301 0 72409 873 0 0\n"
	if got, ok := parseIdleTicks([]byte(stat)); !ok || got != 3137436+4742 {
		t.Fatalf("parseIdleTicks = %d, %v; want %d", got, ok, 3137436+4742)
	}
	for _, bad := range []string{"", "cpu 1 2 3\n", "intr 1 2 3 4 5 6\n", "cpu 1 2 3 x 5 6\n"} {
		if _, ok := parseIdleTicks([]byte(bad)); ok {
			t.Errorf("parseIdleTicks(%q) succeeded", bad)
		}
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
	step := func(idleCores, busyPs float64) (float64, float64) {
		at = at.Add(procsTick)
		ticks += int64(idleCores * clockTicks * procsTick.Seconds())
		busy += int64(busyPs * float64(procsTick))
		write()
		return m.sample(busy, at)
	}
	write()
	if b, i := m.sample(busy, at); b != 0 || i != 0 {
		t.Fatalf("first sample: busy %.2f, idle %.2f; want 0, 0 (nothing to compare with)", b, i)
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
	if !near(b, 1) || !near(idle, 0.5) {
		t.Fatalf("window full of the load: busy %.2f, idle %.2f; want 1, 0.5", b, idle)
	}
	m.reset()
	if b, idle := step(0.5, 1); b != 0 || idle != 0 {
		t.Fatalf("after reset: busy %.2f, idle %.2f; want 0, 0", b, idle)
	}
	m.path = filepath.Join(t.TempDir(), "missing")
	if b, idle := step(0.5, 1); b != 0 || idle != 0 {
		t.Fatalf("without the file: busy %.2f, idle %.2f; want 0, 0", b, idle)
	}
}
