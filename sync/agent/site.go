package agent

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/screen"
	"github.com/vnict/kiosk/kiosk/report/spool"
	"github.com/vnict/kiosk/kiosk/report/upload"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/sync/cache"
	"github.com/vnict/kiosk/sync/dirstore"
	"github.com/vnict/kiosk/sync/fetch"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/s3store"
	"github.com/vnict/kiosk/sync/trust"
	"github.com/vnict/kiosk/sync/watch"
)

// Site is a site's sync: the network agent, the USB import, and the cache
// the player plays from.
type Site struct {
	Agent *Agent
	Cache *cache.Cache
	// Spool and Uploader carry the site's reports to the store. Spool is
	// nil when its file cannot be opened; the status still goes.
	Spool    *spool.Spool
	Uploader *upload.Uploader
	// Alerts are the site's emergency alerts, for the player.
	Alerts *AlertBook
	// Screens sends what the screen shows (reports/<site>/screen.jpg),
	// every reports.screenshot_interval and when the department asks;
	// run it with the player as its camera.
	Screens *screen.Sender

	beats    chan report.Heartbeat // the latest heartbeat, for the status object
	lastSync atomic.Pointer[report.SyncResult]
	// now is the site's clock; store compares it with the store's, and
	// skew is the comparison at the last sync (nil before any).
	now       func() time.Time
	store     *s3store.Store
	skew      atomic.Pointer[time.Duration]
	skewNamed bool // the last skew was logged as over report.MaxClockSkew; OnSync's goroutine only

	tufDir   string
	log      *slog.Logger
	importMu sync.Mutex
	imported map[string]bool
}

// Options are what a site takes beyond its config.
type Options struct {
	// Now is the site's clock; nil means time.Now. Expiry checks, event
	// times and the clock skew the site reports are by it.
	Now func() time.Time
}

// Open sets up a site's sync from its config: the cache, the S3 store with
// the site's own credentials, and the trust client with the provisioned
// root.
func Open(cfg *siteconfig.Config, log *slog.Logger) (*Site, error) {
	return OpenWith(cfg, log, Options{})
}

