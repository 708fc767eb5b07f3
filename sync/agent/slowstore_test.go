package agent_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/vnict/kiosk/sync/dirstore"
	"github.com/vnict/kiosk/sync/fetch"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish"
)

// trickle is a store that answers, but sends each medium a byte at a
// time: a slow server, not a hung one (no idle timeout fires).
type trickle struct {
	fetch.Source
	started chan struct{}
}

type trickleReader struct {
	io.ReadCloser
	ctx context.Context
}

func (r trickleReader) Read(p []byte) (int, error) {
	select {
	case <-time.After(50 * time.Millisecond): // the server's pace
	case <-r.ctx.Done():
		return 0, r.ctx.Err()
	}
	if len(p) > 1 {
		p = p[:1]
	}
	return r.ReadCloser.Read(p)
}

func (s *trickle) GetRange(ctx context.Context, key string, offset int64) (io.ReadCloser, error) {
	rc, err := s.Source.GetRange(ctx, key, offset)
	if err != nil {
		return nil, err
	}
	select {
	case s.started <- struct{}{}:
	default:
	}
	return trickleReader{rc, ctx}, nil
}

// TestSlowStoreDoesNotHoldBackUSBImport: the network sync is downloading the
// bundle's media from a slow store (20 bytes a second, well within what
// neither the idle timeout nor, for its first minute, MinRate refuses).
// A USB stick with the same publication is imported meanwhile. The import
// waits for the network download's claim on each medium (fetch.Claims),
// so it cannot activate until the network sync gives up at its Timeout
// (30 min by default): a slow server blocks the USB import.
func TestSlowStoreDoesNotHoldBackUSBImport(t *testing.T) {
	ctx := context.Background()
	d := newDepartment(t)
	d.Release(t, demoNamed(t, "gate-news"), layout.Targeting{})
	stick := t.TempDir()
	if _, err := publish.Export(ctx, d.Store, dirstore.New(stick), d.Root, d.Now); err != nil {
		t.Fatal(err)
	}
	s := d.NewSite(t, "an-giang-tinh-bien")
	slow := &trickle{Source: s.Agent.Fetch.Source, started: make(chan struct{}, 1)}
	s.Agent.Fetch.Source = slow
	s.Agent.Timeout = 40 * time.Second // stands for the default 30 min

	netCtx, stopNet := context.WithCancel(ctx)
	defer stopNet()
	synced := make(chan error, 1)
	go func() {
		_, err := s.Agent.Sync(netCtx)
		synced <- err
	}()
	select {
	case <-slow.started:
	case <-time.After(20 * time.Second):
		t.Fatal("the network sync never started downloading media")
	}

	ictx, cancel := context.WithTimeout(ctx, 8*time.Second)
	defer cancel()
	start := time.Now()
	_, err := s.Agent.Import(ictx, stick)
	if err != nil || s.Cache.CurrentName() == "" {
		t.Errorf("USB import while the network downloads slowly: after %s: %v (playing %q); want the stick's publication active at once",
			time.Since(start).Round(time.Second), err, s.Cache.CurrentName())
	}
	stopNet()
	<-synced
}
