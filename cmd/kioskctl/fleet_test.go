package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/internal/miniotest"
	"github.com/vnict/kiosk/internal/reportgen"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/render"
	"github.com/vnict/kiosk/kiosk/report/spool"
	"github.com/vnict/kiosk/kiosk/report/upload"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/sync/s3store"
)

const siteYAML = `site: {id: %ID%, name: "%NAME%"}
display: {resolution: 1536x768}
languages: [vi, km]
fonts: [{family: Noto Sans}]
content: {dir: current}
%HOURS%
`

// TestStatusAndReport runs kioskctl status and report against a real
// MinIO holding three sites' reports with known answers.
func TestStatusAndReport(t *testing.T) {
	ctx := context.Background()
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "kiosk")
	t.Setenv("KIOSK_S3_ENDPOINT", srv.Endpoint)
	t.Setenv("KIOSK_S3_ACCESS_KEY", srv.AccessKey)
	t.Setenv("KIOSK_S3_SECRET_KEY", srv.SecretKey)
	st, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Bucket: "kiosk", Prefix: "ag"})
	if err != nil {
		t.Fatal(err)
	}
	hcm, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	day := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, hcm) }

	sitesDir := t.TempDir()
	type site struct {
		id, name, hours string
		down            []report.Span
	}
	sites := []site{
		{"an-giang-tinh-bien", "Cửa khẩu Quốc tế Tịnh Biên", "hours: {open: \"06:00\", close: \"22:00\"}", nil},
		// Down 10:00–12:00 on the 2nd.
		{"an-giang-vinh-xuong", "Cửa khẩu Quốc tế Vĩnh Xương", "hours: {open: \"06:00\", close: \"22:00\"}", []report.Span{{Start: day(2, 10), End: day(2, 12)}}},
		// Open all day; nothing at all on the 3rd.
		{"an-giang-le-tri", "Điểm hỗ trợ CNTT xã Lê Trì", "", []report.Span{{Start: day(3, 0), End: day(4, 0)}}},
	}
	for _, s := range sites {
		y := strings.NewReplacer("%ID%", s.id, "%NAME%", s.name, "%HOURS%", s.hours).Replace(siteYAML)
		path := filepath.Join(sitesDir, s.id, "kiosk.yaml")
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(y), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := siteconfig.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		gen := reportgen.Site{ID: s.id, Spool: "aa11", Schedule: report.ScheduleOf(cfg), Items: []string{"welcome", "customs"},
			Langs: []string{"vi", "km"}, Interval: time.Minute, PlayEvery: 10 * time.Second, Down: s.down,
			Bundle: "border@7", Unplayed: []string{"broken-clip"}}
		if _, err := gen.Upload(ctx, st, day(1, 12), day(3, 12), 4); err != nil {
			t.Fatal(err)
		}
	}
	// A damaged batch is skipped, named, and the rest still counts.
	junk := report.BatchPrefix("an-giang-tinh-bien") + "20260302/ffff-00000000000000000001.krb"
	if err := st.Put(ctx, junk, strings.NewReader("KRB1 truncated"), 14); err != nil {
		t.Fatal(err)
	}
	now := day(3, 21).Add(30 * time.Minute)
	statuses := map[string]report.Status{}
	for id, age := range map[string]time.Duration{"an-giang-tinh-bien": time.Minute, "an-giang-vinh-xuong": 3 * time.Hour} {
		statuses[id] = report.Status{Site: id, Backlog: 3, Heartbeat: report.Heartbeat{Time: now.Add(-age), Interval: time.Minute,
			State: report.Content, Bundle: "border@7", Sync: report.SyncResult{Error: "dial tcp 10.0.0.5:9000: connection refused"}}}
	}
	tb := statuses["an-giang-tinh-bien"]
	tb.Heartbeat.Alert = "lu-an-giang"
	statuses["an-giang-tinh-bien"] = tb
	// Stopped cleanly a minute after its last heartbeat, nothing left
	// to send: stopped, not offline.
	statuses["an-giang-khanh-binh"] = report.Status{Site: "an-giang-khanh-binh", Stopped: now.Add(-9 * time.Minute),
		Heartbeat: report.Heartbeat{Time: now.Add(-10 * time.Minute), Interval: time.Minute, State: report.Content, Bundle: "border@7"}}
	// A hostile site: terminal escapes and bidi overrides in what it
	// says, and in its name (its folder in the store).
	statuses["an-giang-\x1b[2Jx"] = report.Status{Site: "x", Backlog: 1, Heartbeat: report.Heartbeat{Time: now, Interval: time.Minute,
		State: report.Error, Detail: "\x1b]0;owned\afont\rmissing", Bundle: "border\u202e7@", Sync: report.SyncResult{Error: "\u009b31mred"}}}
	// A rollout of player 1.3.0: Tịnh Biên runs it; Ô Lâm has just
	// restarted into it; Vĩnh Xương rolled it back, saying why in words
	// meant to rewrite the terminal and at great length; Khánh Bình
	// refused a build that was not the one signed; the hostile site says
	// its version in escapes.
	setPlayer := func(id, player string, u *report.UpdateOutcome) {
		s := statuses[id]
		s.Heartbeat.Player, s.Heartbeat.Update = player, u
		statuses[id] = s
	}
	// Ô Lâm's PC has no sound device; Tịnh Biên's plays sound.
	statuses["an-giang-o-lam"] = report.Status{Site: "an-giang-o-lam", Heartbeat: report.Heartbeat{Time: now.Add(-30 * time.Second),
		Interval: time.Minute, State: report.Content, Bundle: "border@7", Audio: report.AudioNone}}
	tb.Heartbeat.Audio = report.AudioOK
	statuses["an-giang-tinh-bien"] = tb
	setPlayer("an-giang-tinh-bien", "1.3.0", &report.UpdateOutcome{Time: day(3, 9), Version: "1.3.0", Result: "running"})
	setPlayer("an-giang-o-lam", "1.3.0", &report.UpdateOutcome{Time: now.Add(-time.Minute), Version: "1.3.0", Result: "installed"})
	setPlayer("an-giang-vinh-xuong", "1.2.0", &report.UpdateOutcome{Time: day(3, 9), Version: "1.3.0", Result: "rolled_back",
		Detail: "no content on screen\x1b[2J\r\nafter 3 starts\u202e" + strings.Repeat(" panic: glyph", 500)})
	setPlayer("an-giang-khanh-binh", "1.2.0+3.gabc1234", &report.UpdateOutcome{Time: day(3, 9), Version: "1.3.0", Result: "refused",
		Detail: "kiosk: sha256 differs from the signed build"})
	setPlayer("an-giang-\x1b[2Jx", "1.2.0\x1b[2J"+strings.Repeat("9", 100), nil)
	for id, s := range statuses {
		body, _ := json.Marshal(s)
		if err := st.Put(ctx, report.StatusKey(id), bytes.NewReader(body), int64(len(body))); err != nil {
			t.Fatal(err)
		}
	}

	kioskctl := func(args ...string) (string, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := run(ctx, args, &out, &errOut); err != nil {
			t.Fatalf("kioskctl %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
		}
		return out.String(), errOut.String()
	}
	out, _ := kioskctl("status", "--store", "s3://kiosk/ag", "--now", now.Format(time.RFC3339))
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		lines = append(lines, strings.Join(strings.Fields(l), " "))
	}
	table := strings.Join(lines, "\n")
	for _, want := range []string{
		"an-giang-le-tri - - - - - offline - no heartbeat received yet",
		"an-giang-tinh-bien 2026-03-03 21:29 1m content · alert lu-an-giang border@7 1.3.0 online 3 sync: dial tcp 10.0.0.5:9000: connection refused",
		"an-giang-o-lam 2026-03-03 21:29 0m content border@7 1.3.0 (on trial) online 0 audio: none",
		// The rolled-back build and why, before the sync error.
		"an-giang-vinh-xuong 2026-03-03 18:30 3h content border@7 1.2.0 (1.3.0 rolled back) offline 3 player 1.3.0 rolled back: no content on screen[2J after 3 s…; sync:",
		"an-giang-khanh-binh 2026-03-03 21:21 9m stopped border@7 1.2.0+3.gabc1234 (1.3.0 refused) stopped 0 player 1.3.0 refused: kiosk: sha256",
		"an-giang-[2Jx 2026-03-03 21:30 0m error border7@ 1.2.0[2J99999999999… online 1 ]0;ownedfont missing; sync: 31mred",
		"6 sites: 3 online, 1 stopped, 2 offline",
		// Newest first; what is not a release's version after, none last.
		"PLAYER SITES\n1.3.0 2\n1.2.0+3.gabc1234 1\n1.2.0 1\n1.2.0[2J99999999999… 1\n- 1\n",
		"ROLLED BACK VERSION REASON\nan-giang-vinh-xuong 1.3.0 no content on screen[2J after 3 starts panic: glyph panic: glyph",
		"REFUSED VERSION REASON\nan-giang-khanh-binh 1.3.0 kiosk: sha256 differs from the signed build\n",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsAny(out, "\x1b\r\a\u009b\u202e") || render.Printable(strings.ReplaceAll(out, "\n", "")) != strings.ReplaceAll(out, "\n", "") {
		t.Errorf("status prints control characters from a site: %q", out)
	}
	// The PLAYER column stays narrow whatever versions a site says: the
	// widest here is "1.2.0+3.gabc1234 (1.3.0 refused)" and two spaces.
	if header, _, _ := strings.Cut(out, "\n"); strings.Index(header, "ONLINE")-strings.Index(header, "PLAYER") != 34 {
		t.Errorf("PLAYER column is not 34 characters wide:\n%s", out)
	}
	checkGolden(t, "testdata/status/rollout.golden", out)

	// A staged rollout: the sites not yet at 1.3.0 (or newer).
	out, _ = kioskctl("status", "--store", "s3://kiosk/ag", "--now", now.Format(time.RFC3339), "--version", "1.3.0")
	for _, want := range []string{"an-giang-vinh-xuong", "an-giang-khanh-binh", "an-giang-le-tri", "an-giang-[2Jx", "4 not yet at player 1.3.0\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("status --version 1.3.0 lacks %q:\n%s", want, out)
		}
	}
	for _, site := range []string{"an-giang-tinh-bien", "an-giang-o-lam"} {
		if strings.Contains(out, site+" ") {
			t.Errorf("status --version 1.3.0 lists %s, which runs 1.3.0:\n%s", site, out)
		}
	}
	checkGolden(t, "testdata/status/version.golden", out)
	if out, _ := kioskctl("status", "--store", "s3://kiosk/ag", "--now", now.Format(time.RFC3339), "--version", "1.2.0"); !strings.Contains(out, "2 not yet at player 1.2.0\n") {
		t.Errorf("status --version 1.2.0:\n%s", out)
	}
	if err := run(ctx, []string{"status", "--store", "s3://kiosk/ag", "--version", "v1.3"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "--version") {
		t.Errorf("status --version v1.3: error %v, want one naming --version", err)
	}

	dir := t.TempDir()
	out, errOut := kioskctl("report", "--store", "s3://kiosk/ag", "--from", "2026-03-01", "--to", "2026-03-03",
		"--sites", sitesDir, "--out", dir, "--now", day(10, 0).Format(time.RFC3339))
	if !strings.Contains(out, "report.html") || !strings.Contains(errOut, junk) {
		t.Errorf("report output:\n%s\nstderr:\n%s", out, errOut)
	}
	days, err := os.ReadFile(filepath.Join(dir, "days.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"an-giang-tinh-bien,2026-03-02,16.00,16.00,100.00,1440",
		"an-giang-vinh-xuong,2026-03-02,16.00,14.00,87.50,1320",
		"an-giang-le-tri,2026-03-02,24.00,24.00,100.00,1440",
		"an-giang-le-tri,2026-03-03,24.00,0.00,0.00,0",
	} {
		if !strings.Contains(string(days), want+"\n") {
			t.Errorf("days.csv lacks %q:\n%s", want, days)
		}
	}
	outages, _ := os.ReadFile(filepath.Join(dir, "outages.csv"))
	if !strings.Contains(string(outages), "an-giang-vinh-xuong,2026-03-02T10:00:00+07:00,2026-03-02T12:00:00+07:00,120.00,no_heartbeat") {
		t.Errorf("outages.csv:\n%s", outages)
	}
	// An item of the published bundle that never played is listed.
	plays, _ := os.ReadFile(filepath.Join(dir, "plays.csv"))
	for _, want := range []string{"an-giang-tinh-bien,broken-clip,,0,0.00", "an-giang-le-tri,broken-clip,,0,0.00"} {
		if !strings.Contains(string(plays), want+"\n") {
			t.Errorf("plays.csv lacks %q:\n%s", want, plays)
		}
	}
	html, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	for _, want := range []string{"Cửa khẩu Quốc tế Vĩnh Xương", "06:00–22:00", junk,
		`<tr class="unplayed"><td class="id">broken-clip</td><td class="n">0</td>`} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

// checkGolden compares got with the golden file at path; go test -update
// writes it.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("printed:\n%s\nwant (%s):\n%s", got, path, want)
	}
}

