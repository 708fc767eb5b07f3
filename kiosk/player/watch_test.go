package player

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestWatchAlerts: a change from the alert source marks the alerts stale
// and asks for a frame, so a cancel leaves the screen without waiting for
// a slide to end.
func TestWatchAlerts(t *testing.T) {
	changed := make(chan struct{})
	var stale atomic.Bool
	woke := make(chan struct{}, 4)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); watchAlerts(ctx, changed, &stale, func() { woke <- struct{}{} }) }()
	for i := range 3 {
		changed <- struct{}{}
		select {
		case <-woke:
		case <-time.After(5 * time.Second):
			t.Fatalf("change %d: no frame asked for", i)
		}
		if !stale.Swap(false) {
			t.Fatalf("change %d: alerts not marked stale", i)
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the watch did not end with its context")
	}
}
