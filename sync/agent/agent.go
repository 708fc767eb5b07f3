// Package agent is the site's sync loop: it asks the trust layer for the
// department's current publication, picks the bundle meant for this site,
// downloads the media the cache lacks and activates the bundle atomically.
//
// It wakes on a bucket notification (a hint: notifications are lost during
// an outage and are a MinIO extension, so nothing depends on them), once
// each time a notification subscription takes (to catch what was published
// while none was open), on a poll with jitter (default 60 s), and backs off
// exponentially after errors.
// A publication the trust layer refuses (forged, altered, replayed, expired,
// too large, mixed) is logged, reported to the department, and changes
// nothing: the last good bundle keeps playing.
package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/sync/cache"
	"github.com/vnict/kiosk/sync/dirstore"
	"github.com/vnict/kiosk/sync/fetch"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/trust"
)

// Verifier is the trust layer as the agent uses it; *trust.Client is one.
type Verifier interface {
	Refresh(ctx context.Context) (*trust.Release, error)
	Fetch(ctx context.Context, rel *trust.Release, path string) ([]byte, error)
}

// Updates installs the player builds a verified publication offers;
// *update.Installer is one.
type Updates interface {
	Consider(ctx context.Context, rel *trust.Release) error
}

// Reporter sends events to the department; a store restricted to the
// site's reports prefix is one. It may be nil.
type Reporter interface {
	Report(ctx context.Context, kind string, detail any) error
}

// Agent syncs one site.
type Agent struct {
	Site   string
	Groups []string
	Trust  Verifier
	Fetch  *fetch.Fetcher
	Cache  *cache.Cache
	Report Reporter
	Log    *slog.Logger
	// Poll is the time between polls; default 60 s.
	Poll time.Duration
	// MaxBackoff caps the wait after errors; default 10 min.
	MaxBackoff time.Duration
	// Watch, if set, subscribes to change notifications (a hint).
	Watch func(ctx context.Context) (<-chan struct{}, error)
	// TrustFor makes a verifier reading another store (a USB stick) with
	// the same trusted root and trusted state, for Import.
	TrustFor func(store trust.Reader) (Verifier, error)

	// Alerts, if set, is the site's alert book, synced at each network sync.
	Alerts *AlertBook
	// Updates, if set, is offered each verified publication of a network
	// sync, after the bundle, to install the player builds it holds.
	Updates Updates

	// OnSync, if set, is told the outcome of each network sync.
	OnSync func(Result, error)
	// Timeout bounds one sync, downloads included; default 30 min. An
	// interrupted download resumes at the next sync.
	Timeout time.Duration

	// activation is shared with the agents Import makes, so a network sync
	// and a USB import never activate out of order. Nothing holds its lock
	// across network I/O: a hung store cannot block an import.
	activationOnce sync.Once
	activation     *activation

	reportedMu sync.Mutex
	reported   map[string]time.Time // refusals reported, for firstReport

	importing bool // this agent reads a USB stick (Import)

	// runCtx is Run's, for the player updates it runs beside the syncs;
	// updating is set while one does.
	runCtx   context.Context
	updating atomic.Bool
}

// activation orders activations: none may go back to an older targets
// version than the last one activated or withdrawn.
type activation struct {
	mu      sync.Mutex
	version int64
}

func (a *Agent) activated() *activation {
	a.activationOnce.Do(func() {
		if a.activation == nil {
			a.activation = &activation{}
		}
	})
	return a.activation
}

// DefaultTimeout bounds one sync.
const DefaultTimeout = 30 * time.Minute

// Result tells what one sync did.
type Result struct {
	Release   string // the release now current, if any
	Activated bool   // a new release was activated
	Withdrawn string // the release taken off the screen, if any
	Fetched   int    // files downloaded
}

// ErrNoBundle means the publication has no bundle for this site.
var ErrNoBundle = errors.New("the publication has no bundle for this site")

