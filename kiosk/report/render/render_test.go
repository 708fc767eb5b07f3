package render

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/uptime"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ and docs/report-screenshot.png")

func hcm(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatalf("load time zone: %v", err)
	}
	return loc
}

func hoursOf(open, close time.Duration) *siteconfig.Hours {
	return &siteconfig.Hours{Open: siteconfig.ClockTime(open), Close: siteconfig.ClockTime(close)}
}

// handReport is a report whose numbers are set by hand, to check the CSV
// arithmetic and formatting independently of package uptime.
func handReport(t testing.TB) *Report {
	loc := hcm(t)
	d1 := time.Date(2026, 3, 1, 0, 0, 0, 0, loc)
	d2 := d1.AddDate(0, 0, 1)
	at := func(d time.Time, h, m int) time.Time {
		return d.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	h := time.Hour
	return &Report{
		Title: "Báo cáo thử", From: d1, To: d2, Generated: at(d2.AddDate(0, 0, 1), 8, 0), Loc: loc,
		Sites: []Site{
			{
				Site: uptime.Site{
					Site: "ag-tinhbien-01",
					Days: []uptime.Tally{
						{Start: d1, Scheduled: 16 * h, Showing: 15*h + 20*time.Minute, Heartbeats: 920},
						{Start: d2, Scheduled: 0, Showing: 0, Heartbeats: 0}, // closed: no uptime
					},
					Months:  []uptime.Tally{{Start: d1, Scheduled: 16 * h, Showing: 15*h + 20*time.Minute, Heartbeats: 920}},
					Total:   uptime.Tally{Start: d1, Scheduled: 16 * h, Showing: 15*h + 20*time.Minute, Heartbeats: 920},
					Outages: []uptime.Outage{{Start: at(d1, 9, 0), End: at(d1, 9, 30), Cause: uptime.CauseNoHeartbeat}, {Start: at(d1, 14, 0), End: at(d1, 14, 10).Add(30 * time.Second), Cause: uptime.CauseStandby}},
					Plays: []uptime.PlayTotal{
						{Item: "gio-mo-cua", Lang: "en", Plays: 3, Time: 90 * time.Second},
						{Item: "gio-mo-cua", Lang: "vi", Plays: 7, Time: 210*time.Second + 500*time.Millisecond},
						{Item: "thong-bao", Lang: "vi", Plays: 10, Time: 10 * time.Minute},
						// Alerts' time on screen, which the report lists apart.
						{Item: report.AlertItem("lu-an-giang"), Lang: "*", Plays: 2, Time: 2*h + 30*time.Minute},
						{Item: report.AlertItem("bao-so-9"), Lang: "*", Plays: 1, Time: 40 * time.Minute},
					},
				},
				Name: "Cửa khẩu Quốc tế Tịnh Biên", Hours: "06:00–22:00", Evicted: 12,
			},
			{
				Site: uptime.Site{
					Site:   "ag-letri-01",
					Days:   []uptime.Tally{{Start: d1, Scheduled: 10 * h, Showing: 0}, {Start: d2, Scheduled: 10 * h, Showing: 10 * h, Heartbeats: 600}},
					Months: []uptime.Tally{{Start: d1, Scheduled: 20 * h, Showing: 10 * h, Heartbeats: 600}},
					Total:  uptime.Tally{Start: d1, Scheduled: 20 * h, Showing: 10 * h, Heartbeats: 600},
					Outages: []uptime.Outage{
						{Start: at(d1, 7, 0), End: at(d1, 17, 0), Cause: uptime.CauseNoHeartbeat},
					},
				},
				// A comma and quotes, which CSV must quote.
				Name: `Điểm hỗ trợ CNTT xã Lê Trì, "Tri Tôn"`, Hours: "07:00–17:00",
				// A commune support point: guides used. Khai-sinh in
				// Khmer ended 8 times, furthest steps 1,2,2,3,6,6,6,6
				// (median 3); VNeID was opened once and never ended.
				Guides: []report.GuideTally{
					{Guide: "khai-sinh", Lang: "km", Opened: 9, Finished: 4, Left: 2, Idle: 2, Steps: 31, Narrations: 15,
						Reached: report.StepCounts{1: 1, 2: 2, 3: 1, 6: 4}},
					{Guide: "khai-sinh", Lang: "vi", Opened: 3, Finished: 3, Steps: 18, Reached: report.StepCounts{6: 3}},
					{Guide: "vneid", Lang: "km", Opened: 1, Steps: 2, Narrations: 1},
				},
			},
		},
	}
}

// beats makes a heartbeat every minute in [from, to).
func beats(from, to time.Time, st report.State) []uptime.Beat {
	var out []uptime.Beat
	for t := from; t.Before(to); t = t.Add(time.Minute) {
		out = append(out, uptime.BeatOf(&report.Heartbeat{Time: t, Interval: time.Minute, State: st}))
	}
	return out
}

// computedReport goes through uptime.Compute: two days of 06:00–22:00, a
// 45-minute gap on the first, a standby hour on the second.
func computedReport(t testing.TB) *Report {
	loc := hcm(t)
	d1 := time.Date(2026, 3, 1, 0, 0, 0, 0, loc)
	d2 := d1.AddDate(0, 0, 1)
	at := func(d time.Time, h, m int) time.Time {
		return d.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	var bs []uptime.Beat
	bs = append(bs, beats(at(d1, 6, 0), at(d1, 10, 0), report.Content)...)
	bs = append(bs, beats(at(d1, 10, 45), at(d2, 12, 0), report.Content)...)
	bs = append(bs, beats(at(d2, 12, 0), at(d2, 13, 0), report.Standby)...)
	bs = append(bs, beats(at(d2, 13, 0), at(d2, 22, 0), report.Content)...)
	plays := uptime.NewPlayCounter(d1, d2.AddDate(0, 0, 1))
	for i := range 30 {
		lang := []string{"vi", "vi", "en", "km"}[i%4]
		plays.Add(&report.Play{Item: "thong-bao-xuat-nhap-canh", Lang: lang, Start: at(d1, 8, i), Dur: 45 * time.Second})
	}
	plays.Add(&report.Play{Item: "outside", Lang: "vi", Start: at(d2, 24, 1), Dur: time.Minute}) // after the period
	sched := report.Schedule{Hours: hoursOf(6*time.Hour, 22*time.Hour), Loc: loc}
	s := uptime.Compute(uptime.Input{Site: "ag-vinhxuong-01", Schedule: sched, Beats: bs, Plays: plays}, d1, d2, at(d2, 23, 0))
	return &Report{
		Title: "Báo cáo", From: d1, To: d2, Generated: at(d2, 23, 0), Loc: loc,
		Sites: []Site{{Site: s, Name: "Cửa khẩu Quốc tế Vĩnh Xương", Hours: "06:00–22:00"}},
	}
}

func TestWriteCSV(t *testing.T) {
	tests := []struct {
		name string
		r    *Report
	}{
		{"hand", handReport(t)},
		{"computed", computedReport(t)},
		{"empty", &Report{Title: "Trống"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out") // WriteCSV makes it
			paths, err := WriteCSV(dir, tc.r)
			if err != nil {
				t.Fatalf("WriteCSV: %v", err)
			}
			var names []string
			for _, p := range paths {
				names = append(names, filepath.Base(p))
			}
			if got, want := strings.Join(names, " "), "sites.csv days.csv months.csv outages.csv plays.csv languages.csv alerts.csv guides.csv"; got != want {
				t.Fatalf("files = %s, want %s", got, want)
			}
			for _, p := range paths {
				got, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				checkCSV(t, p, got)
				golden(t, filepath.Join("testdata", "csv", tc.name, filepath.Base(p)), got)
			}
		})
	}
}

// checkCSV checks a file opens in Excel as UTF-8 and has rectangular rows.
func checkCSV(t *testing.T, name string, b []byte) {
	t.Helper()
	rest, ok := bytes.CutPrefix(b, []byte(bom))
	if !ok {
		t.Errorf("%s: no byte-order mark", name)
	}
	recs, err := csv.NewReader(bytes.NewReader(rest)).ReadAll()
	if err != nil {
		t.Errorf("%s: read back: %v", name, err)
	}
	if len(recs) == 0 {
		t.Errorf("%s: no header", name)
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden; got:\n%s\nwant:\n%s", path, got, want)
	}
}

// TestCSVNumbers spells out the numbers the goldens hold, so a wrong
// golden cannot hide a wrong sum.
func TestCSVNumbers(t *testing.T) {
	dir := t.TempDir()
	if _, err := WriteCSV(dir, handReport(t)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file, want string
	}{
		{"uptime with two decimals", "days.csv", "ag-tinhbien-01,2026-03-01,16.00,15.33,95.83,920"},
		{"nothing scheduled leaves uptime empty", "days.csv", "ag-tinhbien-01,2026-03-02,0.00,0.00,,0"},
		{"half up", "months.csv", "ag-letri-01,2026-03,20.00,10.00,50.00,600"},
		{"outage in minutes, RFC 3339 in the report's zone", "outages.csv", "ag-tinhbien-01,2026-03-01T14:00:00+07:00,2026-03-01T14:10:30+07:00,10.50,standby"},
		{"plays in seconds", "plays.csv", "ag-tinhbien-01,gio-mo-cua,vi,7,210.50"},
		{"languages summed over items, share of plays", "languages.csv", "ag-tinhbien-01,vi,17,810.50,85.00"},
		{"site totals, quoted name", "sites.csv", `ag-letri-01,"Điểm hỗ trợ CNTT xã Lê Trì, ""Tri Tôn""",07:00–17:00,20.00,10.00,50.00,1,600.00,0`},
		{"evicted", "sites.csv", "ag-tinhbien-01,Cửa khẩu Quốc tế Tịnh Biên,06:00–22:00,16.00,15.33,95.83,2,40.50,12"},
		{"guides header", "guides.csv", "\uFEFFsite,guide,lang,opened,finished,left_early,left_idle,narration_plays,median_step"},
		{"guide used, lower median of the furthest steps", "guides.csv", "ag-letri-01,khai-sinh,km,9,4,2,2,15,3"},
		{"guide always finished", "guides.csv", "ag-letri-01,khai-sinh,vi,3,3,0,0,0,6"},
		{"guide never ended: no median", "guides.csv", "ag-letri-01,vneid,km,1,0,0,0,1,"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(strings.Split(string(b), "\n"), tc.want) {
				t.Errorf("%s has no line\n%s\ngot:\n%s", tc.file, tc.want, b)
			}
		})
	}
}

func TestWriteCSVError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := WriteCSV(filepath.Join(file, "sub"), handReport(t))
	if err == nil || !strings.Contains(err.Error(), "file") {
		t.Fatalf("WriteCSV under a file: err = %v, want one naming the path", err)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"decimal comma", fmtDec(95.834, 1), "95,8"},
		{"thousands dot", fmtDec(1234567.25, 2), "1.234.567,25"},
		{"negative", fmtDec(-1234.5, 1), "-1.234,5"},
		{"int", fmtInt(1234), "1.234"},
		{"small int", fmtInt(999), "999"},
		{"seconds", fmtDur(40 * time.Second), "40 giây"},
		{"minutes", fmtDur(12 * time.Minute), "12 phút"},
		{"hours", fmtDur(5*time.Hour + 7*time.Minute), "5 giờ 07 phút"},
		{"days", fmtDur(50 * time.Hour), "2 ngày 2 giờ"},
		{"whole days", fmtDur(48*time.Hour + 20*time.Minute), "2 ngày"},
		{"zero", fmtDur(0), "0"},
		{"green at 95", class(95), "good"},
		{"green when shown as 95,0", class(94.96), "good"},
		{"amber", class(94.94), "fair"},
		{"amber at 80", class(80), "fair"},
		{"red", class(79.9), "poor"},
		{"cause", causeName(uptime.CauseNoHeartbeat), "Mất tín hiệu (no heartbeat)"},
		{"unknown cause as is", causeName("gremlins"), "gremlins"},
		{"first day label", dayLabel(time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), true), "5/3"},
		{"day label", dayLabel(time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), false), "5"},
		{"month label", monthLabel(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), false), "T1/2026"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

