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
	"time"
)

// Defaults of Options.
const (
	DefaultStartTimeout = 5 * time.Second
	DefaultStallTimeout = 3 * time.Second
	DefaultAhead        = 4
)

// decodeThreads is FFmpeg's decoding threads: one. A constrained-baseline
// rendition at a wall's size decodes on one thread many times faster than
// it plays (measured: a 1536x768 clip at some 460 frames a second), and
// more threads cost more CPU for the same frames (some 30 % more with
// two) and a frame of delay and memory each, on a PC whose drawing
// (software GL) needs every core it can get. FFmpeg's default (one a core
// plus one) would be three.
const decodeThreads = 1

// Options configure a Decoder. Zero values take the defaults.
type Options struct {
	// Program is FFmpeg ("ffmpeg", found on PATH).
	Program string
	// Path is the file to decode, already checked against its hash.
	Path string
	// File, when not nil, is Path opened and checked by the caller: on
	// Linux FFmpeg reads this very file (the same inode, even if Path has
	// been replaced since), elsewhere Path. The caller keeps it and closes
	// it (FFmpeg has its own descriptor from the start).
	File *os.File
	// Width and Height are the rendition's frame size (even numbers); a
	// picture of another size is an error.
	Width, Height int
	// FPS is the rendition's frame rate, for the log.
	FPS int
	// StartTimeout bounds the wait for the first frame
	// (DefaultStartTimeout).
	StartTimeout time.Duration
	// StallTimeout bounds the wait between frames while the consumer waits
	// for one (DefaultStallTimeout).
	StallTimeout time.Duration
	// Ahead is how many frames are decoded ahead of the consumer
	// (DefaultAhead; at least 2).
	Ahead int
	// Log gets a record when the decoder starts, ends or fails; nil:
	// discarded.
	Log *slog.Logger
}

