// Package render turns the uptime arithmetic of package uptime into what
// `kioskctl report` hands a department: CSV files for spreadsheets and one
// self-contained, printable HTML page for supervisors.
//
// The CSV files (WriteCSV) are UTF-8 with a byte-order mark, so Excel opens
// Vietnamese names correctly, and use a dot as the decimal separator so
// that any spreadsheet or script reads the numbers:
//
//	sites.csv      site,name,hours,scheduled_hours,showing_hours,uptime_percent,outages,outage_minutes,evicted
//	days.csv       site,date,scheduled_hours,showing_hours,uptime_percent,heartbeats
//	months.csv     site,month,scheduled_hours,showing_hours,uptime_percent,heartbeats
//	outages.csv    site,start,end,minutes,cause
//	plays.csv      site,item,lang,plays,seconds
//	languages.csv  site,lang,plays,seconds,plays_percent
//	alerts.csv     site,alert,shown,seconds
//	guides.csv     site,guide,lang,opened,finished,left_early,left_idle,narration_plays,median_step
//
// guides.csv is proof of use at interactive sites (commune support
// points), one row per guide and language a resident used: how often it
// was opened; how the guides ended (finished with Done on the last step,
// left early by Home or Back, or left idle until the countdown returned
// the screen to its loop); how often a step's narration was played; and
// the median of the furthest step reached in the guides that ended (empty
// when none ended). Opened counts more than the three endings when a
// guide was still open at the period's end or the player stopped. Walls
// have no rows.
//
// An emergency alert's time on screen is recorded as plays of
// report.AlertItem(id); those plays are listed in alerts.csv (how often
// it came on screen, and for how long in all) and not among the items
// and languages.
//
// Cells are written as csvCell makes them: text from sites without
// control characters, and a single quote before anything a spreadsheet
// would take for a formula (=, +, -, @).
//
// Hours, minutes, seconds and percentages have two decimals; uptime_percent
// is empty when nothing was scheduled. Dates are the site's local days
// (YYYY-MM-DD, months YYYY-MM); outage times are RFC 3339 in the report's
// time zone; cause is one of the uptime.Cause* codes. languages.csv is the
// per-language view of plays.csv: the plays of each language at each site,
// summed over items, most played first, with its share of the site's plays.
//
// The HTML page (WriteHTML) is built with html/template, which escapes
// every name and note; its CSS is inline and its charts are SVG drawn here,
// so it needs no JavaScript, font, image or link from outside and prints
// on A4 with each site on its own page. Text is Vietnamese, with English
// beside the labels a technician may need to match to the CSV, and numbers
// use the Vietnamese separators (1.234,5).
package render

import (
	"bytes"
	"cmp"
	_ "embed"
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vnict/kiosk/internal/atomicfile"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/uptime"
)

// Report is what kioskctl report prints.
type Report struct {
	// Title heads the page, e.g. "Báo cáo hoạt động màn hình thông tin
	// công cộng".
	Title string
	// From and To are the first and last local day covered.
	From, To  time.Time
	Generated time.Time
	// Loc is the time zone times are shown in (Asia/Ho_Chi_Minh); nil
	// means UTC.
	Loc   *time.Location
	Sites []Site
	// Notes are problems met while reading (a corrupt batch skipped, a
	// site without config...), shown in a box.
	Notes []string
}

// Site is one site's part of a Report.
type Site struct {
	uptime.Site
	// Name is the display name from the site config, e.g. "Cửa khẩu Quốc
	// tế Tịnh Biên".
	Name string
	// Hours are the operating hours as text, e.g. "06:00–22:00" or "cả
	// ngày (all day)".
	Hours string
	// Evicted counts the records the site's spool dropped because it was
	// full; the page warns when it is not zero.
	Evicted uint64
	// Guides are the guides residents used, per guide and language
	// (interactive sites; none for a wall).
	Guides []report.GuideTally
}

// Colour thresholds of uptime, in percent.
const (
	goodPercent = 95
	fairPercent = 80
)

// maxOutageRows caps a site's outage table; the rest are counted.
const maxOutageRows = 50

// maxDailyBars is the longest period charted per day; longer periods are
// charted per month.
const maxDailyBars = 62

// bom is the UTF-8 byte-order mark Excel needs to read UTF-8.
const bom = "\uFEFF"