var barRE = regexp.MustCompile(`<rect class="bar (good|fair|poor|none)"`)

func writeHTML(t *testing.T, r *Report) string {
	t.Helper()
	var b strings.Builder
	if err := WriteHTML(&b, r); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	return b.String()
}

// sections splits a page into its per-site sections.
func sections(page string) []string {
	parts := strings.Split(page, `<section class="site">`)
	return parts[1:]
}

func TestWriteHTML(t *testing.T) {
	r := realisticReport(t)
	r.Notes = append(r.Notes, `<script>alert("x")</script> & "quotes"`)
	page := writeHTML(t, r)

	for _, want := range []string{
		"Cửa khẩu Quốc tế Tịnh Biên", "Cửa khẩu Quốc tế Vĩnh Xương", "Điểm hỗ trợ CNTT xã Lê Trì",
		"Thời gian hoạt động (Uptime)", "Tổng hợp các điểm (Fleet summary)", "Kỳ báo cáo (Period)",
		"01/03/2026 – 31/03/2026 (31 ngày)", "Lập lúc (Generated)", "01/04/2026 08:00 (UTC&#43;07:00)",
		"Mất tín hiệu (no heartbeat)", "Chờ nội dung (standby)", "Lỗi (error)",
		"Lượt phát theo ngôn ngữ (Plays per language)", "Lượt phát theo nội dung (Plays per item)",
		"Ghi chú khi đọc dữ liệu (Notes)", "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;",
		"Cảnh báo (warning)", "1.234 bản ghi", `"Noto Sans"`, "@media print", "size: A4", "break-before: page",
		"Cảnh báo khẩn cấp trên màn hình (Emergency alerts on screen)", "lu-an-giang",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "http://", "https://", "<link", "<img", "@import", "url(", "[{", "map["} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("page contains %q: not self-contained or not escaped", bad)
		}
	}

	secs := sections(page)
	if len(secs) != len(r.Sites) {
		t.Fatalf("%d site sections, want %d", len(secs), len(r.Sites))
	}
	if strings.Contains(page, "alert:") {
		t.Error("an alert's time on screen is listed as an item")
	}
	// Worst uptime first: Lê Trì, whose uptime is the lowest.
	if !strings.Contains(secs[0], "Lê Trì") {
		t.Errorf("first section is not the worst site:\n%.300s", secs[0])
	}
	summary := page[:strings.Index(page, `<section class="site">`)]
	if a, b := strings.Index(summary, "Lê Trì"), strings.Index(summary, "Vĩnh Xương"); a < 0 || b < 0 || a > b {
		t.Errorf("summary not sorted worst first")
	}
	for i, sec := range secs {
		bars := barRE.FindAllStringSubmatch(sec, -1)
		if len(bars) != 31 {
			t.Errorf("section %d: %d bars, want one per day (31)", i, len(bars))
		}
	}
	if got := len(barRE.FindAllString(secs[0], -1)) - strings.Count(secs[0], `class="bar good"`); got == 0 {
		t.Errorf("outage-heavy site has only green bars")
	}
	if n := strings.Count(secs[1], "Cảnh báo (warning)") + strings.Count(secs[2], "Cảnh báo (warning)"); n != 0 {
		t.Errorf("evicted warning on sites that dropped nothing")
	}
}

