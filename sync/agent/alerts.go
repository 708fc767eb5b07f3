package agent

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/alert"
	"github.com/vnict/kiosk/internal/atomicfile"
	"github.com/vnict/kiosk/sync/trust"
)

// AlertVerifier checks a signed alert against the site's trusted root;
// *trust.Client is one.
type AlertVerifier interface {
	VerifyAlert(data []byte, now time.Time) (alert.Alert, error)
}

// EventAlertRefused is the kind of the event a site reports when it
// refuses an alert: forged, unsigned, expired, replayed, malformed, or a
// file of its book that no longer verifies.
const EventAlertRefused = "alert_refused"

// AlertForget is how long past its expiry the book keeps an alert: while
// it holds it, an older serial of the same ID is refused as a replay.
const AlertForget = 7 * 24 * time.Hour

// maxBookFiles bounds the files the book reads from its folder at start.
const maxBookFiles = 4 * trust.MaxAlerts

// AlertBook is the site's record of emergency alerts, kept beside the
// content cache: for each alert ID, the newest signed version seen
// (updates, cancels and expired alerts too, until AlertForget past their
// expiry, so an older version cannot be replayed). Each is stored as the
// signed envelope itself, one file per ID, written atomically, and
// verified again when the book is opened: nothing on disk is trusted that
// the alerts role did not sign.
//
// Sync reads the store's alert index and fetches what changed. An alert
// that is forged, unsigned, expired or replayed (a serial not above the
// one held) is refused, logged and reported, and changes nothing shown.
// An alert that disappears from the store stays until it expires or a
// signed cancel arrives: removing an object is not a cancel.
//
// Its methods are safe for concurrent use.
type AlertBook struct {
	dir    string
	site   string
	tags   []string
	verify AlertVerifier
	store  trust.Reader
	report Reporter
	log    *slog.Logger
	now    func() time.Time

	syncMu sync.Mutex // one Sync at a time
	// fetched: alert ID -> the SHA-256 the index named when the object
	// read had that SHA-256 (judged, accepted or refused; not read again
	// while the index names it). refused: alert ID -> SHA-256 of the
	// bytes last refused, so that an object that does not match its
	// index entry is read again at every sync but reported once. Both
	// guarded by syncMu.
	fetched map[string]string
	refused map[string]string
	// rootSum is the SHA-256 of the trusted root the held alerts were
	// last verified against, when the verifier tells it; guarded by
	// syncMu.
	rootSum string

	mu      sync.Mutex
	held    map[string]alert.Alert // by ID
	held256 map[string]string      // by ID: SHA-256 of the held envelope
	pending []refusal              // refusals found before a report could be sent
	changed chan struct{}
}

