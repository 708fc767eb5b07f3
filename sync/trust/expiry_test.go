package trust

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestExpiryNamesTheSiteClock: metadata refused as expired by the site's
// clock is blamed on that clock when the site's measured skew says the
// store's time is still within the expiry, and not when the metadata is
// expired by the store's time too, or when no skew was measured.
func TestExpiryNamesTheSiteClock(t *testing.T) {
	const day = 24 * time.Hour
	type skew struct {
		d     time.Duration
		known bool
	}
	for _, tc := range []struct {
		name string
		// ahead is the site's clock against the department's, at which
		// the publication was signed (f.now).
		ahead time.Duration
		// timestampAt, if set, has the department re-sign the timestamp
		// that long after publishing (its snapshot then expires first).
		timestampAt time.Duration
		skew        skew
		clock       bool   // the refusal names the site's clock
		want        string // in the refusal
	}{
		{name: "site 2 days ahead", ahead: 2 * day, skew: skew{2*day + 3*time.Second, true}, clock: true,
			want: "timestamp.json expired 2026-03-02 08:00 UTC by this site's clock, which is 2 days ahead of the store's; check the site's clock"},
		{name: "site 3 h ahead of a feed due to expire in 2 h", ahead: 25 * time.Hour, skew: skew{3*time.Hour + 2*time.Minute, true}, clock: true,
			want: "timestamp.json expired 2026-03-02 08:00 UTC by this site's clock, which is 3h02m ahead of the store's; check the site's clock"},
		{name: "truly expired, the site's clock right", ahead: 25 * time.Hour, skew: skew{time.Second, true},
			want: "timestamp.json expired 2026-03-02 08:00 UTC (this site's time 2026-03-02 09:00 UTC, which agrees with the store's)"},
		{name: "truly expired, the site 2 h ahead as well", ahead: 27 * time.Hour, skew: skew{2 * time.Hour, true},
			want: "its clock is also 2h00m ahead of the store's, but the file is expired by the store's time too"},
		{name: "truly expired, the site behind", ahead: 27 * time.Hour, skew: skew{-5 * time.Minute, true},
			want: "its clock is also 5m00s behind the store's"},
		{name: "skew not measured", ahead: 2 * day,
			want: "timestamp.json expired 2026-03-02 08:00 UTC (this site's time 2026-03-03 08:00 UTC)"},
		{name: "skew under two minutes", ahead: 24*time.Hour + time.Minute, skew: skew{90 * time.Second, true},
			want: "which agrees with the store's"},
		{name: "root, site 400 days ahead", ahead: 400 * day, skew: skew{400 * day, true}, clock: true,
			want: "root.json expired 2027-03-01 08:00 UTC by this site's clock, which is 400 days ahead of the store's"},
		{name: "snapshot, site 2 days ahead", ahead: 31 * day, timestampAt: 31 * day, skew: skew{2 * day, true}, clock: true,
			want: "snapshot.json expired 2026-03-31 08:00 UTC by this site's clock, which is 2 days ahead"},
		{name: "snapshot truly expired", ahead: 31 * day, timestampAt: 31 * day, skew: skew{0, true},
			want: "snapshot.json expired 2026-03-31 08:00 UTC (this site's time 2026-04-01 08:00 UTC, which agrees"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.publish(t, "manifest v1")
			if tc.timestampAt > 0 {
				if err := RefreshTimestamp(f.ctx, f.store, f.rootJSON, f.online, f.now.Add(tc.timestampAt)); err != nil {
					t.Fatal(err)
				}
			}
			siteNow := f.now.Add(tc.ahead)
			c, err := NewClient(f.store, f.rootJSON, filepath.Join(t.TempDir(), "trusted"), func() time.Time { return siteNow })
			if err != nil {
				t.Fatal(err)
			}
			if tc.skew.known || tc.skew.d != 0 {
				c.UseClockSkew(func() (time.Duration, bool) { return tc.skew.d, tc.skew.known })
			}
			_, err = c.Refresh(f.ctx)
			if !errors.Is(err, ErrExpired) {
				t.Fatalf("refresh: %v, want ErrExpired", err)
			}
			var ee *ExpiredError
			if !errors.As(err, &ee) {
				t.Fatalf("refresh: %v, not an *ExpiredError", err)
			}
			if ee.ClockLikely() != tc.clock {
				t.Errorf("ClockLikely() = %v, want %v: %v", ee.ClockLikely(), tc.clock, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("refusal:\n%v\nwant it to say:\n%s", err, tc.want)
			}
			if named := strings.Contains(err.Error(), "check the site's clock"); named != tc.clock {
				t.Errorf("refusal names the clock: %v, want %v: %v", named, tc.clock, err)
			}
			// A USB import checks against the same clock and says the same.
			_, err = c.WithStore(f.store).Refresh(f.ctx)
			if !errors.As(err, &ee) || ee.ClockLikely() != tc.clock {
				t.Errorf("through WithStore: %v", err)
			}
		})
	}
}
