// Package fleetview turns what sites report into what the department reads:
// the cells of the fleet table (kioskctl status and the studio's fleet page
// show the same words) and the uptime report of a period (kioskctl report
// and the studio's report download). The reading is package fleet's; the
// pages and files are package render's.
package fleetview

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/fleet"
	"github.com/vnict/kiosk/kiosk/report/render"
	"github.com/vnict/kiosk/kiosk/report/uptime"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// Row is one site's line of the fleet table, every cell printable and on
// one line (text from a site cannot rewrite a terminal or a page's layout).
type Row struct {
	Site     string // printable site ID
	Seen     string // last heartbeat, local time, or "-"
	Ago      string // how long ago, or "-"
	State    string
	Bundle   string // "id@version" the site plays, or "-"
	Player   string
	Online   string // "online", "stopped" or "offline"
	Backlog  int
	Problems string // the last errors, or "-"
	// NoStatus is set when the site's status could not be read; Problems
	// then says why.
	NoStatus bool
}

// MakeRow makes the table row of r at now, times in loc.
func MakeRow(r fleet.SiteStatus, now time.Time, loc *time.Location) Row {
	row := Row{Site: render.Printable(r.Site), Seen: "-", Ago: "-", State: "-", Bundle: "-", Player: "-", Online: "offline", Problems: "-"}
	if r.Err != nil {
		msg := r.Err.Error()
		if errors.Is(r.Err, fs.ErrNotExist) {
			msg = "no heartbeat received yet"
		}
		row.Problems, row.NoStatus = OneLine(msg), true
		return row
	}
	hb := r.Status.Heartbeat
	seen, state := hb.Time, hb.State.String()
	switch {
	case r.Online:
		row.Online = "online"
	case r.Stopped:
		// Stopped cleanly: seen when it said so, and not lost.
		seen, state, row.Online = r.Status.Stopped, "stopped", "stopped"
	}
	if hb.Alert != "" && !r.Stopped {
		state += " · alert " + hb.Alert
	}
	if !seen.IsZero() {
		row.Seen, row.Ago = seen.In(loc).Format("2006-01-02 15:04"), Ago(now.Sub(seen))
	}
	row.State = OneLine(state)
	row.Bundle = OrDash(OneLine(hb.Bundle))
	row.Player = PlayerCell(hb)
	row.Backlog = r.Status.Backlog
	row.Problems = OrDash(LastError(hb))
	return row
}

// LastError says what went wrong at the site lately, from its heartbeat.
func LastError(hb report.Heartbeat) string {
	var parts []string
	if hb.State == report.Error && hb.Detail != "" {
		parts = append(parts, hb.Detail)
	}
	if u := hb.Update; u != nil && (u.Result == report.UpdateRolledBack || u.Result == report.UpdateRefused || u.Result == report.UpdateFailed) {
		// Clipped on its own, so a long reason leaves room for the rest.
		parts = append(parts, Clip(OneLine(fmt.Sprintf("player %s %s: %s", Clip(u.Version, VersionWidth), UpdateWords(u.Result), OrDash(u.Detail))), 60))
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
	return OneLine(strings.Join(parts, "; "))
}

// OneLine makes text from a site fit one cell of the table: printable
// (render.Printable), one line, at most 80 characters.
func OneLine(s string) string {
	return Clip(render.Printable(strings.Join(strings.Fields(s), " ")), 80)
}

// Clip cuts s to at most n characters, marking the cut with an ellipsis.
func Clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

// UpdateWords says a notable update result in the table's words; "" for
// one that is not (running, or a result this tool does not know).
func UpdateWords(result string) string {
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

// VersionWidth keeps the PLAYER column narrow: a signed version has at
// most 64 characters, and a site may say anything.
const VersionWidth = 20

// PlayerCell is the PLAYER column: the running version and, when the
// last update did not simply finish, what became of it: "1.2.0 (1.3.0
// rolled back)", "1.2.0 (1.3.0 installing)", "1.3.0 (on trial)".
func PlayerCell(hb report.Heartbeat) string {
	cell := OrDash(Clip(OneLine(hb.Player), VersionWidth))
	u := hb.Update
	if u == nil {
		return cell
	}
	switch {
	case u.Result == report.UpdateInstalled && u.Version == hb.Player:
		// Restarted into it; it has not shown content yet.
		return cell + " (on trial)"
	case UpdateWords(u.Result) != "":
		return cell + " (" + Clip(OneLine(u.Version), VersionWidth) + " " + UpdateWords(u.Result) + ")"
	}
	return cell
}

// OrDash is s, or "-" for nothing.
func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Ago says a duration as the table does: "5m", "3h", "4d".
func Ago(d time.Duration) string {
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

// ReportRequest says which report to build.
type ReportRequest struct {
	From, To, Now time.Time // From and To are calendar days
	// Configs are the site configs by site ID (LoadConfigs), for
	// operating hours and names; ConfigNotes what LoadConfigs noted.
	Configs     map[string]*siteconfig.Config
	ConfigNotes []string
	// Only, when set, limits the report to these sites.
	Only []string
}

// BuildReport loads and adds up every site's reports. Problems that do
// not stop the report (a damaged batch, a site without config) are written
// to notes, one a line, and listed in the report.
func BuildReport(ctx context.Context, st fleet.Store, req ReportRequest, notesOut io.Writer) (*render.Report, error) {
	configs, notes := req.Configs, slices.Clone(req.ConfigNotes)
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
		fmt.Fprintln(notesOut, "kioskctl report:", s)
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

// LoadConfigs reads every *.yaml under dir that is a site config, by site
// ID. Files that are not valid site configs are noted and skipped.
func LoadConfigs(dir string) (map[string]*siteconfig.Config, []string, error) {
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
