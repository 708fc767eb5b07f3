package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/schedule"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// runSchedule prints what a site plays on a day, hour by hour, in the
// site's zone: the items of the loop with their languages and share of
// it, the off-hours, and the items targeted elsewhere.
func runSchedule(args []string, stdout io.Writer) error {
	fset := flag.NewFlagSet("schedule", flag.ContinueOnError)
	site := fset.String("site", "", "site config (YAML)")
	dayFlag := fset.String("day", "", "the day, YYYY-MM-DD, in the site's zone")
	bundle, err := parseWithBundle(fset, args)
	if err != nil {
		return err
	}
	if bundle == "" || *site == "" || *dayFlag == "" {
		return errors.New("schedule: want BUNDLE, --site CONFIG and --day YYYY-MM-DD")
	}
	cfg, err := siteconfig.Load(*site)
	if err != nil {
		return err
	}
	b, err := content.LoadDir(bundle)
	if err != nil {
		return err
	}
	s, err := schedule.NewSite(cfg)
	if err != nil {
		return err
	}
	day, err := time.ParseInLocation("2006-01-02", *dayFlag, s.Zone)
	if err != nil {
		return fmt.Errorf("schedule: --day %q: want YYYY-MM-DD", *dayFlag)
	}
	q := schedule.NewSequencer(b.Manifest.Slideshow(), s, cfg.Languages, cfg.Playback.ItemDuration)
	writeDay(stdout, b, cfg, s, q, day)
	return nil
}

// writeDay writes the day's plan.
func writeDay(w io.Writer, b *content.Bundle, cfg *siteconfig.Config, s *schedule.Site, q *schedule.Sequencer, day time.Time) {
	hours := "all day"
	if h := s.Hours; h != nil && h.Open != h.Close {
		hours = siteconfig.ClockTime(h.Open).String() + "-" + siteconfig.ClockTime(h.Close).String()
	}
	fmt.Fprintf(w, "site %s (%s), hours %s, languages %s\n", s.ID, s.Zone, hours, strings.Join(cfg.Languages, ", "))
	fmt.Fprintf(w, "bundle %s@%d on %s\n", b.Manifest.ID, b.Manifest.Version, day.Format("Monday 2006-01-02"))
	for _, x := range q.Excluded() {
		fmt.Fprintf(w, "not here: %s: %s\n", x.Item.ID, x.Reason)
	}
	end := day.AddDate(0, 0, 1)
	for h := day; h.Before(end); h = h.Add(time.Hour) {
		hEnd := minTime(h.Add(time.Hour), end)
		type part struct {
			from, until time.Time
			what        string
		}
		var parts []part
		for t := h; t.Before(hEnd); {
			until := hEnd
			what := "off-hours (" + s.OffHours + ")"
			if open := s.Open(t); open {
				shares, _, next := q.Loop(t)
				until = minTime(until, next)
				what = describeLoop(shares)
			}
			if n := s.NextChange(t, nil); !n.IsZero() {
				until = minTime(until, n)
			}
			if k := len(parts); k > 0 && parts[k-1].what == what {
				parts[k-1].until = until
			} else {
				parts = append(parts, part{t, until, what})
			}
			t = until
		}
		if len(parts) == 1 {
			fmt.Fprintf(w, "%s  %s\n", h.Format("15:04"), parts[0].what)
			continue
		}
		for _, p := range parts {
			fmt.Fprintf(w, "%s-%s  %s\n", clock(p.from), clock(p.until), p.what)
		}
	}
}

// describeLoop writes a loop as "welcome (2 languages, 40%), ...".
func describeLoop(shares []schedule.Share) string {
	if len(shares) == 0 {
		return "nothing scheduled (standby)"
	}
	var parts []string
	for _, sh := range shares {
		n := fmt.Sprintf("%d languages", sh.Slides)
		if sh.Slides == 1 {
			n = "1 language"
		}
		if sh.Weight > 1 {
			n += fmt.Sprintf(", %d times", sh.Weight)
		}
		parts = append(parts, fmt.Sprintf("%s (%s, %.0f%%)", sh.Item.ID, n, 100*sh.Fraction))
	}
	return strings.Join(parts, ", ")
}

// clock writes a time of day, with seconds when it has them.
func clock(t time.Time) string {
	if t.Second() != 0 {
		return t.Format("15:04:05")
	}
	return t.Format("15:04")
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
