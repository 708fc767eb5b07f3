package s3store

import (
	"net/http"
	"sync"
	"time"
)

// ClockReading compares the store's clock with the local one, from one
// response of the store: the store's Date header against the local clock
// (Config.Clock) when the response came.
//
// The Date header has one-second resolution (RFC 9110 dates have no
// fractions), so a reading says nothing meaningful below a second: see
// Uncertainty.
type ClockReading struct {
	// Store is the store's time when it answered: its Date header plus
	// half a second, the middle of the second that Date truncates to.
	Store time.Time
	// Local is the local clock at the midpoint between sending the
	// request and receiving the response's headers: the moment the
	// store most likely dated its answer.
	Local time.Time
	// RoundTrip is the time from sending the request to receiving the
	// response's headers, by the local clock.
	RoundTrip time.Duration
}

// Skew is the local clock minus the store's: positive when the local
// clock is ahead, negative when it is behind.
func (r ClockReading) Skew() time.Duration { return r.Local.Sub(r.Store) }

// Uncertainty bounds the error of Skew: half a second for the Date
// header's resolution plus half the round trip, within which the store
// may have dated its answer anywhere.
func (r ClockReading) Uncertainty() time.Duration { return time.Second/2 + r.RoundTrip/2 }

// Bounds on what a Date header may say before a reading is believed. The
// reading only ever feeds reports and hints (no verification depends on
// it), but a broken or hostile server must not make a site report an
// absurd clock: a Date before minStoreTime (this code did not exist yet,
// so no honest store can be that early; 1900 and the Unix epoch are
// refused) or more than maxStoreAhead after both the local clock and
// minStoreTime (year 9999) is ignored. The lower bound is absolute, not
// relative to the local clock, because the clock this measures may itself
// be decades off: a PC whose RTC battery died boots in 2000 or 2009.
var minStoreTime = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

const maxStoreAhead = 10 * 365 * 24 * time.Hour

// Readings are kept in favour of the most precise: a new one replaces the
// kept one if its round trip is no longer, or the kept one is older than
// readingMaxAge (by the local clock, in either direction: a clock set
// back must not pin an old reading forever).
const readingMaxAge = 5 * time.Minute

// clockWatch is an http.RoundTripper that reads the Date header of every
// response that passes through it, keeping the best recent reading. One
// serves one Store, so a reading is only ever from that store's responses.
type clockWatch struct {
	base http.RoundTripper
	now  func() time.Time

	mu   sync.Mutex
	best ClockReading
	have bool
}

func newClockWatch(base http.RoundTripper, now func() time.Time) *clockWatch {
	if now == nil {
		now = time.Now
	}
	return &clockWatch{base: base, now: now}
}

// RoundTrip sends the request and notes the response's Date. Requests that
// send a body (PUT) are not used: the store dates its answer after reading
// the body, which the midpoint of the round trip would misplace by up to
// the whole upload. Answers typical of a proxy between the site and the
// store (407, 502, 504) are not used either: their Date is the proxy's.
func (c *clockWatch) RoundTrip(req *http.Request) (*http.Response, error) {
	sent := c.now()
	resp, err := c.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	got := c.now()
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength == 0 {
		switch resp.StatusCode {
		case http.StatusProxyAuthRequired, http.StatusBadGateway, http.StatusGatewayTimeout:
		default:
			c.note(resp.Header.Get("Date"), sent, got)
		}
	}
	return resp, nil
}

// note keeps the reading of a response with Date header date, sent at
// sent and answered at got by the local clock, if the date is believable
// and the reading better than the one kept.
func (c *clockWatch) note(date string, sent, got time.Time) {
	r, ok := readClock(date, sent, got)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	age := r.Local.Sub(c.best.Local)
	if !c.have || r.RoundTrip <= c.best.RoundTrip || age > readingMaxAge || age < -readingMaxAge {
		c.best, c.have = r, true
	}
}

// readClock makes a reading from a Date header, or reports false if the
// header is missing, unparseable or outside the believable bounds.
func readClock(date string, sent, got time.Time) (ClockReading, bool) {
	if date == "" {
		return ClockReading{}, false
	}
	d, err := http.ParseTime(date)
	if err != nil {
		return ClockReading{}, false
	}
	rt := got.Sub(sent)
	if rt < 0 {
		rt = 0 // the local clock was set back meanwhile
	}
	local := sent.Add(rt / 2)
	if d.Before(minStoreTime) || d.After(minStoreTime.Add(maxStoreAhead)) && d.After(local.Add(maxStoreAhead)) {
		return ClockReading{}, false
	}
	return ClockReading{Store: d.Add(time.Second / 2), Local: local, RoundTrip: rt}, true
}

// ClockReading returns the best recent comparison of the store's clock
// with the local one (Config.Clock), and false while no response of this
// store has carried a believable Date. Every request without a body
// (GET, HEAD, listings, also refused ones) refreshes it.
func (s *Store) ClockReading() (ClockReading, bool) {
	s.clock.mu.Lock()
	defer s.clock.mu.Unlock()
	return s.clock.best, s.clock.have
}
