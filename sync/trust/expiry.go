package trust

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/trustedmetadata"
)

// ExpiredError is a refusal of metadata past its expiry, as the site's
// clock tells it: which file, when it expired, and, when the site has
// measured its clock against the store's, whether that clock is the
// likely cause. errors.Is(err, ErrExpired) holds for it.
//
// A site's clock that is far ahead (a dead RTC battery; an RTC kept in
// local time and read as UTC, 7 hours in Vietnam) makes valid metadata
// look expired, and a frozen feed
// and a wrong clock call for different people: the department or the
// site. A clock behind never causes a refusal: TUF metadata has an
// expiry but no "not before", so only a clock ahead is named.
type ExpiredError struct {
	// File is the metadata file: root.json, timestamp.json,
	// snapshot.json or targets.json.
	File string
	// Expires is its signed expiry.
	Expires time.Time
	// Now is the site's clock when it checked.
	Now time.Time
	// Skew is the site's clock minus the store's (positive: the site is
	// ahead), valid when SkewKnown.
	Skew      time.Duration
	SkewKnown bool
}

// clockHintMin is the least skew named as the likely cause of an expiry:
// below it the site's clock is fine for a report (kioskctl status flags
// skew over the same two minutes), and a feed that close to its expiry
// is about to expire by the store's clock too.
const clockHintMin = 2 * time.Minute

// ClockLikely reports whether the site's clock, not the metadata, is the
// likely cause: the clock is more than two minutes ahead of the store's,
// and by the store's time the file has not expired.
func (e *ExpiredError) ClockLikely() bool {
	return e.SkewKnown && e.Skew > clockHintMin && e.Expires.After(e.Now.Add(-e.Skew))
}

// Error starts with ErrExpired's text, as every refusal names its
// sentinel: "metadata expired: timestamp.json expired 2026-12-01 09:00
// UTC by this site's clock, which is 3h02m ahead of the store's; check
// the site's clock".
func (e *ExpiredError) Error() string {
	const layout = "2006-01-02 15:04 MST"
	expired := fmt.Sprintf("%v: %s expired %s", ErrExpired, e.File, e.Expires.UTC().Format(layout))
	switch {
	case e.ClockLikely():
		return fmt.Sprintf("%s by this site's clock, which is %s ahead of the store's; check the site's clock",
			expired, formatSkew(e.Skew))
	case e.SkewKnown && (e.Skew > clockHintMin || e.Skew < -clockHintMin):
		way := "ahead of"
		if e.Skew < 0 {
			way = "behind"
		}
		return fmt.Sprintf("%s (this site's time %s; its clock is also %s %s the store's, but the file is expired by the store's time too)",
			expired, e.Now.UTC().Format(layout), formatSkew(e.Skew), way)
	case e.SkewKnown:
		return fmt.Sprintf("%s (this site's time %s, which agrees with the store's)", expired, e.Now.UTC().Format(layout))
	}
	return fmt.Sprintf("%s (this site's time %s)", expired, e.Now.UTC().Format(layout))
}

// Unwrap makes errors.Is(err, ErrExpired) hold.
func (e *ExpiredError) Unwrap() error { return ErrExpired }

// UseClockSkew gives the client the site's clock skew (the site's clock
// minus the store's, and whether it is known yet), asked when metadata
// is refused as expired so the refusal can name the clock as the likely
// cause. The trust layer only reports it: expiry is still checked by the
// site's clock, since the store's Date is not signed and a hostile store
// could say any time. Call it before Refresh and WithStore.
func (c *Client) UseClockSkew(skew func() (time.Duration, bool)) { c.skew = skew }

// expired describes go-tuf's expiry refusal err: which file, from the
// metadata the updater held (set) or, for targets, the file it read last,
// checked at the site's time now. It returns nil when err is not an
// expiry or the file's expiry cannot be told.
func (c *Client) expired(err error, set trustedmetadata.TrustedMetadata, last lastDownload, now time.Time) *ExpiredError {
	var ee *metadata.ErrExpiredMetadata
	if !errors.As(err, &ee) {
		return nil
	}
	e := &ExpiredError{Now: now}
	switch {
	case strings.Contains(ee.Msg, metadata.ROOT+".json") && set.Root != nil:
		e.File, e.Expires = metadata.ROOT+".json", set.Root.Signed.Expires
	case strings.Contains(ee.Msg, metadata.TIMESTAMP+".json") && set.Timestamp != nil:
		e.File, e.Expires = metadata.TIMESTAMP+".json", set.Timestamp.Signed.Expires
	case strings.Contains(ee.Msg, metadata.SNAPSHOT+".json") && set.Snapshot != nil:
		e.File, e.Expires = metadata.SNAPSHOT+".json", set.Snapshot.Signed.Expires
	case strings.Contains(ee.Msg, metadata.TARGETS):
		// go-tuf keeps no expired targets; the refused one is the file
		// it read last, whose signature it had checked.
		t, perr := metadata.Targets().FromBytes(last.data)
		if perr != nil {
			return nil
		}
		e.File, e.Expires = metadata.TARGETS+".json", t.Signed.Expires
	default:
		return nil
	}
	if c.skew != nil {
		e.Skew, e.SkewKnown = c.skew()
	}
	return e
}

// formatSkew says a clock difference the way a person sets a clock:
// "3h02m", "4m10s", "2 days".
func formatSkew(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Second)
	const day = 24 * time.Hour
	switch {
	case d >= 2*day:
		return fmt.Sprintf("%d days", int(d/day))
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	case d >= time.Minute:
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	return fmt.Sprintf("%ds", int(d/time.Second))
}