func (o Options) withDefaults() Options {
	o.Program = cmp.Or(o.Program, "ffmpeg")
	o.StartTimeout = cmp.Or(o.StartTimeout, DefaultStartTimeout)
	o.StallTimeout = cmp.Or(o.StallTimeout, DefaultStallTimeout)
	o.Ahead = max(cmp.Or(o.Ahead, DefaultAhead), 2)
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// Stride is the length of a row of a frame's planes for frames width
// pixels wide: width rounded up to a multiple of 8, so that a row is a
// whole number of RGBA texels.
func Stride(width int) int { return (width + 7) &^ 7 }

// Frame is one decoded picture, NV12 (YUV 4:2:0 with its chroma
// interleaved): the Y plane (Stride x Height bytes), then the chroma plane
// (Stride x Height/2 bytes: U and V in turn, a pair for every two columns
// of every two rows). Columns from Width to Stride are padding (FFmpeg
// pads on the right), so the whole buffer is an RGBA image of Stride/4 x
// Height*3/2 texels for upload, in which a pixel's U and V are in one
// texel.
type Frame struct {
	Index  int
	Stride int
	YUV    []byte
}

// Decoder decodes one file's pictures in an FFmpeg process. Its methods
// may be called from any goroutine; none but Wait and Close blocks.
type Decoder struct {
	opts   Options
	proc   *process
	stride int
	size   int // bytes a frame

	readerWake chan struct{} // a buffer or room for the reader
	watchWake  chan struct{} // the first frame came, or the consumer started waiting

	mu      sync.Mutex
	changed chan struct{} // closed and replaced, when Wait has taken it, at a change
	taken   bool          // Wait has taken changed
	free    []*Frame      // buffers for the reader; nil YUV until first used
	queue   []*Frame      // decoded, not yet taken, in Index order
	cur     *Frame        // the frame Frame last returned
	decoded int
	ended   bool // the stream ended cleanly
	err     error
	closed  bool
	started time.Time
	hungry  time.Time // when the consumer found no frame to take; zero: not waiting

	quit    chan struct{} // closed by Close
	readerD chan struct{} // the reader has ended (and waited for FFmpeg)
	watchD  chan struct{} // the watchdog has ended
	once    sync.Once
}

// args are FFmpeg's arguments for o (and the process's extra files):
// the input read as inputArgs says, its pictures no larger than the
// rendition's (-max_pixels: FFmpeg refuses a bigger picture before
// allocating it), raw NV12 frames on its output,
// the picture's size checked by a crop that fails on any other, padded on
// the right to stride. -xerror stops FFmpeg at the first error (a file cut
// short or corrupt), which would otherwise be skipped, the clip playing
// on with frames missing: the file has passed its hash check, so any
// error is real.
func (o Options) args(stride int) ([]string, []*os.File) {
	w, h := strconv.Itoa(o.Width), strconv.Itoa(o.Height)
	filter := `crop@size=w=if(eq(iw\,` + w + `)\,iw\,0):h=if(eq(ih\,` + h + `)\,ih\,0)`
	if stride != o.Width {
		filter += ",pad=" + strconv.Itoa(stride) + ":" + h
	}
	in, files := inputArgs(o.Path, o.File, "-c:v", "h264", "-max_pixels", strconv.Itoa(maxPixels(o.Width, o.Height)),
		"-threads", strconv.Itoa(decodeThreads))
	args := append([]string{"-nostdin", "-hide_banner", "-loglevel", "error", "-xerror"}, in...)
	return append(args, "-map", "0:v:0", "-an", "-sn", "-vf", filter, "-filter_threads", "1",
		"-pix_fmt", "nv12", "-f", "rawvideo", "pipe:1"), files
}

// maxPixels is FFmpeg's -max_pixels for pictures of w x h: the picture
// as H.264 codes it (in macroblocks of 16x16) and as FFmpeg allocates it
// (rows padded to 64 bytes), no larger.
func maxPixels(w, h int) int { return (w + 63) &^ 63 * ((h + 15) &^ 15) }

// Start starts decoding o.Path and returns at once; the frames come on
// the decoder's own goroutine. An error here is FFmpeg not starting at all
// (or bad options); everything later is Err's.
func Start(ctx context.Context, o Options) (*Decoder, error) {
	o = o.withDefaults()
	if o.Width <= 0 || o.Height <= 0 || o.Width%2 != 0 || o.Height%2 != 0 {
		return nil, fmt.Errorf("%s: frame size %dx%d: width and height must be even and positive", o.Path, o.Width, o.Height)
	}
	stride := Stride(o.Width)
	args, files := o.args(stride)
	proc, err := startProcess(ctx, o.Program, args, files)
	if err != nil {
		return nil, fmt.Errorf("%s: start the decoder: %w", o.Path, err)
	}
	d := &Decoder{
		opts:       o,
		proc:       proc,
		stride:     stride,
		size:       stride * o.Height * 3 / 2,
		changed:    make(chan struct{}),
		readerWake: make(chan struct{}, 1),
		watchWake:  make(chan struct{}, 1),
		free:       make([]*Frame, o.Ahead+2),
		queue:      make([]*Frame, 0, o.Ahead),
		started:    time.Now(),
		quit:       make(chan struct{}),
		readerD:    make(chan struct{}),
		watchD:     make(chan struct{}),
	}
	for i := range d.free {
		d.free[i] = &Frame{Stride: stride}
	}
	o.Log.Debug("video decoder started", "file", o.Path, "width", o.Width, "height", o.Height,
		"stride", stride, "fps", o.FPS, "pid", proc.pid())
	go d.read(ctx)
	go d.watch()
	return d, nil
}

// read takes frames from FFmpeg's output until it ends, then waits for
// the process.
func (d *Decoder) read(ctx context.Context) {
	defer close(d.readerD)
	var readErr error
	for {
		f := d.takeFree()
		if f == nil {
			break // closed or failed
		}
		if f.YUV == nil {
			f.YUV = make([]byte, d.size)
		}
		_, err := io.ReadFull(d.proc.stdout, f.YUV)
		if err != nil {
			d.putFree(f)
			readErr = err
			break
		}
		if !d.push(f) {
			break
		}
	}
	// A read cut short leaves FFmpeg running; a clean end has it exiting.
	if readErr == nil {
		_ = d.proc.kill()
	}
	waitErr := d.proc.wait()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed || d.err != nil {
		return
	}
	switch {
	case ctx.Err() != nil:
		d.failLocked(ctx.Err())
	case waitErr != nil && d.proc.stderr.contains("exceeds specified max pixel count"):
		d.failLocked(fmt.Errorf("the picture is larger than %dx%d, the rendition's size (FFmpeg: %s)", d.opts.Width, d.opts.Height, d.proc.stderr.String()))
	case waitErr != nil && d.proc.stderr.contains("crop@size"):
		d.failLocked(fmt.Errorf("the picture is not %dx%d, the rendition's size (FFmpeg: %s)", d.opts.Width, d.opts.Height, d.proc.stderr.String()))
	case waitErr != nil:
		d.failLocked(d.proc.failure(waitErr))
	case readErr == io.ErrUnexpectedEOF:
		err := fmt.Errorf("the decoder's output ends in the middle of frame %d", d.decoded)
		if msg := d.proc.stderr.String(); msg != "" {
			err = fmt.Errorf("%w (FFmpeg: %s)", err, msg)
		}
		d.failLocked(err)
	case readErr != nil && readErr != io.EOF:
		d.failLocked(fmt.Errorf("read the decoder's output: %w", readErr))
	case d.decoded == 0:
		d.failLocked(errors.New("the decoder ended without a frame"))
	default:
		d.ended = true
		if msg := d.proc.stderr.String(); msg != "" {
			d.opts.Log.Warn("video decoder ended with complaints", "file", d.opts.Path, "frames", d.decoded, "ffmpeg", msg)
		}
		d.opts.Log.Debug("video decoder ended", "file", d.opts.Path, "frames", d.decoded)
		d.notifyLocked()
	}
}

// takeFree waits for a free buffer; nil once the decoder is closed or
// failed.
func (d *Decoder) takeFree() *Frame {
	for {
		d.mu.Lock()
		if d.closed || d.err != nil {
			d.mu.Unlock()
			return nil
		}
		if n := len(d.free); n > 0 {
			f := d.free[n-1]
			d.free = d.free[:n-1]
			d.mu.Unlock()
			return f
		}
		d.mu.Unlock()
		select {
		case <-d.readerWake:
		case <-d.quit:
		}
	}
}

func (d *Decoder) putFree(f *Frame) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.recycleLocked(f)
}

