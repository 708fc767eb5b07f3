package watchdog

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// sentLog records what a Notifier sends.
type sentLog struct {
	mu   sync.Mutex
	sent []string
	got  chan struct{}
}

func newSentLog() *sentLog { return &sentLog{got: make(chan struct{}, 100)} }

func (s *sentLog) Send(state string) error {
	s.mu.Lock()
	s.sent = append(s.sent, state)
	s.mu.Unlock()
	s.got <- struct{}{}
	return nil
}

// waitFor waits until n messages in all were sent.
func (s *sentLog) waitFor(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		s.mu.Lock()
		sent := slices.Clone(s.sent)
		s.mu.Unlock()
		if len(sent) >= n {
			return sent
		}
		select {
		case <-s.got:
		case <-deadline:
			t.Fatalf("sent %q, want %d messages", sent, n)
		}
	}
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }

func TestNotifierPacesPings(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	out := newSentLog()
	n := New(Options{To: out, Interval: 8 * time.Second, Now: clock.Now})
	if got := n.Every(); got != 2*time.Second {
		t.Errorf("Every() = %v, want 2s (a quarter of the interval)", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); n.Run(ctx) }()
	defer func() { cancel(); <-done }()

	// Frames before the first one drawn ping nobody.
	n.Ping()
	n.Ready()
	if got := out.waitFor(t, 1); !slices.Equal(got, []string{StateReady}) {
		t.Fatalf("after Ready: %q", got)
	}
	// The loop turns every second; a ping goes at most every 4 s.
	want := []string{StateReady}
	for sec := range 13 {
		n.Ready() // only the first counts
		n.Ping()
		if sec%4 == 0 {
			want = append(want, StatePing)
			if got := out.waitFor(t, len(want)); !slices.Equal(got, want) {
				t.Fatalf("at %d s: sent %q, want %q", sec, got, want)
			}
		}
		clock.t = clock.t.Add(time.Second)
	}
	if err := n.Stopping(); err != nil {
		t.Fatal(err)
	}
	want = append(want, StateStopping)
	if got := out.waitFor(t, len(want)); !slices.Equal(got, want) {
		t.Fatalf("sent %q, want %q", got, want)
	}
}

func TestNotifierWithoutIntervalOnlySaysReady(t *testing.T) {
	out := newSentLog()
	n := New(Options{To: out})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); n.Run(ctx) }()
	n.Ready()
	for range 10 {
		n.Ping()
	}
	if err := n.Stopping(); err != nil {
		t.Fatal(err)
	}
	out.waitFor(t, 2)
	cancel()
	<-done
	got := out.waitFor(t, 0)
	slices.Sort(got) // Stopping is sent at once, Ready by Run
	if !slices.Equal(got, []string{StateReady, StateStopping}) {
		t.Errorf("sent %q, want READY=1 and STOPPING=1 only", got)
	}
}

// TestSystemdSocket: with NOTIFY_SOCKET and WATCHDOG_USEC set, the
// notifier talks to a real unix datagram socket as systemd's.
func TestSystemdSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify")
	sock, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	t.Setenv("NOTIFY_SOCKET", path)
	t.Setenv("WATCHDOG_USEC", "2000000")
	t.Setenv(AddrEnv, "")
	n, err := FromEnvironment(nil)
	if err != nil || n == nil {
		t.Fatalf("FromEnvironment: %v, %v", n, err)
	}
	if n.Interval() != 2*time.Second {
		t.Errorf("interval %v, want 2s", n.Interval())
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go n.Run(ctx)
	n.Ready()
	n.Ping()
	if err := n.Stopping(); err != nil {
		t.Fatal(err)
	}
	var got []string
	buf := make([]byte, 256)
	for len(got) < 3 {
		_ = sock.SetReadDeadline(time.Now().Add(5 * time.Second))
		k, err := sock.Read(buf)
		if err != nil {
			t.Fatalf("after %q: %v", got, err)
		}
		got = append(got, string(buf[:k]))
	}
	slices.Sort(got) // Stopping is sent at once, the others by Run
	if want := []string{StateReady, StateStopping, StatePing}; !slices.Equal(got, want) {
		t.Errorf("socket got %q, want %q", got, want)
	}
}