func TestWriteHTMLEdges(t *testing.T) {
	loc := hcm(t)
	d := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
	var days, months []uptime.Tally
	for i := range 100 {
		day := d.AddDate(0, 0, i)
		tl := uptime.Tally{Start: day, Scheduled: 10 * time.Hour, Showing: 9 * time.Hour}
		days = append(days, tl)
		if len(months) == 0 || months[len(months)-1].Start.Month() != day.Month() {
			months = append(months, uptime.Tally{Start: day})
		}
		months[len(months)-1].Scheduled += tl.Scheduled
		months[len(months)-1].Showing += tl.Showing
	}
	var outages []uptime.Outage
	for i := range 60 {
		s := d.Add(time.Duration(i) * 24 * time.Hour)
		outages = append(outages, uptime.Outage{Start: s, End: s.Add(time.Duration(i+1) * time.Minute), Cause: uptime.CauseError})
	}
	tests := []struct {
		name      string
		site      Site
		bars      int
		rows      int // outage rows shown
		want, not []string
	}{
		{
			name: "long period charted per month, outages capped",
			site: Site{Site: uptime.Site{Site: "a", Days: days, Months: months, Total: uptime.Tally{Scheduled: time.Hour, Showing: time.Hour}, Outages: outages}, Name: "A"},
			bars: 4, rows: maxOutageRows,
			want: []string{"Monthly uptime", "T1/2026", "… và 10 sự cố khác", "<td>Lỗi (error)</td>", "1 giờ 00 phút"},
			not:  []string{"Daily uptime", "Cảnh báo (warning)"},
		},
		{
			name: "nothing at all",
			site: Site{Site: uptime.Site{Site: "b"}, Name: "B"},
			want: []string{"Không có số liệu (no data)", "Không có sự cố", "Không có lượt phát", "—"},
			not:  []string{"sự cố khác", "<table class=\"outages\""},
		},
		{
			name: "unscheduled days grey",
			site: Site{Site: uptime.Site{Site: "c", Days: []uptime.Tally{{Start: d}, {Start: d.AddDate(0, 0, 1), Scheduled: time.Hour}}}, Name: "C"},
			bars: 2,
			want: []string{`class="bar none"`, `class="bar poor"`, "Không có lịch (nothing scheduled)"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page := writeHTML(t, &Report{Title: "T", From: d, To: d, Loc: loc, Sites: []Site{tc.site}})
			if got := len(barRE.FindAllString(page, -1)); got != tc.bars {
				t.Errorf("%d bars, want %d", got, tc.bars)
			}
			for _, w := range tc.want {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(page, n) {
					t.Errorf("page has %q", n)
				}
			}
			if got := strings.Count(page, `<tr><td class="n">`); got != tc.rows {
				t.Errorf("%d outage rows, want %d", got, tc.rows)
			}
		})
	}
}

