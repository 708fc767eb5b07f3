package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/sync/cache"
	"github.com/vnict/kiosk/sync/fetch"
	"github.com/vnict/kiosk/sync/s3store"
	"github.com/vnict/kiosk/sync/spool"
	"github.com/vnict/kiosk/sync/trust"
	"github.com/vnict/kiosk/sync/upload"
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

	beats    chan report.Heartbeat // the latest heartbeat, for the status object
	lastSync atomic.Pointer[report.SyncResult]

	tufDir   string
	log      *slog.Logger
	mu       sync.Mutex // one sync at a time: network or USB
	importMu sync.Mutex
	imported map[string]bool
}

// Open sets up a site's sync from its config: the cache, the S3 store with
// the site's own credentials, and the trust client with the provisioned
// root.
func Open(cfg *siteconfig.Config, log *slog.Logger) (*Site, error) {
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
	store, err := s3store.New(s3store.Config{Endpoint: s.Endpoint, AccessKey: s.AccessKey, SecretKey: secret,
		Bucket: s.Bucket, Prefix: s.Prefix, Secure: s.Secure, Region: s.Region})
	if err != nil {
		return nil, fmt.Errorf("%s: sync: %w", cfg.Path, err)
	}
	site := &Site{Cache: c, tufDir: filepath.Join(c.Root(), "tuf"), log: log, imported: map[string]bool{}}
	client, err := trust.NewClient(store, root, site.tufDir, time.Now)
	if err != nil {
		return nil, fmt.Errorf("%s: sync.root: %w", cfg.Path, err)
	}
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
	site.Uploader = &upload.Uploader{Store: store, Spool: site.Spool, Site: cfg.Site.ID, Every: cfg.Reports.Upload, Log: log}
	site.Agent = &Agent{
		Site:   cfg.Site.ID,
		Groups: cfg.Site.Groups,
		Trust:  client,
		TrustFor: func(st trust.Reader) (Verifier, error) {
			return trust.NewClient(st, root, site.tufDir, time.Now)
		},
		Fetch:  &fetch.Fetcher{Source: store, Objects: c, Concurrency: s.Concurrency, Limit: fetch.NewLimiter(s.RateLimit)},
		Cache:  c,
		Report: &StoreReporter{Store: store, Site: cfg.Site.ID, Now: time.Now},
		Log:    log,
		Poll:   s.Poll,
		Watch:  func(ctx context.Context) (<-chan struct{}, error) { return store.Watch(ctx, "tuf/metadata/") },
		lock:   &site.mu,
		OnSync: site.noteSync,
	}
	return site, nil
}

func (s *Site) noteSync(res Result, err error) {
	r := &report.SyncResult{Time: time.Now().UTC(), Release: res.Release}
	if err != nil {
		r.Error = err.Error()
	}
	s.lastSync.Store(r)
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

// ImportAll imports each publication folder in dir not imported yet: a
// folder written by `kioskctl export`, with tuf/ and media/ inside, either
// dir itself or one level below it.
func (s *Site) ImportAll(ctx context.Context, dir string) {
	s.importMu.Lock()
	defer s.importMu.Unlock()
	candidates := []string{dir}
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			if e.IsDir() {
				candidates = append(candidates, filepath.Join(dir, e.Name()))
			}
		}
	}
	for _, d := range candidates {
		ts, err := os.ReadFile(filepath.Join(d, "tuf", "metadata", "timestamp.json"))
		if err != nil {
			continue
		}
		key := d + "\x00" + string(ts)
		if s.imported[key] {
			continue
		}
		res, err := s.Agent.Import(ctx, d)
		if err != nil {
			s.log.Error("USB publication refused; the current bundle keeps playing", "dir", d, "err", err)
		} else {
			s.log.Info("USB publication imported", "dir", d, "release", res.Release, "activated", res.Activated)
		}
		// Once per content, good or bad: a refused stick is not retried
		// in a loop, a new export is.
		s.imported[key] = true
	}
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
