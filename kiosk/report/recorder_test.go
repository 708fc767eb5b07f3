package report_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/uptime"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

func TestRecorder(t *testing.T) {
	hcm, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	t0 := time.Date(2026, 3, 2, 21, 58, 0, 0, hcm)
	hours := &siteconfig.Hours{Open: siteconfig.ClockTime(6 * time.Hour), Close: siteconfig.ClockTime(22 * time.Hour)}
	r := report.NewRecorder(report.RecorderOptions{Interval: time.Minute, Schedule: report.Schedule{Hours: hours, Loc: hcm}, Started: t0,
		Health: func() report.Health { return report.Health{FreeDisk: 42, Evicted: 5, Audio: report.AudioNone} }})
	var got []report.Record
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx, func(recs []report.Record) { got = append(got, recs...) }) }()

	r.Frame(t0) // before anything is shown: standby
	r.Shown(t0.Add(time.Second), report.Showing{Bundle: "b@1", Item: "welcome", Langs: []string{"vi", "km"}})
	for s := 2; s < 150; s++ { // frames every second to 22:00:30
		r.Frame(t0.Add(time.Duration(s) * time.Second))
	}
	r.Shown(t0.Add(150*time.Second), report.Showing{Standby: true})
	// The player hangs for ten minutes, then frames come again.
	r.Frame(t0.Add(12 * time.Minute))
	r.Shown(t0.Add(12*time.Minute+time.Second), report.Showing{Bundle: "b@1", Item: "customs", Langs: []string{"en"}})
	r.Stop(t0.Add(12*time.Minute + 9*time.Second)) // the player stops: the last play is recorded
	cancel()
	<-done

	var hbs []report.Heartbeat
	var plays []report.Play
	for _, rec := range got {
		if err := rec.Check(); err != nil {
			t.Errorf("record %+v: %v", rec, err)
		}
		if rec.Heartbeat != nil {
			hbs = append(hbs, *rec.Heartbeat)
		} else {
			plays = append(plays, *rec.Play)
		}
	}
	want := []struct {
		at    time.Duration
		state report.State
	}{
		{0, report.Standby},
		{2 * time.Second, report.Content},    // at once: the state changed
		{62 * time.Second, report.Content},   // an interval later
		{120 * time.Second, report.OffHours}, // at once: the hours ended at 22:00
		{12 * time.Minute, report.OffHours},  // after the hang, from the first frame
	}
	if len(hbs) != len(want) {
		t.Fatalf("heartbeats %+v, want %d", hbs, len(want))
	}
	for i, w := range want {
		if !hbs[i].Time.Equal(t0.Add(w.at)) || hbs[i].State != w.state {
			t.Errorf("heartbeat %d: %v %v, want %v %v", i, hbs[i].Time.In(hcm), hbs[i].State, t0.Add(w.at), w.state)
		}
		if hbs[i].FreeDisk != 42 || hbs[i].Evicted != 5 || hbs[i].Audio != report.AudioNone {
			t.Errorf("heartbeat %d: health not filled in: %+v", i, hbs[i])
		}
	}
	if hbs[0].Item != "" || hbs[1].Item != "welcome" || hbs[1].Lang != "vi+km" || hbs[1].Bundle != "b@1" {
		t.Errorf("content heartbeat %+v", hbs[1])
	}
	// Side by side: one play per language, sharing the time on screen.
	if len(plays) != 3 || plays[0].Lang != "vi" || plays[1].Lang != "km" || plays[0].Dur+plays[1].Dur != 149*time.Second {
		t.Fatalf("plays %+v", plays)
	}
	if plays[2].Item != "customs" || plays[2].Dur != 8*time.Second {
		t.Errorf("last play %+v", plays[2])
	}
}