// Sync runs one sync cycle, within Timeout.
func (a *Agent) Sync(ctx context.Context) (Result, error) {
	timeout := a.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rel, err := a.Trust.Refresh(ctx)
	a.syncAlerts(ctx) // after a root rotation is installed; also when the feed is refused or frozen
	if errors.Is(err, fs.ErrNotExist) && !errors.Is(err, trust.ErrInconsistent) {
		// Nothing published yet.
		return Result{Release: a.Cache.CurrentName()}, fmt.Errorf("%w: %w", ErrNoBundle, err)
	}
	if err != nil {
		return Result{Release: a.Cache.CurrentName()}, a.refused(ctx, "metadata", err)
	}
	res, err := a.syncBundle(ctx, rel)
	if a.Updates != nil {
		// After the content: a screen's bundle comes before the player's
		// own update.
		a.considerUpdates(ctx, rel)
	}
	return res, err
}

// UpdateTimeout bounds one player update's download.
const UpdateTimeout = 2 * time.Hour

// considerUpdates offers rel to Updates: under Run in a goroutine of its
// own, one at a time, so that a program of many megabytes on a slow link
// holds up neither the next bundle nor an alert; called by Sync alone, at
// once.
func (a *Agent) considerUpdates(ctx context.Context, rel *trust.Release) {
	consider := func(ctx context.Context) {
		if err := a.Updates.Consider(ctx, rel); isRefusal(err) {
			_ = a.refused(ctx, "player update", err)
		} else if err != nil {
			a.Log.Warn("player update not installed; tried again at the next sync", "err", err)
		}
	}
	if a.runCtx == nil {
		consider(ctx)
		return
	}
	if !a.updating.CompareAndSwap(false, true) {
		return // the last one is still downloading; it sees this publication's successor next
	}
	go func() {
		defer a.updating.Store(false)
		ctx, cancel := context.WithTimeout(a.runCtx, UpdateTimeout)
		defer cancel()
		consider(ctx)
	}()
}

// syncBundle brings this site's bundle of the verified publication rel
// into the cache and activates it.
func (a *Agent) syncBundle(ctx context.Context, rel *trust.Release) (Result, error) {
	path, err := a.choose(rel)
	if errors.Is(err, ErrNoBundle) {
		return a.withdraw(ctx, rel)
	}
	if err != nil {
		return Result{Release: a.Cache.CurrentName()}, err
	}
	info := rel.Targets[path]
	name := releaseName(path, info.SHA256)
	if a.Cache.CurrentName() == name {
		return Result{Release: name}, nil
	}
	// The bundle on screen is no longer meant for this site: say so, as
	// the next bundle replaces it.
	var withdrawn string
	if cur := a.Cache.Current(); cur != nil {
		if p := layout.BundleTarget(cur.Manifest.ID); p != path && !a.targets(rel, p) {
			withdrawn = a.Cache.CurrentName()
		}
	}
	raw, err := a.Trust.Fetch(ctx, rel, path)
	if err != nil {
		return Result{Release: a.Cache.CurrentName()}, a.refused(ctx, path, err)
	}
	m, err := content.ParseManifest(raw)
	if err != nil {
		return Result{Release: a.Cache.CurrentName()}, a.refused(ctx, path, err)
	}
	missing := a.Cache.Missing(m)
	if err := a.Fetch.FetchAll(ctx, missing); err != nil {
		if errors.Is(err, fetch.ErrTampered) {
			return Result{Release: a.Cache.CurrentName()}, a.refused(ctx, path, err)
		}
		return Result{Release: a.Cache.CurrentName()}, fmt.Errorf("sync %s: %w", path, err)
	}
	a.Log.Debug("media ready", "files", len(missing), "downloaded", a.Fetch.Downloaded.Load())
	act := a.activated()
	act.mu.Lock()
	defer act.mu.Unlock()
	if rel.Version < act.version {
		// A USB import (or another sync) activated a newer publication
		// while this one downloaded.
		a.Log.Info("a newer publication was activated meanwhile; this one is not", "targets_version", rel.Version, "current_targets_version", act.version)
		return Result{Release: a.Cache.CurrentName()}, nil
	}
	if err := a.Cache.Activate(name, raw); err != nil {
		return Result{Release: a.Cache.CurrentName()}, fmt.Errorf("sync %s: %w", path, err)
	}
	act.version = rel.Version
	if withdrawn != "" {
		a.reportWithdrawal(ctx, withdrawn, name, rel.Version)
	}
	a.Log.Info("publication activated", "bundle", m.ID, "version", m.Version, "targets_version", rel.Version,
		"release", name, "files_fetched", len(missing))
	return Result{Release: name, Activated: true, Withdrawn: withdrawn, Fetched: len(missing)}, nil
}

