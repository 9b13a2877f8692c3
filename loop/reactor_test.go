package loop

import (
	"testing"
	"time"
)

// TestReactorYieldsAfterItsSlice: passes that follow each other with no
// break add up to a slice, and the pass that ends it yields; a break
// longer than reactorGap starts a new slice.
func TestReactorYieldsAfterItsSlice(t *testing.T) {
	yields, passes := 0, 0
	r := &reactor{set: &reactors{yield: func() { yields++ }}}
	at := time.Now()
	pass := func(gap, length time.Duration) {
		start := at.Add(gap)
		at = start.Add(length)
		r.pass(start, at, length, 1)
		passes++
		at = r.lastEnd // a yield restarts the clock at its own end
	}
	// Ten passes with nine short breaks fill the slice exactly; the
	// breaks count, since the reactor kept its P through them.
	short := reactorGap / 10
	step := (reactorSlice - 9*short) / 10
	pass(0, step)
	for i := 0; i < 8; i++ {
		pass(short, step)
	}
	if yields != 0 {
		t.Fatalf("yielded %d times within one slice", yields)
	}
	for i := 0; i < 3 && yields == 0; i++ {
		pass(short, step)
	}
	if yields != 1 {
		t.Fatalf("yields after a slice of back-to-back passes: %d, want 1", yields)
	}
	// Passes with breaks between them never add up to a slice.
	for i := 0; i < 50; i++ {
		pass(2*reactorGap, step)
	}
	if yields != 1 {
		t.Fatalf("passes with breaks between them yielded: %d yields, want still 1", yields)
	}
	if got, want := r.busy.Load(), int64(passes)*int64(step); got != want {
		t.Fatalf("busy time %v, want %v", time.Duration(got), time.Duration(want))
	}
}
