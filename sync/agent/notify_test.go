package agent_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/sync/agent"
	"github.com/vnict/kiosk/sync/cache"
	"github.com/vnict/kiosk/sync/layout"
)

// These tests run against the MinIO that `make deps` builds (patched so
// that it flushes the notification stream; see build/minio-flush.patch):
// notifications are what brings a publication to a screen in well under a
// second, so a build that holds them back must fail here, not only make
// sites slower.

// notifyPoll is the sites' poll in these tests: far longer than any bound
// asserted, so only a notification (or the check after subscribing) can
// bring a publication in time.
const notifyPoll = 10 * time.Minute

// provisionedSite writes the config of site id as `kioskctl provision`
// would, with the site's own MinIO user (whose policy must allow it to
// listen), a 10-minute poll, and opens the site from it.
func provisionedSite(t *testing.T, d *department, id string) *agent.Site {
	t.Helper()
	sc := d.SiteConfig(t, id)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "root.json"), d.Root, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secret.key"), []byte(sc.SecretKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	yaml := fmt.Sprintf(`site: {id: %s, name: "Cửa khẩu Quốc tế Tịnh Biên", groups: [border-gates]}
display: {resolution: 1536x768}
languages: [vi]
fonts: [{family: Noto Sans}]
content: {cache: cache}
sync:
  endpoint: %q
  secure: false
  bucket: %s
  prefix: %s
  access_key: %s
  secret_key_file: secret.key
  root: root.json
  poll: %s
`, id, sc.Endpoint, sc.Bucket, sc.Prefix, sc.AccessKey, notifyPoll)
	path := filepath.Join(dir, "kiosk.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := siteconfig.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	site, err := agent.Open(cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { site.Close() })
	return site
}

// activatedWithin waits until version v is current in c, for at most
// bound, and returns how long it took.
func activatedWithin(t *testing.T, c *cache.Cache, v int64, bound time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := time.NewTimer(bound)
	defer deadline.Stop()
	for {
		if b := c.Current(); b != nil && b.Manifest.Version == v {
			return time.Since(start)
		}
		select {
		case <-c.Changed():
		case <-deadline.C:
			t.Fatalf("version %d not activated within %v (poll %v): the notification did not bring it", v, bound, notifyPoll)
		}
	}
}

// receive returns the next value from ch, failing the test if none comes
// within d.
func receive[T any](t *testing.T, ch <-chan T, d time.Duration, what string) T {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("waiting for %s: nothing within %v", what, d)
		panic("unreachable")
	}
}

// TestNotificationsArriveWithinASecond subscribes as a site does (the
// watch agent.Open wires, with the site's own credentials) and changes the
// publication's metadata folder 20 times, one change at a time: every
// change must reach the site within a second.
func TestNotificationsArriveWithinASecond(t *testing.T) {
	const events, bound = 20, time.Second
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := newDepartment(t)
	site := provisionedSite(t, d, "an-giang-tinh-bien")
	ch, err := site.Agent.Watch(ctx)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	put := func(i int) {
		t.Helper()
		body := []byte(fmt.Sprintf(`{"probe":%d}`, i))
		if err := d.Store.Put(ctx, fmt.Sprintf("tuf/metadata/probe-%03d.json", i), bytes.NewReader(body), int64(len(body))); err != nil {
			t.Fatal(err)
		}
	}
	// wait reports whether a signal came within d.
	wait := func(d time.Duration) bool {
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case _, ok := <-ch:
			if !ok {
				t.Fatal("the subscription closed")
			}
			return true
		case <-timer.C:
			return false
		}
	}
	// The server takes the subscription a moment after Watch returns and
	// says nothing until then: change the folder until a signal comes.
	for i := 0; !wait(bound); i++ {
		if i == 10 {
			t.Fatalf("no notification after %d changes: the server holds the stream back (a MinIO built without build/minio-flush.patch? `make deps` builds it with the patch)", i)
		}
		put(1000 + i)
	}
	var lat []time.Duration
	for i := range events {
		for wait(0) { // a late signal of an earlier change
		}
		start := time.Now()
		put(i)
		if !wait(bound) {
			t.Fatalf("change %d of %d: no notification within %v (earlier ones: %v)", i+1, events, bound, lat)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	t.Logf("%d notifications, from the start of each write: median %v, slowest %v", events, lat[len(lat)/2], lat[len(lat)-1])
}

// TestPublicationReachesSiteByNotification publishes with the department
// code (approve twice, publish) to a site running as the kiosk runs it
// (agent.Open, Run) with a 10-minute poll: each publication must be
// activated, verified, within 10 s, a bound for a loaded machine that
// only a notification can meet.
func TestPublicationReachesSiteByNotification(t *testing.T) {
	const bound = 10 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	d := newDepartment(t)
	site := provisionedSite(t, d, "an-giang-tinh-bien")
	done := make(chan error, 1)
	go func() { done <- site.Run(ctx, "") }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	bundle := bundleWithFiles(t, 2, 20_000, 1)
	for v := int64(1); v <= 3; v++ {
		setVersion(t, bundle, v)
		d.Approve(t, bundle, layout.Targeting{Groups: []string{"border-gates"}}, "editor", "deputy")
		if err := d.Publish(t, bundle); err != nil {
			t.Fatal(err)
		}
		t.Logf("version %d activated %v after publication", v, activatedWithin(t, site.Cache, v, bound))
	}
}

// TestCheckAfterResubscribing cuts the site's notification stream, makes
// a publication while no subscription is open (its events reach nobody),
// then lets the site subscribe again: the site must check at once and
// activate it, not wait for the poll.
func TestCheckAfterResubscribing(t *testing.T) {
	const bound = 10 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	d := newDepartment(t)
	s := d.NewSite(t, "an-giang-vinh-xuong")
	// The test sees each attempt to subscribe, lets it through and can
	// cut it; the subscription itself is the real one, on the site's own
	// store.
	asked := make(chan struct{}, 1)
	allow := make(chan struct{})
	cuts := make(chan context.CancelFunc, 1)
	s.Agent.Poll = notifyPoll
	s.Agent.Watch = func(ctx context.Context) (<-chan struct{}, error) {
		asked <- struct{}{}
		select {
		case <-allow:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		sub, cut := context.WithCancel(ctx)
		ch, err := s.Store.Watch(sub, "tuf/metadata/")
		if err != nil {
			cut()
			return nil, err
		}
		cuts <- cut
		return ch, nil
	}
	done := make(chan error, 1)
	go func() { done <- s.Agent.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	bundle := bundleWithFiles(t, 2, 20_000, 1)
	release := func(v int64) {
		t.Helper()
		setVersion(t, bundle, v)
		d.Release(t, bundle, layout.Targeting{})
	}

	receive(t, asked, bound, "the first subscription")
	allow <- struct{}{}
	cut := receive(t, cuts, bound, "the first subscription")
	release(1)
	t.Logf("with the subscription open: version 1 activated in %v", activatedWithin(t, s.Cache, 1, bound))

	cut() // the stream drops; the site tries again, which the test holds back
	receive(t, asked, bound, "a new subscription after the cut")
	release(2)
	if got := s.Cache.Current().Manifest.Version; got != 1 {
		t.Fatalf("version %d active while no subscription was open; want 1", got)
	}
	allow <- struct{}{}
	cut = receive(t, cuts, bound, "the new subscription")
	defer cut()
	t.Logf("published during the gap: version 2 activated %v after the subscription returned", activatedWithin(t, s.Cache, 2, bound))
}
