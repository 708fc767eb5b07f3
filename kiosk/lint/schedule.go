package lint

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/schedule"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// knownKinds are the kinds of tag the project's site configs use
// ("province:an-giang"); a kind a letter or two away from one of them,
// or from one of the site's own, is likely a typing error.
var knownKinds = []string{"province", "district", "commune", "ward", "gate", "border", "community", "lang"}

// Patterns of target names, beyond what content.Manifest.Validate checks.
var (
	// siteIDPattern is siteconfig's: a site ID has no ':', so a target
	// in "sites" that does not match it is probably a tag.
	siteIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	// langPattern is a BCP 47 language, as "lang:" tags name it.
	langPattern = regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]{2,8})*$`)
)

// checkSchedule lints the bundle's targets and schedules for the site and
// returns the items the site may play: those whose targets (and the
// bundle's) match it. It reports targets that look mistyped, items and a
// bundle targeted elsewhere (as notes), items that never play at the site
// and why, and a bundle of which nothing plays there.
func checkSchedule(r *Report, m *content.Manifest, cfg *siteconfig.Config) map[string]bool {
	site, err := schedule.NewSite(cfg)
	if err != nil {
		r.add(Finding{Error: true, File: cfg.Path, Message: err.Error()})
		return nil
	}
	checkTargets(r, "", m.Targets, site)
	for i := range m.Items {
		checkTargets(r, m.Items[i].ID, m.Items[i].Targets, site)
	}

	targeted := map[string]bool{}
	bundleFor := site.Targeted(m.Targets)
	if !bundleFor {
		r.add(Finding{Info: true, File: content.ManifestName, Message: fmt.Sprintf(
			"the bundle is for %s; site %s %s", m.Targets, site.ID, missedBecause(m.Targets))})
	}
	var candidates []*content.Item
	for i := range m.Items {
		it := &m.Items[i]
		if !bundleFor {
			continue
		}
		if !site.Targeted(it.Targets) {
			r.add(Finding{Info: true, Item: it.ID, Message: fmt.Sprintf(
				"not played here: it is for %s; site %s %s", it.Targets, site.ID, missedBecause(it.Targets))})
			continue
		}
		targeted[it.ID] = true
		if it.Kind == content.KindGuide {
			continue // not a slide: opened from the menu; see checkGuide
		}
		if len(it.Languages(cfg.Languages)) > 0 {
			// Items with none of the site's languages are reported
			// with the languages.
			candidates = append(candidates, it)
		}
	}

	spans := walkSpans(m.Items, site.Zone)
	shown, closedOnly := playing(m, site, cfg, spans, candidates)
	for _, it := range candidates {
		if shown[it.ID] {
			continue
		}
		if closedOnly[it.ID] {
			r.add(Finding{Item: it.ID, Message: fmt.Sprintf(
				"plays only outside the site's hours %s, when the screen is off", hours(site))})
			continue
		}
		solo := &content.Manifest{Items: []content.Item{*it}}
		aloneShown, aloneClosed := playing(solo, site, cfg, spans, []*content.Item{&solo.Items[0]})
		switch {
		case aloneShown[it.ID]:
			r.add(Finding{Item: it.ID, Message: fmt.Sprintf(
				"never plays at site %s: whenever it may, %s instead, with a higher priority", site.ID, preemptedBy(m, it, site, cfg, spans))})
		case aloneClosed[it.ID]:
			r.add(Finding{Item: it.ID, Message: fmt.Sprintf(
				"plays only outside the site's hours %s, when the screen is off", hours(site))})
		default:
			r.add(Finding{Error: true, Item: it.ID, Message: "its schedule never plays: " + neverWhy(it.Schedule, site.Zone)})
		}
	}
	slides := 0
	for _, it := range candidates {
		if shown[it.ID] {
			slides++
		}
	}
	switch {
	case len(m.Items) == 0 || slides > 0:
	case cfg.Mode == siteconfig.ModeInteractive:
		r.add(Finding{File: content.ManifestName, Message: fmt.Sprintf(
			"no slide of the bundle plays at site %s; its attract loop shows only standby", site.ID)})
	default:
		r.add(Finding{File: content.ManifestName, Message: fmt.Sprintf(
			"nothing in the bundle plays at site %s; its screen shows only standby", site.ID)})
	}
	return targeted
}

// playing walks the loop of m at the site through spans and returns the
// items among candidates that play while the site is open, and those that
// come up in the loop only while it is closed. It stops early once every
// candidate has played.
func playing(m *content.Manifest, site *schedule.Site, cfg *siteconfig.Config, spans [][2]time.Time, candidates []*content.Item) (shown, closedOnly map[string]bool) {
	shown, closedOnly = map[string]bool{}, map[string]bool{}
	wanted := make(map[string]bool, len(candidates))
	for _, it := range candidates {
		wanted[it.ID] = true
	}
	seen := 0 // candidates shown; the loop may hold other items (guides)
	q := schedule.NewSequencer(m, site, cfg.Languages, cfg.Playback.ItemDuration)
	for _, sp := range spans {
		for t := sp[0]; t.Before(sp[1]); {
			shares, _, until := q.Loop(t)
			if n := site.NextChange(t, nil); !n.IsZero() && n.Before(until) {
				until = n
			}
			open := site.Open(t)
			for _, sh := range shares {
				if open {
					if wanted[sh.Item.ID] && !shown[sh.Item.ID] {
						seen++
					}
					shown[sh.Item.ID] = true
					delete(closedOnly, sh.Item.ID)
				} else if !shown[sh.Item.ID] {
					closedOnly[sh.Item.ID] = true
				}
			}
			if seen == len(candidates) {
				return shown, closedOnly
			}
			t = until
		}
	}
	return shown, closedOnly
}

// walkSpans returns stretches of time through which a walk of the loop
// meets every state it can be in. Between two successive bounds of the
// items' validity windows the same items are valid, and their weekdays and
// daily windows repeat every week, so eight days from each bound (or up to
// the next) suffice, and eight days before the first. Without bounds, any
// eight days do.
func walkSpans(items []content.Item, zone *time.Location) [][2]time.Time {
	const week = 8 * 24 * time.Hour
	var bounds []time.Time
	for i := range items {
		from, until, err := items[i].Schedule.Period(zone)
		if err != nil {
			continue
		}
		for _, b := range []time.Time{from, until} {
			if !b.IsZero() {
				bounds = append(bounds, b)
			}
		}
	}
	if len(bounds) == 0 {
		start := time.Date(2026, 1, 5, 0, 0, 0, 0, zone)
		return [][2]time.Time{{start, start.Add(week)}}
	}
	slices.SortFunc(bounds, func(a, b time.Time) int { return a.Compare(b) })
	bounds = slices.CompactFunc(bounds, time.Time.Equal)
	spans := [][2]time.Time{{bounds[0].Add(-week), bounds[0]}}
	for i, b := range bounds {
		end := b.Add(week)
		if i+1 < len(bounds) && bounds[i+1].Before(end) {
			end = bounds[i+1]
		}
		spans = append(spans, [2]time.Time{b, end})
	}
	return spans
}

// neverWhy says why a schedule that never plays does not: its validity
// window is empty, holds none of its weekdays, or none of its hours.
func neverWhy(s *content.Schedule, zone *time.Location) string {
	from, until, err := s.Period(zone)
	switch {
	case err != nil:
		return err.Error()
	case s == nil || from.IsZero() || until.IsZero():
		return "it has no moment on its weekdays within its hours"
	case !until.After(from):
		return fmt.Sprintf("until %q is not after from %q in the site's zone %s", s.Until, s.From, zone)
	}
	window := fmt.Sprintf("from %q until %q", s.From, s.Until)
	days, _ := s.Days()
	crosses := false
	for _, w := range s.Hours {
		if _, u, err := w.Span(); err == nil && u > 24*time.Hour {
			crosses = true
		}
	}
	// The days whose windows can reach into [from, until): a window that
	// crosses midnight belongs to the day before.
	d := from.In(zone)
	d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, zone)
	if crosses {
		d = d.AddDate(0, 0, -1)
	}
	anyDay := false
	for ; d.Before(until) && !anyDay; d = d.AddDate(0, 0, 1) {
		anyDay = days[d.Weekday()]
	}
	if !anyDay {
		return fmt.Sprintf("%s holds none of its weekdays (%s)", window, strings.Join(s.Weekdays, ", "))
	}
	var hs []string
	for _, w := range s.Hours {
		hs = append(hs, w.From+"-"+w.Until)
	}
	return fmt.Sprintf("none of its hours (%s) falls %s", strings.Join(hs, ", "), window)
}

// preemptedBy names the items that play instead of it, at the site,
// whenever it alone would play while the site is open: those of a higher
// priority. It walks the bundle's loop and the item's own side by side.
func preemptedBy(m *content.Manifest, it *content.Item, site *schedule.Site, cfg *siteconfig.Config, spans [][2]time.Time) string {
	q := schedule.NewSequencer(m, site, cfg.Languages, cfg.Playback.ItemDuration)
	solo := schedule.NewSequencer(&content.Manifest{Items: []content.Item{*it}}, site, cfg.Languages, cfg.Playback.ItemDuration)
	seen := map[string]bool{}
	for _, sp := range spans {
		for t := sp[0]; t.Before(sp[1]); {
			shares, _, until := q.Loop(t)
			alone, _, soloUntil := solo.Loop(t)
			until = minTime(until, soloUntil)
			if n := site.NextChange(t, nil); !n.IsZero() {
				until = minTime(until, n)
			}
			if len(alone) > 0 && site.Open(t) {
				for _, sh := range shares {
					seen[sh.Item.ID] = true
				}
			}
			t = until
		}
	}
	var ids []string
	for i := range m.Items {
		if seen[m.Items[i].ID] {
			ids = append(ids, m.Items[i].ID)
		}
	}
	if len(ids) == 1 {
		return "item " + ids[0] + " plays"
	}
	return "items " + strings.Join(ids, ", ") + " play"
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// hours writes the site's operating hours.
func hours(site *schedule.Site) string {
	return siteconfig.ClockTime(site.Hours.Open).String() + "-" + siteconfig.ClockTime(site.Hours.Close).String()
}

// missedBecause says why targets miss a site.
func missedBecause(t *content.Targets) string {
	switch {
	case len(t.Sites) > 0 && len(t.Tags) > 0:
		return "is not listed and carries none of the tags"
	case len(t.Sites) > 0:
		return "is not listed"
	}
	return "carries none of the tags"
}

// checkTargets warns of names in t that look mistyped: a tag in "sites",
// a tag that is not KIND:VALUE, an unknown kind close to a known one, a
// "lang:" tag that names no language, a tag one letter away from one of
// the site's. item is "" for the bundle's targets.
func checkTargets(r *Report, item string, t *content.Targets, site *schedule.Site) {
	if t == nil {
		return
	}
	field := "targets"
	file := content.ManifestName
	if item != "" {
		file = ""
	}
	for i, s := range t.Sites {
		if !siteIDPattern.MatchString(s) {
			r.add(Finding{Item: item, File: file, Message: fmt.Sprintf(
				"%s.sites[%d] %q is not a site ID (a-z, 0-9 and '-'); a tag belongs in %s.tags", field, i, s, field)})
		}
	}
	kinds := slices.Clone(knownKinds)
	for _, tag := range site.Tags {
		if k, _, ok := strings.Cut(tag, ":"); ok && !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	for i, tag := range t.Tags {
		if why := tagProblem(tag, kinds, site.Tags); why != "" {
			r.add(Finding{Item: item, File: file, Message: fmt.Sprintf("%s.tags[%d] %q %s", field, i, tag, why)})
		}
	}
}

// tagProblem says what looks wrong with tag, or "" when nothing does.
func tagProblem(tag string, kinds, siteTags []string) string {
	kind, value, hasKind := strings.Cut(tag, ":")
	switch {
	case strings.Count(tag, ":") > 1:
		return "has more than one ':'; a tag is KIND:VALUE, such as province:an-giang"
	case hasKind && value == "":
		return "has nothing after ':'; a tag is KIND:VALUE, such as province:an-giang"
	case !hasKind && slices.Contains(kinds, tag):
		return fmt.Sprintf("is a kind without a value; want %s:VALUE", tag)
	case kind == "lang" && !langPattern.MatchString(value):
		return "names no language code; lang tags are such as lang:km or lang:vi"
	case hasKind && !slices.Contains(kinds, kind):
		for _, k := range kinds {
			if closeTo(kind, k) {
				return fmt.Sprintf("has the kind %q; did you mean %q?", kind, k)
			}
		}
	}
	if slices.Contains(siteTags, tag) {
		return ""
	}
	for _, st := range siteTags {
		sk, sv, _ := strings.Cut(st, ":")
		if sk == kind && (sameLetters(sv, value) || len(value) >= 5 && closeTo(sv, value)) {
			return fmt.Sprintf("does not match the site's tag %q; did you mean it?", st)
		}
	}
	return ""
}

// sameLetters reports whether a and b differ only in separators
// ("an_giang", "an-giang", "angiang").
func sameLetters(a, b string) bool {
	strip := func(s string) string {
		return strings.Map(func(r rune) rune {
			if strings.ContainsRune("-_./", r) {
				return -1
			}
			return r
		}, s)
	}
	return a != b && strip(a) == strip(b)
}

// closeTo reports whether a and b differ by one edit: a letter added,
// removed or changed, or two neighbours swapped; or, for words of five
// letters or more, by two.
func closeTo(a, b string) bool {
	if a == b {
		return false
	}
	limit := 1
	if len(a) >= 5 && len(b) >= 5 {
		limit = 2
	}
	return editDistance(a, b) <= limit
}

// editDistance is the optimal string alignment distance of a and b.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