// OpenWith is Open with options.
func OpenWith(cfg *siteconfig.Config, log *slog.Logger, opts Options) (*Site, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s := cfg.Sync
	if s == nil || cfg.Content.Cache == "" {
		return nil, fmt.Errorf("site %s: no sync configured", cfg.Site.ID)
	}
	c, err := cache.Open(cfg.Resolve(cfg.Content.Cache), log)
	if err != nil {
		return nil, err
	}
	root, err := os.ReadFile(cfg.Resolve(s.Root))
	if err != nil {
		return nil, fmt.Errorf("%s: sync.root: %w", cfg.Path, err)
	}
	secret := s.SecretKey
	if s.SecretKeyFile != "" {
		b, err := os.ReadFile(cfg.Resolve(s.SecretKeyFile))
		if err != nil {
			return nil, fmt.Errorf("%s: sync.secret_key_file: %w", cfg.Path, err)
		}
		secret = strings.TrimSpace(string(b))
	}
	caFile := ""
	if s.CAFile != "" {
		caFile = cfg.Resolve(s.CAFile)
	}
	if !s.HTTPS() {
		log.Warn("sync over plain HTTP (sync.secure: false): the link can read the site's requests", "endpoint", s.Endpoint)
	}
	store, err := s3store.New(s3store.Config{Endpoint: s.Endpoint, AccessKey: s.AccessKey, SecretKey: secret,
		Bucket: s.Bucket, Prefix: s.Prefix, Secure: s.HTTPS(), CAFile: caFile, Region: s.Region, Clock: now})
	if err != nil {
		return nil, fmt.Errorf("%s: sync: %w", cfg.Path, err)
	}
	site := &Site{Cache: c, tufDir: filepath.Join(c.Root(), "tuf"), log: log, imported: map[string]bool{}, now: now, store: store}
	client, err := trust.NewClient(store, root, site.tufDir, now)
	if err != nil {
		return nil, fmt.Errorf("%s: sync.root: %w", cfg.Path, err)
	}
	client.UseClockSkew(site.clockSkew)
	sp, err := spool.Open(cfg.Resolve(cfg.Reports.Spool), spool.Options{
		Site: cfg.Site.ID, Limit: int64(cfg.Reports.SpoolLimitMB) << 20, Loc: cfg.Location(), Log: log})
	site.beats = make(chan report.Heartbeat, 1)
	if err != nil {
		// The screen matters more than its reports: play on, with the
		// live status still sent, but no spooled records.
		log.Error("report spool unusable; the site plays on and sends its status but no records",
			"err", fmt.Errorf("%s: reports.spool: %w", cfg.Path, err))
	} else {
		site.Spool = sp
	}
	reporter := &StoreReporter{Store: store, Site: cfg.Site.ID, Now: now}
	site.Alerts, err = OpenAlertBook(AlertBookOptions{Dir: filepath.Join(c.Root(), "alerts"),
		Site: cfg.Site.ID, Tags: slices.Concat(cfg.Site.Tags, cfg.Site.Groups),
		Verify: client, Store: store, Report: reporter, Log: log})
	if err != nil {
		return nil, fmt.Errorf("%s: content.cache: %w", cfg.Path, err)
	}
	site.Screens = &screen.Sender{Store: store, Site: cfg.Site.ID, Every: cfg.Reports.Screenshots(), Log: log,
		Watch: func(ctx context.Context) (<-chan struct{}, error) {
			return store.WatchObject(ctx, screen.RequestKey(cfg.Site.ID))
		}}
	site.Uploader = &upload.Uploader{Store: store, Spool: site.Spool, Site: cfg.Site.ID, Every: cfg.Reports.Upload, Now: now, Log: log}
	site.Agent = &Agent{
		Site:   cfg.Site.ID,
		Groups: cfg.Site.Groups,
		Trust:  client,
		TrustFor: func(st trust.Reader) (Verifier, error) {
			return client.WithStore(st), nil
		},
		Fetch:   &fetch.Fetcher{Source: store, Objects: c, Concurrency: s.Concurrency, Limit: fetch.NewLimiter(s.RateLimit)},
		Cache:   c,
		Report:  reporter,
		Alerts:  site.Alerts,
		Log:     log,
		Poll:    s.Poll,
		Timeout: s.Timeout,
		Watch:   func(ctx context.Context) (<-chan struct{}, error) { return store.Watch(ctx, layout.MetadataPrefix) },
		OnSync:  site.noteSync,
	}
	return site, nil
}

// recordBundle writes to the spool which bundle is now current, with its
// items, so the department's report lists every item the site held, even
// one that never played.
func (s *Site) recordBundle() {
	b := s.Cache.Current()
	if b == nil || s.Spool == nil {
		return
	}
	items := make([]string, 0, len(b.Manifest.Items))
	for _, it := range b.Manifest.Items {
		items = append(items, it.ID)
	}
	rec := report.Record{Bundle: &report.BundleItems{
		Bundle: fmt.Sprintf("%s@%d", b.Manifest.ID, b.Manifest.Version), From: s.now().UTC(), Items: items}}
	if err := s.Spool.Append(rec); err != nil {
		s.log.Error("bundle activation not spooled", "bundle", rec.Bundle.Bundle, "err", err)
	}
}

func (s *Site) noteSync(res Result, err error) {
	if res.Activated {
		s.recordBundle()
	}
	r := &report.SyncResult{Time: s.now().UTC(), Release: res.Release}
	if err != nil {
		r.Error = err.Error()
	}
	s.noteClock() // before the sync result, so a site seen synced has its skew
	s.lastSync.Store(r)
}

// clockSkew is the site's clock minus the store's, from the store's latest
// responses, and whether any has been measured.
func (s *Site) clockSkew() (time.Duration, bool) {
	r, ok := s.store.ClockReading()
	return r.Skew(), ok
}

// noteClock keeps the clock skew for the heartbeats, and logs when it
// goes over report.MaxClockSkew and when it comes back.
func (s *Site) noteClock() {
	skew, ok := s.clockSkew()
	if !ok {
		return
	}
	s.skew.Store(&skew)
	off := skew > report.MaxClockSkew || skew < -report.MaxClockSkew
	switch {
	case off && !s.skewNamed:
		s.log.Warn("this site's clock is off the store's; expiry checks and report times are off by as much",
			"clock", report.DescribeSkew(skew), "skew", skew.Round(time.Second))
	case !off && s.skewNamed:
		s.log.Info("this site's clock agrees with the store's again", "skew", skew.Round(time.Second))
	}
	s.skewNamed = off
}

