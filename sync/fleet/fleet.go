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
	"errors"
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
	// Unreadable counts the records the site's spool could not read
	// back (a damaged disk) and so never sent.
	Unreadable int
}

// Load reads the batches of site holding records of the period (local
// days from..to, cut at now, in sched's zone). A batch that cannot be
// decoded is skipped and warn is told, with its key; a store that fails
// fails the load, rather than turning its error into an outage.
func Load(ctx context.Context, st Store, site string, sched report.Schedule, from, to, now time.Time,
	warn func(key string, err error)) (*SiteData, error) {
	period := uptime.Period(sched, from, to, now)
	keys, err := st.List(ctx, report.BatchPrefix(site))
	if err != nil {
		return nil, fmt.Errorf("site %s: %w", site, err)
	}
	// Heartbeats just outside the period vouch into it; margin covers
	// 2.5 of the longest interval allowed (1 h).
	const margin = 3 * time.Hour
	lo, hi := period.Start.Add(-margin), period.End.Add(margin)
	// A batch's records lie in the UTC day its key names, or just after.
	loDay := lo.UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	var wanted []string
	for _, k := range keys {
		if day, ok := report.KeyDay(k); !ok || (!day.Before(loDay) && !day.After(hi.UTC())) {
			wanted = append(wanted, k)
		}
	}
	d := &SiteData{Site: site, Plays: uptime.NewPlayCounter(period.Start, period.End)}
	// Since is the site's first report ever: the header of its oldest
	// batch, even from before the period, so a site whose spool was
	// replaced is not taken for one installed later.
	if len(keys) > 0 && (len(wanted) == 0 || keys[0] != wanted[0]) {
		if b, err := readBatch(ctx, st, keys[0], discard{}); err == nil {
			d.Since = b.Since
		} else if errors.Is(err, report.ErrCorrupt) {
			warn(keys[0], err)
		} else {
			return nil, fmt.Errorf("site %s: %w", site, err)
		}
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(Concurrency)
	loMs, hiMs := lo.UnixMilli(), hi.UnixMilli()
	for _, key := range wanted {
		g.Go(func() error {
			v := &batchReader{in: d.Plays.In, lo: loMs, hi: hiMs}
			b, err := readBatch(gctx, st, key, v)
			if errors.Is(err, report.ErrCorrupt) {
				warn(key, err)
				mu.Lock()
				d.Skipped++
				mu.Unlock()
				return nil
			}
			if err != nil {
				return fmt.Errorf("site %s: %w", site, err)
			}
			mu.Lock()
			defer mu.Unlock()
			d.Batches++
			d.Beats = append(d.Beats, v.beats...)
			v.addTo(d.Plays)
			if !b.Since.IsZero() && (d.Since.IsZero() || b.Since.Before(d.Since)) {
				d.Since = b.Since
			}
			d.Evicted = max(d.Evicted, b.Evicted)
			d.Unreadable += b.Skipped
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
// plays in the period by string-table index, for addTo once the whole
// batch has decoded.
type batchReader struct {
	in     func(ms int64) bool
	lo, hi int64
	beats  []uptime.Beat
	table  []string
	sums   []uptime.PlayTotal // by item*len(table)+lang, for small tables
	big    map[[2]int]*uptime.PlayTotal
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
	} else {
		r.big = map[[2]int]*uptime.PlayTotal{}
	}
}

func (r *batchReader) Play(start, dur int64, item, lang, _ int) {
	if !r.in(start) {
		return
	}
	var t *uptime.PlayTotal
	if r.big != nil {
		k := [2]int{item, lang}
		if t = r.big[k]; t == nil {
			t = &uptime.PlayTotal{}
			r.big[k] = t
		}
	} else {
		t = &r.sums[item*len(r.table)+lang]
	}
	t.Plays++
	t.Time += time.Duration(dur) * time.Millisecond
}

// addTo adds the batch's play totals to c; the caller holds c's lock.
func (r *batchReader) addTo(c *uptime.PlayCounter) {
	n := len(r.table)
	for i, t := range r.sums {
		if t.Plays > 0 {
			c.AddTotal(r.table[i/n], r.table[i%n], t.Plays, t.Time)
		}
	}
	for k, t := range r.big {
		c.AddTotal(r.table[k[0]], r.table[k[1]], t.Plays, t.Time)
	}
}

// discard is a SummaryVisitor that keeps nothing, for reading a header.
type discard struct{}

func (discard) Heartbeat(int64, int64, report.State) {}
func (discard) Strings([]string)                     {}
func (discard) Play(int64, int64, int, int, int)     {}