// AlertBookOptions configure OpenAlertBook.
type AlertBookOptions struct {
	// Dir is the book's folder, e.g. <cache>/alerts.
	Dir string
	// Site and Tags select the alerts for this site (the config's
	// site.id, and site.tags with site.groups).
	Site string
	Tags []string
	// Verify checks signed alerts; Store is where they are read from.
	Verify AlertVerifier
	Store  trust.Reader
	// Report, if set, receives alert_refused events.
	Report Reporter
	Log    *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

type refusal struct {
	id, what string
	serial   int64
	err      error
}

// OpenAlertBook opens (creating) the book in opts.Dir and loads it:
// each file is verified again against the trusted root; one that does
// not verify (altered on disk, or signed by a key a root rotation has
// revoked) is removed, logged, and reported at the next Sync.
func OpenAlertBook(opts AlertBookOptions) (*AlertBook, error) {
	if opts.Dir == "" || opts.Verify == nil {
		return nil, errors.New("alert book: no folder or no verifier")
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("alert book: %w", err)
	}
	b := &AlertBook{
		dir: opts.Dir, site: opts.Site, tags: slices.Clone(opts.Tags), verify: opts.Verify, store: opts.Store,
		report: opts.Report, log: opts.Log, now: opts.Now,
		fetched: map[string]string{}, refused: map[string]string{}, held: map[string]alert.Alert{}, held256: map[string]string{},
		changed: make(chan struct{}, 1),
	}
	if err := b.load(); err != nil {
		return nil, err
	}
	return b, nil
}

// load reads the book's folder.
func (b *AlertBook) load() error {
	f, err := os.Open(b.dir)
	if err != nil {
		return fmt.Errorf("alert book: %w", err)
	}
	entries, err := f.ReadDir(maxBookFiles + 1)
	f.Close()
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("alert book %s: %w", b.dir, err)
	}
	if len(entries) > maxBookFiles {
		b.log.Error("alert book: more files than it ever writes; only the first are read", "dir", b.dir, "read", maxBookFiles)
		entries = entries[:maxBookFiles]
	}
	b.rootSum = b.trustedRootSum()
	now := b.now()
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			os.Remove(filepath.Join(b.dir, name)) // a write cut short
			continue
		}
		id, ok := strings.CutSuffix(name, ".json")
		if !ok || !alert.ValidID(id) || !e.Type().IsRegular() {
			b.drop(name, "", 0, fmt.Errorf("not a file the book writes"))
			continue
		}
		data, err := readFileMax(filepath.Join(b.dir, name), trust.MaxAlertBytes)
		if err != nil {
			b.drop(name, id, 0, err)
			continue
		}
		a, err := b.verify.VerifyAlert(data, now)
		if err != nil && !errors.Is(err, trust.ErrAlertExpired) {
			b.drop(name, id, 0, err)
			continue
		}
		if a.ID != id {
			b.drop(name, id, a.Serial, fmt.Errorf("holds alert %s", a.ID))
			continue
		}
		if now.After(a.Expires.Add(AlertForget)) {
			os.Remove(filepath.Join(b.dir, name))
			continue
		}
		b.held[id] = a
		b.held256[id] = sum(data)
	}
	if n := len(b.Active(now)); n > 0 {
		b.log.Info("alerts restored from the book", "active", n, "held", len(b.held))
	}
	return nil
}

// drop removes a book file that does not verify and keeps the refusal to
// report.
func (b *AlertBook) drop(name, id string, serial int64, err error) {
	path := filepath.Join(b.dir, name)
	b.log.Error("alert book: file dropped; it does not verify", "file", path, "err", err)
	if rerr := os.RemoveAll(path); rerr != nil {
		b.log.Error("alert book: could not remove the file", "file", path, "err", rerr)
	}
	b.pending = append(b.pending, refusal{id: id, what: "book " + name, serial: serial, err: err})
}

func readFileMax(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("more than %d bytes: %w", max, trust.ErrTooLarge)
	}
	return data, nil
}