// recycleLocked gives f's buffer back to the reader.
func (d *Decoder) recycleLocked(f *Frame) {
	d.free = append(d.free, f)
	d.notifyLocked()
}

// push queues f as the next frame, waiting while Ahead frames are queued;
// false once the decoder is closed or failed.
func (d *Decoder) push(f *Frame) bool {
	for {
		d.mu.Lock()
		if d.closed || d.err != nil {
			d.recycleLocked(f)
			d.mu.Unlock()
			return false
		}
		if len(d.queue) < d.opts.Ahead {
			f.Index = d.decoded
			d.decoded++
			d.queue = append(d.queue, f)
			d.hungry = time.Time{}
			if d.decoded == 1 {
				poke(d.watchWake)
			}
			d.notifyLocked()
			d.mu.Unlock()
			return true
		}
		d.mu.Unlock()
		select {
		case <-d.readerWake:
		case <-d.quit:
		}
	}
}

// popLocked takes the oldest queued frame, keeping the queue at the start
// of its array (so that queuing never allocates).
func (d *Decoder) popLocked() *Frame {
	f := d.queue[0]
	n := copy(d.queue, d.queue[1:])
	d.queue[n] = nil
	d.queue = d.queue[:n]
	return f
}

// notifyLocked wakes the reader and a Wait. It allocates only when a
// Wait waits: the frame path (Frame) allocates nothing.
func (d *Decoder) notifyLocked() {
	poke(d.readerWake)
	if d.taken {
		close(d.changed)
		d.changed, d.taken = make(chan struct{}), false
	}
}

// hungryLocked notes that the consumer waits for a frame.
func (d *Decoder) hungryLocked() {
	if d.hungry.IsZero() && !d.ended {
		d.hungry = time.Now()
		poke(d.watchWake)
	}
}

func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// failLocked records the decoder's failure, naming the file, and kills
// FFmpeg.
func (d *Decoder) failLocked(err error) {
	if d.err != nil || d.closed {
		return
	}
	d.err = fmt.Errorf("%s: %w", d.opts.Path, err)
	d.opts.Log.Error("video decoder failed", "file", d.opts.Path, "frames", d.decoded, "err", err)
	_ = d.proc.kill()
	d.notifyLocked()
}

