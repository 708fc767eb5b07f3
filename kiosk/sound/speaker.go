package sound

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/ebitengine/oto/v3"
)

// DefaultSampleRate is the rate sound is sent to the device at. Speech
// needs no more; files at other rates are resampled by Ebiten's decoders.
const DefaultSampleRate = 44100

// ErrNoDevice is wrapped by every error that comes of having no sound
// device: none found at start, or the one found has failed since.
var ErrNoDevice = errors.New("no sound device")

// pollEvery is how often a playing narration is checked for its end.
const pollEvery = 50 * time.Millisecond

// Options configure a Speaker. Zero values take the defaults.
type Options struct {
	// SampleRate is the device's rate (DefaultSampleRate).
	SampleRate int
	// OpenTimeout bounds the wait for the device to open (5 s).
	OpenTimeout time.Duration
	// ProbeTimeout bounds New's probe (DefaultProbeTimeout).
	ProbeTimeout time.Duration
	// Log gets a record (debug) of each narration started, and one when a
	// narration is cut short or the device fails; nil: discarded.
	Log *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.SampleRate == 0 {
		o.SampleRate = DefaultSampleRate
	}
	if o.OpenTimeout == 0 {
		o.OpenTimeout = 5 * time.Second
	}
	if o.ProbeTimeout == 0 {
		o.ProbeTimeout = DefaultProbeTimeout
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// Speaker plays one narration at a time on the sound device. Its methods
// may be called from any goroutine and return at once: Play checks the
// narration's header, and the speaker's own goroutine decodes it and hands
// sound to the device. The methods of a nil *Speaker act as a speaker with
// no device.
type Speaker struct {
	out  *oto.Context
	opts Options

	mu      sync.Mutex
	gen     uint64   // counts Play and Stop calls
	next    *request // the narration Play asked for, not yet taken; nil: silence
	playing bool
	lost    error                // the device's failure, once seen
	streams map[*Stream]struct{} // streams not closed
	closing bool                 // Close was called: no more streams

	wake     chan struct{}
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// request is a narration Play asked for.
type request struct {
	name string // for the log
	wav  []byte
}

// New probes the sound device in a child process (see Probe; program is
// this program, which must call ServeProbe first thing) and, when the probe
// plays, opens the device. With no device the error wraps ErrNoDevice and
// says why; the caller plays on without sound.
func New(ctx context.Context, program string, opts Options) (*Speaker, error) {
	opts = opts.withDefaults()
	if err := Probe(ctx, program, opts.SampleRate, opts.ProbeTimeout); err != nil {
		return nil, err
	}
	return Open(opts)
}

// Open opens the sound device in this process. A process opens it at most
// once (a limit of oto, which Ebiten's audio is built on): a second Open
// fails. Open does not protect the process from a sound library that
// crashes or hangs; New probes first for that.
func Open(opts Options) (*Speaker, error) {
	opts = opts.withDefaults()
	out, ready, err := oto.NewContext(&oto.NewContextOptions{
		SampleRate:   opts.SampleRate,
		ChannelCount: 2,
		Format:       oto.FormatSignedInt16LE,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoDevice, err)
	}
	timer := time.NewTimer(opts.OpenTimeout)
	defer timer.Stop()
	select {
	case <-ready:
	case <-timer.C:
		return nil, fmt.Errorf("%w: the device did not open in %v", ErrNoDevice, opts.OpenTimeout)
	}
	if err := out.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoDevice, err)
	}
	// Silence is not sent while nothing plays: no CPU spent on it (a
	// device that does not pace writes, such as ALSA's null device, would
	// otherwise take a whole core).
	if err := out.Suspend(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoDevice, err)
	}
	s := &Speaker{
		out:  out,
		opts: opts,
		wake: make(chan struct{}, 1),
		quit: make(chan struct{}),
		done: make(chan struct{}),
	}
	go s.run()
	return s, nil
}