func sum(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// Active returns the alerts for this site that are not cancelled and not
// expired at now, started or not (the player schedules their start), most
// severe first, then by start and ID. It is not signalled when an alert
// starts or expires: the caller asks again at those times.
func (b *AlertBook) Active(now time.Time) []alert.Alert {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []alert.Alert
	for _, a := range b.held {
		if a.Cancel || a.ExpiredAt(now) || !a.TargetsSite(b.site, b.tags) {
			continue
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(x, y alert.Alert) int {
		return cmp.Or(cmp.Compare(severityRank(x.Severity), severityRank(y.Severity)),
			x.Start.Compare(y.Start), strings.Compare(x.ID, y.ID))
	})
	return out
}

func severityRank(s alert.Severity) int {
	if i := slices.Index(alert.Severities, s); i >= 0 {
		return i
	}
	return len(alert.Severities)
}

// Changed is signalled (at most one pending signal) after the book's
// alerts change.
func (b *AlertBook) Changed() <-chan struct{} { return b.changed }

func (b *AlertBook) signal() {
	select {
	case b.changed <- struct{}{}:
	default:
	}
}

// Sync reads the store's alert index and fetches each alert whose object
// changed since it was last judged (the index names its SHA-256), at most
// trust.MaxAlerts of them, each at most trust.MaxAlertBytes; verifies it
// and keeps it, or refuses and reports it. It returns an error only when
// the store could not be read; refusals are reported, not returned.
func (b *AlertBook) Sync(ctx context.Context) error {
	b.syncMu.Lock()
	defer b.syncMu.Unlock()
	b.reportPending(ctx)
	b.recheck(ctx)
	if b.store == nil {
		return nil
	}
	idx, err := trust.ReadAlertIndex(ctx, b.store)
	if err != nil {
		if isRefusal(err) {
			b.refuse(ctx, refusal{what: trust.AlertIndexKey, err: err})
			return nil
		}
		return fmt.Errorf("alerts: %w", err)
	}
	var errs []error
	for _, id := range slices.Sorted(maps.Keys(idx.Alerts)) {
		want := idx.Alerts[id].SHA256
		if b.fetched[id] == want {
			continue // judged already, accepted or refused
		}
		b.mu.Lock()
		have := b.held256[id]
		b.mu.Unlock()
		if have == want {
			b.fetched[id] = want
			continue
		}
		data, err := trust.ReadAlert(ctx, b.store, id)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue // the index is ahead of, or behind, the objects
		case errors.Is(err, trust.ErrTooLarge):
			// Not what the index names (the department never writes so
			// large an object): read again at the next sync, in case the
			// object is put back, and reported once.
			if b.refused[id] != "too large" {
				b.refused[id] = "too large"
				b.refuse(ctx, refusal{id: id, what: trust.AlertKey(id), err: err})
			}
			continue
		case err != nil:
			errs = append(errs, err)
			continue
		}
		// Only bytes that are what the index names settle the entry: an
		// object swapped under it for a while, or one written before its
		// index entry, is read again at the next sync.
		got := sum(data)
		if got == want {
			b.fetched[id] = want
		}
		if got == have || got == b.refused[id] {
			continue // held, or refused already
		}
		if !b.accept(ctx, id, data) {
			b.refused[id] = got
		}
	}
	// Forget what the index no longer names, so the record stays bounded.
	for _, m := range []map[string]string{b.fetched, b.refused} {
		for id := range m {
			if _, ok := idx.Alerts[id]; !ok {
				delete(m, id)
			}
		}
	}
	b.forgetOld()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("alerts: %w", err)
	}
	return nil
}

// trustedRootSum returns the SHA-256 of the verifier's trusted root, or
// "" when the verifier does not tell it.
func (b *AlertBook) trustedRootSum() string {
	r, ok := b.verify.(interface{ TrustedRoot() []byte })
	if !ok {
		return ""
	}
	return sum(r.TrustedRoot())
}

// recheck verifies the held alerts again when the trusted root has
// changed since they were verified: an alert signed by a key that a root
// rotation revoked (it leaked) leaves the screen at the sync that
// installed the root, not at the next restart. A book file that cannot be
// read is kept, and checked again at the next sync.
func (b *AlertBook) recheck(ctx context.Context) {
	root := b.trustedRootSum()
	if root == b.rootSum {
		return
	}
	now := b.now()
	b.mu.Lock()
	held := maps.Clone(b.held)
	b.mu.Unlock()
	checked, changed := true, false
	for _, id := range slices.Sorted(maps.Keys(held)) {
		path := filepath.Join(b.dir, id+".json")
		data, err := readFileMax(path, trust.MaxAlertBytes)
		if err != nil {
			b.log.Error("alert book: file not checked against the new root; tried again at the next sync", "file", path, "err", err)
			checked = false
			continue
		}
		a, err := b.verify.VerifyAlert(data, now)
		if errors.Is(err, trust.ErrAlertExpired) {
			err = nil
		}
		if err == nil && a.ID != id {
			err = fmt.Errorf("holds alert %s: %w", a.ID, trust.ErrTampered)
		}
		if err == nil {
			continue
		}
		if rerr := os.Remove(path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			b.log.Error("alert book: could not remove the file", "file", path, "err", rerr)
		}
		b.mu.Lock()
		delete(b.held, id)
		delete(b.held256, id)
		b.mu.Unlock()
		b.refuse(ctx, refusal{id: id, what: "book " + id + ".json", serial: held[id].Serial,
			err: fmt.Errorf("no longer verifies against the trusted root: %w", err)})
		changed = true
	}
	if checked {
		b.rootSum = root
	}
	if changed {
		b.signal()
	}
}