// watch fails the decoder when the first frame does not come in
// StartTimeout, or no frame comes in StallTimeout while the consumer
// waits for one.
func (d *Decoder) watch() {
	defer close(d.watchD)
	timer := time.NewTimer(d.opts.StartTimeout)
	defer timer.Stop()
	for {
		select {
		case <-d.quit:
			return
		case <-d.readerD:
			return
		case <-timer.C:
		case <-d.watchWake:
			timer.Stop()
		}
		d.mu.Lock()
		now := time.Now()
		next := d.opts.StallTimeout
		switch {
		case d.err != nil || d.ended:
			d.mu.Unlock()
			return
		case d.decoded == 0:
			if left := d.opts.StartTimeout - now.Sub(d.started); left > 0 {
				next = left
			} else {
				d.failLocked(fmt.Errorf("no frame from the decoder in %v", d.opts.StartTimeout))
			}
		case !d.hungry.IsZero():
			if left := d.opts.StallTimeout - now.Sub(d.hungry); left > 0 {
				next = left
			} else {
				d.failLocked(fmt.Errorf("the decoder stalled: no frame in %v after frame %d", d.opts.StallTimeout, d.decoded-1))
			}
		}
		d.mu.Unlock()
		timer.Reset(next)
	}
}

// Frame returns the newest decoded frame with Index <= i, dropping older
// ones (nil when there is none yet). The frame stays valid until the next
// call of Frame or Close. It never blocks.
func (d *Decoder) Frame(i int) *Frame {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	var pick *Frame
	for len(d.queue) > 0 && d.queue[0].Index <= i {
		if pick != nil {
			d.recycleLocked(pick)
		}
		pick = d.popLocked()
	}
	if pick != nil {
		if d.cur != nil {
			d.recycleLocked(d.cur)
		}
		d.cur = pick
	}
	if pick == nil && len(d.queue) == 0 {
		d.hungryLocked()
	}
	if d.cur != nil && d.cur.Index <= i {
		return d.cur
	}
	return nil
}

// Wait blocks until frame i (or a later one, or the end) is decoded, the
// decoder fails (Err), or ctx ends. Frames older than the newest one
// before i are dropped on the way, as Frame(i) would drop them. It is for
// captures and preroll, not the frame path.
func (d *Decoder) Wait(ctx context.Context, i int) error {
	for {
		d.mu.Lock()
		if d.closed {
			d.mu.Unlock()
			return fmt.Errorf("%s: the decoder is closed", d.opts.Path)
		}
		if d.err != nil {
			err := d.err
			d.mu.Unlock()
			return err
		}
		for len(d.queue) >= 2 && d.queue[1].Index <= i {
			d.recycleLocked(d.popLocked())
		}
		n := len(d.queue)
		if d.ended || (n > 0 && d.queue[n-1].Index >= i) || (d.cur != nil && d.cur.Index >= i) {
			d.mu.Unlock()
			return nil
		}
		if n == 0 {
			d.hungryLocked()
		}
		changed := d.changed
		d.taken = true
		d.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Ended reports whether the stream ended cleanly and every frame was
// taken.
func (d *Decoder) Ended() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ended && len(d.queue) == 0
}

// Err is the decoder's failure, naming the file: no first frame in
// StartTimeout, a stall, FFmpeg's exit status with the last lines it
// wrote, a picture of the wrong size, output cut in the middle of a frame,
// or the context's end. It is set as soon as the failure is seen; frames
// decoded before it can still be taken.
func (d *Decoder) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// Frames is the number of frames decoded so far.
func (d *Decoder) Frames() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.decoded
}

// Close stops FFmpeg (its whole process group) and waits for it and the
// decoder's goroutines. The frames are invalid from then on. Safe to call
// more than once.
func (d *Decoder) Close() error {
	var err error
	d.once.Do(func() {
		d.mu.Lock()
		d.closed = true
		d.queue, d.cur = nil, nil
		d.notifyLocked()
		d.mu.Unlock()
		close(d.quit)
		err = d.proc.kill()
		<-d.readerD
		<-d.watchD
		if err != nil {
			err = fmt.Errorf("%s: stop the decoder: %w", d.opts.Path, err)
		}
	})
	return err
}
