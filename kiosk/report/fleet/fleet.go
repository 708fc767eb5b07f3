// Package fleet is the department's view of its sites, read from the
// reports they upload: the fleet table (Statuses, from each site's
// status.json) and the data for uptime reports (Load, from the batches).
//
// Reading is concurrent and streaming: a site's heartbeats are kept as
// 16-byte uptime.Beat values and its plays are summed as they are read,
// so a year of a hundred sites fits in memory. A batch that cannot be
// read is skipped, reported through the warn callback with its key, and
// the rest still counts.
//
// Sites write their own batches, so their bytes are read as hostile: each
// batch within report's limits (ErrTooLarge), and each site within
// per-site limits (ErrSiteLimit) on heartbeats, distinct items and batches
// a day, so one site cannot make the department's report run out of
// memory. A batch is read in its first version: the bucket keeps versions
// (sync/provision) and a site can overwrite a batch it wrote once, but
// cannot change or remove that first version.
package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/uptime"
	"github.com/vnict/kiosk/sync/s3store"
)

// Store is the report store as the department reads it; *s3store.Store is
// one.
type Store interface {
	Folders(ctx context.Context, prefix string) ([]string, error)
	VersionsUpTo(ctx context.Context, prefix string, max int) ([]s3store.Version, error)
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	GetVersion(ctx context.Context, key, id string) (io.ReadCloser, error)
}

// Concurrency is how many objects are read at once.
const Concurrency = 32

// ErrSiteLimit marks a batch refused because, with it, its site would
// pass a per-site limit.
var ErrSiteLimit = errors.New("site over its report limits")

// Per-site limits. Sites report at least every 5 s (siteconfig's shortest
// interval), plus a heartbeat at each change of state; twice that rate
// over the period read is more than any honest site sends.
const (
	// MinInterval is the shortest heartbeat interval a site may use.
	MinInterval = 5 * time.Second
	// MaxPlayKeys bounds a site's distinct item and language pairs (and
	// listed items, and guide and language pairs used) in one report.
	MaxPlayKeys = 20_000
	// MaxBatchesPerDay bounds the batches of one site's day folder: a
	// spool seals at midnight, every 20,000 records and at each stop.
	MaxBatchesPerDay = 2_000
)

// SiteStatus is one row of the fleet table.
type SiteStatus struct {
	Site string
	// Status is what the site last said; zero if Err is set.
	Status report.Status
	// Online: the last heartbeat is younger than 2.5 intervals and the
	// site has not said it stopped.
	Online bool
	// Stopped: the site's last status says it stopped cleanly.
	Stopped bool
	// Err says why the status could not be read.
	Err error
}

// Sites lists the sites that have reported.
func Sites(ctx context.Context, st Store) ([]string, error) {
	sites, err := st.Folders(ctx, report.Prefix)
	if err != nil {
		return nil, fmt.Errorf("list sites: %w", err)
	}
	return sites, nil
}

