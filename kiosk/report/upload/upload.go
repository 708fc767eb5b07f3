// Package upload sends a site's report spool to the store with the site's
// own credentials.
//
// Each sealed batch is written once under its deterministic key with a
// conditional PUT; an answer that the object already exists means an
// earlier try arrived (its response was lost), so the batch leaves the
// spool either way, and only then. A retried upload therefore never
// double counts, and a store gone for days loses nothing that fit in the
// spool. The site's latest heartbeat is also written, overwriting, to
// reports/<site>/status.json for the department's fleet table.
//
// On a clean stop the uploader makes its last upload attempt and then
// writes a last status saying the site stopped, with what is left in the
// spool after that attempt: the fleet table then shows a site switched
// off, not one lost, and no backlog that has in fact arrived.
package upload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"time"

	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/spool"
)

// Store is where reports go; *s3store.Store is one.
type Store interface {
	PutNew(ctx context.Context, key string, r io.Reader, size int64) error
	Put(ctx context.Context, key string, r io.Reader, size int64) error
}

// Uploader moves sealed batches from the spool to the store.
type Uploader struct {
	Store Store
	// Spool holds the batches; nil sends only the status.
	Spool *spool.Spool
	Site  string
	// Every is the time between upload attempts.
	Every time.Duration
	// Now is the clock, for sealing a finished day; default time.Now.
	Now func() time.Time
	Log *slog.Logger
	// Timeout bounds one request; default 30 s.
	Timeout time.Duration

	failing bool
}

// Once seals a finished day's open batch and uploads the sealed batches,
// oldest first, until none is left or one fails. It returns how many
// batches arrived.
func (u *Uploader) Once(ctx context.Context) (int, error) {
	if u.Spool == nil {
		return 0, nil
	}
	if err := u.Spool.SealBefore(u.now()); err != nil {
		return 0, err
	}
	sent := 0
	for {
		batch, err := u.Spool.Pending(8)
		if err != nil || len(batch) == 0 {
			return sent, err
		}
		for _, b := range batch {
			if err := u.put(ctx, b); err != nil {
				return sent, err
			}
			if err := u.Spool.Remove(b.Key); err != nil {
				return sent, err
			}
			sent++
		}
	}
}

func (u *Uploader) put(ctx context.Context, b spool.Sealed) error {
	ctx, cancel := context.WithTimeout(ctx, u.timeout())
	defer cancel()
	err := u.Store.PutNew(ctx, b.Key, bytes.NewReader(b.Data), int64(len(b.Data)))
	if errors.Is(err, fs.ErrExist) {
		u.Log.Info("report batch was already in the store (an earlier try arrived)", "batch", b.Key)
		return nil
	}
	if err != nil {
		return fmt.Errorf("upload %s: %w", b.Key, err)
	}
	u.Log.Debug("report batch uploaded", "batch", b.Key, "records", b.Records, "bytes", len(b.Data))
	return nil
}

// Status writes the site's latest heartbeat for the fleet table.
func (u *Uploader) Status(ctx context.Context, hb report.Heartbeat) error {
	return u.status(ctx, report.Status{Site: u.Site, Heartbeat: hb})
}

// Stopped writes the site's last status at a clean stop: the last
// heartbeat, when it stopped, and the spool's backlog now, so call it
// after the last upload attempt.
func (u *Uploader) Stopped(ctx context.Context, last report.Heartbeat) error {
	return u.status(ctx, report.Status{Site: u.Site, Heartbeat: last, Stopped: u.now().UTC()})
}

func (u *Uploader) status(ctx context.Context, st report.Status) error {
	if u.Spool != nil {
		st.Backlog = u.Spool.Backlog()
	}
	body, err := json.Marshal(st)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, u.timeout())
	defer cancel()
	return u.Store.Put(ctx, report.StatusKey(u.Site), bytes.NewReader(body), int64(len(body)))
}

// Run uploads every u.Every, and writes the status for each heartbeat
// from beats, until ctx ends; it then seals what is open and tries once
// more, briefly, so a clean shutdown leaves little behind, and writes the
// stopped status (Stopped) with the backlog that attempt left. Hand the
// last records to the spool before ctx ends: the spool must stay open
// until Run returns.
func (u *Uploader) Run(ctx context.Context, beats <-chan report.Heartbeat) {
	t := time.NewTicker(u.Every)
	defer t.Stop()
	u.attempt(ctx)
	var last report.Heartbeat
	for {
		select {
		case <-ctx.Done():
			// A heartbeat handed over as the site stopped is the last.
			select {
			case hb := <-beats:
				last = hb
			default:
			}
			if u.Spool != nil {
				if err := u.Spool.Seal(); err != nil {
					u.Log.Error("report spool not sealed at shutdown", "err", err)
				}
				final, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				u.attempt(final)
				cancel()
			}
			final, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if err := u.Stopped(final, last); err != nil {
				u.Log.Warn("stopped status not written; the fleet table will show the site offline", "err", err)
			}
			return
		case <-t.C:
			u.attempt(ctx)
		case hb := <-beats:
			last = hb
			if err := u.Status(ctx, hb); err != nil {
				u.Log.Debug("status not written", "err", err)
			}
		}
	}
}

// attempt uploads once and logs changes between working and failing, not
// every failure.
func (u *Uploader) attempt(ctx context.Context) {
	sent, err := u.Once(ctx)
	switch {
	case err != nil && !u.failing:
		u.failing = true
		u.Log.Warn("report upload failing; records stay in the spool", "err", err)
	case err == nil && u.failing:
		u.failing = false
		u.Log.Info("report upload working again", "batches_sent", sent)
	}
}

func (u *Uploader) now() time.Time {
	if u.Now == nil {
		return time.Now()
	}
	return u.Now()
}

func (u *Uploader) timeout() time.Duration {
	if u.Timeout <= 0 {
		return 30 * time.Second
	}
	return u.Timeout
}