func TestFromEnvironment(t *testing.T) {
	l, err := Listen(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tests := []struct {
		name    string
		env     map[string]string
		want    string // "", "systemd", "udp"
		wantErr string
	}{
		{"nothing supervises", map[string]string{}, "", ""},
		{"systemd", map[string]string{"NOTIFY_SOCKET": "/run/systemd/notify", "WATCHDOG_USEC": "30000000"}, "systemd", ""},
		{"supervisor", map[string]string{AddrEnv: l.Addr(), TokenEnv: "abc", "WATCHDOG_USEC": "30000000"}, "udp", ""},
		{"supervisor before systemd", map[string]string{AddrEnv: l.Addr(), TokenEnv: "abc", "NOTIFY_SOCKET": "/run/systemd/notify"}, "udp", ""},
		{"supervisor without token", map[string]string{AddrEnv: l.Addr()}, "", "missing or malformed token"},
		{"supervisor off the machine", map[string]string{AddrEnv: "192.0.2.1:5000", TokenEnv: "abc"}, "", "not a loopback address"},
		{"bad interval", map[string]string{"NOTIFY_SOCKET": "/run/systemd/notify", "WATCHDOG_USEC": "soon"}, "", "WATCHDOG_USEC"},
		{"another process's watchdog", map[string]string{"NOTIFY_SOCKET": "/run/systemd/notify", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, "systemd", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", AddrEnv, TokenEnv} {
				t.Setenv(k, tc.env[k])
				if tc.env[k] == "" {
					os.Unsetenv(k)
				}
			}
			n, err := FromEnvironment(nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got string
			if n != nil {
				switch n.to.(type) {
				case systemdSender:
					got = "systemd"
				case *UDPSender:
					got = "udp"
				}
			}
			if got != tc.want {
				t.Errorf("sender %q, want %q", got, tc.want)
			}
			if _, ok := os.LookupEnv(TokenEnv); ok {
				t.Error("the token stays in the environment")
			}
			if tc.env["WATCHDOG_PID"] != "" && n.Interval() != 0 {
				t.Errorf("interval %v for another process's watchdog, want none", n.Interval())
			}
		})
	}
}

// TestListenerTakesOnlyTheChildsToken: messages with the token of the
// child started last get through; without it, with a wrong or an earlier
// one, or too long, they are dropped.
func TestListenerTakesOnlyTheChildsToken(t *testing.T) {
	l, err := Listen(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	msgs := make(chan Message, 10)
	go func() {
		for {
			m, err := l.Read()
			if err != nil {
				close(msgs)
				return
			}
			msgs <- m
		}
	}()
	first, env1, err := l.Arm(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	token1 := envValue(t, env1, TokenEnv)
	if got := envValue(t, env1, IntervalEnv); got != "1000000" {
		t.Errorf("WATCHDOG_USEC=%s, want 1000000", got)
	}
	old, err := DialUDP(envValue(t, env1, AddrEnv), token1)
	if err != nil {
		t.Fatal(err)
	}
	send(t, old, StateReady)
	expect(t, msgs, Message{Child: first, States: []string{StateReady}})

	second, env2, err := l.Arm(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if token2 := envValue(t, env2, TokenEnv); token2 == token1 || len(token2) != 64 {
		t.Fatalf("second token %q (first %q): want a new 32-byte one", token2, token1)
	}
	cur, err := DialUDP(l.Addr(), envValue(t, env2, TokenEnv))
	if err != nil {
		t.Fatal(err)
	}
	forged, err := DialUDP(l.Addr(), strings.Repeat("0", 64))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := net.Dial("udp", l.Addr())
	if err != nil {
		t.Fatal(err)
	}
	send(t, old, StatePing)    // an earlier child
	send(t, forged, StatePing) // a guess
	if _, err := raw.Write([]byte(StatePing)); err != nil {
		t.Fatal(err)
	}
	send(t, cur, strings.Repeat("X", maxMessage)) // too long
	send(t, cur, StateReady+"\n"+StatePing)
	expect(t, msgs, Message{Child: second, States: []string{StateReady, StatePing}})
	if got := l.Refused(); got != 4 {
		t.Errorf("refused %d datagrams, want 4", got)
	}
	l.Close()
	if _, ok := <-msgs; ok {
		t.Error("a message after close")
	}
}

func send(t *testing.T, s *UDPSender, state string) {
	t.Helper()
	if err := s.Send(state); err != nil {
		t.Fatal(err)
	}
}

func expect(t *testing.T, msgs <-chan Message, want Message) {
	t.Helper()
	select {
	case m := <-msgs:
		if m.Child != want.Child || !slices.Equal(m.States, want.States) {
			t.Errorf("got %+v, want %+v", m, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no message; want %+v", want)
	}
}

func envValue(t *testing.T, env []string, key string) string {
	t.Helper()
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v
		}
	}
	t.Fatalf("no %s in %q", key, env)
	return ""
}
