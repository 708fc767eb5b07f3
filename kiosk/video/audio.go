package video

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// audioMaxPixels caps the pictures the sound decoder's FFmpeg would
// allocate: those of a 4K screen. It decodes none (-skip_frame all:
// FFmpeg opens the video stream's decoder while it probes the file, and
// would decode a picture there); the cap is a second bound that no
// rendition's picture reaches, so FFmpeg does not complain of it.
const audioMaxPixels = 3840 * 2160

// AudioOptions configure StartAudio. Zero values take the defaults.
type AudioOptions struct {
	// Program is FFmpeg ("ffmpeg", found on PATH).
	Program string
	// Path is the file whose sound to decode, already checked against its
	// hash.
	Path string
	// File, when not nil, is Path opened and checked by the caller, read
	// as Options.File is.
	File *os.File
	// SampleRate is the PCM's rate (44100); Channels its channels (2).
	SampleRate, Channels int
	// StallTimeout bounds the wait for bytes while Read waits for them
	// (DefaultStallTimeout): a stalled FFmpeg is killed and Read fails.
	StallTimeout time.Duration
	// Log gets a record when the sound ends or fails; nil: discarded.
	Log *slog.Logger
}

// Audio is a file's sound decoded to PCM (signed 16-bit little-endian,
// channels interleaved) by an FFmpeg process of its own. Read is an
// io.Reader over FFmpeg's output pipe, which bounds what is decoded
// ahead; Close may be called from another goroutine.
type Audio struct {
	opts  AudioOptions
	ctx   context.Context
	proc  *process
	bytes atomic.Int64
	stall *time.Timer // runs while a Read waits; kills a stalled FFmpeg

	mu      sync.Mutex
	err     error // the end Read reports, once seen
	closed  bool
	reading bool // a Read waits for FFmpeg's output
	stalled bool // FFmpeg was killed for a stall
}

// StartAudio starts decoding the sound of o.Path and returns at once. A
// file FFmpeg cannot read, or one with no sound, is an error from Read
// (FFmpeg's own, naming the file), within the time FFmpeg takes to open
// the file; an error here is FFmpeg not starting at all.
func StartAudio(ctx context.Context, o AudioOptions) (*Audio, error) {
	o.Program = cmp.Or(o.Program, "ffmpeg")
	o.SampleRate = cmp.Or(o.SampleRate, 44100)
	o.Channels = cmp.Or(o.Channels, 2)
	o.StallTimeout = cmp.Or(o.StallTimeout, DefaultStallTimeout)
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	// -xerror and -threads 1 as for the pictures (one thread decodes AAC
	// at many times its speed).
	in, files := inputArgs(o.Path, o.File, "-c:a", "aac", "-threads", "1", "-skip_frame", "all", "-max_pixels", strconv.Itoa(audioMaxPixels))
	args := append([]string{"-nostdin", "-hide_banner", "-loglevel", "error", "-xerror"}, in...)
	args = append(args, "-vn", "-sn", "-map", "0:a:0", "-filter_threads", "1", "-f", "s16le",
		"-ar", strconv.Itoa(o.SampleRate), "-ac", strconv.Itoa(o.Channels), "pipe:1")
	proc, err := startProcess(ctx, o.Program, args, files)
	if err != nil {
		return nil, fmt.Errorf("%s: start the sound decoder: %w", o.Path, err)
	}
	a := &Audio{opts: o, ctx: ctx, proc: proc}
	a.stall = time.AfterFunc(o.StallTimeout, a.stalls)
	a.stall.Stop()
	return a, nil
}

// stalls kills FFmpeg when a Read has waited StallTimeout for its output;
// the Read then fails.
func (a *Audio) stalls() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.reading || a.closed {
		return
	}
	a.stalled = true
	_ = a.proc.kill()
}

// Read reads PCM. It returns io.EOF at the end of the sound, and an error
// naming the file when FFmpeg fails, no bytes come in StallTimeout (FFmpeg
// is killed), the context ends or Audio is closed. Reads may not run
// concurrently.
func (a *Audio) Read(p []byte) (int, error) {
	a.mu.Lock()
	if err := a.err; err != nil {
		a.mu.Unlock()
		return 0, err
	}
	a.reading = true
	a.mu.Unlock()
	a.stall.Reset(a.opts.StallTimeout)
	n, err := a.proc.stdout.Read(p)
	a.stall.Stop()
	a.mu.Lock()
	a.reading = false
	a.mu.Unlock()
	a.bytes.Add(int64(n))
	if err == nil {
		return n, nil
	}
	return n, a.end(err)
}

// end records how the sound ended, once, after FFmpeg's output has ended.
func (a *Audio) end(readErr error) error {
	waitErr := a.proc.wait()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return a.err
	}
	switch {
	case a.closed:
		a.err = fmt.Errorf("%s: the sound decoder is closed", a.opts.Path)
	case a.stalled:
		a.err = fmt.Errorf("%s: the sound decoder stalled: no sound in %v after %d bytes", a.opts.Path, a.opts.StallTimeout, a.bytes.Load())
	case a.ctx.Err() != nil:
		a.err = fmt.Errorf("%s: %w", a.opts.Path, a.ctx.Err())
	case waitErr != nil:
		a.err = fmt.Errorf("%s: %w", a.opts.Path, a.proc.failure(waitErr))
	case !errors.Is(readErr, io.EOF):
		a.err = fmt.Errorf("%s: read the sound decoder's output: %w", a.opts.Path, readErr)
	default:
		a.opts.Log.Debug("video sound ended", "file", a.opts.Path, "bytes", a.bytes.Load())
		a.err = io.EOF
		return a.err
	}
	a.opts.Log.Error("video sound failed", "file", a.opts.Path, "bytes", a.bytes.Load(), "err", a.err)
	return a.err
}

// Bytes is the number of PCM bytes read so far.
func (a *Audio) Bytes() int64 { return a.bytes.Load() }

// Close stops FFmpeg (its whole process group) and waits for it. Safe to
// call more than once, and while a Read is in progress (it returns an
// error).
func (a *Audio) Close() error {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	a.stall.Stop()
	err := a.proc.kill()
	a.proc.wait()
	if err != nil {
		return fmt.Errorf("%s: stop the sound decoder: %w", a.opts.Path, err)
	}
	return nil
}