// Record writes report records to the spool; the latest heartbeat also
// goes to the store as the site's status. It is the sink of a
// report.Recorder.
func (s *Site) Record(recs []report.Record) {
	if s.Spool != nil {
		if err := s.Spool.Append(recs...); err != nil {
			s.log.Error("report records not spooled", "records", len(recs), "err", err)
		}
	}
	for i := len(recs) - 1; i >= 0; i-- {
		if hb := recs[i].Heartbeat; hb != nil {
			select {
			case <-s.beats: // an older one nobody took
			default:
			}
			s.beats <- *hb
			break
		}
	}
}

// Health is what the site's heartbeats say of sync and the spool.
func (s *Site) Health() report.Health {
	var h report.Health
	if s.Spool != nil {
		h = report.Health{FreeDisk: s.Spool.FreeDisk(), Evicted: s.Spool.Evicted(), Since: s.Spool.Since()}
	}
	if r := s.lastSync.Load(); r != nil {
		h.Sync = *r
	}
	if d := s.skew.Load(); d != nil {
		h.ClockSkew = *d
	}
	return h
}

// Close closes the spool; call it after Run has returned.
func (s *Site) Close() error {
	if s.Spool == nil {
		return nil
	}
	return s.Spool.Close()
}

// Run syncs from the network, uploads reports, and imports publications
// copied into importDir (if not empty), until ctx ends. It returns once the
// last upload attempt is over.
func (s *Site) Run(ctx context.Context, importDir string) error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Uploader.Run(ctx, s.beats)
	}()
	defer func() { <-done }()
	if importDir != "" {
		scan := func() { s.ImportAll(ctx, importDir) }
		if err := watch.Tree(ctx, importDir, time.Second, s.log, scan); err != nil {
			s.log.Error("USB import folder not watched", "dir", importDir, "err", err)
		} else {
			go scan() // what was there before the start
		}
	}
	return s.Agent.Run(ctx)
}

// Bounds of a USB import. Metadata is a few KiB; an export holds some
// thousands of files; a stick is scanned whole at each change, so what is
// read of it must not grow with what a stranger put on it.
const (
	maxImportTimestamp  = 5 << 20 // bytes of tuf/metadata/timestamp.json
	maxImportEntries    = 50_000  // files and folders in one publication folder
	maxImportCandidates = 64      // publication folders tried in one scan
	maxImportListing    = 10_000  // entries of the import folder looked at
)

// importTimestampKey marks a folder as a publication folder.
const importTimestampKey = layout.TimestampKey

// ImportStatus is what ImportAll did with one folder.
type ImportStatus string

const (
	// ImportDone: the publication was verified and is current (activated
	// now, or already). The folder is not imported again until it changes.
	ImportDone ImportStatus = "imported"
	// ImportRefused: the folder's content was judged and refused: a bad
	// signature, a rollback, expired or tampered metadata or media, no
	// bundle for this site, a link, FIFO or device, more than the bounds.
	// It is not tried again until the folder changes, so a bad stick costs
	// one refusal, not one per scan; a stick found mid-copy that looked
	// tampered (a media file still short) changes as the copy goes on and
	// is tried again.
	ImportRefused ImportStatus = "refused"
	// ImportRetry: the folder could not be judged yet: a file the signed
	// metadata names is missing, metadata from two publications is mixed
	// (trust.ErrInconsistent), a read failed, the scan was cancelled. A
	// stick being copied looks like this. It is tried again at the next
	// scan.
	ImportRetry ImportStatus = "retry"
	// ImportUnchanged: the folder is as it was when it was imported or
	// refused; nothing was done.
	ImportUnchanged ImportStatus = "unchanged"
)

// ImportOutcome is what ImportAll did with one folder.
type ImportOutcome struct {
	Dir    string
	Status ImportStatus
	Result Result // of the import, for ImportDone
	Err    error  // why, for ImportRefused and ImportRetry
}

