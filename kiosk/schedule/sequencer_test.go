package schedule

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/demo"
)

var hcm = mustZone("Asia/Ho_Chi_Minh")

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}

// at is a moment in Ho Chi Minh City time; 2026-03-02 is a Monday.
func at(day int, hh, mm, ss int) time.Time {
	return time.Date(2026, 3, day, hh, mm, ss, 0, hcm)
}

func textItem(id string, s *content.Schedule, langs ...string) content.Item {
	if len(langs) == 0 {
		langs = []string{"vi"}
	}
	it := content.Item{ID: id, Kind: content.KindText, Layout: content.LayoutSingle, Text: map[string]content.Text{}, Schedule: s}
	for _, l := range langs {
		it.Text[l] = content.Text{Title: id + " " + l}
	}
	return it
}

func testSite() *Site {
	return &Site{ID: "tinh-bien", Tags: []string{"province:an-giang", "gate:tinh-bien"}, Zone: hcm}
}

func seq(items ...content.Item) *Sequencer {
	return NewSequencer(&content.Manifest{Items: items}, testSite(), []string{"vi"}, 10*time.Second)
}

// playsAt returns the IDs of the items one loop plays at now, in order.
func playsAt(q *Sequencer, now time.Time) string {
	var ids []string
	started := false
	for range 1000 {
		s, ok := q.Next(now)
		if !ok {
			return "-"
		}
		end := s.Index == s.Total-1
		if started {
			ids = append(ids, s.Item.ID+":"+strings.Join(s.Langs, "+"))
			if end {
				break
			}
		}
		// Go round to the end of the loop first.
		started = started || end
	}
	return strings.Join(ids, " ")
}

func TestPlayableWhen(t *testing.T) {
	tests := []struct {
		name  string
		sched *content.Schedule
		at    time.Time
		want  bool
	}{
		{"no schedule", nil, at(2, 3, 0, 0), true},
		{"in a window", &content.Schedule{Hours: []content.Window{{From: "06:00", Until: "11:00"}}}, at(2, 6, 0, 0), true},
		{"window end is exclusive", &content.Schedule{Hours: []content.Window{{From: "06:00", Until: "11:00"}}}, at(2, 11, 0, 0), false},
		{"a second before the end", &content.Schedule{Hours: []content.Window{{From: "06:00", Until: "11:00"}}}, at(2, 10, 59, 59), true},
		{"second window", &content.Schedule{Hours: []content.Window{{From: "06:00", Until: "08:00"}, {From: "17:00", Until: "19:00"}}}, at(2, 18, 0, 0), true},
		{"between windows", &content.Schedule{Hours: []content.Window{{From: "06:00", Until: "08:00"}, {From: "17:00", Until: "19:00"}}}, at(2, 12, 0, 0), false},
		{"weekday", &content.Schedule{Weekdays: []string{"mon"}}, at(2, 12, 0, 0), true},
		{"other weekday", &content.Schedule{Weekdays: []string{"tue", "sun"}}, at(2, 12, 0, 0), false},
		{"crossing midnight, the day it starts", &content.Schedule{Weekdays: []string{"fri"}, Hours: []content.Window{{From: "22:00", Until: "02:00"}}}, at(6, 23, 0, 0), true},
		{"crossing midnight, after it on the next day", &content.Schedule{Weekdays: []string{"fri"}, Hours: []content.Window{{From: "22:00", Until: "02:00"}}}, at(7, 1, 59, 59), true},
		{"crossing midnight, not on the day before", &content.Schedule{Weekdays: []string{"fri"}, Hours: []content.Window{{From: "22:00", Until: "02:00"}}}, at(6, 1, 0, 0), false},
		{"crossing midnight, ended", &content.Schedule{Weekdays: []string{"fri"}, Hours: []content.Window{{From: "22:00", Until: "02:00"}}}, at(7, 2, 0, 0), false},
		{"from a date", &content.Schedule{From: "2026-03-02"}, at(2, 0, 0, 0), true},
		{"before from", &content.Schedule{From: "2026-03-02"}, at(1, 23, 59, 59), false},
		{"until a local time, a second before", &content.Schedule{Until: "2026-03-02T18:30"}, at(2, 18, 29, 59), true},
		{"until a local time, at it", &content.Schedule{Until: "2026-03-02T18:30"}, at(2, 18, 30, 0), false},
		{"until RFC 3339 in UTC", &content.Schedule{Until: "2026-03-02T11:30:05Z"}, at(2, 18, 30, 4), true},
		{"until RFC 3339 in UTC, at it", &content.Schedule{Until: "2026-03-02T11:30:05Z"}, at(2, 18, 30, 5), false},
		{"all of them", &content.Schedule{From: "2026-03-01", Until: "2026-03-08", Weekdays: []string{"mon", "wed"},
			Hours: []content.Window{{From: "07:00", Until: "09:00"}}}, at(4, 8, 0, 0), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := seq(textItem("a", tc.sched))
			_, got := q.Next(tc.at)
			if got != tc.want {
				t.Errorf("plays at %v = %v, want %v", tc.at, got, tc.want)
			}
		})
	}
}

