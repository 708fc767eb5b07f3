package screen_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vnict/kiosk/internal/miniotest"
	"github.com/vnict/kiosk/kiosk/report/screen"
	"github.com/vnict/kiosk/sync/s3store"
)

const site = "an-giang-tinh-bien"

// fakeClock moves only when told. After records each wait, so a test can
// tell when the sender has done what a moment asked and waits again.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
	calls   int
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	ch := make(chan time.Time, 1)
	c.waiters = append(c.waiters, waiter{at: c.now.Add(d), ch: ch})
	return ch
}

// Advance moves the clock on by d and fires the waits due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
}

func (c *fakeClock) Calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

// camera is the screen: it counts screenshots and gives a small JPEG.
type camera struct {
	shots atomic.Int64
	jpg   []byte
	clock *fakeClock

	mu    sync.Mutex
	times []time.Time // on the fake clock
}

func newCamera(t *testing.T) *camera {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 48, 24))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	img.SetRGBA(3, 3, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return &camera{jpg: b.Bytes()}
}

func (c *camera) Screenshot(ctx context.Context) ([]byte, error) {
	c.mu.Lock()
	c.times = append(c.times, c.clock.Now())
	c.mu.Unlock()
	c.shots.Add(1)
	return c.jpg, nil
}

// at returns when each screenshot was taken, from the clock's start.
func (c *camera) at() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []time.Duration
	for _, t := range c.times {
		out = append(out, t.Sub(newClock().now))
	}
	return out
}

// rig is a site's sender on a real MinIO, with the department's store.
type rig struct {
	dept, site *s3store.Store
	clock      *fakeClock
	cam        *camera
	log        *logBuffer
}

type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func start(t *testing.T, every time.Duration) *rig {
	t.Helper()
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "kiosk")
	store := func() *s3store.Store {
		st, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
			Bucket: "kiosk", Prefix: "ag", MaxRetries: 1})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	r := &rig{dept: store(), site: store(), clock: newClock(), cam: newCamera(t), log: &logBuffer{}}
	r.cam.clock = r.clock
	s := &screen.Sender{Store: r.site, Site: site, Every: every, Clock: r.clock,
		Log: slog.New(slog.NewTextHandler(r.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Watch: func(ctx context.Context) (<-chan struct{}, error) {
			return r.site.WatchObject(ctx, screen.RequestKey(site))
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx, r.cam) }()
	t.Cleanup(func() { cancel(); <-done })
	r.settled(t, 0) // the first read of the request object
	return r
}

// settled waits until the sender has waited on its clock more than mark
// times: it has done what the moment asked and waits again.
func (r *rig) settled(t *testing.T, mark int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); r.clock.Calls() <= mark; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the sender did not wait again within 10 s\n%s", r.log)
		}
	}
}

// advance moves the clock and waits until the sender has acted on it.
func (r *rig) advance(t *testing.T, d time.Duration) {
	t.Helper()
	mark := r.clock.Calls()
	r.clock.Advance(d)
	r.settled(t, mark)
}

// tickUntil moves the clock on a second at a time, giving the sender a
// moment of real time after each, until it has taken n screenshots.
func (r *rig) tickUntil(t *testing.T, n int64) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); r.cam.shots.Load() < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d screenshots, want %d\n%s", r.cam.shots.Load(), n, r.log)
		}
		r.clock.Advance(time.Second)
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *rig) waitShots(t *testing.T, n int64) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); r.cam.shots.Load() < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d screenshots within 10 s, want %d\n%s", r.cam.shots.Load(), n, r.log)
		}
	}
}

func (r *rig) ask(t *testing.T) {
	t.Helper()
	if err := screen.Ask(context.Background(), r.dept, site, time.Now()); err != nil {
		t.Fatal(err)
	}
}

