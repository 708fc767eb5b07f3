package studio

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// The login throttle. Every attempt is recorded, as a failure, before
// the password is checked, against the login name, the client address,
// and the pair of them; a success clears the name's and the pair's
// records and takes back the failure counted against the address. An attempt waits while any of them is delayed:
//
//   - each record's delay doubles with each failure, from one second,
//     up to a minute (throttleMaxDelay);
//   - a record's failures halve for every ten minutes without one
//     (throttleHalfLife), so a lockout decays by itself;
//   - from an address with no failures of its own, the name's delay
//     counts for at most five seconds (throttleCleanCap): someone
//     guessing a colleague's password from another machine slows
//     themselves to one guess a minute, but keeps the colleague out for
//     seconds, not forever; guessing from many addresses still meets the
//     name's delay, up to that cap, at each of them.
//
// At most two passwords are checked at a time (bcrypt takes a quarter
// second each), and at most throttleEntries records are kept, those of
// fewest failures going first.
const (
	throttleBase     = time.Second
	throttleMaxDelay = time.Minute
	throttleCleanCap = 5 * time.Second
	throttleHalfLife = 10 * time.Minute
	throttleEntries  = 10_000
	throttleChecks   = 2
)

type throttle struct {
	mu      sync.Mutex
	entries map[string]*throttleEntry
	limit   int // entries kept
	checks  chan struct{}
}

type throttleEntry struct {
	fails float64
	last  time.Time // of the last failure
}

func newThrottle() *throttle {
	return &throttle{entries: map[string]*throttleEntry{}, limit: throttleEntries, checks: make(chan struct{}, throttleChecks)}
}

// clientAddr is the address a request comes from, without its port. No
// forwarding header is trusted: the studio is not served behind a proxy.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// failures are the entry's failures at now, decayed.
func (e *throttleEntry) failures(now time.Time) float64 {
	if e == nil {
		return 0
	}
	halvings := float64(now.Sub(e.last)) / float64(throttleHalfLife)
	f := e.fails
	for ; halvings >= 1 && f > 0.01; halvings-- {
		f /= 2
	}
	if f < 0.5 {
		return 0
	}
	return f
}

// wait is how long the entry makes an attempt at now wait, capped at max.
func (e *throttleEntry) wait(now time.Time, max time.Duration) time.Duration {
	f := e.failures(now)
	if f == 0 {
		return 0
	}
	d := throttleBase
	for i := 1.0; i < f && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	if until := e.last.Add(d); now.Before(until) {
		return until.Sub(now)
	}
	return 0
}

// begin records an attempt of name from addr at now, as a failure, and
// returns 0; or, when the attempt must wait, records nothing and says
// how long.
func (t *throttle) begin(name, addr string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	keys := [3]string{"n\x00" + name, "a\x00" + addr, "p\x00" + name + "\x00" + addr}
	byName, byAddr, byPair := t.entries[keys[0]], t.entries[keys[1]], t.entries[keys[2]]
	nameCap := throttleMaxDelay
	if byAddr.failures(now) == 0 {
		nameCap = throttleCleanCap
	}
	wait := max(byName.wait(now, nameCap), byAddr.wait(now, throttleMaxDelay), byPair.wait(now, throttleMaxDelay))
	if wait > 0 {
		return wait
	}
	for _, k := range keys {
		e := t.entries[k]
		if e == nil {
			t.evict(now)
			e = &throttleEntry{}
			t.entries[k] = e
		}
		e.fails = e.failures(now) + 1
		e.last = now
	}
	return 0
}

// evict makes room for one entry at now, dropping the one of fewest
// failures, the oldest of those: a flood of single guesses from many
// addresses pushes out its own records, not those of an address or a
// name that failed again and again.
func (t *throttle) evict(now time.Time) {
	if len(t.entries) < t.limit {
		return
	}
	var drop string
	var fails float64
	var at time.Time
	for k, e := range t.entries {
		f := e.failures(now)
		if drop == "" || f < fails || f == fails && e.last.Before(at) {
			drop, fails, at = k, f, e.last
		}
	}
	delete(t.entries, drop)
}

// failed restarts the delays of an attempt of name from addr, found
// wrong at now, from now: checking the password took time.
func (t *throttle) failed(name, addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range []string{"n\x00" + name, "a\x00" + addr, "p\x00" + name + "\x00" + addr} {
		if e := t.entries[k]; e != nil && e.last.Before(now) {
			e.last = now
		}
	}
}

// succeeded clears the records of name and of name from addr after a
// right password at now, and takes back the failure begin counted
// against addr for it: a success is no failure of the address, whose
// other failures stay, as its other guesses do.
func (t *throttle) succeeded(name, addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.entries, "n\x00"+name)
	delete(t.entries, "p\x00"+name+"\x00"+addr)
	if e := t.entries["a\x00"+addr]; e != nil {
		if e.fails = e.failures(now) - 1; e.fails < 0.5 {
			delete(t.entries, "a\x00"+addr)
		}
	}
}

// check runs the password check, at most throttleChecks at a time.
func (t *throttle) check(ctx context.Context, f func() bool) (bool, error) {
	select {
	case t.checks <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-t.checks }()
	return f(), nil
}