func TestZone(t *testing.T) {
	it := textItem("a", &content.Schedule{Hours: []content.Window{{From: "06:00", Until: "07:00"}}})
	site := testSite()
	q := NewSequencer(&content.Manifest{Items: []content.Item{it}}, site, []string{"vi"}, time.Second)
	// 06:30 in Vietnam is 23:30 UTC the day before.
	if _, ok := q.Next(time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC)); !ok {
		t.Error("an 06:00-07:00 window does not play at 06:30 Vietnam time given in UTC")
	}
	site.Zone = mustZone("Europe/Paris")
	q = NewSequencer(&content.Manifest{Items: []content.Item{it}}, site, []string{"vi"}, time.Second)
	if _, ok := q.Next(time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC)); ok {
		t.Error("a site in Paris plays its 06:00 window at 00:30 local time")
	}
}

func TestSinceUntil(t *testing.T) {
	q := seq(
		textItem("morning", &content.Schedule{Hours: []content.Window{{From: "06:00", Until: "11:00"}}}),
		textItem("campaign", &content.Schedule{Priority: 1, Hours: []content.Window{{From: "09:30", Until: "10:00"}}}),
	)
	s, ok := q.Next(at(2, 8, 0, 0))
	if !ok || s.Item.ID != "morning" {
		t.Fatalf("08:00: %v %v", s.Item, ok)
	}
	if !s.Since.Equal(at(2, 6, 0, 0)) || !s.Until.Equal(at(2, 9, 30, 0)) {
		t.Errorf("08:00: since %v until %v, want 06:00 to 09:30 (the campaign takes over)", s.Since, s.Until)
	}
	if !s.PlayableAt(at(2, 9, 29, 59)) || s.PlayableAt(at(2, 9, 30, 0)) || s.PlayableAt(at(2, 5, 59, 59)) {
		t.Error("PlayableAt does not follow since and until")
	}
	s, _ = q.Next(at(2, 9, 45, 0))
	if s.Item.ID != "campaign" || !s.Since.Equal(at(2, 9, 30, 0)) || !s.Until.Equal(at(2, 10, 0, 0)) {
		t.Errorf("09:45: %s since %v until %v", s.Item.ID, s.Since, s.Until)
	}
	s, _ = q.Next(at(2, 10, 0, 0))
	if s.Item.ID != "morning" || !s.Since.Equal(at(2, 10, 0, 0)) || !s.Until.Equal(at(2, 11, 0, 0)) {
		t.Errorf("10:00: %s since %v until %v", s.Item.ID, s.Since, s.Until)
	}
	if _, ok := q.Next(at(2, 11, 0, 0)); ok {
		t.Error("something plays at 11:00")
	}
	if got := q.NextChange(at(2, 11, 0, 0)); !got.Equal(at(3, 6, 0, 0)) {
		t.Errorf("next change after 11:00 = %v, want 06:00 the next day", got)
	}
	all, _ := seq(textItem("always", nil)).Next(at(2, 8, 0, 0))
	if !all.Since.IsZero() || !all.Until.IsZero() {
		t.Errorf("an item without a schedule has bounds %v %v", all.Since, all.Until)
	}
}

func TestPriority(t *testing.T) {
	q := seq(
		textItem("a", nil), textItem("b", nil),
		textItem("flood", &content.Schedule{Priority: 5, Weekdays: []string{"tue"}}),
		textItem("x", &content.Schedule{Priority: 5, Weekdays: []string{"tue"}, Hours: []content.Window{{From: "12:00", Until: "13:00"}}}),
		textItem("low", &content.Schedule{Priority: -1}),
	)
	tests := []struct {
		at   time.Time
		want string
	}{
		{at(2, 12, 0, 0), "a:vi b:vi"},
		{at(3, 10, 0, 0), "flood:vi"},
		{at(3, 12, 30, 0), "flood:vi x:vi"},
	}
	for _, tc := range tests {
		if got := playsAt(q, tc.at); got != tc.want {
			t.Errorf("at %v: %s, want %s", tc.at, got, tc.want)
		}
	}
	if got := playsAt(seq(textItem("low", &content.Schedule{Priority: -1})), at(2, 0, 0, 0)); got != "low:vi" {
		t.Errorf("a lone item of low priority: %s", got)
	}
}