// accept verifies the alert object of id and keeps it if it is newer than
// the one held; it reports whether it was not refused.
func (b *AlertBook) accept(ctx context.Context, id string, data []byte) bool {
	key := trust.AlertKey(id)
	a, err := b.verify.VerifyAlert(data, b.now())
	// A verified cancel still cancels after its expiry: it only takes an
	// alert off the screen.
	if err != nil && !(errors.Is(err, trust.ErrAlertExpired) && a.Cancel) {
		b.refuse(ctx, refusal{id: id, what: key, serial: a.Serial, err: err})
		return false
	}
	if a.ID != id {
		b.refuse(ctx, refusal{id: id, what: key, serial: a.Serial,
			err: fmt.Errorf("%s holds alert %s: %w", key, a.ID, trust.ErrTampered)})
		return false
	}
	b.mu.Lock()
	prev, had := b.held[id]
	b.mu.Unlock()
	if had && a.Serial <= prev.Serial {
		b.refuse(ctx, refusal{id: id, what: key, serial: a.Serial,
			err: fmt.Errorf("serial %d, but serial %d was seen: %w", a.Serial, prev.Serial, trust.ErrAlertSerial)})
		return false
	}
	if err := atomicfile.Write(filepath.Join(b.dir, id+".json"), data); err != nil {
		// Not kept: it is fetched again at the next sync.
		delete(b.fetched, id)
		b.log.Error("alert not saved to the book; tried again at the next sync", "alert", id, "err", err)
		return true
	}
	b.mu.Lock()
	b.held[id] = a
	b.held256[id] = sum(data)
	b.mu.Unlock()
	b.log.Info("alert accepted", "alert", id, "serial", a.Serial, "cancel", a.Cancel, "severity", a.Severity,
		"start", a.Start, "expires", a.Expires, "for_this_site", a.TargetsSite(b.site, b.tags))
	b.signal()
	return true
}

// refuse logs and reports a refused alert.
func (b *AlertBook) refuse(ctx context.Context, r refusal) {
	b.log.Error("alert refused; what is shown does not change", "alert", r.id, "what", r.what, "serial", r.serial, "err", r.err)
	b.send(ctx, r)
}

func (b *AlertBook) send(ctx context.Context, r refusal) {
	if b.report == nil {
		return
	}
	detail := map[string]any{"alert": r.id, "what": r.what, "error": r.err.Error(), "reason": reason(r.err)}
	if r.serial > 0 {
		detail["serial"] = r.serial
	}
	if err := b.report.Report(ctx, EventAlertRefused, detail); err != nil {
		b.log.Warn("could not report the alert refusal", "alert", r.id, "err", err)
	}
}

// reason names the kind of a refusal in a word, for the department.
func reason(err error) string {
	switch {
	case errors.Is(err, trust.ErrNoAlertsRole):
		return "no_alerts_role"
	case errors.Is(err, trust.ErrAlertSerial):
		return "replayed"
	case errors.Is(err, trust.ErrAlertExpired):
		return "expired"
	case errors.Is(err, trust.ErrSignature):
		return "signature"
	case errors.Is(err, trust.ErrTooLarge):
		return "too_large"
	}
	var fe *content.FieldError
	if errors.As(err, &fe) {
		return "invalid"
	}
	return "malformed"
}

// reportPending sends the refusals found while loading.
func (b *AlertBook) reportPending(ctx context.Context) {
	b.mu.Lock()
	pending := b.pending
	b.pending = nil
	b.mu.Unlock()
	for _, r := range pending {
		b.send(ctx, r)
	}
}

// forgetOld removes alerts AlertForget past their expiry.
func (b *AlertBook) forgetOld() {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	for id, a := range b.held {
		if !now.After(a.Expires.Add(AlertForget)) {
			continue
		}
		if err := os.Remove(filepath.Join(b.dir, id+".json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
			b.log.Warn("alert book: could not remove an old alert", "alert", id, "err", err)
			continue
		}
		delete(b.held, id)
		delete(b.held256, id)
	}
}

// syncAlerts runs the alert book's sync, if the agent has one; a network
// sync only (a USB stick carries no alerts).
func (a *Agent) syncAlerts(ctx context.Context) {
	if a.Alerts == nil || a.importing {
		return
	}
	if err := a.Alerts.Sync(ctx); err != nil {
		a.Log.Warn("alerts not synced; tried again at the next sync", "err", err)
	}
}
