package screen

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"time"
)

// Camera takes a screenshot: the frame on the display now, as a JPEG.
// *player.Player is one.
type Camera interface {
	Screenshot(ctx context.Context) ([]byte, error)
}

// Store is what a site's Sender needs of the store; *s3store.Store is one.
type Store interface {
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	// GetIfChanged reads the object, at most max bytes, unless its ETag
	// is still etag; unchanged, it returns nil data and etag.
	GetIfChanged(ctx context.Context, key, etag string, max int64) ([]byte, string, error)
}

// Clock tells the time and waits; tests give one they move by hand.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Defaults of Sender.
const (
	// DefaultPoll is how often a site reads the request object when no
	// notification comes: a conditional GET, a few hundred bytes.
	DefaultPoll = 30 * time.Second
	// MinGap is the least time between two screenshots.
	MinGap = 10 * time.Second
	// MinCheck is the least time between two reads of the request
	// object, however many notifications arrive.
	MinCheck = time.Second
	// DefaultTimeout bounds one screenshot and its upload.
	DefaultTimeout = 30 * time.Second
)

// Sender sends a site's screenshots: every Every, and when a request
// arrives, never two within MinGap. Create it with its fields and start it
// with Run.
type Sender struct {
	Store Store
	Site  string
	// Every is the time between screenshots sent unasked, the first one
	// Every after the start; 0 sends only those asked for.
	Every time.Duration
	// Watch, if set, subscribes to notifications of changes to the
	// request object (a hint): the request is read at once.
	Watch func(ctx context.Context) (<-chan struct{}, error)
	// Poll is the time between reads of the request object; default
	// DefaultPoll.
	Poll time.Duration
	// Clock defaults to the system clock.
	Clock Clock
	Log   *slog.Logger
	// Timeout bounds one screenshot and its upload; default
	// DefaultTimeout.
	Timeout time.Duration
}

// Why a screenshot was taken.
const (
	reasonRequest  = "request"
	reasonInterval = "interval"
)

// Run sends screenshots taken by cam until ctx ends. The request object
// is read at once: a site that starts with a request in the store sends
// one screenshot for it, as it cannot know whether it answered that
// request before it stopped.
func (s *Sender) Run(ctx context.Context, cam Camera) {
	clock := s.Clock
	if clock == nil {
		clock = systemClock{}
	}
	poll := s.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	wake := make(chan struct{}, 1)
	if s.Watch != nil {
		go s.watch(ctx, clock, wake, poll, log)
	}
	var (
		tag       string    // the request object's ETag last seen; "" for none
		pending   bool      // a request waits for its screenshot
		woken     bool      // a notification waits for the next read
		lastShot  time.Time // zero: none yet
		lastCheck time.Time // zero: none yet
		failing   bool
	)
	start := clock.Now()
	nextCheck := start
	var nextShot time.Time // the next screenshot sent unasked; zero: none
	if s.Every > 0 {
		nextShot = start.Add(s.Every)
	}
	for {
		now := clock.Now()
		if !now.Before(nextCheck) || woken && !now.Before(lastCheck.Add(MinCheck)) {
			woken, lastCheck, nextCheck = false, now, now.Add(poll)
			asked, err := s.check(ctx, &tag)
			switch {
			case err != nil && !errors.Is(err, fs.ErrNotExist):
				log.Warn("screenshot request not read", "key", RequestKey(s.Site), "err", err)
			case asked:
				log.Info("screenshot requested", "key", RequestKey(s.Site))
				pending = true
			}
		}
		gapOver := lastShot.IsZero() || !now.Before(lastShot.Add(MinGap))
		due := !nextShot.IsZero() && !now.Before(nextShot)
		if gapOver && (pending || due) {
			reason := reasonInterval
			if pending {
				reason = reasonRequest
			}
			// The gap and the interval count from the moment asked.
			lastShot = now
			if s.Every > 0 {
				nextShot = lastShot.Add(s.Every)
			}
			n, took, err := s.send(ctx, cam)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				// A request is tried again after the gap; the next
				// unasked one comes at its time.
				if !failing {
					log.Warn("screenshot not sent", "reason", reason, "key", Key(s.Site), "err", err)
				}
				failing = true
			default:
				pending, failing = false, false
				level := slog.LevelDebug
				if reason == reasonRequest {
					level = slog.LevelInfo
				}
				log.Log(ctx, level, "screenshot sent", "reason", reason, "key", Key(s.Site), "bytes", n, "took", took.Round(time.Millisecond))
			}
			continue
		}
		// Wait for the first of: the next read, the next screenshot,
		// the end of the gap when a request waits, a notification.
		at := nextCheck
		if woken {
			at = earliest(at, lastCheck.Add(MinCheck))
		}
		if pending {
			at = earliest(at, lastShot.Add(MinGap))
		}
		if !nextShot.IsZero() {
			at = earliest(at, nextShot)
		}
		var timer <-chan time.Time
		if wait := at.Sub(clock.Now()); wait > 0 {
			timer = clock.After(wait)
		} else {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
			woken = true
		case <-timer:
		}
	}
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// check reads the request object if it changed since *tag, and reports
// whether it holds a new, valid request. A request that cannot be parsed
// is remembered (by its ETag) and not acted on.
func (s *Sender) check(ctx context.Context, tag *string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	key := RequestKey(s.Site)
	data, next, err := s.Store.GetIfChanged(ctx, key, *tag, MaxRequestBytes)
	if errors.Is(err, fs.ErrNotExist) {
		*tag = ""
		return false, err
	}
	if err != nil || next == *tag {
		return false, err
	}
	*tag = next
	if _, err := ParseRequest(key, data); err != nil {
		return false, err
	}
	return true, nil
}

// send takes a screenshot and puts it.
func (s *Sender) send(ctx context.Context, cam Camera) (int, time.Duration, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	jpg, err := cam.Screenshot(ctx)
	if err != nil {
		return 0, 0, err
	}
	if err := s.Store.Put(ctx, Key(s.Site), bytes.NewReader(jpg), int64(len(jpg))); err != nil {
		return 0, 0, err
	}
	return len(jpg), time.Since(start), nil
}

func (s *Sender) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return DefaultTimeout
}

// watch keeps a notification subscription, re-subscribing after a
// failure (1 s, doubling up to poll), and turns each event into a wake-up.
// Each subscription that opens also wakes once: a request written while
// none was open sent its event to nobody.
func (s *Sender) watch(ctx context.Context, clock Clock, wake chan<- struct{}, poll time.Duration, log *slog.Logger) {
	signal := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	backoff := time.Second
	for ctx.Err() == nil {
		events, err := s.Watch(ctx)
		if err == nil {
			signal()
			opened := clock.Now()
			for range events {
				signal()
			}
			if clock.Now().Sub(opened) > poll {
				backoff = time.Second // it had been working
			}
		}
		if ctx.Err() != nil {
			return
		}
		log.Debug("screenshot request notifications lost; subscribing again", "err", err, "after", backoff)
		select {
		case <-ctx.Done():
			return
		case <-clock.After(backoff):
		}
		backoff = min(2*backoff, poll)
	}
}
