package schedule

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/vnict/kiosk/content"
)

// Horizon of the cached timeline: the items' windows are laid out from the
// day before the moment asked about to lookahead days after it, and laid
// out again once the moment is within keep of the end.
const (
	lookahead = 8 * 24 * time.Hour
	keep      = 6 * 24 * time.Hour
)

// Sequencer picks the loop's slides in order as time goes by, for one
// bundle at one site. It is not safe for concurrent use.
type Sequencer struct {
	site     *Site
	entries  []entry
	byID     map[string]int
	levels   []level // by priority, highest first
	excluded []Exclusion

	h0, h1 int64   // the timeline's horizon, Unix nanoseconds
	events []int64 // every moment some entry starts or stops being playable, sorted
	set    playing // the cached set of playing entries
}

// entry is an item the site may play.
type entry struct {
	item    *content.Item
	slides  []Slide // one appearance, Since and Until unset
	weight  int
	level   int // index in Sequencer.levels
	from    time.Time
	until   time.Time
	days    [7]bool
	windows [][2]time.Duration // nil: all day
	ivs     []interval         // playable stretches within the horizon
}

type interval struct{ from, until int64 }

// level is one priority's loop and where it stands.
type level struct {
	priority int
	runs     []int // entry of each appearance in the loop
	order    *runOrder
	pos      int // the appearance last begun; -1 before the first
	entry    int // its entry, -1 when none
	lang     int // the next slide of that appearance
}

// playing is the set of entries playing through a stretch of time.
type playing struct {
	valid       bool
	from, until int64
	eligible    []bool // by entry: may play (any priority)
	level       int    // the level playing; -1 when nothing plays
	runs        []int  // positions in the level's loop of playable appearances
	prefix      []int  // slides before each of runs; one more at the end: the total
	release     int64  // when a higher-priority item last stopped, h0 if not in the horizon
	takeover    int64  // when a higher-priority item next starts, h1 if not in the horizon
}

// Exclusion is an item of the bundle the site never plays, and why.
type Exclusion struct {
	Item   *content.Item
	Reason string
}

// NewSequencer returns a sequencer of the bundle m for site, which shows
// langs (in its order) and gives an item without a duration itemDuration.
// Items whose schedules do not parse never play (Manifest.Validate has
// refused such a bundle; see Excluded).
func NewSequencer(m *content.Manifest, site *Site, langs []string, itemDuration time.Duration) *Sequencer {
	q := &Sequencer{site: site, byID: map[string]int{}}
	bundleFor := site.Targeted(m.Targets)
	prios := map[int]bool{}
	for i := range m.Items {
		it := &m.Items[i]
		why := ""
		switch {
		case !bundleFor:
			why = "the bundle is for " + m.Targets.String()
		case !site.Targeted(it.Targets):
			why = "for " + it.Targets.String()
		}
		e := entry{item: it, weight: it.Schedule.EffectiveWeight()}
		if why == "" {
			if len(langs) > 0 {
				e.slides = expand(it, langs, itemDuration)
			}
			if e.slides == nil {
				why = "none of the site's languages"
			}
		}
		if why == "" {
			if err := e.compile(site.Zone); err != nil {
				why = "schedule: " + err.Error()
			}
		}
		if why != "" {
			q.excluded = append(q.excluded, Exclusion{Item: it, Reason: why})
			continue
		}
		q.byID[it.ID] = len(q.entries)
		q.entries = append(q.entries, e)
		prios[it.Schedule.EffectivePriority()] = true
	}
	for _, p := range slices.Sorted(maps.Keys(prios)) {
		q.levels = slices.Insert(q.levels, 0, level{priority: p, pos: -1, entry: -1})
	}
	for i := range q.entries {
		e := &q.entries[i]
		e.level = slices.IndexFunc(q.levels, func(l level) bool { return l.priority == e.item.Schedule.EffectivePriority() })
	}
	for li := range q.levels {
		q.levels[li].build(q.entries, li)
	}
	return q
}

// compile reads the item's schedule.
func (e *entry) compile(zone *time.Location) error {
	s := e.item.Schedule
	var err error
	if e.from, e.until, err = s.Period(zone); err != nil {
		return err
	}
	if e.days, err = s.Days(); err != nil {
		return err
	}
	if s != nil {
		for _, w := range s.Hours {
			from, until, err := w.Span()
			if err != nil {
				return err
			}
			e.windows = append(e.windows, [2]time.Duration{from, until})
		}
	}
	return nil
}