// targets reports whether target path of rel is a bundle for this site.
func (a *Agent) targets(rel *trust.Release, path string) bool {
	info, ok := rel.Targets[path]
	if !ok {
		return false
	}
	var t layout.Targeting
	if len(info.Custom) > 0 && json.Unmarshal(info.Custom, &t) != nil {
		return false
	}
	return t.Includes(a.Site, a.Groups)
}

// reportWithdrawal tells the department that release withdrawn left the
// screen because its signed publication no longer targets this site.
func (a *Agent) reportWithdrawal(ctx context.Context, withdrawn, replacement string, version int64) {
	a.Log.Warn("the department withdrew the bundle on screen", "withdrawn", withdrawn, "now", replacement, "targets_version", version)
	if a.Report == nil {
		return
	}
	detail := map[string]any{"withdrawn": withdrawn, "replaced_by": replacement, "targets_version": version}
	if err := a.Report.Report(ctx, "withdrawn", detail); err != nil {
		a.Log.Warn("could not report the withdrawal", "err", err)
	}
}

// Import verifies and activates the publication in the folder dir (written
// by `kioskctl export`, copied from a USB stick) exactly as a network one:
// the same trusted root and trusted state, so an old stick is a rollback,
// and the same refusals.
func (a *Agent) Import(ctx context.Context, dir string) (Result, error) {
	if a.TrustFor == nil {
		return Result{}, errors.New("import: the agent has no TrustFor")
	}
	store := dirstore.New(dir)
	v, err := a.TrustFor(store)
	if err != nil {
		return Result{}, fmt.Errorf("import %s: %w", dir, err)
	}
	local := &Agent{
		Site: a.Site, Groups: a.Groups, Trust: v, Cache: a.Cache, Report: a.Report, Log: a.Log, Timeout: a.Timeout,
		// Local disk: no rate cap. Partial files of its own, so it never
		// waits for (nor writes into) a network download of the same
		// medium, however slow the network is.
		Fetch:      &fetch.Fetcher{Source: store, Objects: importObjects{a.Fetch.Objects}, Concurrency: a.Fetch.Concurrency},
		activation: a.activated(),
		importing:  true,
	}
	return local.Sync(ctx)
}

// importObjects is the cache as a USB import writes to it: its partial
// files apart from the network's ("<sha>.usb.partial").
type importObjects struct{ fetch.Objects }

func (o importObjects) PartialPath(sha string) string {
	return strings.TrimSuffix(o.Objects.PartialPath(sha), ".partial") + ".usb.partial"
}

// withdraw takes the current bundle off the screen: the verified
// publication rel has no bundle for this site any more. The player then
// shows its standby slide, and the department is told.
func (a *Agent) withdraw(ctx context.Context, rel *trust.Release) (Result, error) {
	act := a.activated()
	act.mu.Lock()
	defer act.mu.Unlock()
	if rel.Version < act.version || a.Cache.CurrentName() == "" {
		return Result{Release: a.Cache.CurrentName()}, ErrNoBundle
	}
	name, err := a.Cache.Withdraw()
	if err != nil {
		return Result{Release: a.Cache.CurrentName()}, fmt.Errorf("sync: %w", err)
	}
	act.version = rel.Version
	a.reportWithdrawal(ctx, name, "standby", rel.Version)
	return Result{Withdrawn: name}, nil
}

