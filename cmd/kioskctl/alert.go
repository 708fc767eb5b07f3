package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/alert"
	"github.com/vnict/kiosk/content/alert/cap"
	"github.com/vnict/kiosk/sync/trust"
)

const alertUsage = `usage:
  kioskctl alert --key K [--key K2] --id ID --severity S --headline LANG=TEXT... [--body LANG=TEXT]
        [--instruction LANG=TEXT] [--start TIME] (--expires TIME | --for DURATION)
        (--tags T,... | --sites ID,... | --all-sites)
  kioskctl alert --key K --cap FILE --areas AREAS.yaml [--exercise]
  kioskctl alert --key K --cancel ID

Signs an emergency alert with the keys of the repository's alerts role and
publishes it: every targeted site shows it at once (full screen when extreme
or severe, a banner otherwise) from its start until it expires or is
cancelled. With --cap the alert comes from a CAP 1.2 message: an Alert or
Update publishes the alert, a Cancel cancels it.

The serial is one above the serial stored for the ID, or 1 for a new ID;
--serial sets it. TIME is 2026-12-01T14:00+07:00, or without the offset in
--zone. --dry-run prints the alert without signing or publishing it.

`

// alertFlags are the flags of kioskctl alert.
type alertFlags struct {
	store                     *storeFlags
	root                      *string
	keys                      multiFlag
	id, severity, sender      string
	headlines, bodies, instrs multiFlag
	start, expires, zone      string
	duration                  time.Duration
	tags, sites               string
	allSites                  bool
	capFile, areas            string
	exercise                  bool
	cancel                    string
	serial                    int64
	dryRun                    bool
}

func newAlertFlags() (*flag.FlagSet, *alertFlags) {
	fset, sf := newStoreFlags("alert")
	f := &alertFlags{store: sf, root: rootFlag(fset)}
	fset.Var(&f.keys, "key", "a private key of the alerts role (repeat to meet its threshold)")
	fset.StringVar(&f.id, "id", "", "the alert ID: 1-64 of a-z, 0-9, '.', '_', '-' (an update reuses it)")
	fset.StringVar(&f.severity, "severity", "", "extreme or severe (full screen), moderate, minor or unknown (a banner)")
	fset.StringVar(&f.sender, "sender", "", "who issues the alert, as the screen may show it")
	fset.Var(&f.headlines, "headline", "LANG=TEXT: the headline in one language (repeat per language)")
	fset.Var(&f.bodies, "body", "LANG=TEXT: the body in one language (repeat)")
	fset.Var(&f.instrs, "instruction", "LANG=TEXT: what to do, in one language (repeat)")
	fset.StringVar(&f.start, "start", "", "when the alert goes on screen (default now)")
	fset.StringVar(&f.expires, "expires", "", "when it leaves the screen")
	fset.DurationVar(&f.duration, "for", 0, "how long it stays on screen from its start, such as 3h (instead of --expires)")
	fset.StringVar(&f.zone, "zone", "Asia/Ho_Chi_Minh", "time zone of a TIME given without an offset, and of the times printed")
	fset.StringVar(&f.tags, "tags", "", "comma-separated site tags the alert is for (province:an-giang,gate:tinh-bien)")
	fset.StringVar(&f.sites, "sites", "", "comma-separated site IDs the alert is for")
	fset.BoolVar(&f.allSites, "all-sites", false, "the alert is for every site")
	fset.StringVar(&f.capFile, "cap", "", "take the alert from this CAP 1.2 file")
	fset.StringVar(&f.areas, "areas", "", "with --cap: the YAML file mapping CAP areas to site tags")
	fset.BoolVar(&f.exercise, "exercise", false, "with --cap: accept a message of status Exercise or Test")
	fset.StringVar(&f.cancel, "cancel", "", "cancel the alert with this ID on every site")
	fset.Int64Var(&f.serial, "serial", 0, "the serial to sign (default one above the stored one, or 1)")
	fset.BoolVar(&f.dryRun, "dry-run", false, "print the alert; sign and publish nothing")
	fset.Usage = func() { fmt.Fprint(fset.Output(), alertUsage); fset.PrintDefaults() }
	return fset, f
}

// flagModeFlags describe an alert given on the command line; they do not
// go with --cap or --cancel.
var flagModeFlags = []string{"id", "severity", "sender", "headline", "body", "instruction", "start", "expires", "for", "tags", "sites", "all-sites"}