// realisticReport is March 2026 at three sites of An Giang: two border
// gates that mostly run and a commune support point with power cuts.
func realisticReport(t testing.TB) *Report {
	loc := hcm(t)
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, loc)
	to := time.Date(2026, 3, 31, 0, 0, 0, 0, loc)
	end := to.AddDate(0, 0, 1)
	now := time.Date(2026, 4, 1, 8, 0, 0, 0, loc)
	h := time.Hour

	type down struct {
		start time.Time
		len   time.Duration
		state report.State // 0: no heartbeat at all
	}
	rng := rand.New(rand.NewPCG(2026, 3))
	day := func(d int, hh, mm int) time.Time { return time.Date(2026, 3, d, hh, mm, 0, 0, loc) }
	specs := []struct {
		id, name, hours string
		sched           *siteconfig.Hours
		langs           []string
		downs           []down
		evicted         uint64
	}{
		{
			id: "ag-tinhbien-01", name: "Cửa khẩu Quốc tế Tịnh Biên", hours: "06:00–22:00", sched: hoursOf(6*h, 22*h),
			langs: []string{"vi", "vi", "en", "km"},
			downs: []down{{day(4, 9, 10), 40 * time.Minute, 0}, {day(12, 13, 0), 3 * h, 0}, {day(20, 7, 30), 25 * time.Minute, report.Standby}},
		},
		{
			id: "ag-vinhxuong-01", name: "Cửa khẩu Quốc tế Vĩnh Xương", hours: "cả ngày (all day)",
			langs: []string{"vi", "en", "km", "vi"},
			downs: []down{{day(17, 2, 0), 90 * time.Minute, report.Standby}},
		},
		{
			id: "ag-letri-01", name: "Điểm hỗ trợ CNTT xã Lê Trì", hours: "07:00–17:00", sched: hoursOf(7*h, 17*h),
			langs: []string{"vi", "vi", "km"}, evicted: 1234,
			downs: func() []down {
				ds := []down{
					{day(10, 0, 0), 3 * 24 * h, 0}, // storm: three days without power
					{day(22, 9, 0), 2 * h, report.Error},
					{day(26, 16, 0), 3 * h, report.OffHours},
				}
				for d := 1; d <= 31; d++ {
					if rng.IntN(2) == 0 { // power cut
						ds = append(ds, down{day(d, 7+rng.IntN(9), rng.IntN(60)), time.Duration(20+rng.IntN(240)) * time.Minute, 0})
					}
					if rng.IntN(4) == 0 {
						ds = append(ds, down{day(d, 7+rng.IntN(9), rng.IntN(60)), time.Duration(10+rng.IntN(80)) * time.Minute, report.Standby})
					}
				}
				return ds
			}(),
		},
	}
	items := []string{"thong-bao-xuat-nhap-canh", "huong-dan-dich-vu-cong", "canh-bao-lua-dao", "gio-lam-viec", "khai-bao-y-te"}
	r := &Report{
		Title: "Báo cáo hoạt động màn hình thông tin công cộng", From: from, To: to, Generated: now, Loc: loc,
		Notes: []string{
			"ag-letri-01: bỏ qua 1 lô dữ liệu hỏng (corrupt batch skipped): reports/ag-letri-01/batches/2026-03-11/a1-1773200000000.krb",
			"ag-cholon-02: không có cấu hình điểm (no site config), không đưa vào báo cáo",
		},
	}
	for _, sp := range specs {
		sched := report.Schedule{Hours: sp.sched, Loc: loc}
		plays := uptime.NewPlayCounter(from, end)
		var bs []uptime.Beat
		n := 0
		for at := from; at.Before(end); at = at.Add(time.Minute) {
			st := report.Content
			if !sched.Scheduled(at) {
				st = report.OffHours
			}
			skip := false
			for _, d := range sp.downs {
				if !at.Before(d.start) && at.Before(d.start.Add(d.len)) {
					if d.state == 0 {
						skip = true
					}
					st = d.state
				}
			}
			if skip {
				continue
			}
			bs = append(bs, uptime.BeatOf(&report.Heartbeat{Time: at, Interval: time.Minute, State: st}))
			if st == report.Content && at.Minute()%2 == 0 {
				plays.Add(&report.Play{Item: items[n%len(items)], Lang: sp.langs[n%len(sp.langs)], Start: at, Dur: time.Duration(20+n%40) * time.Second})
				n++
			}
		}
		// A flood alert on screen for two hours on the 14th.
		plays.Add(&report.Play{Item: report.AlertItem("lu-an-giang"), Lang: "*", Start: from.AddDate(0, 0, 13).Add(9 * time.Hour), Dur: 2 * time.Hour})
		s := uptime.Compute(uptime.Input{Site: sp.id, Schedule: sched, Beats: bs, Plays: plays}, from, to, now)
		r.Sites = append(r.Sites, Site{Site: s, Name: sp.name, Hours: sp.hours, Evicted: sp.evicted})
	}
	return r
}

