package cpustat

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	stat := "cpu  906782 0 728202 3137436 4742 0 144195 1793 0 0\ncpu0 450542 0 366680 1569916 1301 0 72409 873 0 0\n"
	got, ok := Parse([]byte(stat))
	want := Ticks{Idle: 3137436 + 4742, Busy: 906782 + 728202 + 144195 + 1793}
	if !ok || got != want {
		t.Fatalf("Parse = %+v, %v; want %+v", got, ok, want)
	}
	for _, bad := range []string{"", "cpu 1 2 3\n", "intr 1 2 3 4 5 6 7 8\n", "cpu 1 2 3 x 5 6 7 8\n", "cpu 1 2 3 4 5 6 7\n"} {
		if _, ok := Parse([]byte(bad)); ok {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}

func TestDuration(t *testing.T) {
	if got := Duration(250); got != 2500*time.Millisecond {
		t.Fatalf("Duration(250) = %v; want 2.5s", got)
	}
}

// TestRead reads this machine's counters: Linux is where the server runs.
func TestRead(t *testing.T) {
	got, ok := Read()
	if !ok || got.Idle+got.Busy <= 0 {
		t.Fatalf("Read = %+v, %v", got, ok)
	}
}