// TestScreenTimeAddsUp shows slides the way the player does and adds the
// plays up the way the department's report does, through a batch: an
// item's time in the report is the time it was on screen, however many
// languages it showed at once, and the plays per language are still
// counted.
func TestScreenTimeAddsUp(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	type shown struct {
		item  string
		langs []string
		dur   time.Duration
	}
	tests := []struct {
		name      string
		slides    []shown
		wantTime  map[string]time.Duration // per item
		wantPlays map[string]int           // per "item/lang"
	}{
		{"side by side", []shown{
			{"welcome", []string{"vi", "km"}, 10 * time.Second},
			{"welcome", []string{"vi", "en"}, 10 * time.Second},
		}, map[string]time.Duration{"welcome": 20 * time.Second},
			map[string]int{"welcome/vi": 2, "welcome/km": 1, "welcome/en": 1}},
		{"odd milliseconds", []shown{
			{"help", []string{"vi", "km"}, 7*time.Second + 1*time.Millisecond + 999*time.Microsecond},
			{"passport", []string{"vi", "km", "en"}, 10 * time.Second},
		}, map[string]time.Duration{"help": 7001 * time.Millisecond, "passport": 10 * time.Second},
			map[string]int{"help/vi": 1, "help/km": 1, "passport/vi": 1, "passport/km": 1, "passport/en": 1}},
		{"one language, and an image for every language", []shown{
			{"customs", []string{"km"}, 8 * time.Second},
			{"border-map", []string{"*"}, 12 * time.Second},
		}, map[string]time.Duration{"customs": 8 * time.Second, "border-map": 12 * time.Second},
			map[string]int{"customs/km": 1, "border-map/*": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := report.NewRecorder(report.RecorderOptions{Interval: time.Minute})
			var recs []report.Record
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); r.Run(ctx, func(b []report.Record) { recs = append(recs, b...) }) }()
			at := t0
			var onScreen time.Duration
			for _, s := range tc.slides {
				r.Shown(at, report.Showing{Bundle: "b@1", Item: s.item, Langs: s.langs})
				at = at.Add(s.dur)
				onScreen += s.dur
			}
			r.Stop(at)
			cancel()
			<-done

			b := &report.Batch{Site: "s", Spool: "a1", First: 1, Last: uint64(len(recs))}
			for _, rec := range recs {
				if rec.Play != nil {
					b.Plays = append(b.Plays, *rec.Play)
				}
			}
			var buf bytes.Buffer
			if err := b.Encode(&buf); err != nil {
				t.Fatal(err)
			}
			back, err := report.DecodeSummary(&buf)
			if err != nil {
				t.Fatal(err)
			}
			c := uptime.NewPlayCounter(t0, t0.Add(24*time.Hour))
			for i := range back.Plays {
				c.Add(&back.Plays[i])
			}
			gotTime := map[string]time.Duration{}
			gotPlays := map[string]int{}
			var total time.Duration
			for _, p := range c.Totals() {
				gotTime[p.Item] += p.Time
				gotPlays[p.Item+"/"+p.Lang] += p.Plays
				total += p.Time
			}
			for item, want := range tc.wantTime {
				if gotTime[item] != want {
					t.Errorf("%s: %v in the report, on screen %v", item, gotTime[item], want)
				}
			}
			if total > onScreen.Truncate(time.Millisecond) {
				t.Errorf("plays add up to %v, more than the %v the screen was on", total, onScreen)
			}
			if len(gotPlays) != len(tc.wantPlays) {
				t.Errorf("plays %v, want %v", gotPlays, tc.wantPlays)
			}
			for k, want := range tc.wantPlays {
				if gotPlays[k] != want {
					t.Errorf("plays of %s: %d, want %d", k, gotPlays[k], want)
				}
			}
		})
	}
}

