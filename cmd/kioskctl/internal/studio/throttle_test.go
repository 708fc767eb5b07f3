package studio

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Guesses sent together are counted before any password is checked: of
// forty at once, one is checked.
func TestThrottleParallelGuesses(t *testing.T) {
	th := newThrottle()
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	var admitted atomic.Int32
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if th.begin("lan", fmt.Sprintf("10.0.0.%d", i%2), now) == 0 {
				admitted.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := admitted.Load(); n != 1 {
		t.Fatalf("%d of 40 parallel guesses admitted", n)
	}
}

// One guess at the right time, again and again, from another machine
// slows the guesser to one a minute but keeps the real user out for
// seconds at most; and once the guessing stops, the delay decays.
func TestThrottleLockoutDecays(t *testing.T) {
	th := newThrottle()
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	var maxUser time.Duration
	for range 120 {
		wait := th.begin("lan", "10.0.0.66", now)
		if wait > 0 {
			now = now.Add(wait)
			if th.begin("lan", "10.0.0.66", now) != 0 {
				t.Fatal("a guess after its wait still waits")
			}
		}
		if u := th.begin("lan", "10.0.0.7", now.Add(time.Millisecond)); u > maxUser {
			maxUser = u
		}
		now = now.Add(time.Second)
	}
	if g := th.begin("lan", "10.0.0.66", now); g < 50*time.Second {
		t.Errorf("after 120 guesses the guesser waits only %v", g)
	}
	if maxUser > throttleCleanCap {
		t.Errorf("the real user, from a machine that never failed, waited up to %v", maxUser)
	}
	if w := th.begin("lan", "10.0.0.66", now.Add(2*time.Hour)); w != 0 {
		t.Errorf("two hours after the last guess, still %v to wait", w)
	}
}

// A flood of names from many addresses does not clear the records of
// an address that failed again and again; the records kept are bounded.
func TestThrottleFloodKeepsRepeatedFailures(t *testing.T) {
	th := newThrottle()
	th.limit = 300
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	for fails := 0; fails < 8; {
		if w := th.begin("lan", "10.0.0.66", now); w > 0 {
			now = now.Add(w)
		} else {
			fails++
		}
	}
	for i := range 3000 {
		th.begin(fmt.Sprintf("name%d", i), fmt.Sprintf("10.1.%d.%d", i/250, i%250), now)
	}
	if n := len(th.entries); n > th.limit {
		t.Fatalf("%d records kept, limit %d", n, th.limit)
	}
	if w := th.begin("someone-else", "10.0.0.66", now); w < 30*time.Second {
		t.Fatalf("after the flood the guessing address waits %v", w)
	}
}

// At most two passwords are checked at a time.
func TestThrottleChecksAtATime(t *testing.T) {
	th := newThrottle()
	var in, most atomic.Int32
	var wg sync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			th.check(context.Background(), func() bool {
				n := in.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(5 * time.Millisecond)
				in.Add(-1)
				return false
			})
		}()
	}
	wg.Wait()
	if m := most.Load(); m != throttleChecks {
		t.Fatalf("%d checks at once, want %d", m, throttleChecks)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range throttleChecks {
		th.checks <- struct{}{}
	}
	if _, err := th.check(ctx, func() bool { return true }); err == nil {
		t.Fatal("a check past the limit with its request gone ran")
	}
}

// A right password is no failure: colleagues logging in one after another
// from one machine (a shared office PC) are never delayed, and a success
// clears the name's and the pair's failures but keeps the address's
// other ones.
func TestThrottleSuccessIsNoFailure(t *testing.T) {
	th := newThrottle()
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	for i := range 20 {
		name := fmt.Sprintf("nguoi-%d", i%4)
		if wait := th.begin(name, "10.0.0.5", now); wait != 0 {
			t.Fatalf("login %d of %s after %d successes waits %v", i, name, i, wait)
		}
		th.succeeded(name, "10.0.0.5", now)
		now = now.Add(100 * time.Millisecond)
	}
	if n := len(th.entries); n != 0 {
		t.Errorf("%d records left after successes only", n)
	}
	// Two wrong passwords of lan, then the right one: lan's and the
	// pair's records go, the address keeps its two failures.
	for range 2 {
		if wait := th.begin("lan", "10.0.0.5", now); wait != 0 {
			now = now.Add(wait)
			th.begin("lan", "10.0.0.5", now)
		}
		th.failed("lan", "10.0.0.5", now)
	}
	now = now.Add(2 * time.Second)
	if wait := th.begin("lan", "10.0.0.5", now); wait != 0 {
		t.Fatalf("third attempt waits %v", wait)
	}
	th.succeeded("lan", "10.0.0.5", now)
	if th.entries["n\x00lan"] != nil || th.entries["p\x00lan\x0010.0.0.5"] != nil {
		t.Error("a success kept the name's or the pair's failures")
	}
	if f := th.entries["a\x0010.0.0.5"].failures(now); f != 2 {
		t.Errorf("the address has %v failures after two wrong passwords and a right one, want 2", f)
	}
}
