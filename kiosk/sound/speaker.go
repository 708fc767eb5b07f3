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
	// MaxFileBytes is the largest file Play reads (DefaultMaxFileBytes).
	MaxFileBytes int64
	// MaxDuration is the longest sound Play plays (DefaultMaxDuration).
	MaxDuration time.Duration
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
	if o.MaxFileBytes == 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	if o.MaxDuration == 0 {
		o.MaxDuration = DefaultMaxDuration
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

// Speaker plays one narration file at a time on the sound device. Its
// methods may be called from any goroutine and return at once: the file is
// read and checked by Play, and sound is handed to the device by the
// speaker's own goroutine. The methods of a nil *Speaker act as a speaker
// with no device.
type Speaker struct {
	out  *oto.Context
	opts Options

	mu      sync.Mutex
	gen     uint64    // counts Play and Stop calls
	next    io.Reader // the sound Play asked for, not yet taken; nil: silence
	playing bool
	lost    error // the device's failure, once seen

	wake     chan struct{}
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
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

// Play starts the narration file at path, stopping any other. The file
// must be WAV (linear PCM, 8 or 16 bits, mono or stereo, any rate) or Ogg
// Vorbis (mono or stereo), recognised by its content; it is read whole
// (bounded by Options.MaxFileBytes) and its structure checked, so a
// malformed, truncated or oversized file is refused here with an error
// naming it (wrapping ErrFormat), and the narration playing stops all
// the same. With no device the error wraps ErrNoDevice.
func (s *Speaker) Play(path string) error {
	if s == nil {
		return fmt.Errorf("narration %s: %w", path, ErrNoDevice)
	}
	if err := s.Err(); err != nil {
		return fmt.Errorf("narration %s: %w", path, err)
	}
	stream, f, err := s.opts.load(path)
	if err != nil {
		s.Stop()
		return err
	}
	s.opts.Log.Debug("narration plays", "file", path, "format", f.kind, "rate", f.rate, "channels", f.channels,
		"duration", f.duration().Round(time.Millisecond))
	select {
	case <-s.quit:
		return fmt.Errorf("narration %s: the speaker is closed", path)
	default:
	}
	s.mu.Lock()
	s.gen++
	s.next = &guard{r: stream, path: path, log: s.opts.Log}
	s.playing = true
	s.mu.Unlock()
	s.poke()
	return nil
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

// Close stops the sound and the speaker's goroutine; Play refuses from
// then on. The device stays open until the process ends (oto cannot
// close it).
func (s *Speaker) Close() {
	if s == nil {
		return
	}
	s.Stop()
	s.stopOnce.Do(func() { close(s.quit) })
	<-s.done
}

// load reads, checks and opens for decoding the narration file at path.
func (o Options) load(path string) (io.Reader, format, error) {
	data, err := readFile(path, o.MaxFileBytes)
	if err != nil {
		return nil, format{}, fmt.Errorf("narration %s: %w", path, err)
	}
	f, err := check(data, o.MaxDuration)
	if err != nil {
		return nil, f, fmt.Errorf("narration %s: %w", path, err)
	}
	stream, err := decode(data, f, o.SampleRate)
	if err != nil {
		return nil, f, fmt.Errorf("narration %s: %w", path, err)
	}
	return stream, f, nil
}

func (s *Speaker) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run hands sound to the device: it starts what Play asked for, notices
// the end of a narration, and keeps the device suspended while silent.
func (s *Speaker) run() {
	defer close(s.done)
	var cur *oto.Player
	var curGen uint64
	poll := time.NewTicker(pollEvery)
	poll.Stop()
	defer poll.Stop()
	end := func() {
		if cur != nil {
			cur.Pause()
			_ = cur.Close() // its error is the source's, which guard hides
			cur = nil
		}
	}
	defer end()
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
			end()
			if next != nil && failed == nil {
				if failed = s.out.Resume(); failed == nil {
					cur = s.out.NewPlayer(next)
					cur.Play()
				}
			}
		}
		if cur != nil && (!cur.IsPlaying() || failed != nil) {
			end()
		}
		if cur != nil {
			poll.Reset(pollEvery)
			continue
		}
		poll.Stop()
		if failed == nil {
			failed = s.out.Suspend()
		}
		s.mu.Lock()
		if s.gen == curGen {
			s.playing = false
		}
		if failed != nil && s.lost == nil {
			s.lost = fmt.Errorf("%w: the device failed: %w", ErrNoDevice, failed)
			s.playing = false
			s.opts.Log.Error("sound device failed; narration is silent from now on", "err", failed)
		}
		s.mu.Unlock()
	}
}

// guard is a decoded stream that ends, instead of failing, where its file
// stops decoding: a player reading a failing source would stop with an
// error, and a decoder's panic would end the program. It says so once.
type guard struct {
	r    io.Reader
	path string
	log  *slog.Logger
	done bool
}

func (g *guard) Read(p []byte) (n int, err error) {
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

func (g *guard) fail(err error) {
	g.done = true
	g.log.Error("narration cut short: the file stops decoding", "file", g.path, "err", err)
}
