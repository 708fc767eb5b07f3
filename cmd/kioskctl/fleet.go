package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/fleet"
	"github.com/vnict/kiosk/kiosk/report/render"
	"github.com/vnict/kiosk/kiosk/report/uptime"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/sync/playerbuild"
)

// openFleet opens the store for the report commands, which read with
// S3 listings.
func (s *storeFlags) openFleet() (fleet.Store, error) {
	st, err := s.open()
	if err != nil {
		return nil, err
	}
	fst, ok := st.(fleet.Store)
	if !ok {
		return nil, fmt.Errorf("store %s: reports are read from the S3 store (s3://BUCKET/PREFIX)", s.store)
	}
	return fst, nil
}

// nowFlag lets tests and benchmarks fix the clock.
func nowFlag(fs *flag.FlagSet) func() (time.Time, error) {
	v := fs.String("now", "", "take this RFC 3339 time as now (for reproducible reports)")
	return func() (time.Time, error) {
		if *v == "" {
			return time.Now(), nil
		}
		t, err := time.Parse(time.RFC3339, *v)
		if err != nil {
			return t, fmt.Errorf("--now: %w", err)
		}
		return t, nil
	}
}

func runStatus(ctx context.Context, args []string, stdout io.Writer) error {
	fset, sf := newStoreFlags("status")
	offline := fset.Bool("offline", false, "list only the sites that are not online: offline, stopped or unreadable")
	rootPath := fset.String("root", "", "the department's trusted root.json: also say when the publication's signatures expire")
	screens := fset.String("screens", "", "also save each site's latest screenshot in this folder, as SITE.jpg")
	target := fset.String("version", "", "list only the sites whose player is not yet at this version or newer (a staged rollout)")
	now := nowFlag(fset)
	if _, err := parse(fset, args); err != nil {
		return err
	}
	if *target != "" {
		if err := playerbuild.CheckVersion(*target); err != nil {
			return fmt.Errorf("--version: %w", err)
		}
	}
	t, err := now()
	if err != nil {
		return err
	}
	st, err := sf.openFleet()
	if err != nil {
		return err
	}
	if *rootPath != "" {
		store, root, err := sf.openWithRoot(*rootPath)
		if err != nil {
			return err
		}
		if err := printExpiries(ctx, stdout, store, root, t); err != nil {
			return err
		}
	}
	rows, err := fleet.Statuses(ctx, st, t)
	if err != nil {
		return err
	}
	loc, _ := time.LoadLocation(siteconfig.DefaultTimeZone)
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "SITE\tLAST SEEN\tAGO\tSTATE\tBUNDLE\tPLAYER\tONLINE\tBACKLOG\tLAST ERROR")
	up, stopped, behind := 0, 0, 0
	for _, r := range rows {
		// Everything below but the clock and the counts came from the
		// site: Printable keeps it from rewriting the terminal.
		site := render.Printable(r.Site)
		switch {
		case r.Online:
			up++
		case r.Stopped:
			stopped++
		}
		if *target != "" {
			if atLeast(r.Status.Heartbeat.Player, *target) {
				continue
			}
			behind++
		}
		if *offline && r.Online {
			continue
		}
		if r.Err != nil {
			msg := r.Err.Error()
			if errors.Is(r.Err, fs.ErrNotExist) {
				msg = "no heartbeat received yet"
			}
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\toffline\t-\t%s\n", site, oneLine(msg))
			continue
		}
		hb := r.Status.Heartbeat
		seen, state, online := hb.Time, hb.State.String(), "offline"
		switch {
		case r.Online:
			online = "online"
		case r.Stopped:
			// Stopped cleanly: seen when it said so, and not lost.
			seen, state, online = r.Status.Stopped, "stopped", "stopped"
		}
		if hb.Alert != "" && !r.Stopped {
			state += " · alert " + hb.Alert
		}
		when, since := "-", "-"
		if !seen.IsZero() {
			when, since = seen.In(loc).Format("2006-01-02 15:04"), ago(t.Sub(seen))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", site, when, since, oneLine(state),
			orDash(oneLine(hb.Bundle)), playerCell(hb), online, r.Status.Backlog, orDash(lastError(hb)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d sites: %d online, %d stopped, %d offline\n", len(rows), up, stopped, len(rows)-up-stopped)
	if *target != "" {
		fmt.Fprintf(stdout, "%d not yet at player %s\n", behind, *target)
	}
	if err := printRollout(stdout, rows); err != nil {
		return err
	}
	if *screens != "" {
		sites := make([]string, len(rows))
		for i, r := range rows {
			sites[i] = r.Site
		}
		return saveScreens(ctx, st, sites, *screens, stdout)
	}
	return nil
}

func lastError(hb report.Heartbeat) string {
	var parts []string
	if hb.State == report.Error && hb.Detail != "" {
		parts = append(parts, hb.Detail)
	}
	if u := hb.Update; u != nil && (u.Result == report.UpdateRolledBack || u.Result == report.UpdateRefused || u.Result == report.UpdateFailed) {
		// Clipped on its own, so a long reason leaves room for the rest.
		parts = append(parts, clip(oneLine(fmt.Sprintf("player %s %s: %s", clip(u.Version, versionWidth), updateWords(u.Result), orDash(u.Detail))), 60))
	}
	if hb.Sync.Error != "" {
		parts = append(parts, "sync: "+hb.Sync.Error)
	}
	if hb.Evicted > 0 {
		parts = append(parts, fmt.Sprintf("%d records lost (spool full)", hb.Evicted))
	}
	if c := hb.ClockProblem(); c != "" {
		parts = append(parts, c)
	}
	if hb.Audio == report.AudioNone {
		// An interactive site without a sound device: its guides'
		// narration is silent.
		parts = append(parts, "audio: none")
	}
	return oneLine(strings.Join(parts, "; "))
}

// oneLine makes text from a site fit one cell of the table: printable
// (render.Printable), one line, at most 80 characters.
func oneLine(s string) string {
	return clip(render.Printable(strings.Join(strings.Fields(s), " ")), 80)
}

// clip cuts s to at most n characters, marking the cut with an ellipsis.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

// updateWords says a notable update result in the table's words; "" for
// one that is not (running, or a result this tool does not know).
func updateWords(result string) string {
	switch result {
	case report.UpdateInstalled:
		return "installing"
	case report.UpdateRolledBack:
		return "rolled back"
	case report.UpdateRefused:
		return "refused"
	case report.UpdateFailed:
		return "failed"
	}
	return ""
}

// versionWidth keeps the PLAYER column narrow: a signed version has at
// most 64 characters, and a site may say anything.
const versionWidth = 20

// playerCell is the PLAYER column: the running version and, when the
// last update did not simply finish, what became of it: "1.2.0 (1.3.0
// rolled back)", "1.2.0 (1.3.0 installing)", "1.3.0 (on trial)".
func playerCell(hb report.Heartbeat) string {
	cell := orDash(clip(oneLine(hb.Player), versionWidth))
	u := hb.Update
	if u == nil {
		return cell
	}
	switch {
	case u.Result == report.UpdateInstalled && u.Version == hb.Player:
		// Restarted into it; it has not shown content yet.
		return cell + " (on trial)"
	case updateWords(u.Result) != "":
		return cell + " (" + clip(oneLine(u.Version), versionWidth) + " " + updateWords(u.Result) + ")"
	}
	return cell
}

// atLeast reports whether a site running player version have is at
// version want or newer; a version that is not a release's (empty,
// "dev", anything a site made up) is not.
func atLeast(have, want string) bool {
	return playerbuild.CheckVersion(have) == nil && playerbuild.Compare(have, want) >= 0
}

// printRollout prints, after the table, how many sites run each player
// version, newest first, and the sites whose last update was rolled back
// or refused, with the reason. It prints nothing while no site reports a
// version.
func printRollout(w io.Writer, rows []fleet.SiteStatus) error {
	count := map[string]int{}
	var rolledBack, refused []fleet.SiteStatus
	reported := false
	for _, r := range rows {
		hb := r.Status.Heartbeat
		count[hb.Player]++
		reported = reported || hb.Player != ""
		if u := hb.Update; u != nil {
			switch u.Result {
			case report.UpdateRolledBack:
				rolledBack = append(rolledBack, r)
			case report.UpdateRefused:
				refused = append(refused, r)
			}
		}
	}
	if !reported {
		return nil
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "\nPLAYER\tSITES")
	for _, v := range byVersion(slices.Collect(maps.Keys(count))) {
		fmt.Fprintf(tw, "%s\t%d\n", orDash(clip(oneLine(v), versionWidth)), count[v])
	}
	for _, l := range []struct {
		title string
		rows  []fleet.SiteStatus
	}{{"ROLLED BACK", rolledBack}, {"REFUSED", refused}} {
		if len(l.rows) == 0 {
			continue
		}
		fmt.Fprintf(tw, "\n%s\tVERSION\tREASON\n", l.title)
		for _, r := range l.rows {
			u := r.Status.Heartbeat.Update
			fmt.Fprintf(tw, "%s\t%s\t%s\n", render.Printable(r.Site), orDash(clip(oneLine(u.Version), versionWidth)), orDash(oneLine(u.Detail)))
		}
	}
	return tw.Flush()
}

// byVersion sorts player versions newest first by Debian version order
// (playerbuild.Compare); versions that are not a release's ("dev", or
// whatever a site says) come after, by text, and no version at all last.
func byVersion(vs []string) []string {
	slices.SortFunc(vs, func(a, b string) int {
		okA, okB := playerbuild.CheckVersion(a) == nil, playerbuild.CheckVersion(b) == nil
		switch {
		case okA && okB:
			if c := playerbuild.Compare(b, a); c != 0 {
				return c
			}
		case okA != okB:
			if okA {
				return -1
			}
			return 1
		case (a == "") != (b == ""):
			if a == "" {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	return vs
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func ago(d time.Duration) string {
	switch {
	case d < 0:
		return "now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, sf := newStoreFlags("report")
	fromS := fs.String("from", "", "first day, YYYY-MM-DD (required)")
	toS := fs.String("to", "", "last day, YYYY-MM-DD (default: --from)")
	sitesDir := fs.String("sites", "", "folder of the site configs (kioskctl provision writes them), for operating hours and names")
	out := fs.String("out", "report", "folder for report.html and the CSV files")
	var only multiFlag
	fs.Var(&only, "site", "report on this site only (repeatable)")
	now := nowFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	t, err := now()
	if err != nil {
		return err
	}
	from, err := time.Parse(time.DateOnly, *fromS)
	if err != nil {
		return fmt.Errorf("--from: want YYYY-MM-DD: %w", err)
	}
	to := from
	if *toS != "" {
		if to, err = time.Parse(time.DateOnly, *toS); err != nil {
			return fmt.Errorf("--to: want YYYY-MM-DD: %w", err)
		}
	}
	if to.Before(from) {
		return errors.New("--to is before --from")
	}
	st, err := sf.openFleet()
	if err != nil {
		return err
	}
	r, err := buildReport(ctx, st, reportRequest{From: from, To: to, Now: t, SitesDir: *sitesDir, Only: only}, stderr)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	files, err := render.WriteCSV(*out, r)
	if err != nil {
		return err
	}
	html := filepath.Join(*out, "report.html")
	f, err := os.Create(html)
	if err != nil {
		return err
	}
	if err := render.WriteHTML(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, p := range append(files, html) {
		fmt.Fprintln(stdout, p)
	}
	return nil
}

type reportRequest struct {
	From, To, Now time.Time // From and To are calendar days
	SitesDir      string
	Only          []string
}

// buildReport loads and adds up every site's reports. Problems that do
// not stop the report (a damaged batch, a site without config) are written
// to stderr and listed in the report.
func buildReport(ctx context.Context, st fleet.Store, req reportRequest, stderr io.Writer) (*render.Report, error) {
	configs, notes, err := loadConfigs(req.SitesDir)
	if err != nil {
		return nil, err
	}
	sites, err := fleet.Sites(ctx, st)
	if err != nil {
		return nil, err
	}
	for id := range configs {
		if !slices.Contains(sites, id) {
			sites = append(sites, id) // provisioned, never reported: all outage
		}
	}
	if len(req.Only) > 0 {
		sites = slices.DeleteFunc(sites, func(s string) bool { return !slices.Contains(req.Only, s) })
	}
	slices.Sort(sites)
	defaultLoc, _ := time.LoadLocation(siteconfig.DefaultTimeZone)
	r := &render.Report{
		Title: "Báo cáo hoạt động màn hình thông tin công cộng", Generated: req.Now, Loc: defaultLoc,
		From: time.Date(req.From.Year(), req.From.Month(), req.From.Day(), 0, 0, 0, 0, defaultLoc),
		To:   time.Date(req.To.Year(), req.To.Month(), req.To.Day(), 0, 0, 0, 0, defaultLoc),
	}
	r.Sites = make([]render.Site, len(sites))
	var mu sync.Mutex
	note := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		s = render.Printable(s) // names keys and errors from sites
		notes = append(notes, s)
		fmt.Fprintln(stderr, "kioskctl report:", s)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, id := range sites {
		g.Go(func() error {
			cfg := configs[id]
			sched := report.Schedule{Loc: defaultLoc}
			name, hours := id, "cả ngày (all day)"
			if cfg == nil {
				note(fmt.Sprintf("site %s: no site config in --sites; counted as open all day", id))
			} else {
				sched = report.ScheduleOf(cfg)
				name = cfg.Site.Name
				if h := cfg.Hours; h != nil && h.Open != h.Close {
					hours = h.Open.String() + "–" + h.Close.String()
				}
			}
			from := time.Date(req.From.Year(), req.From.Month(), req.From.Day(), 12, 0, 0, 0, sched.Loc)
			to := time.Date(req.To.Year(), req.To.Month(), req.To.Day(), 12, 0, 0, 0, sched.Loc)
			d, err := fleet.Load(gctx, st, id, sched, from, to, req.Now, func(key string, err error) {
				note(fmt.Sprintf("skipped %s: %v", key, err))
			})
			if err != nil {
				return err
			}
			if d.Unreadable > 0 {
				note(fmt.Sprintf("site %s: %d records were unreadable on the site's disk and never sent", id, d.Unreadable))
			}
			site := uptime.Compute(uptime.Input{Site: id, Schedule: sched, Beats: d.Beats, Plays: d.Plays, Since: d.Since}, from, to, req.Now)
			r.Sites[i] = render.Site{Site: site, Name: name, Hours: hours, Evicted: d.Evicted, Guides: d.GuideTallies()}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if today := req.Now.In(defaultLoc); !r.To.Before(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, defaultLoc)) {
		notes = append(notes, "today is incomplete: sites send each day's heartbeats and plays just after their midnight (the fleet table, kioskctl status, is live)")
	}
	slices.Sort(notes)
	r.Notes = notes
	return r, nil
}

// loadConfigs reads every *.yaml under dir that is a site config, by site
// ID. Files that are not valid site configs are noted and skipped.
func loadConfigs(dir string) (map[string]*siteconfig.Config, []string, error) {
	out := map[string]*siteconfig.Config{}
	if dir == "" {
		return out, nil, nil
	}
	var notes []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".yaml") && !strings.HasSuffix(path, ".yml") {
			return nil
		}
		cfg, err := siteconfig.Load(path)
		if err != nil {
			notes = append(notes, fmt.Sprintf("site config skipped: %v", err))
			return nil
		}
		if prev, dup := out[cfg.Site.ID]; dup {
			notes = append(notes, fmt.Sprintf("site %s: configs %s and %s; using the first", cfg.Site.ID, prev.Path, path))
			return nil
		}
		out[cfg.Site.ID] = cfg
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("--sites: %w", err)
	}
	return out, notes, nil
}