// An alert's time on screen is recorded apart from the slides under it,
// heartbeats name it, and a full-screen alert counts as content.
func TestRecorderAlerts(t *testing.T) {
	t0 := time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC)
	r := report.NewRecorder(report.RecorderOptions{Interval: time.Minute, Started: t0})
	var got []report.Record
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx, func(recs []report.Record) { got = append(got, recs...) }) }()

	r.Shown(t0, report.Showing{Bundle: "b@1", Item: "welcome", Langs: []string{"vi"}})
	r.Frame(t0)
	r.Alerting(t0.Add(10*time.Second), "lu-an-giang") // a banner over the slide
	r.Frame(t0.Add(11 * time.Second))                 // heartbeat at once, naming it
	r.Alerting(t0.Add(12*time.Second), "lu-an-giang") // no change
	r.Shown(t0.Add(20*time.Second), report.Showing{Standby: true})
	r.Frame(t0.Add(21 * time.Second)) // standby under an alert: still content
	r.Alerting(t0.Add(70*time.Second), "")
	r.Frame(t0.Add(71 * time.Second))
	r.Alerting(t0.Add(80*time.Second), "bao-so-9")
	r.Stop(t0.Add(95 * time.Second))
	cancel()
	<-done

	var hbs []report.Heartbeat
	var plays []report.Play
	for _, rec := range got {
		if err := rec.Check(); err != nil {
			t.Errorf("record %+v: %v", rec, err)
		}
		if rec.Heartbeat != nil {
			hbs = append(hbs, *rec.Heartbeat)
		} else if rec.Play != nil {
			plays = append(plays, *rec.Play)
		}
	}
	wantHB := []struct {
		at    time.Duration
		alert string
		state report.State
	}{
		{0, "", report.Content},
		{11 * time.Second, "lu-an-giang", report.Content},
		{71 * time.Second, "", report.Standby},
	}
	if len(hbs) != len(wantHB) {
		t.Fatalf("heartbeats %+v, want %d", hbs, len(wantHB))
	}
	for i, w := range wantHB {
		if !hbs[i].Time.Equal(t0.Add(w.at)) || hbs[i].Alert != w.alert || hbs[i].State != w.state {
			t.Errorf("heartbeat %d: %v alert %q %v, want %v %q %v", i, hbs[i].Time, hbs[i].Alert, hbs[i].State, t0.Add(w.at), w.alert, w.state)
		}
	}
	wantPlays := []report.Play{
		{Item: "welcome", Lang: "vi", Start: t0, Dur: 20 * time.Second},
		{Item: report.AlertItem("lu-an-giang"), Lang: "*", Start: t0.Add(10 * time.Second), Dur: 60 * time.Second},
		{Item: report.AlertItem("bao-so-9"), Lang: "*", Start: t0.Add(80 * time.Second), Dur: 15 * time.Second},
	}
	if len(plays) != len(wantPlays) {
		t.Fatalf("plays %+v, want %+v", plays, wantPlays)
	}
	for i, w := range wantPlays {
		if plays[i] != w {
			t.Errorf("play %d: %+v, want %+v", i, plays[i], w)
		}
	}
	if id, ok := report.AlertOf(plays[1].Item); !ok || id != "lu-an-giang" {
		t.Errorf("AlertOf(%q) = %q, %v", plays[1].Item, id, ok)
	}
	if _, ok := report.AlertOf("welcome"); ok {
		t.Error("a bundle item taken for an alert")
	}
}