func TestWeights(t *testing.T) {
	tests := []struct {
		name    string
		weights []int
		want    string
	}{
		{"equal: the manifest's order", []int{1, 0, 1}, "a b c"},
		{"equal and large", []int{7, 7, 7}, "a b c"},
		{"smooth 5 1 1", []int{5, 1, 1}, "a a b a c a a"},
		{"3 and 1", []int{3, 1}, "a a b a"},
		{"2 2 1", []int{2, 2, 1}, "a b c a b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var items []content.Item
			for i, w := range tc.weights {
				items = append(items, textItem(string(rune('a'+i)), &content.Schedule{Weight: w}))
			}
			got := strings.ReplaceAll(playsAt(seq(items...), at(2, 8, 0, 0)), ":vi", "")
			if got != tc.want {
				t.Errorf("loop %q, want %q", got, tc.want)
			}
		})
	}
	// Over many loops each item's count is its weight's share, exactly.
	q := seq(textItem("a", &content.Schedule{Weight: 7}), textItem("b", &content.Schedule{Weight: 2}), textItem("c", &content.Schedule{Weight: 1}))
	counts := map[string]int{}
	for range 1000 {
		s, _ := q.Next(at(2, 8, 0, 0))
		counts[s.Item.ID]++
	}
	if counts["a"] != 700 || counts["b"] != 200 || counts["c"] != 100 {
		t.Errorf("counts over 1000 slides: %v, want 700 200 100", counts)
	}
}

func TestTargeting(t *testing.T) {
	m := &content.Manifest{Items: []content.Item{
		textItem("all", nil),
		{ID: "by-site", Kind: content.KindText, Text: map[string]content.Text{"vi": {Title: "x"}}, Targets: &content.Targets{Sites: []string{"tinh-bien"}}},
		{ID: "by-tag", Kind: content.KindText, Text: map[string]content.Text{"vi": {Title: "x"}}, Targets: &content.Targets{Tags: []string{"gate:tinh-bien"}}},
		{ID: "elsewhere", Kind: content.KindText, Text: map[string]content.Text{"vi": {Title: "x"}}, Targets: &content.Targets{Sites: []string{"vinh-xuong"}, Tags: []string{"province:dien-bien"}}},
		textItem("khmer", nil, "km"),
	}}
	q := NewSequencer(m, testSite(), []string{"vi"}, time.Second)
	if got := playsAt(q, at(2, 8, 0, 0)); got != "all:vi by-site:vi by-tag:vi" {
		t.Errorf("plays %s", got)
	}
	var why []string
	for _, x := range q.Excluded() {
		why = append(why, x.Item.ID+": "+x.Reason)
	}
	if want := "elsewhere: for sites vinh-xuong; tags province:dien-bien|khmer: none of the site's languages"; strings.Join(why, "|") != want {
		t.Errorf("excluded %q, want %q", strings.Join(why, "|"), want)
	}
	m.Targets = &content.Targets{Tags: []string{"province:dong-thap"}}
	q = NewSequencer(m, testSite(), []string{"vi"}, time.Second)
	if _, ok := q.Next(at(2, 8, 0, 0)); ok || len(q.Excluded()) != len(m.Items) {
		t.Errorf("a bundle for another province plays (%d excluded)", len(q.Excluded()))
	}
	m.Targets = &content.Targets{Tags: []string{"province:an-giang"}}
	q = NewSequencer(m, testSite(), []string{"vi"}, time.Second)
	if got := playsAt(q, at(2, 8, 0, 0)); got != "all:vi by-site:vi by-tag:vi" {
		t.Errorf("bundle for the province: plays %s", got)
	}
}

