package content

import (
	"strings"
	"testing"
	"time"
)

// scheduled returns the valid manifest with a schedule and targets on its
// first item, and "schedule" in requires.
func scheduled() map[string]any {
	m := validManifest()
	m["requires"] = []any{FeatureSchedule}
	m["targets"] = map[string]any{"tags": []any{"province:an-giang"}}
	item(m, 0)["schedule"] = map[string]any{
		"from": "2026-12-01", "until": "2026-12-31T18:00:00+07:00",
		"weekdays": []any{"mon", "fri"},
		"hours":    []any{map[string]any{"from": "06:00", "until": "11:30"}, map[string]any{"from": "22:00", "until": "02:00"}},
		"priority": 2, "weight": 3,
	}
	item(m, 0)["targets"] = map[string]any{"sites": []any{"tinh-bien"}, "tags": []any{"gate:tinh-bien"}}
	return m
}

func sched(m map[string]any) map[string]any { return item(m, 0)["schedule"].(map[string]any) }

func TestScheduleValid(t *testing.T) {
	m, err := ParseManifest(mustJSON(t, scheduled()))
	if err != nil {
		t.Fatalf("valid scheduled manifest refused: %v", err)
	}
	s := m.Items[0].Schedule
	if s.EffectiveWeight() != 3 || s.EffectivePriority() != 2 || len(s.Hours) != 2 {
		t.Errorf("schedule read as %+v", s)
	}
	if !m.Targets.Match("x", []string{"province:an-giang"}) {
		t.Error("bundle targets do not match the province tag")
	}
}

func TestScheduleErrors(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(m map[string]any)
		raw    func(raw string) string // applied to the JSON when set
		field  string
		substr string
	}{
		{name: "schedule without requires", edit: func(m map[string]any) { delete(m, "requires"); delete(m, "targets") },
			field: "items[0].schedule", substr: `add "schedule" to requires`},
		{name: "bundle targets without requires", edit: func(m map[string]any) {
			delete(m, "requires")
			delete(item(m, 0), "schedule")
			delete(item(m, 0), "targets")
		}, field: "targets", substr: "requires"},
		{name: "item targets without requires", edit: func(m map[string]any) {
			delete(m, "requires")
			delete(m, "targets")
			delete(item(m, 0), "schedule")
		}, field: "items[0].targets", substr: "requires"},
		{name: "from not a time", edit: func(m map[string]any) { sched(m)["from"] = "24/12/2026" }, field: "items[0].schedule.from", substr: "2026-12-24"},
		{name: "until not a time", edit: func(m map[string]any) { sched(m)["until"] = "tomorrow" }, field: "items[0].schedule.until"},
		{name: "until before from", edit: func(m map[string]any) { sched(m)["until"] = "2026-11-30" }, field: "items[0].schedule.until", substr: "never play"},
		{name: "until equals from", edit: func(m map[string]any) { sched(m)["until"] = "2026-12-01T00:00" }, field: "items[0].schedule.until"},
		{name: "until before from, both with offsets", edit: func(m map[string]any) {
			sched(m)["from"], sched(m)["until"] = "2026-12-01T10:00:00+07:00", "2026-12-01T03:00:00Z"
		}, field: "items[0].schedule.until", substr: "never play"},
		{name: "weekday unknown", edit: func(m map[string]any) { sched(m)["weekdays"] = []any{"mon", "Monday"} }, field: "items[0].schedule.weekdays[1]", substr: `"mon"`},
		{name: "weekday twice", edit: func(m map[string]any) { sched(m)["weekdays"] = []any{"mon", "mon"} }, field: "items[0].schedule.weekdays[1]", substr: "twice"},
		{name: "hour window from", edit: func(m map[string]any) {
			sched(m)["hours"] = []any{map[string]any{"from": "6:00", "until": "11:00"}}
		}, field: "items[0].schedule.hours[0].from", substr: "HH:MM"},
		{name: "hour window until 24:00", edit: func(m map[string]any) {
			sched(m)["hours"] = []any{map[string]any{"from": "06:00", "until": "11:00"}, map[string]any{"from": "20:00", "until": "24:00"}}
		}, field: "items[0].schedule.hours[1].until", substr: "23:59"},
		{name: "weight too large", edit: func(m map[string]any) { sched(m)["weight"] = 101 }, field: "items[0].schedule.weight"},
		{name: "weight negative", edit: func(m map[string]any) { sched(m)["weight"] = -1 }, field: "items[0].schedule.weight"},
		{name: "priority out of bounds", edit: func(m map[string]any) { sched(m)["priority"] = 5000 }, field: "items[0].schedule.priority"},
		{name: "site ID with a space", edit: func(m map[string]any) {
			item(m, 0)["targets"] = map[string]any{"sites": []any{"tinh bien"}}
		}, field: "items[0].targets.sites[0]"},
		{name: "tag listed twice", edit: func(m map[string]any) {
			m["targets"] = map[string]any{"tags": []any{"lang:km", "lang:km"}}
		}, field: "targets.tags[1]", substr: "twice"},
		{name: "key twice in a schedule", raw: func(raw string) string {
			return strings.Replace(raw, `"weight":3`, `"weight":3,"weight":1`, 1)
		}, field: "items[0].schedule.weight", substr: "twice"},
		{name: "key in the wrong case in a window", raw: func(raw string) string {
			return strings.Replace(raw, `{"from":"06:00"`, `{"From":"06:00"`, 1)
		}, field: "items[0].schedule.hours[0].From", substr: "only in case"},
		{name: "key in the wrong case in targets", raw: func(raw string) string {
			return strings.Replace(raw, `"targets":{"tags":["province`, `"targets":{"Tags":["province`, 1)
		}, field: "targets.Tags", substr: "only in case"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := scheduled()
			if tc.edit != nil {
				tc.edit(m)
			}
			raw := string(mustJSON(t, m))
			if tc.raw != nil {
				edited := tc.raw(raw)
				if edited == raw {
					t.Fatalf("the edit changed nothing in %s", raw)
				}
				raw = edited
			}
			_, err := ParseManifest([]byte(raw))
			if err == nil {
				t.Fatal("manifest accepted, want an error")
			}
			if !hasField(err, tc.field) {
				t.Errorf("error %q does not name field %q", err, tc.field)
			}
			if !strings.Contains(err.Error(), tc.substr) {
				t.Errorf("error %q does not contain %q", err, tc.substr)
			}
		})
	}
}

