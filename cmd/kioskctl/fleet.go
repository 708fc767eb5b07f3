package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vnict/kiosk/cmd/kioskctl/internal/fleetview"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/fleet"
	"github.com/vnict/kiosk/kiosk/report/render"
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
		// Every cell but the clock and the counts came from the site:
		// the row is printable, so it cannot rewrite the terminal.
		row := fleetview.MakeRow(r, t, loc)
		if row.NoStatus {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\toffline\t-\t%s\n", row.Site, row.Problems)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", row.Site, row.Seen, row.Ago, row.State,
			row.Bundle, row.Player, row.Online, row.Backlog, row.Problems)
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

// oneLine makes text from a site fit one line of output (fleetview.OneLine).
func oneLine(s string) string { return fleetview.OneLine(s) }

// playerCell is the PLAYER column (fleetview.PlayerCell).
func playerCell(hb report.Heartbeat) string { return fleetview.PlayerCell(hb) }

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
		fmt.Fprintf(tw, "%s\t%d\n", fleetview.OrDash(fleetview.Clip(oneLine(v), fleetview.VersionWidth)), count[v])
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
			fmt.Fprintf(tw, "%s\t%s\t%s\n", render.Printable(r.Site), fleetview.OrDash(fleetview.Clip(oneLine(u.Version), fleetview.VersionWidth)), fleetview.OrDash(oneLine(u.Detail)))
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
	configs, notes, err := fleetview.LoadConfigs(*sitesDir)
	if err != nil {
		return err
	}
	r, err := fleetview.BuildReport(ctx, st, fleetview.ReportRequest{From: from, To: to, Now: t, Configs: configs, ConfigNotes: notes, Only: only}, stderr)
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
