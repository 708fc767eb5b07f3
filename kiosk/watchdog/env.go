package watchdog

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/coreos/go-systemd/v22/daemon"
)

// The environment `kiosk supervise` gives its child (see Listener.Arm).
const (
	// AddrEnv names the supervisor's loopback UDP address.
	AddrEnv = "KIOSK_NOTIFY_ADDR"
	// TokenEnv names the token every message must carry.
	TokenEnv = "KIOSK_NOTIFY_TOKEN"
	// IntervalEnv is systemd's name for the watchdog interval in
	// microseconds; the supervisor sets it too.
	IntervalEnv = "WATCHDOG_USEC"
)

// FromEnvironment returns a Notifier for the supervisor named in the
// environment: `kiosk supervise` (KIOSK_NOTIFY_ADDR and KIOSK_NOTIFY_TOKEN)
// or systemd (NOTIFY_SOCKET), with the watchdog interval from
// WATCHDOG_USEC. It returns nil and no error when nothing supervises the
// process. The token is removed from the environment once read, so that
// programs the player starts cannot ping for it.
func FromEnvironment(log *slog.Logger) (*Notifier, error) {
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		return nil, fmt.Errorf("watchdog: %s=%q: %w", IntervalEnv, os.Getenv(IntervalEnv), err)
	}
	var to Sender
	switch {
	case os.Getenv(AddrEnv) != "":
		token := os.Getenv(TokenEnv)
		_ = os.Unsetenv(TokenEnv)
		s, err := DialUDP(os.Getenv(AddrEnv), token)
		if err != nil {
			return nil, err
		}
		to = s
	case os.Getenv("NOTIFY_SOCKET") != "":
		to = systemdSender{}
	default:
		return nil, nil
	}
	return New(Options{To: to, Interval: interval, Log: log}), nil
}

// systemdSender sends to systemd's notify socket through go-systemd.
type systemdSender struct{}

func (systemdSender) Send(state string) error {
	sent, err := daemon.SdNotify(false, state)
	if err != nil {
		return fmt.Errorf("notify socket %s: %w", os.Getenv("NOTIFY_SOCKET"), err)
	}
	if !sent {
		return errors.New("NOTIFY_SOCKET is not set")
	}
	return nil
}

// UDPSender sends notify messages to `kiosk supervise` over loopback UDP.
type UDPSender struct {
	conn  *net.UDPConn
	token string
}

// DialUDP returns a sender to the supervisor at addr, which must be a
// loopback address (the token must not leave the machine), with token.
func DialUDP(addr, token string) (*UDPSender, error) {
	if token == "" || strings.ContainsAny(token, "\n") {
		return nil, fmt.Errorf("watchdog: %s: missing or malformed token", TokenEnv)
	}
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("watchdog: %s=%q: %w", AddrEnv, addr, err)
	}
	if !ua.IP.IsLoopback() {
		return nil, fmt.Errorf("watchdog: %s=%q: not a loopback address", AddrEnv, addr)
	}
	conn, err := net.DialUDP("udp", nil, ua)
	if err != nil {
		return nil, fmt.Errorf("watchdog: %s=%q: %w", AddrEnv, addr, err)
	}
	return &UDPSender{conn: conn, token: token}, nil
}

// Send sends state with the token.
func (s *UDPSender) Send(state string) error {
	if _, err := s.conn.Write([]byte(s.token + "\n" + state)); err != nil {
		return fmt.Errorf("supervisor %s: %w", s.conn.RemoteAddr(), err)
	}
	return nil
}

// Close closes the socket.
func (s *UDPSender) Close() error { return s.conn.Close() }