// Play starts the narration wav (a WAV file's bytes, which the speaker
// keeps and does not change; name says where they come from, for errors
// and the log), stopping any other. The bytes must pass CheckWAV, which
// reads the header alone: a file that does not is refused here with an
// error naming it (wrapping ErrFormat), and the narration playing stops
// all the same. The decoding happens on the speaker's goroutine as the
// sound goes out. Play of the bytes that played last (the same slice, as
// Replay asks) starts them again from the beginning without allocating.
// With no device the error wraps ErrNoDevice.
func (s *Speaker) Play(name string, wav []byte) error {
	if s == nil {
		return fmt.Errorf("narration %s: %w", name, ErrNoDevice)
	}
	if err := s.Err(); err != nil {
		return fmt.Errorf("narration %s: %w", name, err)
	}
	f, err := CheckWAV(wav)
	if err != nil {
		s.Stop()
		return fmt.Errorf("narration %s: %w", name, err)
	}
	select {
	case <-s.quit:
		return fmt.Errorf("narration %s: the speaker is closed", name)
	default:
	}
	s.opts.Log.Debug("narration plays", "file", name, "rate", f.Rate, "channels", f.Channels,
		"duration", f.Duration().Round(time.Millisecond))
	s.mu.Lock()
	s.gen++
	s.next = &request{name: name, wav: wav}
	s.playing = true
	s.mu.Unlock()
	s.poke()
	return nil
}

// Check is CheckWAV, for a player that checks narration before offering
// it.
func (s *Speaker) Check(wav []byte) error {
	_, err := CheckWAV(wav)
	return err
}

// Stop silences the narration playing, if any.
func (s *Speaker) Stop() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.gen++
	s.next = nil
	s.playing = false
	s.mu.Unlock()
	s.poke()
}

// Playing reports whether a narration plays: true from Play until the
// sound has ended (seen within 50 ms) or Stop.
func (s *Speaker) Playing() bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.playing
}

// Err is nil while the device works, and wraps ErrNoDevice once it has
// failed (unplugged, or taken away by the system); the speaker is silent
// from then on.
func (s *Speaker) Err() error {
	if s == nil {
		return ErrNoDevice
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lost
}

// Close stops the sound (narration and streams) and the speaker's
// goroutine; Play and Stream refuse from then on. The device stays open
// until the process ends (oto cannot close it).
func (s *Speaker) Close() {
	if s == nil {
		return
	}
	s.Stop()
	s.mu.Lock()
	s.closing = true
	streams := make([]*Stream, 0, len(s.streams))
	for st := range s.streams {
		streams = append(streams, st)
	}
	s.mu.Unlock()
	for _, st := range streams {
		st.Close()
	}
	s.stopOnce.Do(func() { close(s.quit) })
	<-s.done
}

func (s *Speaker) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run hands sound to the device: it starts what Play asked for, notices
// the end of a narration and of streams, and keeps the device resumed
// while anything plays and suspended while silent.
func (s *Speaker) run() {
	defer close(s.done)
	var t track
	var curGen uint64
	var streams []*Stream
	poll := time.NewTicker(pollEvery)
	poll.Stop()
	defer poll.Stop()
	defer t.drop()
	for {
		select {
		case <-s.quit:
			return
		case <-s.wake:
		case <-poll.C:
		}
		s.mu.Lock()
		gen, next := s.gen, s.next
		s.next = nil
		s.mu.Unlock()
		failed := s.out.Err()
		if gen != curGen {
			curGen = gen
			t.pause()
			if next != nil && failed == nil {
				if failed = s.out.Resume(); failed == nil {
					t.start(s.out, next, s.opts)
				}
			}
		}
		if t.playing && (!t.p.IsPlaying() || failed != nil) {
			t.pause()
		}
		var streaming bool
		streams, streaming = s.streaming(streams)
		if streaming && failed == nil {
			failed = s.out.Resume()
		}
		if t.playing && failed == nil {
			poll.Reset(pollEvery)
			continue
		}
		if streaming && failed == nil {
			poll.Reset(pollEvery)
		} else {
			poll.Stop()
			if failed == nil {
				failed = s.out.Suspend()
			}
		}
		s.mu.Lock()
		if s.gen == curGen {
			s.playing = false
		}
		if failed != nil && s.lost == nil {
			s.lost = fmt.Errorf("%w: the device failed: %w", ErrNoDevice, failed)
			s.playing = false
			s.opts.Log.Error("sound device failed; narration and streams are silent from now on", "err", failed)
		}
		s.mu.Unlock()
	}
}

// streaming reports whether a stream plays, forgetting those that have
// ended; streams is the caller's scratch slice, returned for reuse.
func (s *Speaker) streaming(streams []*Stream) ([]*Stream, bool) {
	s.mu.Lock()
	streams = streams[:0]
	for st := range s.streams {
		streams = append(streams, st)
	}
	s.mu.Unlock()
	playing := false
	for _, st := range streams {
		if !st.Done() {
			playing = true
			continue
		}
		s.mu.Lock()
		delete(s.streams, st)
		s.mu.Unlock()
	}
	clear(streams)
	return streams, playing
}

// track is the last narration's player, kept (paused once it ends) for
// Replay; used by the speaker's goroutine alone.
type track struct {
	p       *oto.Player
	wav     []byte // the bytes p plays
	playing bool
}

// start plays r: the kept player from its beginning when r's bytes are
// the ones it plays, else a new one (the kept one dropped).
func (t *track) start(out *oto.Context, r *request, opts Options) {
	if t.p != nil && sameBytes(t.wav, r.wav) {
		// The guard's Seek, called by the player under its lock, starts
		// the stream again.
		if _, err := t.p.Seek(0, io.SeekStart); err == nil {
			t.p.Play()
			t.playing = true
			return
		}
	}
	t.drop()
	g, err := newGuard(r.wav, opts.SampleRate, r.name, opts.Log)
	if err != nil {
		opts.Log.Error("narration cut short: the file stops decoding", "file", r.name, "err", err)
		return
	}
	t.p, t.wav = out.NewPlayer(g), r.wav
	t.p.Play()
	t.playing = true
}

func (t *track) pause() {
	if t.p != nil {
		t.p.Pause()
	}
	t.playing = false
}

func (t *track) drop() {
	if t.p != nil {
		t.p.Pause()
		_ = t.p.Close() // its error is the source's, which guard hides
	}
	*t = track{}
}

// sameBytes reports whether a and b are the same bytes in memory.
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && len(a) > 0 && &a[0] == &b[0]
}

