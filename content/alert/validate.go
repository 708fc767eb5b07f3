package alert

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"

	"github.com/vnict/kiosk/content"
)

// Bounds of an alert. A screen shows a headline and a few lines; a site
// reads alerts from a store it does not trust, so every list and string
// is bounded.
const (
	MaxLanguages   = 16
	MaxHeadline    = 200  // runes
	MaxBody        = 2000 // runes, also for Instruction
	MaxSender      = 200  // runes
	MaxSource      = 256  // bytes
	MaxTargets     = 64   // sites, and tags
	MaxTargetBytes = 128  // bytes of one site ID or tag
)

var (
	idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	// ErrUnknownSeverity: the severity is none of CAP 1.2's.
	ErrUnknownSeverity = errors.New("unknown severity")
)

// ValidID reports whether id is a well-formed alert ID.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// Severities lists the known severities, most severe first.
var Severities = []Severity{Extreme, Severe, Moderate, Minor, Unknown}

// Known reports whether s is one of Severities.
func (s Severity) Known() bool { return slices.Contains(Severities, s) }

// File names an alert in errors: "alert <id>".
func (a *Alert) File() string {
	if a.ID == "" {
		return "alert"
	}
	return "alert " + printable(a.ID)
}

// Validate checks every field of the alert and returns all problems found,
// joined, each a *content.FieldError naming the alert and the field
// ("alert flood-1: text.km.headline: empty").
func (a *Alert) Validate() error {
	var errs []error
	file := a.File()
	bad := func(field, format string, args ...any) {
		errs = append(errs, &content.FieldError{File: file, Field: field, Err: fmt.Errorf(format, args...)})
	}
	if !idPattern.MatchString(a.ID) {
		bad("id", "%q: want 1-64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit", a.ID)
	}
	if a.Serial <= 0 || a.Serial > MaxSerial {
		bad("serial", "is %d; want a positive integer up to %d", a.Serial, int64(MaxSerial))
	}
	if a.Sent.IsZero() {
		bad("sent", "missing; want an RFC 3339 time")
	}
	if a.Start.IsZero() {
		bad("start", "missing; want an RFC 3339 time")
	}
	switch {
	case a.Expires.IsZero():
		bad("expires", "missing; want an RFC 3339 time")
	case !a.Start.IsZero() && !a.Expires.After(a.Start):
		bad("expires", "%s is not after start %s", a.Expires.Format(time.RFC3339), a.Start.Format(time.RFC3339))
	case !a.Start.IsZero() && a.Expires.Sub(a.Start) > MaxLifetime:
		bad("expires", "%s is more than %d days after start %s; an alert is for an emergency, a standing notice belongs in a bundle",
			a.Expires.Format(time.RFC3339), int(MaxLifetime.Hours()/24), a.Start.Format(time.RFC3339))
	}
	if !a.Severity.Known() {
		bad("severity", "%q: %v; want one of %v", a.Severity, ErrUnknownSeverity, Severities)
	}
	checkTargets(a.Targets.Sites, "targets.sites", bad)
	checkTargets(a.Targets.Tags, "targets.tags", bad)
	if len(a.Text) == 0 && !a.Cancel {
		bad("text", "empty; an alert needs text in at least one language (only a cancel may have none)")
	}
	if len(a.Text) > MaxLanguages {
		bad("text", "%d languages; at most %d", len(a.Text), MaxLanguages)
	} else {
		for _, lang := range slices.Sorted(maps.Keys(a.Text)) {
			field := "text." + printable(lang)
			if err := checkLanguage(lang); err != nil {
				bad(field, "%v", err)
			}
			t := a.Text[lang]
			if strings.TrimSpace(t.Headline) == "" {
				bad(field+".headline", "empty")
			}
			checkText(field+".headline", t.Headline, MaxHeadline, false, bad)
			checkText(field+".body", t.Body, MaxBody, true, bad)
			checkText(field+".instruction", t.Instruction, MaxBody, true, bad)
		}
	}
	checkText("sender", a.Sender, MaxSender, false, bad)
	if len(a.Source) > MaxSource {
		bad("source", "%d bytes; at most %d", len(a.Source), MaxSource)
	} else {
		checkText("source", a.Source, MaxSource, false, bad)
	}
	return errors.Join(errs...)
}

