package loop

import "testing"

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
