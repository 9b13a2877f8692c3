package loop

import (
	"testing"
	"time"
)

func TestNextProcs(t *testing.T) {
	tests := []struct {
		name     string
		cur, max int
		busy     float64
		want     int
	}{
		{name: "idle stays at one", cur: 1, max: 2, busy: 0.1, want: 1},
		{name: "small commands stay at one", cur: 1, max: 2, busy: 0.5, want: 1},
		{name: "busy grows", cur: 1, max: 2, busy: 0.9, want: 2},
		{name: "never past the reactors", cur: 2, max: 2, busy: 1.9, want: 2},
		{name: "still busy keeps two", cur: 2, max: 2, busy: 0.8, want: 2},
		{name: "quiet shrinks", cur: 2, max: 2, busy: 0.2, want: 1},
		{name: "grows one at a time", cur: 2, max: 8, busy: 1.9, want: 3},
		{name: "one reactor is one P", cur: 1, max: 1, busy: 5, want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nextProcs(tt.cur, tt.max, tt.busy); got != tt.want {
				t.Fatalf("nextProcs(%d, %d, %.2f) = %d, want %d", tt.cur, tt.max, tt.busy, got, tt.want)
			}
		})
	}
}

// TestTunerGrowsFastShrinksSlowly drives the tuner with a made-up clock:
// one busy tick is enough to add a P, but one comes back only after a
// whole quiet procsPeriod, and a snapshot's boost ends with the snapshot.
func TestTunerGrowsFastShrinksSlowly(t *testing.T) {
	applied := 1
	tu := &procTuner{enabled: true, max: 2, cur: 1, apply: func(n int) int { applied = n; return n }}
	at := time.Unix(1000, 0)
	var busy int64
	step := func(busyPart float64, background bool) int {
		at = at.Add(procsTick)
		busy += int64(busyPart * float64(procsTick))
		got := tu.observe(busy, at, background)
		if got != applied {
			t.Fatalf("observe said %d Ps but set %d", got, applied)
		}
		return got
	}
	if got := step(0, false); got != 1 {
		t.Fatalf("first observation: %d Ps, want 1", got)
	}
	if got := step(0.5, false); got != 1 {
		t.Fatalf("half busy: %d Ps, want 1", got)
	}
	if got := step(0.9, false); got != 2 {
		t.Fatalf("one busy tick: %d Ps, want 2", got)
	}
	quietTicks := int(procsPeriod / procsTick)
	for i := 1; i < quietTicks; i++ {
		if got := step(0.1, false); got != 2 {
			t.Fatalf("quiet tick %d of %d: %d Ps, want 2 until a whole period is quiet", i, quietTicks, got)
		}
	}
	if got := step(0.1, false); got != 1 {
		t.Fatalf("after a quiet period: %d Ps, want 1", got)
	}
	// With two Ps, a load that would not fit in one keeps both.
	step(0.9, false)
	for i := 0; i < 3*quietTicks; i++ {
		if got := step(0.6, false); got != 2 {
			t.Fatalf("steady load of 0.6 P: %d Ps, want 2", got)
		}
	}
	for i := 0; i < quietTicks+1; i++ {
		step(0, false)
	}
	if tu.cur != 1 {
		t.Fatalf("idle: %d Ps, want 1", tu.cur)
	}
	if got := step(0, true); got != 2 {
		t.Fatalf("snapshot running: %d Ps, want 2", got)
	}
	if got := step(0, false); got != 1 {
		t.Fatalf("snapshot over: %d Ps, want 1", got)
	}
}
