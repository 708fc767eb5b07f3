package report_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/vnict/kiosk/kiosk/report"
)

// TestClockSkewTravels: the skew the site's health gives is in its
// heartbeats, in whole seconds, and survives the batch format.
func TestClockSkewTravels(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 2, 0, 0, time.UTC)
	skew := 3*time.Hour + 2*time.Minute + 400*time.Millisecond
	r := report.NewRecorder(report.RecorderOptions{Interval: time.Minute, Started: t0,
		Health: func() report.Health { return report.Health{ClockSkew: skew} }})
	var got []report.Record
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx, func(recs []report.Record) { got = append(got, recs...) }) }()
	r.Frame(t0)
	cancel()
	<-done
	if len(got) != 1 || got[0].Heartbeat == nil {
		t.Fatalf("records %+v, want one heartbeat", got)
	}
	hb := *got[0].Heartbeat
	if hb.ClockSkew != 3*time.Hour+2*time.Minute {
		t.Errorf("heartbeat clock skew %v, want 3h2m0s (whole seconds)", hb.ClockSkew)
	}
	b := &report.Batch{Site: "an-giang-tinh-bien", Spool: "aa11", First: 1, Last: 1, Since: t0, Heartbeats: []report.Heartbeat{hb}}
	var buf bytes.Buffer
	if err := b.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := report.DecodeBatch(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if back.Heartbeats[0].ClockSkew != hb.ClockSkew {
		t.Errorf("batch gave back clock skew %v, want %v", back.Heartbeats[0].ClockSkew, hb.ClockSkew)
	}
}

func TestClockProblem(t *testing.T) {
	for _, tc := range []struct {
		skew time.Duration
		want string
	}{
		{0, ""},
		{30 * time.Second, ""},
		{-2 * time.Minute, ""},
		{2*time.Minute + time.Second, "clock 2m01s ahead"},
		{-4*time.Minute - 10*time.Second, "clock 4m10s behind"},
		{3*time.Hour + 2*time.Minute + 29*time.Second, "clock 3h02m ahead"},
		{-(9*24*time.Hour + 5*time.Hour), "clock 9 days behind"},
		{-(700 * 24 * time.Hour), "clock 700 days behind"},
		{time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)), "clock 26 years ahead"},
	} {
		hb := report.Heartbeat{ClockSkew: tc.skew}
		if got := hb.ClockProblem(); got != tc.want {
			t.Errorf("ClockProblem of %v = %q, want %q", tc.skew, got, tc.want)
		}
	}
}
