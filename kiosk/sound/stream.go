package sound

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/ebitengine/oto/v3"
)

// Stream is PCM (signed 16-bit little-endian, stereo, at the speaker's
// SampleRate) playing from a reader alongside any narration: a video's
// sound, its position the clock the pictures follow.
//
// The reader is read on the stream's own goroutine into a buffer of a
// quarter of a second, which the device's player takes from without
// waiting: oto reads every player's source on one goroutine, so a source
// that blocks (a decoder that stalls) would otherwise silence the
// narration too. The sound starts once that buffer holds an eighth of a
// second or the reader has ended.
type Stream struct {
	s    *Speaker
	name string
	src  *pcmBuffer
	p    *oto.Player
	rate int

	mu      sync.Mutex
	playing bool          // the device's player has been started
	closed  bool          // Close was called
	last    time.Duration // the last Position, which never goes back
	ended   bool          // the end was logged
}

// Stream plays PCM from r (s16le, SampleRate, 2 channels) alongside the
// narration until r ends or Close; name says where the sound comes from,
// for the log. It returns at once. With no device, or one that has
// failed, the error wraps ErrNoDevice.
func (s *Speaker) Stream(name string, r io.Reader) (*Stream, error) {
	if s == nil {
		return nil, fmt.Errorf("stream %s: %w", name, ErrNoDevice)
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("stream %s: %w", name, err)
	}
	second := s.opts.SampleRate * 4
	st := &Stream{
		s:    s,
		name: name,
		src:  newPCMBuffer(second / 4 / 4 * 4),
		rate: s.opts.SampleRate,
	}
	st.p = s.out.NewPlayer(st.src)
	st.p.SetBufferSize(second / 8 / 4 * 4)
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil, fmt.Errorf("stream %s: the speaker is closed", name)
	}
	if s.streams == nil {
		s.streams = map[*Stream]struct{}{}
	}
	s.streams[st] = struct{}{}
	s.mu.Unlock()
	s.opts.Log.Debug("stream plays", "file", name, "rate", st.rate)
	go st.pump(r, second/8/4*4)
	s.poke()
	return st, nil
}

// SampleRate is the rate the speaker plays at: the rate a Stream's PCM
// must have. A nil speaker's is DefaultSampleRate.
func (s *Speaker) SampleRate() int {
	if s == nil {
		return DefaultSampleRate
	}
	return s.opts.SampleRate
}

// paceLead is how far ahead of real time (at paceRate) a stream hands
// sound to the device's player at most; paceRate, how much faster than
// real time. A device that plays in real time never meets the bound; one
// that takes sound as fast as it is given (ALSA's null device does) no
// longer has a decoder decode a whole clip's sound flat out beside the
// pictures.
const (
	paceLead = 500 * time.Millisecond
	paceRate = 1.25
)

// pump reads r into the stream's buffer until r ends or the stream is
// closed, and starts the device's player once prime bytes are there. It
// reads no faster than paceRate times real time, after paceLead.
func (st *Stream) pump(r io.Reader, prime int) {
	buf := make([]byte, 16<<10)
	var read int64
	began := time.Now()
	perSecond := float64(st.rate * 4)
	for {
		room := st.src.waitRoom()
		if room == 0 {
			return // closed
		}
		ahead := time.Duration(float64(read)/perSecond/paceRate*float64(time.Second)) - paceLead - time.Since(began)
		if ahead > 0 {
			time.Sleep(ahead)
		}
		n, err := r.Read(buf[:min(room, len(buf))])
		read += int64(n)
		st.src.write(buf[:n])
		if err != nil && !errors.Is(err, io.EOF) {
			st.s.opts.Log.Error("stream cut short: its source failed", "file", st.name, "err", err)
		}
		if err != nil {
			st.src.end()
		}
		if err != nil || st.src.buffered() >= prime {
			st.start()
		}
		if err != nil {
			return
		}
	}
}

// start starts the device's player, once (its first reads take what is
// buffered, without waiting).
func (st *Stream) start() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.playing || st.closed {
		return
	}
	st.playing = true
	st.p.Play()
	st.s.poke()
}