func TestExpand(t *testing.T) {
	b, err := demo.Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		langs []string
		want  string
	}{
		{[]string{"vi", "km"}, "welcome:vi+km border-map:vi passport:vi passport:km passport-picture:vi " +
			"eservices:vi eservices:km online-services-picture:vi programmes:vi rice-fields:vi help:vi+km"},
		// An item with none of the site's languages (programmes) is left
		// out; one lacking the first language (passport) shows alone.
		{[]string{"lo", "en"}, "welcome:lo+en border-map:lo passport:en passport-picture:lo " +
			"eservices:lo eservices:en online-services-picture:lo rice-fields:lo help:lo+en"},
	}
	for _, tc := range tests {
		q := NewSequencer(b.Manifest.Slideshow(), testSite(), tc.langs, 7*time.Second)
		if got := playsAt(q, at(2, 8, 0, 0)); got != tc.want {
			t.Errorf("languages %v:\n got %s\nwant %s", tc.langs, got, tc.want)
		}
	}
	q := NewSequencer(b.Manifest.Slideshow(), testSite(), []string{"vi", "km"}, 7*time.Second)
	anyLang := 0
	for range 30 {
		s, _ := q.Next(at(2, 8, 0, 0))
		everyLang := s.Item.Kind == content.KindImage && len(s.Item.Images) == 1 && s.Item.Images[content.AnyLanguage] != ""
		want := strings.Join(s.Langs, "+")
		if everyLang {
			want, anyLang = content.AnyLanguage, anyLang+1
		}
		if got := strings.Join(s.ShownLangs(), "+"); got != want {
			t.Errorf("%s:%v reported in %s, want %s", s.Item.ID, s.Langs, got, want)
		}
		wantD := time.Duration(s.Item.Duration)
		if wantD == 0 {
			wantD = 7 * time.Second
		}
		if s.Duration != wantD {
			t.Errorf("%s: duration %v, want %v", s.Item.ID, s.Duration, wantD)
		}
	}
	if anyLang == 0 {
		t.Error("the demo has no image for every language; the check above checked nothing")
	}
}

// loopOf returns a sequencer of items named by "item:lang+lang" words, for
// a site showing the languages in the order they first appear.
func loopOf(words string) (*Sequencer, []string) {
	var items []content.Item
	var langs []string
	index := map[string]int{}
	for _, w := range strings.Fields(words) {
		id, ls, _ := strings.Cut(w, ":")
		pair := strings.Split(ls, "+")
		for _, l := range pair {
			if !strings.Contains(" "+strings.Join(langs, " ")+" ", " "+l+" ") {
				langs = append(langs, l)
			}
		}
		i, ok := index[id]
		if !ok {
			i = len(items)
			index[id] = i
			items = append(items, content.Item{ID: id, Kind: content.KindText, Layout: content.LayoutSingle, Text: map[string]content.Text{}})
		}
		if len(pair) == 2 {
			items[i].Layout = content.LayoutSideBySide
		}
		for _, l := range pair {
			items[i].Text[l] = content.Text{Title: id}
		}
	}
	return NewSequencer(&content.Manifest{Items: items}, testSite(), langs, time.Second), langs
}

func TestResumeAfter(t *testing.T) {
	old := "a:vi a:km b:vi c:vi+km c:vi+en d:vi"
	tests := []struct {
		name string
		at   int // slides shown of the old loop, the last one at this index
		new  string
		want string // the next slide
	}{
		{"same loop: the next slide", 2, old, "c:vi+km"},
		{"next language of the same item", 0, old, "a:km"},
		{"the last slide wraps round", 5, old, "a:vi"},
		{"an item inserted after the one shown comes next", 2, "a:vi a:km b:vi x:vi c:vi+km c:vi+en d:vi", "x:vi"},
		{"items moved: after the one shown, where it is now", 2, "b:vi d:vi a:vi a:km c:vi+km c:vi+en", "d:vi"},
		{"the one shown was removed: the next that survives", 2, "a:vi a:km d:vi", "d:vi"},
		{"the one shown and the next were removed", 2, "x:vi a:vi d:vi", "d:vi"},
		{"the last was removed: round to the first that survives", 5, "x:vi b:vi c:vi+km", "b:vi"},
		{"languages changed: the item's next appearance", 3, "a:km b:km c:km d:km", "d:km"},
		{"everything replaced: from the start", 3, "x:vi y:vi", "x:vi"},
		{"nothing shown yet", -1, old, "a:vi"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			oldQ, _ := loopOf(old)
			var last Slide
			for range tc.at + 1 {
				last, _ = oldQ.Next(at(2, 8, 0, 0))
			}
			q, _ := loopOf(tc.new)
			q.ResumeAfter(last)
			s, _ := q.Next(at(2, 8, 0, 0))
			if got := s.Item.ID + ":" + strings.Join(s.Langs, "+"); got != tc.want {
				t.Errorf("after %s: %s, want %s", fmt.Sprint(last.Item, last.Langs), got, tc.want)
			}
		})
	}
}
