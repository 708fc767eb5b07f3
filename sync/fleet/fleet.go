// Package fleet is the department's view of its sites, read from the
// reports they upload: the fleet table (Statuses, from each site's
// status.json) and the data for uptime reports (Load, from the batches).
//
// Reading is concurrent and streaming: a site's heartbeats are kept as
// 16-byte uptime.Beat values and its plays are summed as they are read,
// so a year of a hundred sites fits in memory. A batch that cannot be
// read is skipped, reported through the warn callback with its key, and
// the rest still counts.
package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/uptime"
)

// Store is the report store as the department reads it; *s3store.Store is
// one.
type Store interface {
	Folders(ctx context.Context, prefix string) ([]string, error)
	List(ctx context.Context, prefix string) ([]string, error)
	Get(ctx context.Context, key string) (io.ReadCloser, error)
}

// Concurrency is how many objects are read at once.
const Concurrency = 32

// SiteStatus is one row of the fleet table.
type SiteStatus struct {
	Site string
	// Status is what the site last said; zero if Err is set.
	Status report.Status
	// Online: the last heartbeat is younger than 2.5 intervals.
	Online bool
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
	s.Online = hb.Interval > 0 && now.Sub(hb.Time) <= time.Duration(uptime.Tolerance*float64(hb.Interval))
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
}

// Load reads the batches of site holding records of the period (local
// days from..to, cut at now, in sched's zone). warn is told of each batch
// skipped.
func Load(ctx context.Context, st Store, site string, sched report.Schedule, from, to, now time.Time,
	warn func(key string, err error)) (*SiteData, error) {
	period := uptime.Period(sched, from, to, now)
	keys, err := st.List(ctx, report.BatchPrefix(site))
	if err != nil {
		return nil, fmt.Errorf("site %s: %w", site, err)
	}
	// A batch's records lie in the UTC day its key names (plays may start
	// a little before); local days are within a day of UTC.
	lo := period.Start.UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	hi := period.End.UTC()
	var wanted []string
	for _, k := range keys {
		if day, ok := report.KeyDay(k); !ok || (!day.Before(lo) && !day.After(hi)) {
			wanted = append(wanted, k)
		}
	}
	d := &SiteData{Site: site, Plays: uptime.NewPlayCounter(period.Start, period.End)}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(Concurrency)
	startMs, endMs := period.Start.UnixMilli(), period.End.UnixMilli()
	for _, key := range wanted {
		g.Go(func() error {
			v := &batchReader{plays: d.Plays, lo: startMs - int64(time.Hour/time.Millisecond), hi: endMs}
			b, err := readBatch(gctx, st, key, v)
			if err != nil {
				if gctx.Err() != nil {
					return gctx.Err()
				}
				warn(key, err)
				mu.Lock()
				d.Skipped++
				mu.Unlock()
				return nil
			}
			mu.Lock()
			defer mu.Unlock()
			d.Batches++
			d.Beats = append(d.Beats, v.beats...)
			v.flush()
			if !b.Since.IsZero() && (d.Since.IsZero() || b.Since.Before(d.Since)) {
				d.Since = b.Since
			}
			d.Evicted = max(d.Evicted, b.Evicted)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	sort.Slice(d.Beats, func(i, j int) bool { return d.Beats[i].At < d.Beats[j].At })
	return d, nil
}

func readBatch(ctx context.Context, st Store, key string, v report.SummaryVisitor) (*report.Batch, error) {
	rc, err := st.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := report.ScanSummary(rc, v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return b, nil
}

// batchReader keeps a batch's heartbeats in [lo, hi) as Beats and sums its
// plays by string-table index; flush adds the sums to the site's counter.
type batchReader struct {
	plays  *uptime.PlayCounter
	lo, hi int64
	beats  []uptime.Beat
	table  []string
	sums   []uptime.PlayTotal // by item*len(table)+lang
}

func (r *batchReader) Heartbeat(at, iv int64, st report.State) {
	if at >= r.lo && at < r.hi {
		r.beats = append(r.beats, uptime.Beat{At: at, Interval: int32(iv), State: st})
	}
}

func (r *batchReader) Strings(t []string) {
	r.table = t
	if len(t) <= 256 {
		r.sums = make([]uptime.PlayTotal, len(t)*len(t))
	}
}

func (r *batchReader) Play(start, dur int64, item, lang, _ int) {
	if !r.plays.In(start) {
		return
	}
	d := time.Duration(dur) * time.Millisecond
	if r.sums == nil { // a huge string table: count by name
		r.plays.AddTotal(r.table[item], r.table[lang], 1, d)
		return
	}
	t := &r.sums[item*len(r.table)+lang]
	t.Plays++
	t.Time += d
}

// flush must be called with the site's lock held.
func (r *batchReader) flush() {
	n := len(r.table)
	for i, t := range r.sums {
		if t.Plays > 0 {
			r.plays.AddTotal(r.table[i/n], r.table[i%n], t.Plays, t.Time)
		}
	}
}