// Statuses reads every site's status, sorted by site.
func Statuses(ctx context.Context, st Store, now time.Time) ([]SiteStatus, error) {
	sites, err := Sites(ctx, st)
	if err != nil {
		return nil, err
	}
	out := make([]SiteStatus, len(sites))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(Concurrency)
	for i, site := range sites {
		g.Go(func() error {
			out[i] = status(ctx, st, site, now)
			return ctx.Err()
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

func status(ctx context.Context, st Store, site string, now time.Time) SiteStatus {
	s := SiteStatus{Site: site}
	key := report.StatusKey(site)
	rc, err := st.Get(ctx, key)
	if err != nil {
		s.Err = err
		return s
	}
	defer rc.Close()
	if err := json.NewDecoder(io.LimitReader(rc, 1<<20)).Decode(&s.Status); err != nil {
		s.Err = fmt.Errorf("%s: %w", key, err)
		return s
	}
	hb := s.Status.Heartbeat
	s.Stopped = !s.Status.Stopped.IsZero()
	s.Online = !s.Stopped && hb.Interval > 0 && now.Sub(hb.Time) <= time.Duration(uptime.Tolerance*float64(hb.Interval))
	return s
}

// SiteData is what the batches say of one site over a period.
type SiteData struct {
	Site  string
	Beats []uptime.Beat
	Plays *uptime.PlayCounter
	// Since is when the site's first spool was made, if any batch says.
	Since time.Time
	// Evicted is the most records a spool of the site reported dropped.
	Evicted uint64
	// Batches read, and skipped as unreadable.
	Batches, Skipped int
	// Unreadable counts the records the site's spool could not read
	// back (a damaged disk) and so never sent.
	Unreadable int
	// Guides sums the uses of each guide in each language in the period,
	// by guide and language; empty for a wall.
	Guides map[[2]string]*report.GuideTally
}

// GuideTallies returns the site's guide tallies by guide, then language.
func (d *SiteData) GuideTallies() []report.GuideTally {
	out := make([]report.GuideTally, 0, len(d.Guides))
	for _, g := range d.Guides {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Guide != out[j].Guide {
			return out[i].Guide < out[j].Guide
		}
		return out[i].Lang < out[j].Lang
	})
	return out
}

// Load reads the batches of site holding records of the period (local
// days from..to, cut at now, in sched's zone). A batch that cannot be
// decoded, or is over the limits, is skipped and warn is told, with its
// key (one call at a time); a store that fails fails the load, rather
// than turning its error into an outage.
func Load(ctx context.Context, st Store, site string, sched report.Schedule, from, to, now time.Time,
	warn func(key string, err error)) (*SiteData, error) {
	period := uptime.Period(sched, from, to, now)
	// Heartbeats just outside the period vouch into it; margin covers
	// 2.5 of the longest interval allowed (1 h).
	const margin = 3 * time.Hour
	lo, hi := period.Start.Add(-margin), period.End.Add(margin)
	// A batch's records lie in the UTC day its key names, or just after.
	loDay := lo.UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	days, byDay, err := siteBatches(ctx, st, site)
	if errors.Is(err, ErrSiteLimit) {
		// The site's own report is what it spoiled: named, not read.
		warn(report.BatchPrefix(site), err)
		days, byDay = nil, nil
	} else if err != nil {
		return nil, err
	}
	firstVersions := func(day time.Time) ([]batchRef, error) {
		refs := byDay[day]
		if len(refs) > MaxBatchesPerDay {
			prefix := report.BatchPrefix(site) + day.Format("20060102") + "/"
			return nil, fmt.Errorf("%w: site %s: %d batches in %s, more than %d", ErrSiteLimit, site, len(refs), prefix, MaxBatchesPerDay)
		}
		return refs, nil
	}
	var wanted []batchRef
	for _, day := range days {
		if day.Before(loDay) || day.After(hi.UTC()) {
			continue
		}
		refs, err := firstVersions(day)
		if errors.Is(err, ErrSiteLimit) {
			warn(report.BatchPrefix(site)+day.Format("20060102")+"/", err)
			continue
		}
		wanted = append(wanted, refs...)
	}
	d := &SiteData{Site: site, Plays: uptime.NewPlayCounter(period.Start, period.End)}
	// Since is the site's first report ever: the header of its oldest
	// batch, even from before the period, so a site whose spool was
	// replaced is not taken for one installed later.
	if len(days) > 0 && (len(wanted) == 0 || !strings.Contains(wanted[0].Key, "/"+days[0].Format("20060102")+"/")) {
		refs, _ := firstVersions(days[0])
		if len(refs) > 0 {
			if b, err := readBatch(ctx, st, refs[0], discard{}); err == nil {
				d.Since = b.Since
			} else if errors.Is(err, report.ErrCorrupt) {
				warn(refs[0].Key, err)
			} else {
				return nil, fmt.Errorf("site %s: %w", site, err)
			}
		}
	}
	// The per-site limits, shared by the batches read in parallel.
	maxBeats := int(2 * hi.Sub(lo) / MinInterval)
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(Concurrency)
	loMs, hiMs := lo.UnixMilli(), hi.UnixMilli()
	pStart, pEnd := period.Start, period.End
	for _, ref := range wanted {
		g.Go(func() error {
			v := &batchReader{in: d.Plays.In, lo: loMs, hi: hiMs}
			b, err := readBatch(gctx, st, ref, v)
			if err != nil && !errors.Is(err, report.ErrCorrupt) {
				return fmt.Errorf("site %s: %w", site, err)
			}
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				if err = d.add(v, b, maxBeats, pStart, pEnd); err != nil {
					err = fmt.Errorf("%s: %w", ref.Key, err)
				}
			}
			if err != nil {
				d.Skipped++
				warn(ref.Key, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	sort.Slice(d.Beats, func(i, j int) bool { return d.Beats[i].At < d.Beats[j].At })
	return d, nil
}

// add merges a decoded batch into d, or refuses it, leaving d unchanged,
// if the site would pass a limit. The caller holds d's lock.
func (d *SiteData) add(v *batchReader, b *report.Batch, maxBeats int, start, end time.Time) error {
	if len(d.Beats)+len(v.beats) > maxBeats {
		return fmt.Errorf("%w: site %s: more than %d heartbeats in the period read", ErrSiteLimit, d.Site, maxBeats)
	}
	items := activeItems(b.Bundles, start, end)
	if n := d.Plays.Keys() + v.keys() + len(items) + len(d.Guides) + len(v.guides); n > MaxPlayKeys {
		return fmt.Errorf("%w: site %s: more than %d items, guides and languages", ErrSiteLimit, d.Site, MaxPlayKeys)
	}
	d.Batches++
	d.Beats = append(d.Beats, v.beats...)
	v.addTo(d.Plays)
	for _, g := range v.guides {
		k := [2]string{g.Guide, g.Lang}
		if d.Guides == nil {
			d.Guides = map[[2]string]*report.GuideTally{}
		}
		if t := d.Guides[k]; t != nil {
			t.Merge(g)
		} else {
			d.Guides[k] = g
		}
	}
	for _, it := range items {
		d.Plays.Expect(it)
	}
	if !b.Since.IsZero() && (d.Since.IsZero() || b.Since.Before(d.Since)) {
		d.Since = b.Since
	}
	d.Evicted = max(d.Evicted, b.Evicted)
	d.Unreadable += b.Skipped
	return nil
}

// activeItems returns the items of the bundles of a batch that were
// active at some time in [start, end): each from its activation until the
// next one's (the last until the batch's end, which the header does not
// say, so it counts as active).
func activeItems(bs []report.BundleItems, start, end time.Time) []string {
	var out []string
	for i, b := range bs {
		if !b.From.Before(end) {
			continue
		}
		if i+1 < len(bs) && !bs[i+1].From.After(start) {
			continue
		}
		out = append(out, b.Items...)
	}
	return out
}

// batchRef names the version of a batch the department reads.
type batchRef struct{ Key, Version string }

// maxSiteVersions bounds the batch versions listed for one site: years
// of daily batches, not a folder a site filled to exhaust the report.
const maxSiteVersions = 100_000

// siteBatches lists every batch of the site in one listing (a year of
// daily batches is one page of it, where a listing per day folder took one
// request per day) and returns the days that have batches, oldest first,
// and each day's batches in their oldest version: later ones are
// overwrites the site should not have made. A batch whose latest version
// is a delete marker was removed by the department and is left out; keys
// not named as a day's batch are not the site's spool's and are ignored.
func siteBatches(ctx context.Context, st Store, site string) ([]time.Time, map[time.Time][]batchRef, error) {
	prefix := report.BatchPrefix(site)
	vs, err := st.VersionsUpTo(ctx, prefix, maxSiteVersions)
	if errors.Is(err, s3store.ErrTooMany) {
		return nil, nil, fmt.Errorf("%w: site %s: more than %d batch versions under %s", ErrSiteLimit, site, maxSiteVersions, prefix)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("site %s: %w", site, err)
	}
	byDay := map[time.Time][]batchRef{}
	var cur *batchRef // the key being read, while its latest is not deleted
	var curDay time.Time
	for i, v := range vs {
		if i == 0 || v.Key != vs[i-1].Key {
			// The key's first entry is its latest version.
			if cur != nil {
				byDay[curDay] = append(byDay[curDay], *cur)
			}
			cur = nil
			rest := strings.TrimPrefix(v.Key, prefix)
			dayName, name, ok := strings.Cut(rest, "/")
			day, err := time.Parse("20060102", dayName)
			if v.DeleteMarker || !ok || err != nil || len(dayName) != 8 || strings.Contains(name, "/") || !strings.HasSuffix(name, ".krb") {
				continue
			}
			cur, curDay = &batchRef{Key: v.Key}, day
		}
		// Versions come newest first: the last seen is the oldest.
		if cur != nil && !v.DeleteMarker {
			cur.Version = v.ID
		}
	}
	if cur != nil {
		byDay[curDay] = append(byDay[curDay], *cur)
	}
	days := make([]time.Time, 0, len(byDay))
	for d := range byDay {
		days = append(days, d)
	}
	sort.Slice(days, func(i, j int) bool { return days[i].Before(days[j]) })
	return days, byDay, nil
}

func readBatch(ctx context.Context, st Store, ref batchRef, v report.SummaryVisitor) (*report.Batch, error) {
	rc, err := st.GetVersion(ctx, ref.Key, ref.Version)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := report.ScanSummary(rc, v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref.Key, err)
	}
	return b, nil
}

// batchReader keeps a batch's heartbeats in [lo, hi) as Beats and sums its
// plays and guide uses in the period by string-table index, for addTo
// once the whole batch has decoded. What it holds is bounded by the
// batch's limits (report.MaxBatchRecords, report.MaxStrings).
type batchReader struct {
	in     func(ms int64) bool
	lo, hi int64
	beats  []uptime.Beat
	table  []string
	dense  []playSum                     // by item*len(table)+lang, for small tables
	sparse map[uint64]playSum            // by item<<32|lang, for the rest
	guides map[uint64]*report.GuideTally // by guide<<32|lang
}

// Use sums a guide's use in the period; a language chosen on Home names
// no guide and is not a row of the guides table.
func (r *batchReader) Use(at int64, event string, guide, lang, _, step int) {
	if !r.in(at) || event == report.UseLanguage {
		return
	}
	k := uint64(guide)<<32 | uint64(lang)
	t := r.guides[k]
	if t == nil {
		if r.guides == nil {
			r.guides = map[uint64]*report.GuideTally{}
		}
		t = &report.GuideTally{Guide: r.table[guide], Lang: r.table[lang]}
		r.guides[k] = t
	}
	t.Add(event, step)
}

// playSum is the plays of one item in one language within a batch.
type playSum struct {
	n  int
	ms int64
}

// denseTable is the largest string table summed in a dense array: its
// square of 16-byte sums is 64 KiB.
const denseTable = 64

func (r *batchReader) Heartbeat(at, iv int64, st report.State) {
	if at >= r.lo && at < r.hi {
		r.beats = append(r.beats, uptime.Beat{At: at, Interval: int32(iv), State: st})
	}
}

func (r *batchReader) Strings(t []string) {
	r.table = t
	if len(t) <= denseTable {
		r.dense = make([]playSum, len(t)*len(t))
	} else {
		r.sparse = map[uint64]playSum{}
	}
}

func (r *batchReader) Play(start, dur int64, item, lang, _ int) {
	if !r.in(start) {
		return
	}
	if r.sparse != nil {
		k := uint64(item)<<32 | uint64(lang)
		t := r.sparse[k]
		t.n++
		t.ms += dur
		r.sparse[k] = t
		return
	}
	t := &r.dense[item*len(r.table)+lang]
	t.n++
	t.ms += dur
}

// keys counts the item and language pairs the batch played.
func (r *batchReader) keys() int {
	n := len(r.sparse)
	for _, t := range r.dense {
		if t.n > 0 {
			n++
		}
	}
	return n
}

// addTo adds the batch's play totals to c; the caller holds c's lock.
func (r *batchReader) addTo(c *uptime.PlayCounter) {
	n := len(r.table)
	for i, t := range r.dense {
		if t.n > 0 {
			c.AddTotal(r.table[i/n], r.table[i%n], t.n, time.Duration(t.ms)*time.Millisecond)
		}
	}
	for k, t := range r.sparse {
		c.AddTotal(r.table[k>>32], r.table[k&(1<<32-1)], t.n, time.Duration(t.ms)*time.Millisecond)
	}
}

// discard is a SummaryVisitor that keeps nothing, for reading a header.
type discard struct{}

func (discard) Heartbeat(int64, int64, report.State) {}
func (discard) Strings([]string)                     {}
func (discard) Play(int64, int64, int, int, int)     {}