// build lays out the level's loop by smooth weighted round-robin: each
// step, every entry gains its weight, the richest plays (the first in the
// manifest on a tie) and pays the total. An entry of weight w appears w
// times, spread through the loop; equal weights give the manifest's order.
func (l *level) build(entries []entry, li int) {
	var members, weights []int
	g := 0
	for i := range entries {
		if entries[i].level == li {
			members = append(members, i)
			weights = append(weights, entries[i].weight)
			g = gcd(g, entries[i].weight)
		}
	}
	total := 0
	for k := range weights {
		weights[k] /= g
		total += weights[k]
	}
	if total == len(members) {
		l.runs = members
	} else {
		l.runs = smoothRoundRobin(members, weights, total)
	}
	l.order = &runOrder{ids: make([]string, len(l.runs))}
	for k, e := range l.runs {
		l.order.ids[k] = entries[e].item.ID
	}
}

// smoothRoundRobin returns the total appearances of members (weights
// summing to total) by smooth weighted round-robin. After t steps an
// entry's credit is t times its weight less total for each time it was
// picked, so entries of equal weight come up in turn (the least picked,
// the first on a tie): each step compares one candidate per distinct
// weight, not every entry, and a loop of many entries costs no more than
// one of few.
func smoothRoundRobin(members, weights []int, total int) []int {
	type group struct {
		weight  int
		members []int // indexes into members, in order
		next    int   // the candidate
		rounds  int   // times each member before next has been picked, less one
	}
	var groups []*group
	byWeight := map[int]*group{}
	for k, w := range weights {
		g := byWeight[w]
		if g == nil {
			g = &group{weight: w}
			byWeight[w] = g
			groups = append(groups, g)
		}
		g.members = append(g.members, k)
	}
	runs := make([]int, 0, total)
	for t := 1; t <= total; t++ {
		var best *group
		bestCredit := 0
		for _, g := range groups {
			credit := t*g.weight - total*g.rounds
			k := g.members[g.next]
			if best == nil || credit > bestCredit || credit == bestCredit && k < best.members[best.next] {
				best, bestCredit = g, credit
			}
		}
		runs = append(runs, members[best.members[best.next]])
		if best.next++; best.next == len(best.members) {
			best.next, best.rounds = 0, best.rounds+1
		}
	}
	return runs
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Excluded lists the bundle's items the site never plays, with why.
func (q *Sequencer) Excluded() []Exclusion { return q.excluded }

// Next returns the slide to show at now, and false when nothing plays now
// (then NextChange says when to look again).
func (q *Sequencer) Next(now time.Time) (Slide, bool) {
	q.ensure(now)
	if q.set.level < 0 {
		return Slide{}, false
	}
	lv := &q.levels[q.set.level]
	if lv.entry < 0 || lv.lang >= len(q.entries[lv.entry].slides) || !q.set.eligible[lv.entry] {
		// The next appearance that may play, round the loop.
		k, _ := slices.BinarySearch(q.set.runs, lv.pos+1)
		if k == len(q.set.runs) {
			k = 0
		}
		lv.pos, lv.lang = q.set.runs[k], 0
		lv.entry = lv.runs[lv.pos]
	}
	e := &q.entries[lv.entry]
	s := e.slides[lv.lang]
	k, _ := slices.BinarySearch(q.set.runs, lv.pos)
	s.Index, s.Total = q.set.prefix[k]+lv.lang, q.set.prefix[len(q.set.runs)]
	s.order, s.pos = lv.order, lv.pos
	lv.lang++
	s.Since, s.Until = q.bounds(e, now.UnixNano())
	return s, true
}

// bounds returns the stretch around n in which e plays: its own playable
// stretch, less what higher priorities take.
func (q *Sequencer) bounds(e *entry, n int64) (since, until time.Time) {
	k := sort.Search(len(e.ivs), func(i int) bool { return e.ivs[i].until > n })
	from, to := e.ivs[k].from, e.ivs[k].until
	from, to = max(from, q.set.release), min(to, q.set.takeover)
	if from > q.h0 {
		since = time.Unix(0, from).In(q.site.Zone)
	}
	if to < q.h1 {
		until = time.Unix(0, to).In(q.site.Zone)
	}
	return since, until
}

// NextChange returns the next moment after now at which the set of items
// playing may change; Next's answer before it only goes round the loop.
func (q *Sequencer) NextChange(now time.Time) time.Time {
	q.ensure(now)
	return time.Unix(0, q.set.until).In(q.site.Zone)
}

// ResumeAfter makes the loop go on after last, a slide handed out by an
// earlier sequencer (the bundle or the site's config has changed since),
// so that a change never sends the loop back to its start and every item
// shows once per loop however often content changes. Items are matched by
// ID:
//   - if last's item is still here, the loop goes on after it: with its
//     next language, or the next appearance;
//   - if it was removed, the loop goes on with the first item that
//     followed it in the old loop and is still here;
//   - with nothing to go on from, at the start.
func (q *Sequencer) ResumeAfter(last Slide) {
	if last.Item == nil || last.order == nil || last.pos < 0 || last.pos >= len(last.order.ids) {
		return
	}
	old := last.order.ids
	if ei, ok := q.byID[last.Item.ID]; ok {
		// The same appearance of the item: its n-th in the old loop.
		n := 0
		for _, id := range old[:last.pos] {
			if id == last.Item.ID {
				n++
			}
		}
		e := &q.entries[ei]
		lv := &q.levels[e.level]
		lv.pos, lv.entry = nthIndex(lv.runs, ei, n), ei
		if i := sameLangs(e.slides, last.Langs); i >= 0 {
			lv.lang = i + 1
		} else {
			lv.lang = len(e.slides) // languages changed: on to the next appearance
		}
		return
	}
	for k := 1; k < len(old); k++ {
		ei, ok := q.byID[old[(last.pos+k)%len(old)]]
		if !ok {
			continue
		}
		lv := &q.levels[q.entries[ei].level]
		lv.pos, lv.entry, lv.lang = slices.Index(lv.runs, ei)-1, -1, 0
		return
	}
}

// nthIndex returns the index of the n-th (from 0) v in s, or of the last
// one when there are fewer.
func nthIndex(s []int, v, n int) int {
	last := -1
	for i, x := range s {
		if x == v {
			if n == 0 {
				return i
			}
			n--
			last = i
		}
	}
	return last
}

// ensure makes the cached set the one playing at now.
func (q *Sequencer) ensure(now time.Time) {
	n := now.UnixNano()
	if q.events == nil || n < q.h0 || n >= q.h1-int64(keep) {
		q.layOut(now)
	} else if q.set.valid && q.set.from <= n && n < q.set.until {
		return
	}
	q.evaluate(n)
}

// layOut lays every entry's playable stretches out over the horizon
// around now.
func (q *Sequencer) layOut(now time.Time) {
	day := q.site.day(now)
	start := clockAt(day, -1, 0, q.site.Zone)
	days := int((lookahead + 24*time.Hour) / (24 * time.Hour))
	q.h0, q.h1 = start.UnixNano(), clockAt(day, days-1, 0, q.site.Zone).UnixNano()
	q.events = q.events[:0]
	if q.events == nil {
		q.events = []int64{}
	}
	for i := range q.entries {
		e := &q.entries[i]
		e.ivs = e.layOut(start, days+1, q.h0, q.h1, q.site.Zone)
		for _, iv := range e.ivs {
			q.events = append(q.events, iv.from, iv.until)
		}
	}
	slices.Sort(q.events)
	q.events = slices.Compact(q.events)
	q.set.valid = false
}

// layOut returns the entry's playable stretches between h0 and h1, sorted
// and merged; the days start at the midnight start (and the day before,
// for windows that cross midnight).
func (e *entry) layOut(start time.Time, days int, h0, h1 int64, zone *time.Location) []interval {
	var out []interval
	add := func(from, until time.Time) {
		f, u := from.UnixNano(), until.UnixNano()
		if !e.from.IsZero() {
			f = max(f, e.from.UnixNano())
		}
		if !e.until.IsZero() {
			u = min(u, e.until.UnixNano())
		}
		f, u = max(f, h0), min(u, h1)
		if f < u {
			out = append(out, interval{f, u})
		}
	}
	for k := -1; k < days; k++ {
		d := clockAt(start, k, 0, zone)
		if !e.days[d.Weekday()] {
			continue
		}
		if e.windows == nil {
			add(d, clockAt(start, k+1, 0, zone))
			continue
		}
		for _, w := range e.windows {
			add(clockAt(start, k, w[0], zone), clockAt(start, k, w[1], zone))
		}
	}
	slices.SortFunc(out, func(a, b interval) int { return cmp.Compare(a.from, b.from) })
	merged := out[:0]
	for _, iv := range out {
		if n := len(merged); n > 0 && iv.from <= merged[n-1].until {
			merged[n-1].until = max(merged[n-1].until, iv.until)
			continue
		}
		merged = append(merged, iv)
	}
	return merged
}

// contains reports whether n is in one of ivs.
func contains(ivs []interval, n int64) bool {
	k := sort.Search(len(ivs), func(i int) bool { return ivs[i].until > n })
	return k < len(ivs) && ivs[k].from <= n
}

// evaluate finds the set playing at n and the stretch it holds for.
func (q *Sequencer) evaluate(n int64) {
	s := &q.set
	k := sort.Search(len(q.events), func(i int) bool { return q.events[i] > n })
	s.from, s.until = q.h0, q.h1
	if k > 0 {
		s.from = q.events[k-1]
	}
	if k < len(q.events) {
		s.until = q.events[k]
	}
	if cap(s.eligible) < len(q.entries) {
		s.eligible = make([]bool, len(q.entries))
	}
	s.eligible = s.eligible[:len(q.entries)]
	s.level = -1
	for i := range q.entries {
		s.eligible[i] = contains(q.entries[i].ivs, n)
		if s.eligible[i] && (s.level < 0 || q.entries[i].level < s.level) {
			s.level = q.entries[i].level
		}
	}
	s.runs, s.prefix = s.runs[:0], s.prefix[:0]
	s.release, s.takeover = q.h0, q.h1
	s.valid = true
	if s.level < 0 {
		return
	}
	total := 0
	for pos, ei := range q.levels[s.level].runs {
		if s.eligible[ei] {
			s.runs = append(s.runs, pos)
			s.prefix = append(s.prefix, total)
			total += len(q.entries[ei].slides)
		}
	}
	s.prefix = append(s.prefix, total)
	for i := range q.entries {
		e := &q.entries[i]
		if e.level >= s.level {
			continue
		}
		// A higher priority that does not play now: when it last
		// stopped, and when it next starts.
		j := sort.Search(len(e.ivs), func(j int) bool { return e.ivs[j].until > n })
		if j < len(e.ivs) {
			s.takeover = min(s.takeover, e.ivs[j].from)
		}
		if j > 0 {
			s.release = max(s.release, e.ivs[j-1].until)
		}
	}
}

// Share is an item of the loop playing at a moment, and its part of it.
type Share struct {
	Item *content.Item
	// Slides is the item's slides per appearance: its languages, or
	// language pairs.
	Slides int
	// Weight is how many times the item appears per loop.
	Weight int
	// Time is the item's time on screen per loop, and Fraction its share
	// of the loop's time.
	Time     time.Duration
	Fraction float64
}

// Loop describes the loop playing at now, item by item in manifest order,
// and the stretch [since, until) it plays for; nil when nothing plays.
func (q *Sequencer) Loop(now time.Time) (shares []Share, since, until time.Time) {
	q.ensure(now)
	since, until = time.Unix(0, q.set.from).In(q.site.Zone), time.Unix(0, q.set.until).In(q.site.Zone)
	if q.set.level < 0 {
		return nil, since, until
	}
	at := map[int]int{}
	var total time.Duration
	lv := &q.levels[q.set.level]
	for _, pos := range q.set.runs {
		ei := lv.runs[pos]
		e := &q.entries[ei]
		i, ok := at[ei]
		if !ok {
			i = len(shares)
			at[ei] = i
			shares = append(shares, Share{Item: e.item, Slides: len(e.slides)})
		}
		shares[i].Weight++
		for _, s := range e.slides {
			shares[i].Time += s.Duration
			total += s.Duration
		}
	}
	for i := range shares {
		shares[i].Fraction = float64(shares[i].Time) / float64(total)
	}
	slices.SortFunc(shares, func(a, b Share) int { return cmp.Compare(q.byID[a.Item.ID], q.byID[b.Item.ID]) })
	return shares, since, until
}

// String describes the sequencer for logs.
func (q *Sequencer) String() string {
	return fmt.Sprintf("%d items for site %s (%d not), %d priorities", len(q.entries), q.site.ID, len(q.excluded), len(q.levels))
}