func checkTargets(list []string, field string, bad func(field, format string, args ...any)) {
	if len(list) > MaxTargets {
		bad(field, "%d entries; at most %d", len(list), MaxTargets)
		return
	}
	for i, s := range list {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case strings.TrimSpace(s) == "":
			bad(f, "empty")
		case len(s) > MaxTargetBytes:
			bad(f, "%d bytes; at most %d", len(s), MaxTargetBytes)
		default:
			checkText(f, s, MaxTargetBytes, false, bad)
		}
	}
}

// checkText refuses invalid UTF-8, text not in NFC (Normalize fixes it),
// control characters (but line breaks where multiline), bidirectional
// overrides, and more than max runes.
func checkText(field, s string, max int, multiline bool, bad func(field, format string, args ...any)) {
	if !utf8.ValidString(s) {
		bad(field, "not valid UTF-8")
		return
	}
	if n := utf8.RuneCountInString(s); n > max {
		bad(field, "%d characters; at most %d", n, max)
		return
	}
	for _, r := range s {
		switch {
		case r == '\n' && multiline:
		case unicode.IsControl(r):
			bad(field, "control character %U", r)
			return
		case isBidiOverride(r):
			bad(field, "bidirectional override %U", r)
			return
		}
	}
	if !norm.NFC.IsNormalString(s) {
		bad(field, "not in Unicode NFC form")
	}
}

// isBidiOverride reports the embedding and override characters that make
// text read differently from what it is; marks (LRM, RLM) stay allowed.
func isBidiOverride(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

func checkLanguage(tag string) error {
	t, err := language.Parse(tag)
	if err != nil {
		return fmt.Errorf("not a BCP 47 language tag: %w", err)
	}
	if t.String() != tag {
		return fmt.Errorf("write the language tag as %q", t.String())
	}
	return nil
}

// printable quotes a string that is not plain for use in a field name.
func printable(s string) string {
	q := fmt.Sprintf("%q", s)
	if q[1:len(q)-1] == s {
		return s
	}
	return q
}

// Normalize brings every text to NFC and trims spaces around headlines,
// the form Validate accepts and a department signs.
func (a *Alert) Normalize() {
	if a.Text != nil {
		text := make(map[string]Text, len(a.Text))
		for lang, t := range a.Text {
			text[lang] = Text{
				Headline:    strings.TrimSpace(norm.NFC.String(t.Headline)),
				Body:        strings.TrimSpace(norm.NFC.String(t.Body)),
				Instruction: strings.TrimSpace(norm.NFC.String(t.Instruction)),
			}
		}
		a.Text = text
	}
	a.Sender = strings.TrimSpace(norm.NFC.String(a.Sender))
}

// ActiveAt reports whether the alert is on screen at t: not a cancel,
// started, not yet expired.
func (a *Alert) ActiveAt(t time.Time) bool {
	return !a.Cancel && !t.Before(a.Start) && t.Before(a.Expires)
}

// Bounds of an alert. A lifetime bound keeps a replayed or wrongly signed
// alert from holding screens for long; a serial bound keeps serials exact
// in JSON and leaves room for the cancels that follow.
const (
	MaxLifetime = 30 * 24 * time.Hour
	MaxSerial   = 1 << 53
)

// ExpiredAt reports whether the alert has expired at t.
func (a *Alert) ExpiredAt(t time.Time) bool { return !t.Before(a.Expires) }

// TargetsSite reports whether the alert is for the site with the given ID and
// tags: empty Targets target every site.
func (a *Alert) TargetsSite(site string, tags []string) bool {
	t := a.Targets
	if len(t.Sites) == 0 && len(t.Tags) == 0 {
		return true
	}
	return slices.Contains(t.Sites, site) || slices.ContainsFunc(t.Tags, func(g string) bool { return slices.Contains(tags, g) })
}