// Position is how much of the sound has played: the bytes handed to the
// device's player less those it still holds, as time at the speaker's
// rate. It never goes back.
func (st *Stream) Position() time.Duration {
	handed := st.src.taken()
	played := handed - int64(st.p.BufferedSize())
	st.mu.Lock()
	defer st.mu.Unlock()
	if d := time.Duration(max(played, 0)/4) * time.Second / time.Duration(st.rate); d > st.last {
		st.last = d
	}
	return st.last
}

// Done reports whether the stream has ended: r ended and everything was
// played, or the stream was closed, or the device has failed.
func (st *Stream) Done() bool {
	if st.s.Err() != nil {
		return true
	}
	st.mu.Lock()
	playing, closed := st.playing, st.closed
	st.mu.Unlock()
	if closed {
		return true
	}
	if !playing || !st.src.drained() || st.p.IsPlaying() {
		return false
	}
	st.mu.Lock()
	if !st.ended {
		st.ended = true
		st.s.opts.Log.Debug("stream ended", "file", st.name, "played", st.last)
	}
	st.mu.Unlock()
	return true
}

// Close stops the stream at once. The stream's goroutine ends at its
// next read of r returning: a reader that may block for long (a pipe from
// a stalled decoder) should be closed by its owner too. Safe to call more
// than once.
func (st *Stream) Close() error {
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return nil
	}
	st.closed = true
	st.src.close()
	err := st.p.Close()
	st.mu.Unlock()
	st.s.mu.Lock()
	delete(st.s.streams, st)
	st.s.mu.Unlock()
	st.s.poke()
	if err != nil {
		return fmt.Errorf("stream %s: %w", st.name, err)
	}
	return nil
}

// pcmBuffer is a ring of PCM between a stream's goroutine, which writes,
// and the device's player, which reads without waiting (nothing there
// yet reads as 0 bytes: a moment of silence).
type pcmBuffer struct {
	mu     sync.Mutex
	buf    []byte
	head   int // where the next read starts
	n      int // bytes held
	total  int64
	eof    bool
	closed bool
	room   chan struct{} // a read made room, or closed
}

func newPCMBuffer(size int) *pcmBuffer {
	return &pcmBuffer{buf: make([]byte, size), room: make(chan struct{}, 1)}
}

// Read takes what is there, in whole stereo frames; io.EOF once the
// source has ended and all was taken.
func (b *pcmBuffer) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, io.EOF
	}
	n := min(len(p), b.n)
	if !b.eof {
		n -= n % 4 // a frame cut would be a click; its rest comes next
	}
	if n == 0 {
		if b.eof {
			return 0, io.EOF
		}
		return 0, nil
	}
	first := copy(p[:n], b.buf[b.head:])
	copy(p[first:n], b.buf[:n-first])
	b.head = (b.head + n) % len(b.buf)
	b.n -= n
	b.total += int64(n)
	select {
	case b.room <- struct{}{}:
	default:
	}
	return n, nil
}

// waitRoom waits for room to write; 0 once closed.
func (b *pcmBuffer) waitRoom() int {
	for {
		b.mu.Lock()
		closed, room := b.closed, len(b.buf)-b.n
		b.mu.Unlock()
		if closed {
			return 0
		}
		if room > 0 {
			return room
		}
		<-b.room
	}
}

// write adds p, which fits (waitRoom said so).
func (b *pcmBuffer) write(p []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	tail := (b.head + b.n) % len(b.buf)
	first := copy(b.buf[tail:], p)
	copy(b.buf, p[first:])
	b.n += len(p)
}

func (b *pcmBuffer) end() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.eof = true
}

func (b *pcmBuffer) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	select {
	case b.room <- struct{}{}:
	default:
	}
}

func (b *pcmBuffer) buffered() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

// taken is the bytes read so far.
func (b *pcmBuffer) taken() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total
}

// drained reports whether the source ended and all was read.
func (b *pcmBuffer) drained() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.eof && b.n == 0
}