// guard is a narration's decoded stream that ends, instead of failing,
// where its bytes stop decoding: a player reading a failing source would
// stop with an error, and a decoder's panic would end the program. It says
// so once. The device's player reads it without holding its own lock, so
// the guard has one: a Replay's Seek may come in the middle of a read.
type guard struct {
	mu   sync.Mutex
	wav  []byte // the narration's bytes, checked by CheckWAV
	rate int    // the device's
	r    io.Reader
	path string
	log  *slog.Logger
	done bool
}

// newGuard decodes the narration wav for a device at rate.
func newGuard(wav []byte, rate int, path string, log *slog.Logger) (*guard, error) {
	g := &guard{wav: wav, rate: rate, path: path, log: log}
	if _, err := g.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return g, nil
}

func (g *guard) Read(p []byte) (n int, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done {
		return 0, io.EOF
	}
	defer func() {
		if r := recover(); r != nil {
			g.fail(fmt.Errorf("decoder panic: %v", r))
			n, err = 0, io.EOF
		}
	}()
	n, err = g.r.Read(p)
	switch {
	case err == io.EOF:
		g.done = true
	case err != nil:
		g.fail(err)
		return n - n%4, io.EOF // whole stereo 16-bit frames
	}
	return n, err
}

// Seek to the start begins the narration again (Replay), with a decoder
// made afresh over the same bytes (Ebiten's resampler, seeked back, loses
// its place in the source); other positions are not sought.
func (g *guard) Seek(offset int64, whence int) (int64, error) {
	if offset != 0 || whence != io.SeekStart {
		return 0, fmt.Errorf("narration %s: only the start is sought", g.path)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	r, err := decode(g.wav, g.rate)
	if err != nil {
		return 0, err
	}
	g.r, g.done = r, false
	return 0, nil
}

func (g *guard) fail(err error) {
	g.done = true
	g.log.Error("narration cut short: the file stops decoding", "file", g.path, "err", err)
}