func runAlert(ctx context.Context, args []string, stdout, stderr io.Writer, keys keyLoader) error {
	fset, f := newAlertFlags()
	fset.SetOutput(stderr)
	pos, err := parse(fset, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("alert: unexpected argument %q", pos[0])
	}
	set := map[string]bool{}
	fset.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if f.capFile != "" && f.cancel != "" {
		return errors.New("alert: give --cap or --cancel, not both")
	}
	if f.capFile != "" || f.cancel != "" {
		for _, n := range flagModeFlags {
			if set[n] {
				return fmt.Errorf("alert: --%s does not go with --cap or --cancel, which say the whole alert", n)
			}
		}
	}
	if f.capFile == "" && (f.areas != "" || f.exercise) {
		return errors.New("alert: --areas and --exercise go with --cap")
	}
	if len(f.keys) == 0 && !f.dryRun {
		return errors.New("alert: give --key, a private key of the alerts role")
	}
	now := time.Now()

	var a alert.Alert
	var notes []string
	switch {
	case f.capFile != "":
		if a, notes, err = f.fromCAP(now); err != nil {
			return err
		}
	case f.cancel != "":
		a = alert.Alert{ID: f.cancel, Cancel: true, Sent: now}
	default:
		if a, err = f.fromFlags(now); err != nil {
			return err
		}
	}

	store, root, err := f.store.openWithRoot(*f.root)
	if err != nil {
		return err
	}
	stored, err := trust.StoredAlert(ctx, store, root, a.ID)
	haveStored := err == nil
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if a.Cancel {
			return fmt.Errorf("alert: no alert %s in the store to cancel", a.ID)
		}
	case err != nil:
		if f.serial == 0 {
			return fmt.Errorf("alert: the stored alert %s does not verify, so its serial is unknown; give --serial above the last one published: %w", a.ID, err)
		}
	case stored.Cancel:
		return fmt.Errorf("alert: alert %s was cancelled (serial %d); publish a new alert under another ID", a.ID, stored.Serial)
	case a.Cancel:
		if stored.ExpiredAt(now) {
			return fmt.Errorf("alert: alert %s expired at %s; sites have already taken it off", a.ID, stored.Expires.Format(time.RFC3339))
		}
		// The cancel carries the alert's expiry, severity and targets: a
		// site keeps it, refusing older versions, until then.
		a.Start, a.Expires, a.Severity, a.Targets = stored.Start, stored.Expires, stored.Severity, stored.Targets
		if a.Sender == "" {
			a.Sender = stored.Sender
		}
	}
	switch {
	case f.serial > 0:
		a.Serial = f.serial
	case haveStored:
		a.Serial = stored.Serial + 1
	default:
		a.Serial = 1
	}

	a.Normalize()
	if err := a.Validate(); err != nil {
		return fmt.Errorf("alert: %w", err)
	}
	signers, err := keys.signers(f.keys)
	if err != nil {
		return err
	}
	if f.dryRun {
		printAlert(stdout, "would sign", a, notes)
		fmt.Fprintln(stdout, "dry run: nothing signed or published")
		return nil
	}
	if err := trust.PublishAlert(ctx, store, root, a, signers, now); err != nil {
		return err
	}
	printAlert(stdout, "you signed", a, notes)
	fmt.Fprintf(stdout, "published as %s; targeted sites show it at their next check\n", trust.AlertKey(a.ID))
	return nil
}

// fromCAP reads the alert from the --cap file.
func (f *alertFlags) fromCAP(now time.Time) (alert.Alert, []string, error) {
	opts := cap.Options{Now: now, AllowExercise: f.exercise}
	if f.areas != "" {
		areas, err := cap.LoadAreas(f.areas)
		if err != nil {
			return alert.Alert{}, nil, err
		}
		opts.Areas = areas
	}
	m, err := cap.ReadFile(f.capFile, opts)
	if err != nil {
		return alert.Alert{}, nil, err
	}
	notes := m.Notes
	if m.Status != "Actual" {
		notes = append(notes, fmt.Sprintf("this is a CAP %s message, not an actual alert", m.Status))
	}
	return m.Alert, notes, nil
}