// TestByVersion orders player versions as the rollout summary lists them.
func TestByVersion(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []string
		want []string
	}{
		{"release order", []string{"1.2.0", "1.10.0", "1.2.0+3.gabc1234", "1.9.9"},
			[]string{"1.10.0", "1.9.9", "1.2.0+3.gabc1234", "1.2.0"}},
		{"candidate before its release", []string{"1.3.0~rc1", "1.3.0", "1.2.9"},
			[]string{"1.3.0", "1.3.0~rc1", "1.2.9"}},
		{"not a release's version after, none last", []string{"", "dev", "1.0.0", "v2.0.0", "0.1"},
			[]string{"1.0.0", "0.1", "dev", "v2.0.0", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := byVersion(slices.Clone(tc.in)); !slices.Equal(got, tc.want) {
				t.Errorf("byVersion(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestPlayerCell is the PLAYER column for each update result.
func TestPlayerCell(t *testing.T) {
	at := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, player string
		update       *report.UpdateOutcome
		want         string
	}{
		{"no version", "", nil, "-"},
		{"no update", "1.2.0", nil, "1.2.0"},
		{"installing", "1.2.0", &report.UpdateOutcome{Time: at, Version: "1.3.0", Result: "installed"}, "1.2.0 (1.3.0 installing)"},
		{"on trial", "1.3.0", &report.UpdateOutcome{Time: at, Version: "1.3.0", Result: "installed"}, "1.3.0 (on trial)"},
		{"running", "1.3.0", &report.UpdateOutcome{Time: at, Version: "1.3.0", Result: "running"}, "1.3.0"},
		{"rolled back", "1.2.0", &report.UpdateOutcome{Time: at, Version: "1.3.0", Result: "rolled_back", Detail: "exits at start"}, "1.2.0 (1.3.0 rolled back)"},
		{"refused", "1.2.0", &report.UpdateOutcome{Time: at, Version: "1.3.0", Result: "refused"}, "1.2.0 (1.3.0 refused)"},
		{"failed", "1.2.0", &report.UpdateOutcome{Time: at, Version: "1.3.0", Result: "failed", Detail: "disk full"}, "1.2.0 (1.3.0 failed)"},
		{"unknown result", "1.2.0", &report.UpdateOutcome{Time: at, Version: "1.3.0", Result: "\x1b[2Jodd"}, "1.2.0"},
		{"hostile versions", "dev\x1b[2J\n", &report.UpdateOutcome{Time: at, Version: strings.Repeat("9", 70), Result: "refused"},
			"dev[2J (9999999999999999999… refused)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := playerCell(report.Heartbeat{Player: tc.player, Update: tc.update}); got != tc.want {
				t.Errorf("playerCell = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestGuidesUsedReport runs a commune support point's reporting as
// cmd/kiosk wires it (recorder, spool, uploader) for a morning of its own
// clock: residents use two guides in Khmer and Vietnamese, some of it
// while the store is down. Every use reaches MinIO through the uploader,
// and kioskctl report, reading the store, has the guides-used table with
// the counts the morning makes, on the page and in guides.csv; the wall
// beside it has no rows.
func TestGuidesUsedReport(t *testing.T) {
	ctx := context.Background()
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "kiosk")
	t.Setenv("KIOSK_S3_ENDPOINT", srv.Endpoint)
	t.Setenv("KIOSK_S3_ACCESS_KEY", srv.AccessKey)
	t.Setenv("KIOSK_S3_SECRET_KEY", srv.SecretKey)
	st, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: "kiosk", Prefix: "ag", MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	hcm, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, hcm)
	sitesDir := t.TempDir()
	writeSite := func(id, name, extra string) *siteconfig.Config {
		t.Helper()
		y := strings.NewReplacer("%ID%", id, "%NAME%", name, "%HOURS%", extra).Replace(siteYAML)
		path := filepath.Join(sitesDir, id, "kiosk.yaml")
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(y), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := siteconfig.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	const commune = "an-giang-le-tri"
	cfg := writeSite(commune, "Điểm hỗ trợ CNTT xã Lê Trì", "mode: interactive\nhours: {open: \"08:00\", close: \"11:00\"}")
	wall := writeSite("an-giang-tinh-bien", "Cửa khẩu Quốc tế Tịnh Biên", "hours: {open: \"06:00\", close: \"22:00\"}")
	gen := reportgen.Site{ID: "an-giang-tinh-bien", Spool: "bb22", Schedule: report.ScheduleOf(wall), Items: []string{"welcome"},
		Langs: []string{"vi", "km"}, Interval: time.Minute, PlayEvery: 10 * time.Second, Bundle: "border@7"}
	if _, err := gen.Upload(ctx, st, t0.Add(-2*time.Hour), t0.Add(14*time.Hour), 4); err != nil {
		t.Fatal(err)
	}

	// The site: its clock, spool, recorder and uploader. Small batches,
	// so they are sealed and sent during the morning.
	now := t0
	clock := func() time.Time { return now }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sp, err := spool.Open(filepath.Join(t.TempDir(), "reports.db"), spool.Options{Site: commune, Limit: 64 << 20, MaxBatch: 40,
		Now: clock, Loc: hcm, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	up := &upload.Uploader{Store: st, Spool: sp, Site: commune, Now: clock, Log: log, Timeout: 5 * time.Second}
	rec := report.NewRecorder(report.RecorderOptions{Interval: time.Minute, Schedule: report.ScheduleOf(cfg), Started: t0,
		Health: func() report.Health { return report.Health{Audio: report.AudioOK} }})
	runCtx, stopRun := context.WithCancel(ctx)
	ran := make(chan struct{})
	var recorded int
	go func() {
		defer close(ran)
		rec.Run(runCtx, func(recs []report.Record) {
			if err := sp.Append(recs...); err != nil {
				t.Errorf("append: %v", err)
			}
			for _, r := range recs {
				if r.Use != nil {
					recorded++
				}
			}
		})
	}()

	// What residents do, minute by minute: a session is a language,
	// a guide and what happens in it. Steps the player reports; the
	// endings carry no step, which the recorder fills in.
	type session struct {
		at          time.Duration
		lang, guide string
		script      []string // "s3" step 3, "n3" narration of step 3, or an ending
	}
	sessions := []session{
		{10 * time.Minute, "km", "khai-sinh", []string{"s1", "n1", "n1", "s2", "n2", "s3", "s4", "s5", "s6", report.UseFinished}},
		// While the store is down (09:00–10:00):
		{65 * time.Minute, "km", "khai-sinh", []string{"s1", "s2", "s3", "s2", report.UseLeft}},
		{80 * time.Minute, "km", "khai-sinh", []string{"s1", "n1", report.UseIdle}},
		{130 * time.Minute, "vi", "khai-sinh", []string{"s1", "s2", "s3", "s4", "s5", "s6", report.UseFinished}},
		{150 * time.Minute, "vi", "vneid", []string{"s1", "s2", "n2", report.UseIdle}},
	}
	play := func(s session) {
		at := now
		next := func() time.Time { at = at.Add(7 * time.Second); return at }
		rec.Used(report.Use{Time: next(), Event: report.UseLanguage, Lang: s.lang})
		rec.Used(report.Use{Time: next(), Event: report.UseOpened, Guide: s.guide, Lang: s.lang})
		for _, a := range s.script {
			u := report.Use{Time: next(), Guide: s.guide, Lang: s.lang}
			switch a[0] {
			case 's':
				u.Event, u.Step = report.UseStep, int(a[1]-'0')
			case 'n':
				u.Event, u.Step = report.UseNarration, int(a[1]-'0')
			default:
				u.Event = a
			}
			rec.Used(u)
		}
	}
	rec.Shown(t0, report.Showing{Bundle: "xa-le-tri@2", Item: "welcome", Langs: []string{"km"}})
	end := t0.Add(3 * time.Hour)
	failed := 0
	for ; now.Before(end); now = now.Add(10 * time.Second) {
		switch now.Sub(t0) {
		case time.Hour:
			srv.Stop()
		case 2 * time.Hour:
			srv.Restart(t)
		}
		rec.Frame(now)
		for _, s := range sessions {
			if now.Sub(t0) == s.at {
				play(s)
			}
		}
		if now.Sub(t0)%(5*time.Minute) == 0 {
			if _, err := up.Once(ctx); err != nil {
				failed++
			}
		}
	}
	rec.Stop(end)
	stopRun()
	<-ran
	if failed == 0 {
		t.Fatal("no upload failed while the store was down")
	}
	if err := sp.Seal(); err != nil {
		t.Fatal(err)
	}
	if _, err := up.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if n := sp.Backlog(); n != 0 {
		t.Errorf("backlog %d after the last upload, want 0", n)
	}
	if want := 5*2 + 10 + 5 + 3 + 7 + 4; recorded != want || rec.Dropped() != 0 || rec.Refused() != 0 {
		t.Errorf("%d uses recorded (%d dropped, %d refused), want %d", recorded, rec.Dropped(), rec.Refused(), want)
	}

	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"report", "--store", "s3://kiosk/ag", "--from", "2026-03-02", "--sites", sitesDir, "--out", dir,
		"--now", t0.AddDate(0, 0, 3).Format(time.RFC3339)}, &out, &errOut); err != nil {
		t.Fatalf("kioskctl report: %v\n%s", err, errOut.String())
	}
	if strings.Contains(errOut.String(), "skipped") {
		t.Errorf("report skipped batches:\n%s", errOut.String())
	}
	guides, err := os.ReadFile(filepath.Join(dir, "guides.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// Khai-sinh in Khmer: opened three times, ended each way once, four
	// narrations (step 1 twice, step 2, step 1), furthest steps 6, 3
	// and 1, median 3.
	wantCSV := "\uFEFFsite,guide,lang,opened,finished,left_early,left_idle,narration_plays,median_step\n" +
		"an-giang-le-tri,khai-sinh,km,3,1,1,1,4,3\n" +
		"an-giang-le-tri,khai-sinh,vi,1,1,0,0,0,6\n" +
		"an-giang-le-tri,vneid,vi,1,0,0,1,1,2\n"
	if string(guides) != wantCSV {
		t.Errorf("guides.csv:\n%s\nwant:\n%s", guides, wantCSV)
	}
	days, _ := os.ReadFile(filepath.Join(dir, "days.csv"))
	if !strings.Contains(string(days), "an-giang-le-tri,2026-03-02,3.00,3.00,100.00,180\n") {
		t.Errorf("days.csv: the commune's heartbeats did not all arrive:\n%s", days)
	}
	html, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	page := string(html)
	var communeSec, wallSec string
	for _, sec := range strings.Split(page, `<section class="site">`)[1:] {
		switch {
		case strings.Contains(sec, "("+commune+")"):
			communeSec = sec
		case strings.Contains(sec, "(an-giang-tinh-bien)"):
			wallSec = sec
		}
	}
	for _, want := range []string{
		"<h3>Hướng dẫn đã dùng (Guides used)</h3>",
		`<tr><td class="id">khai-sinh</td><td class="lang">Tiếng Khmer <span class="id">(km)</span></td><td class="n">3</td><td class="n">1</td><td class="n">1</td><td class="n">1</td><td class="n">4</td><td class="n">3</td></tr>`,
		`<tr><td class="id">khai-sinh</td><td class="lang">Tiếng Việt <span class="id">(vi)</span></td><td class="n">1</td><td class="n">1</td><td class="n">0</td><td class="n">0</td><td class="n">0</td><td class="n">6</td></tr>`,
		`<tr><td class="id">vneid</td><td class="lang">Tiếng Việt <span class="id">(vi)</span></td><td class="n">1</td><td class="n">0</td><td class="n">0</td><td class="n">1</td><td class="n">1</td><td class="n">2</td></tr>`,
	} {
		if !strings.Contains(communeSec, want) {
			t.Errorf("the commune's section lacks %q", want)
		}
	}
	if wallSec == "" || strings.Contains(wallSec, "Hướng dẫn") {
		t.Error("the wall's section is missing or has a guides table")
	}
	if strings.Contains(page, "Guides used, all sites") {
		t.Error("a fleet guides table with one site using guides")
	}
}