// refused logs and reports a refused publication and returns the error.
func (a *Agent) refused(ctx context.Context, what string, err error) error {
	if !isRefusal(err) {
		return fmt.Errorf("sync %s: %w", what, err)
	}
	if a.importing && (errors.Is(err, trust.ErrInconsistent) || errors.Is(err, fs.ErrNotExist)) {
		// A stick still being copied: tried again later, not reported.
		return fmt.Errorf("import %s: %w", what, err)
	}
	kind := "refused"
	var expired *trust.ExpiredError
	if errors.As(err, &expired) && expired.ClockLikely() {
		// Not a frozen feed but a wrong clock here (a dead RTC battery):
		// someone at the site must set it, not the department publish.
		kind = "clock"
		a.Log.Error("publication refused as expired, by this site's clock, which is wrong; the last approved bundle keeps playing; set the site's clock",
			"what", what, "current", a.Cache.CurrentName(), "err", err)
	} else if errors.Is(err, trust.ErrExpired) {
		// The approval (or the daily timestamp) ran out: the feed is
		// frozen. The site keeps playing what was approved, because a
		// dark wall at a border gate helps nobody and the content was
		// approved; the department must hear it loudly, since a frozen
		// feed is also what an attacker replaying old metadata looks like.
		kind = "frozen"
		a.Log.Error("FROZEN: the department's approval has expired; the last approved bundle keeps playing until a fresh publication arrives",
			"what", what, "current", a.Cache.CurrentName(), "err", err)
	} else {
		a.Log.Error("publication refused; the current bundle keeps playing",
			"what", what, "current", a.Cache.CurrentName(), "err", err)
	}
	if a.Report != nil && a.firstReport(kind+"\x00"+what+"\x00"+err.Error()) {
		detail := map[string]string{"what": what, "error": err.Error(), "current": a.Cache.CurrentName()}
		if rerr := a.Report.Report(ctx, kind, detail); rerr != nil {
			a.Log.Warn("could not report the refusal", "err", rerr)
		}
	}
	return fmt.Errorf("refused %s: %w", what, err)
}

// reportEvery is how often the same refusal is reported again while it
// lasts: once an hour says "still so" without an object a poll.
const reportEvery = time.Hour

// firstReport reports whether the event key was not reported within
// reportEvery, and notes it.
func (a *Agent) firstReport(key string) bool {
	a.reportedMu.Lock()
	defer a.reportedMu.Unlock()
	now := time.Now()
	if last, ok := a.reported[key]; ok && now.Sub(last) < reportEvery {
		return false
	}
	if a.reported == nil || len(a.reported) > 64 {
		a.reported = map[string]time.Time{}
	}
	a.reported[key] = now
	return true
}

// isRefusal reports whether err means the publication is untrustworthy, as
// opposed to a store that cannot be reached.
func isRefusal(err error) bool {
	for _, e := range []error{trust.ErrExpired, trust.ErrRollback, trust.ErrSignature, trust.ErrTampered,
		trust.ErrTooLarge, trust.ErrInconsistent, fetch.ErrTampered} {
		if errors.Is(err, e) {
			return true
		}
	}
	var fe *content.FieldError
	return errors.As(err, &fe)
}

// choose picks this site's bundle: one naming the site, else one naming
// one of its groups, else one for every site. Among equals, the first by
// path, with a warning.
func (a *Agent) choose(rel *trust.Release) (string, error) {
	var bySite, byGroup, forAll []string
	for path, info := range rel.Targets {
		if _, ok := layout.BundleOf(path); !ok {
			continue
		}
		var t layout.Targeting
		if len(info.Custom) > 0 {
			if err := json.Unmarshal(info.Custom, &t); err != nil {
				a.Log.Warn("bundle target with unreadable targeting; skipped", "target", path, "err", err)
				continue
			}
		}
		switch {
		case slices.Contains(t.Sites, a.Site):
			bySite = append(bySite, path)
		case slices.ContainsFunc(t.Groups, func(g string) bool { return slices.Contains(a.Groups, g) }):
			byGroup = append(byGroup, path)
		case len(t.Sites) == 0 && len(t.Groups) == 0:
			forAll = append(forAll, path)
		}
	}
	for _, set := range [][]string{bySite, byGroup, forAll} {
		if len(set) == 0 {
			continue
		}
		slices.Sort(set)
		if len(set) > 1 {
			a.Log.Warn("several bundles target this site equally; playing the first", "bundles", set)
		}
		return set[0], nil
	}
	return "", ErrNoBundle
}