// TestRecorderUses records a resident's way through a guide on the
// player's clock: each use arrives in order with its time (or the last
// frame's), the bundle on screen, and, when the guide ends, the furthest
// step reached; a use Check refuses is counted, not recorded.
func TestRecorderUses(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	r := report.NewRecorder(report.RecorderOptions{Interval: time.Minute, Started: t0})
	r.Shown(t0, report.Showing{Bundle: "commune@4", Item: "welcome", Langs: []string{"km"}})
	r.Frame(t0.Add(time.Second))
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	uses := []report.Use{
		{Time: at(2), Event: report.UseLanguage, Lang: "km"},
		{Time: at(3), Event: report.UseOpened, Guide: "khai-sinh", Lang: "km"},
		{Time: at(4), Event: report.UseStep, Guide: "khai-sinh", Lang: "km", Step: 1},
		{Time: at(5), Event: report.UseNarration, Guide: "khai-sinh", Lang: "km", Step: 1},
		{Time: at(9), Event: report.UseStep, Guide: "khai-sinh", Lang: "km", Step: 2},
		{Time: at(12), Event: report.UseStep, Guide: "khai-sinh", Lang: "km", Step: 3},
		{Time: at(15), Event: report.UseStep, Guide: "khai-sinh", Lang: "km", Step: 2}, // back
		{Event: report.UseLeft, Guide: "khai-sinh", Lang: "km"},                        // no time: the last frame's
		{Time: at(20), Event: "clicked", Guide: "khai-sinh", Lang: "km"},               // refused
		{Time: at(21), Event: report.UseStep, Guide: "vneid", Lang: "km"},              // refused: no step
		{Time: at(22), Event: report.UseOpened, Guide: "vneid", Lang: "vi", Bundle: "commune@5"},
		{Time: at(23), Event: report.UseIdle, Guide: "vneid", Lang: "vi", Bundle: "commune@5"},
	}
	for _, u := range uses {
		r.Used(u)
	}
	// Nothing has taken the records yet: they wait for Run.
	var got []report.Record
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r.Run(ctx, func(recs []report.Record) { got = append(got, recs...) })

	want := []report.Use{
		{Time: at(2), Event: report.UseLanguage, Lang: "km", Bundle: "commune@4"},
		{Time: at(3), Event: report.UseOpened, Guide: "khai-sinh", Lang: "km", Bundle: "commune@4"},
		{Time: at(4), Event: report.UseStep, Guide: "khai-sinh", Lang: "km", Step: 1, Bundle: "commune@4"},
		{Time: at(5), Event: report.UseNarration, Guide: "khai-sinh", Lang: "km", Step: 1, Bundle: "commune@4"},
		{Time: at(9), Event: report.UseStep, Guide: "khai-sinh", Lang: "km", Step: 2, Bundle: "commune@4"},
		{Time: at(12), Event: report.UseStep, Guide: "khai-sinh", Lang: "km", Step: 3, Bundle: "commune@4"},
		{Time: at(15), Event: report.UseStep, Guide: "khai-sinh", Lang: "km", Step: 2, Bundle: "commune@4"},
		{Time: at(1), Event: report.UseLeft, Guide: "khai-sinh", Lang: "km", Step: 3, Bundle: "commune@4"},
		{Time: at(22), Event: report.UseOpened, Guide: "vneid", Lang: "vi", Bundle: "commune@5"},
		{Time: at(23), Event: report.UseIdle, Guide: "vneid", Lang: "vi", Bundle: "commune@5"},
	}
	var gotUses []report.Use
	for _, rec := range got {
		if err := rec.Check(); err != nil {
			t.Errorf("record %+v: %v", rec, err)
		}
		if rec.Use != nil {
			gotUses = append(gotUses, *rec.Use)
		}
	}
	if len(gotUses) != len(want) {
		t.Fatalf("uses %+v, want %d", gotUses, len(want))
	}
	for i, w := range want {
		if g := gotUses[i]; !g.Time.Equal(w.Time) || g.Event != w.Event || g.Guide != w.Guide || g.Lang != w.Lang ||
			g.Step != w.Step || g.Bundle != w.Bundle {
			t.Errorf("use %d: %+v, want %+v", i, g, w)
		}
	}
	if n := r.Refused(); n != 2 {
		t.Errorf("Refused() = %d, want 2", n)
	}
}

// TestUsedReturnsAtOnce calls Used from the drawing goroutine while the
// sink takes nothing: every call returns, the buffer keeps what it can
// leave heartbeats (three of four places) and the rest is counted as
// dropped, as heartbeats and plays are.
func TestUsedReturnsAtOnce(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	r := report.NewRecorder(report.RecorderOptions{Interval: time.Minute, Started: t0, Buffer: 4})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 10 {
			r.Used(report.Use{Time: t0.Add(time.Duration(i) * time.Second), Event: report.UseOpened, Guide: "khai-sinh", Lang: "km"})
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Used blocked on a sink that takes nothing")
	}
	if n := r.Dropped(); n != 7 {
		t.Errorf("Dropped() = %d, want 7", n)
	}
	var got []report.Record
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r.Run(ctx, func(recs []report.Record) { got = append(got, recs...) })
	if len(got) != 3 || !got[2].Use.Time.Equal(t0.Add(2*time.Second)) {
		t.Errorf("queued %d records, want the first 3 uses: %+v", len(got), got)
	}
}

