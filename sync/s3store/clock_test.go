package s3store_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/sync/s3store"
)

// TestClockReadingFromMinIO compares this machine's clock with a real
// MinIO's on the same machine: the two share a clock, so the skew is zero
// within the Date header's second; a local clock set 3 hours ahead (the
// site's injected clock) reads as 3 hours ahead.
func TestClockReadingFromMinIO(t *testing.T) {
	ctx := testContext(t)
	st, srv := newStore(t)
	if _, ok := st.ClockReading(); ok {
		t.Fatal("a reading before any request")
	}
	put(t, ctx, st, "a", []byte("x"))
	for range 5 {
		if _, err := st.Stat(ctx, "a"); err != nil {
			t.Fatal(err)
		}
	}
	r, ok := st.ClockReading()
	if !ok {
		t.Fatal("no reading after five requests")
	}
	t.Logf("skew %v, uncertainty %v, round trip %v", r.Skew(), r.Uncertainty(), r.RoundTrip)
	if s := r.Skew(); s < -2*time.Second || s > 2*time.Second {
		t.Errorf("skew %v against a server on the same clock, want within 2 s of 0", s)
	}
	if u := r.Uncertainty(); u < time.Second/2 || u > 2*time.Second {
		t.Errorf("uncertainty %v, want half a second plus half a loopback round trip", u)
	}

	ahead, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: bucket, Prefix: "dept/", MaxRetries: 1, Clock: func() time.Time { return time.Now().Add(3 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	// A refused request dates its answer too.
	if _, err := ahead.Stat(ctx, "missing"); err == nil {
		t.Fatal("stat of a missing object succeeded")
	}
	r, ok = ahead.ClockReading()
	if !ok {
		t.Fatal("no reading from a 404")
	}
	if s := r.Skew(); s < 3*time.Hour-2*time.Second || s > 3*time.Hour+2*time.Second {
		t.Errorf("skew %v of a clock 3 h ahead, want 3h within 2 s", s)
	}
}

// TestClockReadingRefusesAbsurdDates: a server (broken or hostile) whose
// Date header is missing, unparseable, before 2025 or ten years beyond
// both the local clock and 2025 gives no reading; an honest one read by a
// site whose RTC battery died (its clock back in 2000) does: that clock is
// what the reading is for.
func TestClockReadingRefusesAbsurdDates(t *testing.T) {
	honest := func() string { return time.Now().UTC().Format(http.TimeFormat) }
	deadRTC := func() time.Time { return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name  string
		date  func() string // "" suppresses the header
		clock func() time.Time
		put   bool
		trust bool          // the Date is believed
		want  time.Duration // the skew then wanted
	}{
		{name: "missing", date: func() string { return "" }},
		{name: "unparseable", date: func() string { return "yesterday at noon" }},
		{name: "year 1900", date: func() string { return "Mon, 01 Jan 1900 00:00:00 GMT" }},
		{name: "unix epoch", date: func() string { return "Thu, 01 Jan 1970 00:00:00 GMT" }},
		{name: "year 9999", date: func() string { return "Fri, 31 Dec 9999 23:59:59 GMT" }},
		{name: "11 years ahead", date: func() string { return time.Now().AddDate(11, 0, 0).UTC().Format(http.TimeFormat) }},
		{name: "answer to a PUT", date: honest, put: true},
		{name: "honest", date: honest, trust: true},
		{name: "store 3 h ahead", date: func() string { return time.Now().Add(3 * time.Hour).UTC().Format(http.TimeFormat) }, trust: true, want: -3 * time.Hour},
		{name: "site with a dead RTC", date: honest, clock: deadRTC, trust: true, want: deadRTC().Sub(time.Now())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if d := tc.date(); d == "" {
					w.Header()["Date"] = nil
				} else {
					w.Header().Set("Date", d)
				}
				w.WriteHeader(http.StatusNotFound)
			}))
			defer srv.Close()
			st, err := s3store.New(s3store.Config{Endpoint: strings.TrimPrefix(srv.URL, "http://"), AccessKey: "site", SecretKey: "secret-key",
				Bucket: bucket, Region: "us-east-1", MaxRetries: 1, Clock: tc.clock})
			if err != nil {
				t.Fatal(err)
			}
			if tc.put {
				st.Put(testContext(t), "a", bytes.NewReader([]byte("x")), 1)
			} else {
				st.Stat(testContext(t), "a")
			}
			r, ok := st.ClockReading()
			switch {
			case !tc.trust && ok:
				t.Errorf("believed the server: skew %v from %v", r.Skew(), r.Store)
			case tc.trust && !ok:
				t.Error("no reading from a believable Date")
			case ok:
				if s := r.Skew(); s < tc.want-2*time.Second || s > tc.want+2*time.Second {
					t.Errorf("skew %v, want %v within 2 s", s, tc.want)
				}
			}
		})
	}
}