// chromium finds the browser `make deps` installs.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatalf("chromium not found: run `make deps`, which installs it (Debian package chromium); the HTML report is checked by rendering it")
	return ""
}

// TestScreenshot renders the realistic report in headless Chromium and
// checks the picture: not blank, bars drawn in green and red. With
// -update it keeps the picture as docs/report-screenshot.png.
func TestScreenshot(t *testing.T) {
	b, img := screenshot(t, realisticReport(t), "1240,1754")
	counts := countColours(img)
	t.Logf("screenshot %v: %v", img.Bounds().Size(), counts)
	total := img.Bounds().Dx() * img.Bounds().Dy()
	if counts["white"] > total*98/100 {
		t.Errorf("screenshot is blank: %d of %d pixels white", counts["white"], total)
	}
	if counts["dark"] < total/200 {
		t.Errorf("screenshot has almost no text: %d dark pixels", counts["dark"])
	}
	for _, c := range []string{"green", "red"} {
		if counts[c] < 1500 {
			t.Errorf("screenshot has %d %s pixels, want the %s bars (at least 1500)", counts[c], c, c)
		}
	}
	if *update {
		if err := os.WriteFile(filepath.Join("..", "..", "..", "docs", "report-screenshot.png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// countColours counts pixels near the bar colours, white and dark text.
func countColours(img image.Image) map[string]int {
	near := func(r, g, b, R, G, B int) bool {
		return abs(r-R) <= 24 && abs(g-G) <= 24 && abs(b-B) <= 24
	}
	counts := map[string]int{}
	bnd := img.Bounds()
	for y := bnd.Min.Y; y < bnd.Max.Y; y++ {
		for x := bnd.Min.X; x < bnd.Max.X; x++ {
			r32, g32, b32, _ := img.At(x, y).RGBA()
			r, g, b := int(r32>>8), int(g32>>8), int(b32>>8)
			switch {
			case r > 245 && g > 245 && b > 245:
				counts["white"]++
			case r < 80 && g < 80 && b < 80:
				counts["dark"]++
			case near(r, g, b, 0x2e, 0x7d, 0x32):
				counts["green"]++
			case near(r, g, b, 0xc6, 0x28, 0x28):
				counts["red"]++
			case near(r, g, b, 0xf9, 0xa8, 0x25):
				counts["amber"]++
			}
		}
	}
	return counts
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// screenshot renders r in headless Chromium at size ("W,H") and returns
// the PNG and its image.
func screenshot(t *testing.T, r *Report, size string) ([]byte, image.Image) {
	t.Helper()
	bin := chromium(t)
	dir := t.TempDir()
	htmlPath := filepath.Join(dir, "report.html")
	pngPath := filepath.Join(dir, "report.png")
	f, err := os.Create(htmlPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(f, r); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	profile := filepath.Join(dir, "profile")
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+profile, "--hide-scrollbars", "--window-size="+size,
		"--screenshot="+pngPath, "file://"+htmlPath)
	cmd.Env = append(os.Environ(), "HOME="+dir) // keep Chromium's caches out of the real home
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Fatalf("chromium did not finish in 60 s:\n%s", out)
		}
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	t.Logf("chromium took %v", time.Since(start).Round(time.Millisecond))

	b, err := os.ReadFile(pngPath)
	if err != nil {
		t.Fatalf("no screenshot: %v\nchromium said:\n%s", err, out)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode screenshot: %v", err)
	}
	if dir := os.Getenv("KIOSK_FRAMES_DIR"); dir != "" {
		name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
		path := filepath.Join(dir, name+".png")
		for i := 2; ; i++ { // a test that takes several keeps each
			if _, err := os.Stat(path); err != nil {
				break
			}
			path = filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, i))
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return b, img
}

// guidesReport is one commune support point and one wall, the commune's
// guides used in Khmer, Vietnamese and English.
func guidesReport(t *testing.T) *Report {
	r := handReport(t)
	r.Sites = r.Sites[:2]
	r.Sites[1].Guides = append(r.Sites[1].Guides,
		report.GuideTally{Guide: "cai-dat-vneid", Lang: "en", Opened: 2, Left: 1, Idle: 1, Steps: 5, Narrations: 4, Reached: report.StepCounts{2: 1, 3: 1}})
	return r
}

// TestGuidesHTML checks the guides-used table: rows with the site's
// numbers on the commune's page, none on the wall's, the fleet table only
// when two sites used guides, and no table at all without uses.
func TestGuidesHTML(t *testing.T) {
	page := writeHTML(t, guidesReport(t))
	secs := sections(page)
	var commune, wall string
	for _, sec := range secs {
		if strings.Contains(sec, "ag-letri-01") {
			commune = sec
		} else {
			wall = sec
		}
	}
	for _, want := range []string{
		"<h3>Hướng dẫn đã dùng (Guides used)</h3>",
		`<tr><td class="id">khai-sinh</td><td class="lang">Tiếng Khmer <span class="id">(km)</span></td><td class="n">9</td><td class="n">4</td><td class="n">2</td><td class="n">2</td><td class="n">15</td><td class="n">3</td></tr>`,
		`<tr><td class="id">khai-sinh</td><td class="lang">Tiếng Việt <span class="id">(vi)</span></td><td class="n">3</td><td class="n">3</td><td class="n">0</td><td class="n">0</td><td class="n">0</td><td class="n">6</td></tr>`,
		`<tr><td class="id">vneid</td><td class="lang">Tiếng Khmer <span class="id">(km)</span></td><td class="n">1</td><td class="n">0</td><td class="n">0</td><td class="n">0</td><td class="n">1</td><td class="n">–</td></tr>`,
	} {
		if !strings.Contains(commune, want) {
			t.Errorf("commune section lacks %q", want)
		}
	}
	if strings.Contains(wall, "Hướng dẫn") || wall == "" {
		t.Errorf("wall section has a guides table (or is missing)")
	}
	if strings.Contains(page, "Guides used, all sites") {
		t.Error("fleet guides table with only one site using guides")
	}
	if page := writeHTML(t, computedReport(t)); strings.Contains(page, "Hướng dẫn") || strings.Contains(page, `class="guides"`) {
		t.Error("guides table on a report without uses")
	}

	// A second commune: the fleet table sums them, most opened first; the
	// furthest steps, 1,2,2,3,6,6,6,6 and 6, have the median 6.
	r := guidesReport(t)
	r.Sites = append(r.Sites, Site{Site: uptime.Site{Site: "ag-an-cu-01"}, Name: "Xã An Cư",
		Guides: []report.GuideTally{{Guide: "khai-sinh", Lang: "km", Opened: 2, Finished: 1, Narrations: 2, Reached: report.StepCounts{6: 1}}}})
	page = writeHTML(t, r)
	fleetPart := page[:strings.Index(page, `<section class="site">`)]
	want := `<tr><td class="id">khai-sinh</td><td class="lang">Tiếng Khmer <span class="id">(km)</span></td><td class="n">2</td><td class="n">11</td><td class="n">5</td><td class="n">2</td><td class="n">2</td><td class="n">17</td><td class="n">6</td></tr>`
	if !strings.Contains(fleetPart, "Hướng dẫn đã dùng, mọi điểm (Guides used, all sites)") || !strings.Contains(fleetPart, want) {
		t.Errorf("fleet guides table lacks %q:\n%s", want, fleetPart[strings.Index(fleetPart, "Fleet summary"):])
	}
	if a, b := strings.Index(fleetPart, ">khai-sinh<"), strings.Index(fleetPart, ">cai-dat-vneid<"); a < 0 || b < a {
		t.Error("fleet guides table not most opened first")
	}
}

// TestGuidesScreenshot renders the commune's page with and without its
// guides: the table is drawn, its text taking ink.
func TestGuidesScreenshot(t *testing.T) {
	r := guidesReport(t)
	r.Sites = r.Sites[1:] // the commune alone: its page starts near the top
	_, img := screenshot(t, r, "1240,2400")
	r.Sites[0].Guides = nil
	_, without := screenshot(t, r, "1240,2400")
	with, none := countColours(img), countColours(without)
	t.Logf("screenshot %v: %v; without guides %v", img.Bounds().Size(), with, none)
	// The table's heading, explanation, header and four rows of text.
	if d := with["dark"] - none["dark"]; d < 5000 {
		t.Errorf("the guides table adds %d dark pixels, want its text (at least 5000)", d)
	}
}