// TestUsesNeverCostHeartbeats taps 10,000 times in a minute (a stuck key,
// a faulty touch screen) on the player's clock, with a sink that keeps up
// and with one that takes nothing until the end: every heartbeat is
// recorded; uses past the burst and the rate are counted in UsesLimited
// (and the heartbeats say so), and those the buffer has no room for in
// Dropped.
func TestUsesNeverCostHeartbeats(t *testing.T) {
	const taps, every, interval = 10000, 6 * time.Millisecond, 10 * time.Second
	t0 := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	last := t0.Add((taps - 1) * every) // 59.994 s
	// The burst, then one use per two seconds of the minute.
	wantUses := report.DefaultUseBurst + int(float64(report.DefaultUseRate)*last.Sub(t0).Seconds())
	events := []report.Use{
		{Event: report.UseOpened, Guide: "khai-sinh", Lang: "km"},
		{Event: report.UseStep, Guide: "khai-sinh", Lang: "km", Step: 1},
		{Event: report.UseNarration, Guide: "khai-sinh", Lang: "km", Step: 1},
		{Event: report.UseLeft, Guide: "khai-sinh", Lang: "km"},
	}
	tests := []struct {
		name    string
		buffer  int
		stalled bool
		queued  int // uses the buffer takes
	}{
		{name: "sink keeps up", buffer: 4096, queued: wantUses},
		// 48 of 64 places for uses: the first heartbeat, then 47 uses.
		{name: "sink stalled", buffer: 64, stalled: true, queued: 47},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := report.NewRecorder(report.RecorderOptions{Interval: interval, Started: t0, Buffer: tt.buffer,
				Health: func() report.Health { return report.Health{Evicted: 3} }})
			r.Shown(t0, report.Showing{Bundle: "commune@4", Item: "welcome", Langs: []string{"km"}})
			var mu sync.Mutex
			var got []report.Record
			sink := func(recs []report.Record) { mu.Lock(); got = append(got, recs...); mu.Unlock() }
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			if tt.stalled {
				cancel() // Run starts after the taps, and takes what waits
				close(done)
			} else {
				go func() { defer close(done); r.Run(ctx, sink) }()
			}
			for i := range taps {
				now := t0.Add(time.Duration(i) * every)
				r.Frame(now)
				u := events[i%len(events)]
				u.Time = now
				r.Used(u)
			}
			r.Frame(t0.Add(time.Minute))
			cancel()
			<-done
			if tt.stalled {
				r.Run(ctx, sink)
			}

			var beats []report.Heartbeat
			uses := 0
			for _, rec := range got {
				if err := rec.Check(); err != nil {
					t.Fatalf("record %+v: %v", rec, err)
				}
				switch {
				case rec.Heartbeat != nil:
					beats = append(beats, *rec.Heartbeat)
				case rec.Use != nil:
					uses++
				}
			}
			if len(beats) != 7 {
				t.Fatalf("%d heartbeats, want 7 (every %v of the minute and at its end)", len(beats), interval)
			}
			for i, hb := range beats {
				// At the first frame from when it is due.
				if due := t0.Add(time.Duration(i) * interval); hb.Time.Before(due) || !hb.Time.Before(due.Add(every)) {
					t.Errorf("heartbeat %d at %v, want the first frame from %v", i, hb.Time, due)
				}
			}
			limited := uint64(taps - wantUses)
			dropped := uint64(wantUses - tt.queued)
			if uses != tt.queued || r.UsesLimited() != limited || r.Dropped() != dropped {
				t.Errorf("%d uses recorded, %d limited, %d dropped; want %d, %d, %d",
					uses, r.UsesLimited(), r.Dropped(), tt.queued, limited, dropped)
			}
			if hb := beats[len(beats)-1]; hb.UsesLimited != limited || hb.Evicted != 3+dropped {
				t.Errorf("last heartbeat: uses limited %d, evicted %d; want %d, %d", hb.UsesLimited, hb.Evicted, limited, 3+dropped)
			}
		})
	}
}

// TestUsesLimitedTravels: a heartbeat's count of uses limited survives
// the batch format.
func TestUsesLimitedTravels(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	hb := report.Heartbeat{Time: t0, Interval: time.Minute, State: report.Content, UsesLimited: 9771}
	b := &report.Batch{Site: "an-giang-xa-le-tri", Spool: "aa11", First: 1, Last: 1, Since: t0, Heartbeats: []report.Heartbeat{hb}}
	var buf bytes.Buffer
	if err := b.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := report.DecodeBatch(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Heartbeats[0].UsesLimited; got != 9771 {
		t.Errorf("batch gave back uses limited %d, want 9771", got)
	}
}
