package agent

import (
	"testing"
	"time"
)

func TestNextWait(t *testing.T) {
	poll, maxB := 60*time.Second, 10*time.Minute
	tests := []struct {
		name     string
		failures int
		r        float64
		want     time.Duration
	}{
		{"poll, no jitter draw", 0, 0.5, 60 * time.Second},
		{"poll, lowest jitter", 0, 0, 48 * time.Second},
		{"poll, highest jitter", 0, 0.999999, 72 * time.Second},
		{"first failure", 1, 0.5, 2 * time.Second},
		{"second failure doubles", 2, 0.5, 4 * time.Second},
		{"fifth failure", 5, 0.5, 32 * time.Second},
		{"capped at the poll", 9, 0.5, 60 * time.Second},
		{"many failures stay capped", 500, 0.5, 60 * time.Second},
	}
	for _, tc := range tests {
		got := NextWait(tc.failures, poll, maxB, tc.r)
		if d := got - tc.want; d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("%s: NextWait(%d) = %v, want %v", tc.name, tc.failures, got, tc.want)
		}
	}
	// Re-subscribing notifications backs off up to its own cap.
	if got := NextWait(20, maxB, maxB, 0.5); got != maxB {
		t.Errorf("watch backoff = %v, want %v", got, maxB)
	}
}
