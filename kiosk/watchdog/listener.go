package watchdog

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxMessage bounds a notify datagram; anything longer is refused.
const maxMessage = 512

// Message is an authentic notify message received by a Listener.
type Message struct {
	// Child is the start it came from: the value Arm returned.
	Child uint64
	// States are its lines, such as "READY=1" and "WATCHDOG=1".
	States []string
}

// Listener is the supervisor's end: a loopback UDP socket that accepts
// messages carrying the token of the child started last.
type Listener struct {
	conn *net.UDPConn
	log  *slog.Logger
	buf  []byte // Read's

	mu      sync.Mutex
	token   []byte
	child   uint64
	refused int
}

// Listen opens a Listener on a free loopback port.
func Listen(log *slog.Logger) (*Listener, error) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, fmt.Errorf("watchdog: listen on loopback: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	return &Listener{conn: conn, log: log, buf: make([]byte, maxMessage+1)}, nil
}

// Addr is the address children send to.
func (l *Listener) Addr() string { return l.conn.LocalAddr().String() }

// Arm makes a new random token for the next child, so that messages with
// an earlier one are refused from now on. It returns the child's number
// (see Message.Child) and the environment to start it with (the address,
// the token, and the interval as WATCHDOG_USEC; interval zero asks for no
// pings).
func (l *Listener) Arm(interval time.Duration) (child uint64, env []string, err error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return 0, nil, fmt.Errorf("watchdog: token: %w", err)
	}
	token := hex.EncodeToString(raw)
	l.mu.Lock()
	l.child++
	l.token = []byte(token)
	child = l.child
	l.mu.Unlock()
	env = []string{AddrEnv + "=" + l.Addr(), TokenEnv + "=" + token}
	if interval > 0 {
		env = append(env, IntervalEnv+"="+strconv.FormatInt(interval.Microseconds(), 10))
	}
	return child, env, nil
}

// Read returns the next authentic message; it drops the others (no token,
// a wrong or earlier token, too long). It returns an error once the
// Listener is closed. Call it from one goroutine.
func (l *Listener) Read() (Message, error) {
	for {
		n, from, err := l.conn.ReadFromUDP(l.buf)
		if err != nil {
			return Message{}, err
		}
		if m, ok := l.check(l.buf[:n]); ok {
			return m, nil
		}
		l.mu.Lock()
		l.refused++
		first := l.refused == 1
		l.mu.Unlock()
		if first {
			l.log.Warn("watchdog: message without the child's token refused", "from", from)
		} else {
			l.log.Debug("watchdog: message without the child's token refused", "from", from)
		}
	}
}

// check authenticates a datagram and splits its states.
func (l *Listener) check(b []byte) (Message, bool) {
	if len(b) > maxMessage {
		return Message{}, false
	}
	token, rest, ok := strings.Cut(string(b), "\n")
	if !ok {
		return Message{}, false
	}
	l.mu.Lock()
	want, child := l.token, l.child
	l.mu.Unlock()
	if len(want) == 0 || subtle.ConstantTimeCompare([]byte(token), want) != 1 {
		return Message{}, false
	}
	var states []string
	for s := range strings.SplitSeq(rest, "\n") {
		if s != "" {
			states = append(states, s)
		}
	}
	return Message{Child: child, States: states}, true
}

// Refused is how many datagrams were dropped so far.
func (l *Listener) Refused() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refused
}

// Close closes the socket; a blocked Read returns.
func (l *Listener) Close() error { return l.conn.Close() }