// ImportAll imports each publication folder in dir not imported yet: a
// folder written by `kioskctl export`, with tuf/ and media/ inside, either
// dir itself or one level below it. It returns what it did with each
// publication folder found.
//
// Everything on a stick is untrusted: folders that are links are not
// followed, a publication folder holding anything but folders and regular
// files (a link, a FIFO, a device) is refused without opening it, its
// timestamp is read through the folder store with a size bound, and the
// number of folders and files looked at is bounded. See ImportStatus for
// which outcomes are tried again at the next scan.
func (s *Site) ImportAll(ctx context.Context, dir string) []ImportOutcome {
	s.importMu.Lock()
	defer s.importMu.Unlock()
	var outcomes []ImportOutcome
	keep := map[string]bool{}
	for _, d := range s.importCandidates(dir) {
		if ctx.Err() != nil {
			break
		}
		out, key := s.importOne(ctx, d)
		if out.Status == "" {
			continue // not a publication folder
		}
		switch out.Status {
		case ImportDone:
			s.log.Info("USB publication imported", "dir", d, "release", out.Result.Release, "activated", out.Result.Activated)
			if out.Result.Activated {
				s.recordBundle()
			}
		case ImportRefused:
			s.log.Error("USB publication refused; the current bundle keeps playing; not tried again until the folder changes",
				"dir", d, "err", out.Err)
		case ImportRetry:
			s.log.Warn("USB publication incomplete or unreadable; tried again at the next change", "dir", d, "err", out.Err)
		case ImportUnchanged:
			s.log.Debug("USB publication unchanged since imported or refused", "dir", d)
		}
		if key != "" && out.Status != ImportRetry {
			s.imported[key] = true
			keep[key] = true
		}
		outcomes = append(outcomes, out)
	}
	// Forget folders that are gone or changed, so the record stays as small
	// as the stick, however many sticks a site sees in its life.
	for k := range s.imported {
		if !keep[k] {
			delete(s.imported, k)
		}
	}
	return outcomes
}

// importCandidates returns dir and the folders right below it, in name
// order. Links are not followed: a link to a folder off the stick would
// import from anywhere on the site's disk.
func (s *Site) importCandidates(dir string) []string {
	candidates := []string{dir}
	f, err := os.Open(dir)
	if err != nil {
		return candidates
	}
	defer f.Close()
	var subs []string
	for seen := 0; seen < maxImportListing; {
		entries, err := f.ReadDir(256)
		seen += len(entries)
		for _, e := range entries {
			switch {
			case e.IsDir():
				subs = append(subs, e.Name())
			case e.Type()&fs.ModeSymlink != 0:
				s.log.Warn("USB import: a link, not followed", "dir", dir, "name", e.Name())
			}
		}
		if err != nil {
			break
		}
	}
	slices.Sort(subs)
	if len(subs) > maxImportCandidates {
		s.log.Warn("USB import: too many folders; only the first are tried", "dir", dir, "folders", len(subs), "tried", maxImportCandidates)
		subs = subs[:maxImportCandidates]
	}
	for _, name := range subs {
		candidates = append(candidates, filepath.Join(dir, name))
	}
	return candidates
}

// importOne imports the publication folder d, unless it is as it was when
// last imported or refused. It returns an outcome with no status for a
// folder that is not a publication, and the key under which a final
// outcome is remembered: d and a fingerprint of everything in it.
func (s *Site) importOne(ctx context.Context, d string) (ImportOutcome, string) {
	out := ImportOutcome{Dir: d}
	// Lstat, not Stat: presence only, nothing is opened or followed yet.
	if _, err := os.Lstat(filepath.Join(d, filepath.FromSlash(importTimestampKey))); err != nil {
		return out, ""
	}
	fp, err := importFingerprint(ctx, d)
	key := d + "\x00" + fp
	if err == nil {
		var ts []byte
		ts, err = readBounded(ctx, dirstore.New(d), importTimestampKey, maxImportTimestamp)
		sum := sha256.Sum256(ts)
		key += string(sum[:])
	}
	if err != nil {
		out.Status, out.Err = importVerdict(err), fmt.Errorf("%s: %w", d, err)
		if out.Status == ImportRetry {
			return out, ""
		}
	}
	if s.imported[key] {
		return ImportOutcome{Dir: d, Status: ImportUnchanged}, key
	}
	if err != nil {
		return out, key // refused before the trust layer saw it
	}
	res, err := s.Agent.Import(ctx, d)
	if err != nil {
		out.Status, out.Err = importVerdict(err), err
		return out, key
	}
	out.Status, out.Result = ImportDone, res
	return out, key
}

// errImportRefused marks what ImportAll itself refuses in a folder before
// the trust layer sees it.
var errImportRefused = errors.New("refused")