// WriteCSV writes sites.csv, days.csv, months.csv, outages.csv, plays.csv,
// languages.csv, alerts.csv and guides.csv into dir, creating dir if needed, and returns their
// paths. Sites come in the order of r.Sites.
func WriteCSV(dir string, r *Report) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("csv report: %w", err)
	}
	loc := r.loc()
	files := []struct {
		name   string
		header []string
		rows   func(s *Site, add func(...string))
	}{
		{"sites.csv", []string{"site", "name", "hours", "scheduled_hours", "showing_hours", "uptime_percent", "outages", "outage_minutes", "evicted"},
			func(s *Site, add func(...string)) {
				add(s.Site.Site, s.Name, s.Hours, csvHours(s.Total.Scheduled), csvHours(s.Total.Showing), csvUptime(s.Total),
					strconv.Itoa(len(s.Outages)), csvDec(outageTime(s.Outages).Minutes()), strconv.FormatUint(s.Evicted, 10))
			}},
		{"days.csv", []string{"site", "date", "scheduled_hours", "showing_hours", "uptime_percent", "heartbeats"},
			func(s *Site, add func(...string)) {
				for _, d := range s.Days {
					add(s.Site.Site, d.Start.Format(time.DateOnly), csvHours(d.Scheduled), csvHours(d.Showing), csvUptime(d), strconv.Itoa(d.Heartbeats))
				}
			}},
		{"months.csv", []string{"site", "month", "scheduled_hours", "showing_hours", "uptime_percent", "heartbeats"},
			func(s *Site, add func(...string)) {
				for _, m := range s.Months {
					add(s.Site.Site, m.Start.Format("2006-01"), csvHours(m.Scheduled), csvHours(m.Showing), csvUptime(m), strconv.Itoa(m.Heartbeats))
				}
			}},
		{"outages.csv", []string{"site", "start", "end", "minutes", "cause"},
			func(s *Site, add func(...string)) {
				for _, o := range s.Outages {
					add(s.Site.Site, o.Start.In(loc).Format(time.RFC3339), o.End.In(loc).Format(time.RFC3339), csvDec(o.Len().Minutes()), o.Cause)
				}
			}},
		{"plays.csv", []string{"site", "item", "lang", "plays", "seconds"},
			func(s *Site, add func(...string)) {
				items, _ := splitAlerts(s.Plays)
				for _, p := range items {
					add(s.Site.Site, p.Item, p.Lang, strconv.Itoa(p.Plays), csvDec(p.Time.Seconds()))
				}
			}},
		{"languages.csv", []string{"site", "lang", "plays", "seconds", "plays_percent"},
			func(s *Site, add func(...string)) {
				items, _ := splitAlerts(s.Plays)
				langs, total := byLang(items)
				for _, l := range langs {
					add(s.Site.Site, l.Lang, strconv.Itoa(l.Plays), csvDec(l.Time.Seconds()), csvDec(share(l.Plays, total)))
				}
			}},
		{"alerts.csv", []string{"site", "alert", "shown", "seconds"},
			func(s *Site, add func(...string)) {
				for _, a := range alertTotals(s.Plays) {
					add(s.Site.Site, a.Item, strconv.Itoa(a.Plays), csvDec(a.Time.Seconds()))
				}
			}},
		{"guides.csv", []string{"site", "guide", "lang", "opened", "finished", "left_early", "left_idle", "narration_plays", "median_step"},
			func(s *Site, add func(...string)) {
				for _, g := range s.Guides {
					median := ""
					if m, ok := g.MedianReached(); ok {
						median = strconv.Itoa(m)
					}
					add(s.Site.Site, g.Guide, g.Lang, strconv.Itoa(g.Opened), strconv.Itoa(g.Finished), strconv.Itoa(g.Left),
						strconv.Itoa(g.Idle), strconv.Itoa(g.Narrations), median)
				}
			}},
	}
	var paths []string
	for _, f := range files {
		var buf bytes.Buffer
		buf.WriteString(bom)
		w := csv.NewWriter(&buf)
		w.Write(f.header)
		for i := range r.Sites {
			f.rows(&r.Sites[i], func(rec ...string) {
				for i, c := range rec {
					rec[i] = csvCell(c)
				}
				w.Write(rec)
			})
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return paths, fmt.Errorf("csv report %s: %w", f.name, err)
		}
		path := filepath.Join(dir, f.name)
		if err := atomicfile.Write(path, buf.Bytes()); err != nil {
			return paths, fmt.Errorf("csv report: write %s: %w", path, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

func (r *Report) loc() *time.Location {
	if r.Loc == nil {
		return time.UTC
	}
	return r.Loc
}

func csvDec(v float64) string         { return strconv.FormatFloat(v, 'f', 2, 64) }
func csvHours(d time.Duration) string { return csvDec(d.Hours()) }

func csvUptime(t uptime.Tally) string {
	u, ok := t.Uptime()
	if !ok {
		return ""
	}
	return csvDec(100 * u)
}

func outageTime(os []uptime.Outage) time.Duration {
	var sum time.Duration
	for _, o := range os {
		sum += o.Len()
	}
	return sum
}

// byLang sums plays per language, most played first, and returns the
// total plays.
func byLang(plays []uptime.PlayTotal) ([]uptime.PlayTotal, int) {
	var out []uptime.PlayTotal
	total := 0
	for _, p := range plays {
		if p.Lang == "" && p.Plays == 0 {
			continue // an item that never played: no language to count
		}
		total += p.Plays
		i := slices.IndexFunc(out, func(l uptime.PlayTotal) bool { return l.Lang == p.Lang })
		if i < 0 {
			out = append(out, uptime.PlayTotal{Lang: p.Lang})
			i = len(out) - 1
		}
		out[i].Plays += p.Plays
		out[i].Time += p.Time
	}
	slices.SortFunc(out, func(a, b uptime.PlayTotal) int {
		return cmp.Or(cmp.Compare(b.Plays, a.Plays), cmp.Compare(a.Lang, b.Lang))
	})
	return out, total
}

func share(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return 100 * float64(n) / float64(total)
}

//go:embed report.html.tmpl
var pageSource string

var pageTemplate = template.Must(template.New("report").Parse(pageSource))

// WriteHTML writes r as one self-contained, printable HTML page.
func WriteHTML(w io.Writer, r *Report) error {
	if err := pageTemplate.Execute(w, newPage(r)); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	return nil
}

// page is what the template shows: every number already formatted, every
// chart already laid out, so the template only places them.
type page struct {
	Title, Period, Generated string
	Notes                    []string
	Fleet                    summaryRow
	Summary                  []summaryRow
	// Guides are the guides used at every site, summed per guide and
	// language, when more than one site used guides.
	Guides []guideRow
	Sites  []siteView
}

// guideRow is one guide in one language: what residents did with it.
type guideRow struct {
	Guide, Name, Lang                                string
	Opened, Finished, Left, Idle, Narrations, Median string
	// Sites is how many sites used it (fleet rows only).
	Sites string
}

type summaryRow struct {
	Site, Name, Hours  string
	Scheduled, Showing string
	Uptime, Class      string
	Outages            string
	OutageTime         string
}

type siteView struct {
	summaryRow
	Evicted     string
	Chart       barChart
	Causes      []causeRow
	OutageRows  []outageRow
	MoreOutages string
	Langs       langChart
	Items       []itemRow
	Alerts      []alertRow
	Guides      []guideRow
}

// alertRow is one emergency alert's time on screen at a site.
type alertRow struct{ Alert, Shown, Time string }

type causeRow struct{ Cause, Count, Time string }

type outageRow struct{ N, Start, End, Len, Cause string }

// itemRow is one item's plays; Unplayed marks an item published to the
// site that never played in the period (starved, or broken on screen).
type itemRow struct {
	Item, Plays, Time, Langs string
	Unplayed                 bool
}

func newPage(r *Report) page {
	loc := r.loc()
	p := page{
		Title:     r.Title,
		Generated: fmtTime(r.Generated.In(loc)) + " (" + zone(r.Generated.In(loc)) + ")",
	}
	// html/template escapes markup; Printable also drops what would
	// reorder or hide text (bidi overrides, controls) in names from sites.
	for _, n := range r.Notes {
		p.Notes = append(p.Notes, Printable(n))
	}
	from, to := r.From.In(loc), r.To.In(loc)
	days := int(math.Round(civil(to).Sub(civil(from)).Hours()/24)) + 1
	p.Period = fmt.Sprintf("%s – %s (%s ngày)", from.Format("02/01/2006"), to.Format("02/01/2006"), fmtInt(int64(days)))

	sites := make([]*Site, len(r.Sites))
	for i := range r.Sites {
		sites[i] = &r.Sites[i]
	}
	slices.SortStableFunc(sites, worstFirst)

	var fleet uptime.Tally
	var fleetOutages []uptime.Outage
	for _, s := range sites {
		row := summarise(s)
		p.Summary = append(p.Summary, row)
		p.Sites = append(p.Sites, newSiteView(s, row, loc))
		fleet.Scheduled += s.Total.Scheduled
		fleet.Showing += s.Total.Showing
		fleetOutages = append(fleetOutages, s.Outages...)
	}
	p.Fleet = summarise(&Site{Site: uptime.Site{Total: fleet, Outages: fleetOutages}})
	p.Guides = fleetGuides(r.Sites)
	return p
}

// fleetGuides sums the guides used per guide and language over the sites,
// most opened first, when more than one site used guides.
func fleetGuides(sites []Site) []guideRow {
	type total struct {
		report.GuideTally
		sites int
	}
	var keys [][2]string
	totals := map[[2]string]*total{}
	used := 0
	for i := range sites {
		if len(sites[i].Guides) > 0 {
			used++
		}
		for _, g := range sites[i].Guides {
			k := [2]string{g.Guide, g.Lang}
			t := totals[k]
			if t == nil {
				t = &total{GuideTally: report.GuideTally{Guide: g.Guide, Lang: g.Lang}}
				totals[k] = t
				keys = append(keys, k)
			}
			t.Merge(&g)
			t.sites++
		}
	}
	if used < 2 {
		return nil
	}
	slices.SortFunc(keys, func(a, b [2]string) int {
		return cmp.Or(cmp.Compare(totals[b].Opened, totals[a].Opened), cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
	})
	rows := make([]guideRow, len(keys))
	for i, k := range keys {
		rows[i] = newGuideRow(&totals[k].GuideTally)
		rows[i].Sites = fmtInt(int64(totals[k].sites))
	}
	return rows
}

// newGuideRow formats a tally for the page.
func newGuideRow(g *report.GuideTally) guideRow {
	median := "–"
	if m, ok := g.MedianReached(); ok {
		median = fmtInt(int64(m))
	}
	return guideRow{
		Guide: Printable(g.Guide), Lang: Printable(g.Lang), Name: langName(Printable(g.Lang)),
		Opened: fmtInt(int64(g.Opened)), Finished: fmtInt(int64(g.Finished)), Left: fmtInt(int64(g.Left)),
		Idle: fmtInt(int64(g.Idle)), Narrations: fmtInt(int64(g.Narrations)), Median: median,
	}
}

// worstFirst orders sites by uptime, lowest first; sites with nothing
// scheduled go last.
func worstFirst(a, b *Site) int {
	ua, oka := a.Total.Uptime()
	ub, okb := b.Total.Uptime()
	switch {
	case oka != okb:
		if oka {
			return -1
		}
		return 1
	case ua != ub:
		return cmp.Compare(ua, ub)
	}
	return cmp.Compare(a.Site.Site, b.Site.Site)
}

func summarise(s *Site) summaryRow {
	up, class := fmtUptime(s.Total)
	return summaryRow{
		Site:       Printable(s.Site.Site),
		Name:       Printable(s.Name),
		Hours:      Printable(s.Hours),
		Scheduled:  fmtDec(s.Total.Scheduled.Hours(), 1),
		Showing:    fmtDec(s.Total.Showing.Hours(), 1),
		Uptime:     up,
		Class:      class,
		Outages:    fmtInt(int64(len(s.Outages))),
		OutageTime: fmtDur(outageTime(s.Outages)),
	}
}

func newSiteView(s *Site, row summaryRow, loc *time.Location) siteView {
	v := siteView{summaryRow: row}
	if s.Evicted > 0 {
		v.Evicted = fmtInt(int64(min(s.Evicted, math.MaxInt64)))
	}
	if len(s.Days) > maxDailyBars {
		v.Chart = uptimeChart(s.Months, true)
	} else {
		v.Chart = uptimeChart(s.Days, false)
	}

	causes := map[string]*struct {
		n int
		d time.Duration
	}{}
	for _, o := range s.Outages {
		c := causes[o.Cause]
		if c == nil {
			c = &struct {
				n int
				d time.Duration
			}{}
			causes[o.Cause] = c
		}
		c.n++
		c.d += o.Len()
	}
	for _, code := range sortedKeys(causes, func(a, b string) int {
		return cmp.Or(cmp.Compare(causes[b].d, causes[a].d), cmp.Compare(a, b))
	}) {
		c := causes[code]
		v.Causes = append(v.Causes, causeRow{causeName(code), fmtInt(int64(c.n)), fmtDur(c.d)})
	}

	outages := slices.Clone(s.Outages)
	slices.SortStableFunc(outages, func(a, b uptime.Outage) int {
		return cmp.Or(cmp.Compare(b.Len(), a.Len()), a.Start.Compare(b.Start))
	})
	if n := len(outages) - maxOutageRows; n > 0 {
		v.MoreOutages = fmtInt(int64(n))
		outages = outages[:maxOutageRows]
	}
	for i, o := range outages {
		v.OutageRows = append(v.OutageRows, outageRow{
			N:     strconv.Itoa(i + 1),
			Start: fmtTime(o.Start.In(loc)),
			End:   fmtTime(o.End.In(loc)),
			Len:   fmtDur(o.Len()),
			Cause: causeName(o.Cause),
		})
	}

	items, alerts := splitAlerts(s.Plays)
	v.Langs = newLangChart(items)
	v.Items = itemRows(items)
	for _, a := range alertTotals(alerts) {
		v.Alerts = append(v.Alerts, alertRow{Alert: Printable(a.Item), Shown: fmtInt(int64(a.Plays)), Time: fmtDur(a.Time)})
	}
	for i := range s.Guides {
		v.Guides = append(v.Guides, newGuideRow(&s.Guides[i]))
	}
	return v
}

// splitAlerts separates the plays of bundle items from the alerts' time
// on screen.
func splitAlerts(plays []uptime.PlayTotal) (items, alerts []uptime.PlayTotal) {
	for _, p := range plays {
		if _, ok := report.AlertOf(p.Item); ok {
			alerts = append(alerts, p)
		} else {
			items = append(items, p)
		}
	}
	return items, alerts
}

// alertTotals sums each alert's plays over languages, longest on screen
// first; Item is the alert's ID.
func alertTotals(plays []uptime.PlayTotal) []uptime.PlayTotal {
	var out []uptime.PlayTotal
	index := map[string]int{}
	for _, p := range plays {
		id, ok := report.AlertOf(p.Item)
		if !ok {
			continue
		}
		i, seen := index[id]
		if !seen {
			i = len(out)
			index[id] = i
			out = append(out, uptime.PlayTotal{Item: id})
		}
		out[i].Plays += p.Plays
		out[i].Time += p.Time
	}
	slices.SortStableFunc(out, func(a, b uptime.PlayTotal) int {
		return cmp.Or(cmp.Compare(b.Time, a.Time), cmp.Compare(a.Item, b.Item))
	})
	return out
}

func sortedKeys[V any](m map[string]V, f func(a, b string) int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, f)
	return keys
}

func causeName(code string) string {
	switch code {
	case uptime.CauseNoHeartbeat:
		return "Mất tín hiệu (no heartbeat)"
	case uptime.CauseStandby:
		return "Chờ nội dung (standby)"
	case uptime.CauseError:
		return "Lỗi (error)"
	case uptime.CauseOffHours:
		return "Ngoài giờ (off hours)"
	}
	return code
}

// langName names the languages our sites show; others show as their code.
func langName(code string) string {
	switch code {
	case "vi":
		return "Tiếng Việt"
	case "en":
		return "Tiếng Anh"
	case "km":
		return "Tiếng Khmer"
	case "lo":
		return "Tiếng Lào"
	case "zh", "zh-Hans", "zh-Hant":
		return "Tiếng Trung"
	case "th":
		return "Tiếng Thái"
	case "ko":
		return "Tiếng Hàn"
	case "ja":
		return "Tiếng Nhật"
	case "fr":
		return "Tiếng Pháp"
	case "ru":
		return "Tiếng Nga"
	case "*":
		return "Mọi ngôn ngữ (all languages)"
	case "":
		return "(không rõ)"
	}
	return code
}

func itemRows(plays []uptime.PlayTotal) []itemRow {
	type item struct {
		name  string
		plays int
		time  time.Duration
		langs []string
	}
	var items []*item
	index := map[string]int{}
	for _, p := range plays {
		i, ok := index[p.Item]
		if !ok {
			items = append(items, &item{name: p.Item})
			i = len(items) - 1
			index[p.Item] = i
		}
		it := items[i]
		it.plays += p.Plays
		it.time += p.Time
		if p.Lang != "" || p.Plays > 0 {
			it.langs = append(it.langs, fmt.Sprintf("%s: %s", cmp.Or(Printable(p.Lang), "?"), fmtInt(int64(p.Plays))))
		}
	}
	slices.SortStableFunc(items, func(a, b *item) int {
		return cmp.Or(cmp.Compare(b.plays, a.plays), cmp.Compare(a.name, b.name))
	})
	rows := make([]itemRow, 0, len(items))
	for _, it := range items {
		langs := strings.Join(it.langs, " · ")
		if it.plays == 0 {
			langs = "chưa phát lần nào (never played)"
		}
		rows = append(rows, itemRow{Printable(it.name), fmtInt(int64(it.plays)), fmtDur(it.time), langs, it.plays == 0})
	}
	return rows
}

// Chart geometry, in SVG user units (the page scales them).
const (
	chartW     = 760.0
	chartH     = 230.0
	plotLeft   = 46.0
	plotRight  = chartW - 8
	plotTop    = 10.0
	plotBottom = chartH - 44
	plotH      = plotBottom - plotTop
	plotW      = plotRight - plotLeft
)

type barChart struct {
	Caption  string
	W, H     float64
	Left     float64
	Right    float64
	Top      float64
	Bottom   float64
	CenterX  float64
	AxisY    float64 // where the x axis title sits
	Bars     []bar
	YTicks   []tick
	XLabels  []tick
	Marks    []tick // the 95 % and 80 % thresholds
	XTitle   string
	Unsched  bool // some bars had nothing scheduled
	HasBars  bool
	MidPlotY float64
}

type bar struct {
	X, Y, W, H float64
	Class      string
	Title      string
}

type tick struct {
	X, Y, TextY float64
	Label       string
}

func dayLabel(t time.Time, first bool) string {
	if first || t.Day() == 1 {
		return fmt.Sprintf("%d/%d", t.Day(), int(t.Month()))
	}
	return strconv.Itoa(t.Day())
}

func monthLabel(t time.Time, first bool) string {
	if first || t.Month() == time.January {
		return fmt.Sprintf("T%d/%d", int(t.Month()), t.Year())
	}
	return fmt.Sprintf("T%d", int(t.Month()))
}

// uptimeChart lays out one bar per tally, a day or a month.
func uptimeChart(ts []uptime.Tally, monthly bool) barChart {
	c := barChart{
		Caption: "Thời gian hoạt động theo ngày (Daily uptime, %)", W: chartW, H: chartH,
		Left: plotLeft, Right: plotRight, Top: plotTop, Bottom: plotBottom, CenterX: plotLeft + plotW/2, AxisY: chartH - 6, MidPlotY: plotTop + plotH/2,
		XTitle: "Ngày (day)", HasBars: len(ts) > 0,
	}
	// labelW is the room an x label needs: labels are thinned rather than
	// let overlap.
	label, labelW := dayLabel, 18.0
	if monthly {
		c.Caption, c.XTitle = "Thời gian hoạt động theo tháng (Monthly uptime, %)", "Tháng (month)"
		label, labelW = monthLabel, 44
	}
	for p := 0; p <= 100; p += 20 {
		y := yOf(float64(p))
		c.YTicks = append(c.YTicks, tick{X: plotLeft - 6, Y: y, TextY: y + 4, Label: strconv.Itoa(p)})
	}
	c.Marks = []tick{{Y: yOf(goodPercent), Label: "95"}, {Y: yOf(fairPercent), Label: "80"}}
	if len(ts) == 0 {
		return c
	}
	slot := plotW / float64(len(ts))
	step := max(1, int(math.Ceil(labelW/slot)))
	for i, t := range ts {
		x := plotLeft + float64(i)*slot
		b := bar{X: x + slot*0.12, W: slot * 0.76}
		when := t.Start.Format("02/01/2006")
		if monthly {
			when = t.Start.Format("01/2006")
		}
		if u, ok := t.Uptime(); ok {
			pct := 100 * u
			b.H = max(plotH*u, 2) // a dead day still shows a red sliver
			b.Y = plotBottom - b.H
			b.Class = class(pct)
			b.Title = fmt.Sprintf("%s: %s%% (%s/%s giờ)", when, fmtDec(pct, 1), fmtDec(t.Showing.Hours(), 1), fmtDec(t.Scheduled.Hours(), 1))
		} else {
			b.H = 4
			b.Y = plotBottom - b.H
			b.Class = "none"
			b.Title = when + ": không có lịch (nothing scheduled)"
			c.Unsched = true
		}
		c.Bars = append(c.Bars, b)
		if i%step == 0 {
			c.XLabels = append(c.XLabels, tick{X: x + slot/2, TextY: plotBottom + 15, Label: label(t.Start, i == 0)})
		}
	}
	return c
}

func yOf(pct float64) float64 { return plotBottom - plotH*pct/100 }

// class colours an uptime by the percentage shown, so that 94.96 %, shown
// as 95,0 %, is green.
func class(pct float64) string {
	pct = math.Round(pct*10) / 10
	switch {
	case pct >= goodPercent:
		return "good"
	case pct >= fairPercent:
		return "fair"
	}
	return "poor"
}

func fmtUptime(t uptime.Tally) (text, cls string) {
	u, ok := t.Uptime()
	if !ok {
		return "—", "none"
	}
	return fmtDec(100*u, 1) + "%", class(100 * u)
}

type langChart struct {
	W, H float64
	Rows []langRow
}

type langRow struct {
	Lang, Name, Plays, Time, Share string
	Y, BarW                        float64
	TextY, ValueX                  float64
}

const (
	langRowH  = 26.0
	langLeft  = 190.0
	langRight = chartW - 190
)

func newLangChart(plays []uptime.PlayTotal) langChart {
	langs, total := byLang(plays)
	c := langChart{W: chartW, H: langRowH*float64(len(langs)) + 6}
	most := 0
	if len(langs) > 0 {
		most = langs[0].Plays
	}
	for i, l := range langs {
		y := 3 + float64(i)*langRowH
		w := 0.0
		if most > 0 {
			w = max((langRight-langLeft)*float64(l.Plays)/float64(most), 1)
		}
		c.Rows = append(c.Rows, langRow{
			Lang: cmp.Or(Printable(l.Lang), "?"), Name: Printable(langName(l.Lang)),
			Plays: fmtInt(int64(l.Plays)), Time: fmtDur(l.Time), Share: fmtDec(share(l.Plays, total), 1) + "%",
			Y: y + 3, BarW: w, TextY: y + langRowH/2 + 4, ValueX: langLeft + w + 6,
		})
	}
	return c
}

// civil is t's calendar date at UTC midnight, for counting days.
func civil(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func fmtTime(t time.Time) string { return t.Format("02/01/2006 15:04") }

func zone(t time.Time) string { return "UTC" + t.Format("-07:00") }

// fmtDec writes v with dec decimals the Vietnamese way: 1.234,5.
func fmtDec(v float64, dec int) string {
	s := strconv.FormatFloat(v, 'f', dec, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	out := group(intPart)
	if neg {
		out = "-" + out
	}
	if frac != "" {
		out += "," + frac
	}
	return out
}

func fmtInt(n int64) string {
	if n < 0 {
		return "-" + group(strconv.FormatInt(-n, 10))
	}
	return group(strconv.FormatInt(n, 10))
}

// group puts a dot between groups of three digits.
func group(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	head := len(digits) % 3
	if head > 0 {
		b.WriteString(digits[:head])
	}
	for i := head; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// fmtDur writes a duration in Vietnamese, to the minute: "2 ngày 3 giờ",
// "5 giờ 07 phút", "12 phút", "40 giây".
func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "0"
	case d < time.Minute:
		return fmt.Sprintf("%d giây", int(d.Round(time.Second)/time.Second))
	}
	m := int64(d.Round(time.Minute) / time.Minute)
	days, hours, mins := m/(24*60), m/60%24, m%60
	switch {
	case days > 0 && hours == 0:
		return fmt.Sprintf("%s ngày", fmtInt(days))
	case days > 0:
		return fmt.Sprintf("%s ngày %d giờ", fmtInt(days), hours)
	case hours > 0:
		return fmt.Sprintf("%d giờ %02d phút", hours, mins)
	}
	return fmt.Sprintf("%d phút", mins)
}
