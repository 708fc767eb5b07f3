package report

import (
	"context"
	"testing"
	"time"

	"github.com/vnict/kiosk/kiosk/siteconfig"
)

func TestRecorder(t *testing.T) {
	hcm, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	t0 := time.Date(2026, 3, 2, 21, 58, 0, 0, hcm)
	hours := &siteconfig.Hours{Open: siteconfig.ClockTime(6 * time.Hour), Close: siteconfig.ClockTime(22 * time.Hour)}
	r := NewRecorder(RecorderOptions{Interval: time.Minute, Schedule: Schedule{Hours: hours, Loc: hcm}, Started: t0,
		Health: func() Health { return Health{FreeDisk: 42, Evicted: 5} }})
	var got []Record
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx, func(recs []Record) { got = append(got, recs...) }) }()

	r.Frame(t0) // before anything is shown: standby
	r.Shown(t0.Add(time.Second), Showing{Bundle: "b@1", Item: "welcome", Langs: []string{"vi", "km"}})
	for s := 2; s < 150; s++ { // frames every second to 22:00:30
		r.Frame(t0.Add(time.Duration(s) * time.Second))
	}
	r.Shown(t0.Add(150*time.Second), Showing{Standby: true})
	// The player hangs for ten minutes, then frames come again.
	r.Frame(t0.Add(12 * time.Minute))
	r.Shown(t0.Add(12*time.Minute+time.Second), Showing{Bundle: "b@1", Item: "customs", Langs: []string{"en"}})
	r.Stop(t0.Add(12*time.Minute + 9*time.Second)) // the player stops: the last play is recorded
	cancel()
	<-done

	var hbs []Heartbeat
	var plays []Play
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
		state State
	}{
		{0, Standby},
		{2 * time.Second, Content},    // at once: the state changed
		{62 * time.Second, Content},   // an interval later
		{120 * time.Second, OffHours}, // at once: the hours ended at 22:00
		{12 * time.Minute, OffHours},  // after the hang, from the first frame
	}
	if len(hbs) != len(want) {
		t.Fatalf("heartbeats %+v, want %d", hbs, len(want))
	}
	for i, w := range want {
		if !hbs[i].Time.Equal(t0.Add(w.at)) || hbs[i].State != w.state {
			t.Errorf("heartbeat %d: %v %v, want %v %v", i, hbs[i].Time.In(hcm), hbs[i].State, t0.Add(w.at), w.state)
		}
		if hbs[i].FreeDisk != 42 || hbs[i].Evicted != 5 {
			t.Errorf("heartbeat %d: health not filled in: %+v", i, hbs[i])
		}
	}
	if hbs[0].Item != "" || hbs[1].Item != "welcome" || hbs[1].Lang != "vi+km" || hbs[1].Bundle != "b@1" {
		t.Errorf("content heartbeat %+v", hbs[1])
	}
	// Side by side: one play per language, for the time on screen.
	if len(plays) != 3 || plays[0].Lang != "vi" || plays[1].Lang != "km" || plays[0].Dur != 149*time.Second {
		t.Fatalf("plays %+v", plays)
	}
	if plays[2].Item != "customs" || plays[2].Dur != 8*time.Second {
		t.Errorf("last play %+v", plays[2])
	}
}