// fromFlags builds the alert from the command line.
func (f *alertFlags) fromFlags(now time.Time) (alert.Alert, error) {
	if f.id == "" || f.severity == "" || len(f.headlines) == 0 {
		return alert.Alert{}, errors.New("alert: want --id, --severity and --headline LANG=TEXT (or --cap FILE, or --cancel ID)")
	}
	sev := alert.Severity(strings.ToLower(f.severity))
	if !sev.Known() {
		return alert.Alert{}, fmt.Errorf("alert: --severity %q: want one of %v", f.severity, alert.Severities)
	}
	zone, err := time.LoadLocation(f.zone)
	if err != nil {
		return alert.Alert{}, fmt.Errorf("alert: --zone: %w", err)
	}
	now = now.In(zone).Truncate(time.Second)
	a := alert.Alert{ID: f.id, Severity: sev, Sent: now, Start: now, Sender: f.sender}
	if f.start != "" {
		if a.Start, err = parseAlertTime("--start", f.start, zone); err != nil {
			return alert.Alert{}, err
		}
	}
	switch {
	case f.expires != "" && f.duration != 0:
		return alert.Alert{}, errors.New("alert: give --expires or --for, not both")
	case f.expires != "":
		if a.Expires, err = parseAlertTime("--expires", f.expires, zone); err != nil {
			return alert.Alert{}, err
		}
	case f.duration > 0:
		a.Expires = a.Start.Add(f.duration)
	default:
		return alert.Alert{}, errors.New("alert: give --expires TIME or --for DURATION: an alert on a screen must end")
	}
	a.Targets = content.Targets{Sites: splitList(f.sites), Tags: splitList(f.tags)}
	if a.Targets.IsEmpty() != f.allSites {
		if f.allSites {
			return alert.Alert{}, errors.New("alert: --all-sites does not go with --tags or --sites")
		}
		return alert.Alert{}, errors.New("alert: say who the alert is for: --tags, --sites, or --all-sites")
	}
	a.Text = map[string]alert.Text{}
	for _, part := range []struct {
		flag   string
		values multiFlag
		set    func(t *alert.Text, s string)
	}{
		{"--headline", f.headlines, func(t *alert.Text, s string) { t.Headline = s }},
		{"--body", f.bodies, func(t *alert.Text, s string) { t.Body = s }},
		{"--instruction", f.instrs, func(t *alert.Text, s string) { t.Instruction = s }},
	} {
		seen := map[string]bool{}
		for _, v := range part.values {
			lang, text, ok := strings.Cut(v, "=")
			if !ok || lang == "" {
				return alert.Alert{}, fmt.Errorf("alert: %s %q: want LANG=TEXT, such as vi=\"Cảnh báo lũ\"", part.flag, v)
			}
			if seen[lang] {
				return alert.Alert{}, fmt.Errorf("alert: %s given twice for %s", part.flag, lang)
			}
			seen[lang] = true
			if _, ok := a.Text[lang]; !ok && part.flag != "--headline" {
				return alert.Alert{}, fmt.Errorf("alert: %s %s=...: no --headline %s=... to go with it", part.flag, lang, lang)
			}
			t := a.Text[lang]
			part.set(&t, text)
			a.Text[lang] = t
		}
	}
	return a, nil
}

// parseAlertTime reads TIME: RFC 3339 with or without seconds, with an
// offset or in zone.
func parseAlertTime(flag, s string, zone *time.Location) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, zone); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("alert: %s %q: want a time such as 2026-12-01T14:00+07:00, or 2026-12-01T14:00 in %s", flag, s, zone)
}

// printAlert prints what is signed, so the leader sees what they sign.
func printAlert(w io.Writer, verb string, a alert.Alert, notes []string) {
	kind := "alert"
	if a.Cancel {
		kind = "CANCEL of alert"
	}
	fmt.Fprintf(w, "%s %s %s, serial %d\n", verb, kind, a.ID, a.Serial)
	screen := "a banner over the content"
	if a.Severity.FullScreen() {
		screen = "full screen"
	}
	fmt.Fprintf(w, "  severity  %s (%s)\n", a.Severity, screen)
	fmt.Fprintf(w, "  start     %s\n", a.Start.Format(time.RFC3339))
	fmt.Fprintf(w, "  expires   %s\n", a.Expires.Format(time.RFC3339))
	fmt.Fprintf(w, "  for       %s\n", a.Targets.String())
	if a.Sender != "" {
		fmt.Fprintf(w, "  sender    %s\n", a.Sender)
	}
	if a.Source != "" {
		fmt.Fprintf(w, "  CAP       %s\n", a.Source)
	}
	for _, lang := range slices.Sorted(maps.Keys(a.Text)) {
		fmt.Fprintf(w, "  %-9s %s\n", lang, a.Text[lang].Headline)
	}
	for _, n := range notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}