func TestTargetsMatch(t *testing.T) {
	tags := []string{"province:an-giang", "gate:tinh-bien", "lang:km"}
	tests := []struct {
		name    string
		targets *Targets
		want    bool
	}{
		{"nil targets every site", nil, true},
		{"empty targets every site", &Targets{}, true},
		{"by site ID", &Targets{Sites: []string{"vinh-xuong", "tinh-bien"}}, true},
		{"by tag", &Targets{Tags: []string{"lang:lo", "lang:km"}}, true},
		{"other site", &Targets{Sites: []string{"vinh-xuong"}}, false},
		{"other tags", &Targets{Tags: []string{"province:dien-bien"}}, false},
		{"tag is not a site ID", &Targets{Sites: []string{"gate:tinh-bien"}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.targets.Match("tinh-bien", tags); got != tc.want {
				t.Errorf("Match = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-12-24", time.Date(2026, 12, 24, 0, 0, 0, 0, hcm)},
		{"2026-12-24T18:30", time.Date(2026, 12, 24, 18, 30, 0, 0, hcm)},
		{"2026-12-24T18:30:15", time.Date(2026, 12, 24, 18, 30, 15, 0, hcm)},
		{"2026-12-24T11:30:15Z", time.Date(2026, 12, 24, 18, 30, 15, 0, hcm)},
		{"2026-12-24T18:30:15+07:00", time.Date(2026, 12, 24, 11, 30, 15, 0, time.UTC)},
	}
	for _, tc := range tests {
		got, err := ParseTime(tc.in, hcm)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "2026-13-01", "24/12/2026", "2026-12-24 18:30"} {
		if _, err := ParseTime(bad, hcm); err == nil {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}

func TestWindowSpan(t *testing.T) {
	tests := []struct {
		from, until string
		wantFrom    time.Duration
		wantUntil   time.Duration
	}{
		{"06:00", "22:00", 6 * time.Hour, 22 * time.Hour},
		{"22:00", "02:00", 22 * time.Hour, 26 * time.Hour},
		{"00:00", "00:00", 0, 24 * time.Hour},
		{"07:15", "07:15", 7*time.Hour + 15*time.Minute, 31*time.Hour + 15*time.Minute},
	}
	for _, tc := range tests {
		f, u, err := Window{From: tc.from, Until: tc.until}.Span()
		if err != nil || f != tc.wantFrom || u != tc.wantUntil {
			t.Errorf("%s-%s: %v %v %v; want %v %v", tc.from, tc.until, f, u, err, tc.wantFrom, tc.wantUntil)
		}
	}
}
