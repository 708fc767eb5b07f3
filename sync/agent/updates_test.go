package agent_test

import (
	"context"
	"testing"
	"time"

	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/trust"
)

// slowUpdates stands for a player download on a slow link: it holds each
// offer until its context ends.
type slowUpdates struct{ offered chan int64 }

func (u slowUpdates) Consider(ctx context.Context, rel *trust.Release) error {
	u.offered <- rel.Version
	<-ctx.Done()
	return ctx.Err()
}

// TestPlayerDownloadHoldsNothingUp: under Run, a player update that takes
// its time downloads beside the syncs: the next bundle is activated
// meanwhile, and the update is offered again only once the last offer
// ended.
func TestPlayerDownloadHoldsNothingUp(t *testing.T) {
	d := newDepartment(t)
	s := newSite(t, d, "an-giang-tinh-bien")
	updates := slowUpdates{offered: make(chan int64, 16)}
	s.agent.Updates = updates
	s.agent.Poll = 200 * time.Millisecond
	dir := bundleWithFiles(t, 2, 1<<10, 1)
	d.Release(t, dir, layout.Targeting{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.agent.Run(ctx) }()
	defer func() { cancel(); <-done }()

	select {
	case <-updates.offered:
	case <-time.After(30 * time.Second):
		t.Fatal("the publication was never offered for updates")
	}
	setVersion(t, dir, 2)
	d.Release(t, dir, layout.Targeting{})
	deadline := time.Now().Add(30 * time.Second)
	for s.version(t) != 2 {
		if time.Now().After(deadline) {
			t.Fatal("the next bundle waited for the player download")
		}
		time.Sleep(50 * time.Millisecond)
	}
	select {
	case v := <-updates.offered:
		t.Fatalf("offered again (targets version %d) while the last offer was still downloading", v)
	default:
	}
}