// releaseName names a release by its bundle target and manifest hash, so
// the same manifest is never activated twice.
func releaseName(path, sha string) string {
	id, _ := layout.BundleOf(path)
	if len(sha) > 16 {
		sha = sha[:16]
	}
	if sha == "" {
		sum := sha256.Sum256([]byte(path))
		sha = hex.EncodeToString(sum[:8])
	}
	return strings.ToLower(id) + "-" + sha
}

// Run syncs until ctx ends: at once, then on each notification, each poll
// (with ±20% jitter) and, after an error, with exponential backoff.
func (a *Agent) Run(ctx context.Context) error {
	poll := a.Poll
	if poll <= 0 {
		poll = 60 * time.Second
	}
	maxBackoff := a.MaxBackoff
	if maxBackoff <= 0 {
		maxBackoff = 10 * time.Minute
	}
	wake := make(chan struct{}, 1)
	if a.Watch != nil {
		go a.watch(ctx, wake, maxBackoff)
	}
	a.runCtx = ctx
	failures := 0
	for {
		res, err := a.Sync(ctx)
		if a.OnSync != nil {
			a.OnSync(res, err)
		}
		switch {
		case err == nil, errors.Is(err, ErrNoBundle):
			failures = 0
		default:
			failures++
			if !isRefusal(err) {
				a.Log.Warn("sync failed; will retry", "err", err, "attempt", failures)
			}
		}
		wait := NextWait(failures, poll, maxBackoff, rand.Float64())
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// NextWait is the wait before the next sync: the poll interval with ±20%
// jitter (r in [0,1)), or after failures, 2 s doubled per failure up to max
// (never longer than the poll), also jittered.
func NextWait(failures int, poll, maxBackoff time.Duration, r float64) time.Duration {
	base := poll
	if failures > 0 {
		base = 2 * time.Second << min(failures-1, 20)
		base = min(base, maxBackoff, poll)
	}
	return time.Duration(float64(base) * (0.8 + 0.4*r))
}

// watch keeps a notification subscription, re-subscribing with backoff
// when it fails or closes, and turns events into wake-ups.
//
// Every subscription that takes also wakes the loop once: whatever was
// published while no subscription was open (before the first, or during an
// outage of the stream) sent its event to nobody, so the site checks at once
// rather than at the next poll. The check costs what a poll with nothing new
// costs: the trust layer asks for the next root version (absent) and the
// small timestamp, and reads nothing more when they are unchanged.
func (a *Agent) watch(ctx context.Context, wake chan<- struct{}, maxBackoff time.Duration) {
	signal := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	failures := 0
	for ctx.Err() == nil {
		events, err := a.Watch(ctx)
		if err == nil && subscribed(ctx, events, signal) {
			failures = 0
			signal()
			for range events {
				signal()
			}
		}
		if ctx.Err() != nil {
			return
		}
		failures++
		wait := NextWait(failures, maxBackoff, maxBackoff, rand.Float64())
		a.Log.Debug("notifications lost; re-subscribing", "err", err, "after", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// subscribeSettle is how long a new subscription must stay open (or how
// soon it must deliver an event) to count as taken. A stream is opened
// asynchronously and the server answers nothing until it has something to
// send, so only time tells a live subscription from a refused one (a
// server without notifications closes it at once). Waiting also lets the
// server register the listener before the catch-up sync reads the store,
// so nothing published in between is missed.
const subscribeSettle = time.Second

// subscribed reports whether the subscription events took: it delivered an
// event (passed on through signal) or stayed open for subscribeSettle.
func subscribed(ctx context.Context, events <-chan struct{}, signal func()) bool {
	t := time.NewTimer(subscribeSettle)
	defer t.Stop()
	select {
	case _, ok := <-events:
		if ok {
			signal()
		}
		return ok
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