// importVerdict says whether an import error judges the folder's content
// (ImportRefused) or only says it could not be judged yet (ImportRetry).
// The order matters: a missing file or mixed metadata is how a stick
// looks while it is copied, even where the trust layer also counts it a
// refusal; anything that is not a verdict on the content (a read error, a
// full disk, a cancelled scan) is tried again too.
func importVerdict(err error) ImportStatus {
	switch {
	case errors.Is(err, errImportRefused):
		return ImportRefused
	case errors.Is(err, trust.ErrInconsistent), errors.Is(err, fs.ErrNotExist),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return ImportRetry
	case isRefusal(err), errors.Is(err, ErrNoBundle):
		return ImportRefused
	}
	return ImportRetry
}

// importFingerprint lists the publication folder d (folders and regular
// files, with sizes and modification times) without following links, and
// returns a digest of the listing. A link, FIFO, device or socket
// anywhere in it, or more than maxImportEntries entries, is refused: an
// export writes none, and each is a way to make a site read what is not
// on the stick or wait forever. The digest changes whenever a copy onto
// the stick makes progress.
func importFingerprint(ctx context.Context, d string) (string, error) {
	root, err := os.OpenRoot(d)
	if err != nil {
		return "", err
	}
	defer root.Close()
	var lines []string
	dirs := []string{"."}
	for len(dirs) > 0 {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		dir := dirs[len(dirs)-1]
		dirs = dirs[:len(dirs)-1]
		f, err := root.Open(dir)
		if err != nil {
			return "", err
		}
		for {
			entries, rerr := f.ReadDir(256)
			for _, e := range entries {
				p := path.Join(dir, e.Name())
				if len(lines) >= maxImportEntries {
					f.Close()
					return digest(lines), fmt.Errorf("more than %d files and folders: %w", maxImportEntries, errImportRefused)
				}
				switch {
				case e.IsDir():
					dirs = append(dirs, p)
					lines = append(lines, p+"/")
				case e.Type().IsRegular():
					info, err := e.Info()
					if err != nil {
						f.Close()
						return "", err
					}
					lines = append(lines, fmt.Sprintf("%s\x00%d\x00%d", p, info.Size(), info.ModTime().UnixNano()))
				default:
					f.Close()
					lines = append(lines, p+"\x00"+e.Type().String())
					return digest(lines), fmt.Errorf("%s is %s, not a file or folder; not followed: %w",
						p, describeType(e.Type()), errImportRefused)
				}
			}
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				f.Close()
				return "", rerr
			}
		}
		f.Close()
	}
	return digest(lines), nil
}

func digest(lines []string) string {
	slices.Sort(lines)
	h := sha256.New()
	for _, l := range lines {
		io.WriteString(h, l)
		h.Write([]byte{'\n'})
	}
	return string(h.Sum(nil))
}

func describeType(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a link"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file"
}

// readBounded reads the object key of store, refusing one larger than max
// before reading it.
func readBounded(ctx context.Context, store *dirstore.Store, key string, max int64) ([]byte, error) {
	size, err := store.Stat(ctx, key)
	if errors.Is(err, dirstore.ErrNotRegular) {
		return nil, fmt.Errorf("%w: %w", err, errImportRefused)
	}
	if err != nil {
		return nil, err
	}
	if size > max {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d read: %w", key, size, max, errImportRefused)
	}
	r, err := store.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: more than the %d bytes read: %w", key, max, errImportRefused)
	}
	return data, nil
}

// StoreReporter writes events under reports/<site>/events/ in the store,
// where the site's credentials allow it to write.
type StoreReporter struct {
	Store interface {
		Put(ctx context.Context, key string, r io.Reader, size int64) error
	}
	Site string
	Now  func() time.Time
}

// Report writes one event as JSON.
func (r *StoreReporter) Report(ctx context.Context, kind string, detail any) error {
	now := r.Now().UTC()
	body, err := json.Marshal(map[string]any{"site": r.Site, "kind": kind, "time": now, "detail": detail})
	if err != nil {
		return err
	}
	key := fmt.Sprintf("reports/%s/events/%s-%s.json", r.Site, now.Format("20060102T150405.000000000Z"), kind)
	return r.Store.Put(ctx, key, bytes.NewReader(body), int64(len(body)))
}
