// Package reportgen makes synthetic site reports with a known answer, for
// tests and benchmarks of the department's report: a site's day of
// heartbeats and plays as one batch, as the site's spool would seal it.
package reportgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/vnict/kiosk/kiosk/report"
)

// Site describes a synthetic site.
type Site struct {
	ID       string
	Spool    string
	Schedule report.Schedule
	Items    []string
	Langs    []string
	// Interval between heartbeats; PlayEvery between plays, during
	// operating hours.
	Interval, PlayEvery time.Duration
	// Down are spans with no heartbeat and no play (the player was down).
	Down []report.Span
	// Standby are spans the player ran with nothing to show.
	Standby []report.Span
	// Bundle, if set, is the bundle ("id@version") published to the site
	// all along, holding Items and also Unplayed: items that never play
	// (starved or broken), which the report must list with no plays.
	Bundle   string
	Unplayed []string
}

func in(spans []report.Span, t time.Time) bool {
	for _, s := range spans {
		if !t.Before(s.Start) && t.Before(s.End) {
			return true
		}
	}
	return false
}

// Day returns the batch of the local day holding day, numbered from first.
func (s Site) Day(day time.Time, first uint64) *report.Batch {
	span := s.Schedule.Day(day)
	b := &report.Batch{Site: s.ID, Spool: s.Spool, First: first, Since: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
	if s.Bundle != "" {
		b.Bundles = []report.BundleItems{{Bundle: s.Bundle, From: b.Since, Items: append(append([]string{}, s.Items...), s.Unplayed...)}}
	}
	for t := span.Start; t.Before(span.End); t = t.Add(s.Interval) {
		if in(s.Down, t) {
			continue
		}
		st := report.Content
		switch {
		case !s.Schedule.Scheduled(t):
			st = report.OffHours
		case in(s.Standby, t):
			st = report.Standby
		}
		b.Heartbeats = append(b.Heartbeats, report.Heartbeat{Time: t.UTC(), Interval: s.Interval, State: st})
	}
	n := 0
	for t := span.Start; t.Before(span.End) && s.PlayEvery > 0; t = t.Add(s.PlayEvery) {
		if in(s.Down, t) || in(s.Standby, t) || !s.Schedule.Scheduled(t) {
			continue
		}
		b.Plays = append(b.Plays, report.Play{Item: s.Items[n/len(s.Langs)%len(s.Items)], Lang: s.Langs[n%len(s.Langs)],
			Start: t.UTC(), Dur: s.PlayEvery})
		n++
	}
	b.Last = first + uint64(len(b.Heartbeats)+len(b.Plays)) - 1
	return b
}

// Putter writes an object once; *s3store.Store is one.
type Putter interface {
	PutNew(ctx context.Context, key string, r io.Reader, size int64) error
}

// Upload writes the site's batches for the local days from..to
// (inclusive), with concurrency requests at once, and returns the number
// of bytes written.
func (s Site) Upload(ctx context.Context, st Putter, from, to time.Time, concurrency int) (int64, error) {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	var total atomic.Int64
	seq := uint64(1)
	for day := s.Schedule.Day(from).Start; !day.After(to); day = day.AddDate(0, 0, 1) {
		first := seq
		seq += 1_000_000
		g.Go(func() error {
			b := s.Day(day.Add(12*time.Hour), first)
			var buf bytes.Buffer
			if err := b.Encode(&buf); err != nil {
				return err
			}
			total.Add(int64(buf.Len()))
			if err := st.PutNew(ctx, b.Key(buf.Bytes()), &buf, int64(buf.Len())); err != nil {
				return fmt.Errorf("site %s day %s: %w", s.ID, day.Format(time.DateOnly), err)
			}
			return nil
		})
	}
	err := g.Wait()
	return total.Load(), err
}
