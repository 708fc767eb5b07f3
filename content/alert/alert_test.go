package alert

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
)

var t0 = time.Date(2026, 9, 10, 6, 0, 0, 0, time.UTC)

func valid() Alert {
	return Alert{
		ID: "flood-2026.09_a", Serial: 1, Sent: t0, Start: t0, Expires: t0.Add(time.Hour), Severity: Severe,
		Targets: content.Targets{Tags: []string{"gate:tinh-bien"}},
		Text:    map[string]Text{"vi": {Headline: "Cảnh báo lũ", Body: "Dòng 1\nDòng 2"}, "km": {Headline: "ការព្រមាន"}},
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(a *Alert)
		want string // "" : valid
	}{
		{"valid", func(a *Alert) {}, ""},
		{"cancel without text", func(a *Alert) { a.Cancel, a.Text = true, nil }, ""},
		{"empty headline", func(a *Alert) { a.Text["km"] = Text{Headline: "  ", Body: "x"} }, `alert flood-2026.09_a: text.km.headline: empty`},
		{"no text", func(a *Alert) { a.Text = nil }, "text: empty"},
		{"upper-case ID", func(a *Alert) { a.ID = "Flood" }, `alert Flood: id: "Flood"`},
		{"ID with a slash", func(a *Alert) { a.ID = "../x" }, "id:"},
		{"ID too long", func(a *Alert) { a.ID = strings.Repeat("a", 65) }, "id:"},
		{"serial zero", func(a *Alert) { a.Serial = 0 }, "serial: is 0"},
		{"serial past the bound", func(a *Alert) { a.Serial = MaxSerial + 1 }, "serial: is 9007199254740993"},
		{"lifetime at the bound", func(a *Alert) { a.Expires = a.Start.Add(MaxLifetime) }, ""},
		{"lifetime past the bound", func(a *Alert) { a.Expires = a.Start.Add(MaxLifetime + time.Second) }, "more than 30 days after start"},
		{"no sent", func(a *Alert) { a.Sent = time.Time{} }, "sent: missing"},
		{"expires at start", func(a *Alert) { a.Expires = a.Start }, "expires: "},
		{"expires before start", func(a *Alert) { a.Expires = a.Start.Add(-time.Second) }, "is not after start"},
		{"unknown severity", func(a *Alert) { a.Severity = "high" }, "severity: \"high\""},
		{"17 languages", func(a *Alert) {
			for _, l := range []string{"en", "fr", "de", "es", "it", "pt", "ru", "zh", "ja", "ko", "th", "lo", "my", "id", "ms"} {
				a.Text[l] = Text{Headline: "x"}
			}
		}, "text: 17 languages; at most 16"},
		{"bad language tag", func(a *Alert) { a.Text["vietnamese!"] = Text{Headline: "x"} }, "text.vietnamese!: not a BCP 47"},
		{"language tag not canonical", func(a *Alert) { a.Text["VI"] = Text{Headline: "x"} }, `text.VI: write the language tag as "vi"`},
		{"headline too long", func(a *Alert) { a.Text["vi"] = Text{Headline: strings.Repeat("ữ", 201)} }, "text.vi.headline: 201 characters; at most 200"},
		{"body too long", func(a *Alert) { a.Text["vi"] = Text{Headline: "x", Body: strings.Repeat("a", 2001)} }, "text.vi.body: 2001 characters"},
		{"line break in a headline", func(a *Alert) { a.Text["vi"] = Text{Headline: "a\nb"} }, "text.vi.headline: control character U+000A"},
		{"bidi override", func(a *Alert) { a.Text["vi"] = Text{Headline: "a\u202eb"} }, "bidirectional override U+202E"},
		{"not NFC", func(a *Alert) { a.Text["vi"] = Text{Headline: "lu\u0303"} }, "not in Unicode NFC form"},
		{"invalid UTF-8", func(a *Alert) { a.Text["vi"] = Text{Headline: "a\xffb"} }, "not valid UTF-8"},
		{"empty tag", func(a *Alert) { a.Targets.Tags = []string{""} }, "targets.tags[0]: empty"},
		{"too many sites", func(a *Alert) { a.Targets.Sites = make([]string, 65) }, "targets.sites: 65 entries"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := valid()
			tc.edit(&a)
			err := a.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate accepted %+v, want %q", a, tc.want)
			}
			var fe *content.FieldError
			if !errors.As(err, &fe) {
				t.Errorf("error %v is not a *content.FieldError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to say %q", err, tc.want)
			}
		})
	}
}

func TestNormalizeMakesNFC(t *testing.T) {
	a := valid()
	a.Text["vi"] = Text{Headline: " lu\u0303 "}
	text := a.Text
	a.Normalize()
	if err := a.Validate(); err != nil {
		t.Fatalf("Validate after Normalize: %v", err)
	}
	if a.Text["vi"].Headline != "lũ" || text["vi"].Headline != " lu\u0303 " {
		t.Errorf("Normalize: %q (caller's map %q)", a.Text["vi"].Headline, text["vi"].Headline)
	}
}

func TestActiveAtAndTargets(t *testing.T) {
	a := valid()
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{{t0.Add(-time.Second), false}, {t0, true}, {a.Expires.Add(-time.Nanosecond), true}, {a.Expires, false}} {
		if got := a.ActiveAt(tc.at); got != tc.want {
			t.Errorf("ActiveAt(%v) = %v, want %v", tc.at, got, tc.want)
		}
	}
	c := a
	c.Cancel = true
	if c.ActiveAt(t0) {
		t.Error("a cancel is active")
	}
	for _, tc := range []struct {
		site string
		tags []string
		want bool
	}{{"x", []string{"gate:tinh-bien"}, true}, {"x", []string{"gate:vinh-xuong"}, false}, {"x", nil, false}} {
		if got := a.TargetsSite(tc.site, tc.tags); got != tc.want {
			t.Errorf("TargetsSite(%s, %v) = %v, want %v", tc.site, tc.tags, got, tc.want)
		}
	}
	a.Targets = content.Targets{Sites: []string{"tinh-bien-1"}}
	if !a.TargetsSite("tinh-bien-1", nil) || a.TargetsSite("tinh-bien-2", []string{"gate:tinh-bien"}) {
		t.Error("targeting by site ID")
	}
	a.Targets = content.Targets{}
	if !a.TargetsSite("anywhere", nil) {
		t.Error("empty targets do not target every site")
	}
}