// TestRequestsAreAnsweredAndBounded: a request brings a screenshot at once
// (the notification, the clock standing still); a store writing requests
// in a loop gets at most one more per MinGap, and reads of the request
// object at most one per MinCheck.
func TestRequestsAreAnsweredAndBounded(t *testing.T) {
	r := start(t, 0)
	r.ask(t)
	// The notification wakes the sender, which reads at once or, if a
	// read was made less than MinCheck ago, a second later.
	r.clock.Advance(screen.MinCheck)
	r.waitShots(t, 1)
	// The screenshot is taken, then put.
	var got []byte
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got, err = screen.Fetch(context.Background(), r.dept, site); err == nil {
			break
		}
	}
	if err != nil || !bytes.Equal(got, r.cam.jpg) {
		t.Fatalf("screen.jpg in the store: %d bytes, %v; want the camera's %d", len(got), err, len(r.cam.jpg))
	}

	// A hostile loop: many requests, each notified. The sender, woken,
	// waits for a second to pass since its last read.
	mark := r.clock.Calls()
	for range 20 {
		r.ask(t)
	}
	r.settled(t, mark)
	r.advance(t, screen.MinCheck)
	if n := r.cam.shots.Load(); n != 1 {
		t.Fatalf("%d screenshots right after the loop's requests were read, want 1: the gap was not kept\n%s", n, r.log)
	}
	// The clock moves on: one more screenshot for all of them, at the
	// end of the gap.
	r.tickUntil(t, 2)
	at := r.cam.at()
	if gap := at[1] - at[0]; gap < screen.MinGap-time.Second || gap > screen.MinGap+2*time.Second {
		t.Errorf("screenshots at %v: %v apart, want %v", at, gap, screen.MinGap)
	}
	for range 60 {
		r.clock.Advance(time.Second)
		time.Sleep(10 * time.Millisecond)
	}
	if n := r.cam.shots.Load(); n != 2 {
		t.Fatalf("%d screenshots, want 2: the loop's requests were answered more than once\n%s", n, r.log)
	}
	if c := strings.Count(r.log.String(), "screenshot requested"); c > 3 {
		t.Errorf("the request was read as new %d times with the clock standing still, want at most one a second", c)
	}
}

// TestEveryInterval: with an interval, screenshots come at its end, unasked,
// and a request's screenshot starts the interval again.
func TestEveryInterval(t *testing.T) {
	r := start(t, time.Minute)
	r.tickUntil(t, 1)
	r.clock.Advance(20 * time.Second)
	// The notification brings the request, read at once or, if the poll
	// has just read, a second later.
	r.ask(t)
	r.clock.Advance(screen.MinCheck)
	r.waitShots(t, 2)
	r.tickUntil(t, 3)
	at := r.cam.at()
	// The camera reads the clock a moment after the sender, which the
	// test moves meanwhile: within two seconds.
	near := func(got, want time.Duration) bool { return got >= want-2*time.Second && got <= want+2*time.Second }
	// The first a minute after the start; the third a minute after the
	// request's, not after the first.
	if !near(at[0], time.Minute) || !near(at[2]-at[1], time.Minute) {
		t.Errorf("screenshots at %v from the start, want 1m, then the request's, then a minute after it", at)
	}
}

// TestBadRequestsAreRefused: a request that is not one, or too large, is
// named in the log and brings no screenshot; the next good one does.
func TestBadRequestsAreRefused(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"not JSON", "please", "invalid character"},
		{"no time", `{"nonce": "ab"}`, "requested: missing"},
		{"too large", `{"nonce": "` + strings.Repeat("a", 5000) + `"}`, "more than the 4096 read"},
	}
	r := start(t, 0)
	key := screen.RequestKey(site)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := r.dept.Put(context.Background(), key, strings.NewReader(tc.body), int64(len(tc.body))); err != nil {
				t.Fatal(err)
			}
			r.advance(t, screen.DefaultPoll)
			log := r.log.String()
			if !strings.Contains(log, tc.want) || !strings.Contains(log, key) {
				t.Errorf("log does not name %s and say %q:\n%s", key, tc.want, log)
			}
			if n := r.cam.shots.Load(); n != 0 {
				t.Errorf("%d screenshots for a bad request", n)
			}
		})
	}
	r.ask(t)
	r.tickUntil(t, 1)
}
