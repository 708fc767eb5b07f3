// Package fetch downloads a bundle's media into the site cache: only what
// the cache lacks, a bounded number at once, streamed to disk, resumed after
// a restart or a dropped link from where it stopped, checked against the
// SHA-256 and size the signed manifest gives, and optionally capped in bytes
// per second (rural links are shared).
//
// Media are content-addressed in the store (media/<sha256>), so a new bundle
// moves only the files the site does not have. Resuming uses ranged reads;
// a partial file is hashed again from the start before its tail is fetched,
// so a torn write cannot slip through. Rate limiting uses
// golang.org/x/time/rate; concurrency uses golang.org/x/sync/errgroup.
package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/sync/layout"
)

// Source reads objects from the store from an offset to the end.
type Source interface {
	GetRange(ctx context.Context, key string, offset int64) (io.ReadCloser, error)
}

// Objects is where verified files go: the site cache.
type Objects interface {
	Has(f content.File) bool
	PartialPath(sha string) string
	// Adopt takes the verified, fsync'd file at path as the object f;
	// checked is the file (Stat of the handle that wrote and hashed it)
	// as it was when its bytes were verified.
	Adopt(f content.File, path string, checked os.FileInfo) error
}

// ErrTampered means the bytes in the store are not those the signed
// manifest describes.
var ErrTampered = errors.New("bytes in the store do not match the signed manifest")

// Fetcher downloads media.
type Fetcher struct {
	Source  Source
	Objects Objects
	// Concurrency bounds the downloads at once; default 4.
	Concurrency int
	// Limit caps the bytes per second over all downloads; nil for none.
	Limit *rate.Limiter
	// Downloaded counts the bytes read from the store.
	Downloaded atomic.Int64
	// MinRate is the slowest a download may go, in bytes per second
	// averaged over each RateWindow, before it is dropped (and resumed at
	// the next sync): a server that trickles a byte now and then would
	// otherwise hold a download forever. 0 means DefaultMinRate; -1 none.
	MinRate    int
	RateWindow time.Duration
}

// Defaults for Fetcher.MinRate and RateWindow: a tenth of the slowest link
// a site has been seen on, averaged over a minute so a short stall passes.
const (
	DefaultMinRate    = 1 << 10
	DefaultRateWindow = time.Minute
)

// ErrTooSlow means a download went slower than Fetcher.MinRate.
var ErrTooSlow = errors.New("download slower than the minimum rate")

// NewLimiter returns a limiter for bytesPerSecond, or nil for 0 (no cap).
func NewLimiter(bytesPerSecond int) *rate.Limiter {
	if bytesPerSecond <= 0 {
		return nil
	}
	// Bursts of up to a quarter second, at least 64 KiB so reads stay large.
	return rate.NewLimiter(rate.Limit(bytesPerSecond), max(bytesPerSecond/4, 64<<10))
}

// FetchAll downloads every file the cache lacks. It returns the first error
// after the other downloads have stopped; finished files stay in the cache
// and partial ones are resumed next time.
func (f *Fetcher) FetchAll(ctx context.Context, files []content.File) error {
	g, ctx := errgroup.WithContext(ctx)
	limit := f.Concurrency
	if limit <= 0 {
		limit = 4
	}
	g.SetLimit(limit)
	seen := map[string]bool{}
	for _, file := range files {
		if seen[file.SHA256] || f.Objects.Has(file) {
			continue
		}
		seen[file.SHA256] = true
		g.Go(func() error { return f.Fetch(ctx, file) })
	}
	return g.Wait()
}

// Fetch downloads one file into the cache, resuming a partial download.
func (f *Fetcher) Fetch(ctx context.Context, file content.File) error {
	partial := f.Objects.PartialPath(file.SHA256)
	out, err := os.OpenFile(partial, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", file.Path, err)
	}
	defer out.Close()
	h := sha256.New()
	// Hash what an earlier attempt left, and go on from its end.
	have, err := io.Copy(h, io.LimitReader(out, file.Size+1))
	if err != nil {
		return fmt.Errorf("fetch %s: %w", file.Path, err)
	}
	if have > file.Size {
		if err := out.Truncate(0); err != nil {
			return fmt.Errorf("fetch %s: %w", file.Path, err)
		}
		h.Reset()
		have = 0
	}
	if _, err := out.Seek(have, io.SeekStart); err != nil {
		return fmt.Errorf("fetch %s: %w", file.Path, err)
	}
	if have < file.Size {
		if err := f.copyFrom(ctx, out, h, file, have); err != nil {
			return err
		}
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != file.SHA256 {
		// Start over next time rather than resume wrong bytes.
		out.Close()
		os.Remove(partial)
		return fmt.Errorf("fetch %s (%s): %w", file.Path, layout.MediaKey(file.SHA256), ErrTampered)
	}
	// The file as its verified bytes left it: the cache need not read it
	// again while it stays this file, this size, this modification time.
	checked, err := out.Stat()
	if err != nil {
		return fmt.Errorf("fetch %s: %w", file.Path, err)
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("fetch %s: %w", file.Path, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("fetch %s: %w", file.Path, err)
	}
	return f.Objects.Adopt(file, partial, checked)
}

// copyFrom appends the store object's bytes from offset to out, reading at
// most up to the listed size: a longer object in the store is tampered.
func (f *Fetcher) copyFrom(ctx context.Context, out *os.File, h hash.Hash, file content.File, offset int64) error {
	key := layout.MediaKey(file.SHA256)
	r, err := f.Source.GetRange(ctx, key, offset)
	if err != nil {
		return fmt.Errorf("fetch %s (%s): %w", file.Path, key, err)
	}
	defer r.Close()
	var src io.Reader = r
	if f.MinRate >= 0 {
		rate, window := f.MinRate, f.RateWindow
		if rate == 0 {
			rate = DefaultMinRate
		}
		if window <= 0 {
			window = DefaultRateWindow
		}
		if f.Limit != nil && float64(f.Limit.Limit()) < 2*float64(rate) {
			// The site's own cap must not make its downloads "too slow".
			rate = max(1, int(f.Limit.Limit()/2))
		}
		src = &minRateReader{r: src, min: int64(rate), window: window, now: time.Now, start: time.Now()}
	}
	if f.Limit != nil {
		src = &limitedReader{ctx: ctx, r: src, lim: f.Limit}
	}
	want := file.Size - offset
	n, err := io.Copy(io.MultiWriter(out, h), &countingReader{r: io.LimitReader(src, want+1), n: &f.Downloaded})
	if err != nil {
		return fmt.Errorf("fetch %s (%s) at byte %d: %w", file.Path, key, offset+n, err)
	}
	if n > want {
		out.Truncate(0)
		return fmt.Errorf("fetch %s (%s): more bytes than the %d the manifest lists: %w", file.Path, key, file.Size, ErrTampered)
	}
	if n < want {
		// Short: an object still being copied (a USB stick), or cut
		// off. The bytes so far are kept and checked by hash when the
		// rest arrives; not judged tampered yet.
		return fmt.Errorf("fetch %s (%s): %d bytes where the manifest lists %d: %w", file.Path, key, offset+n, file.Size, io.ErrUnexpectedEOF)
	}
	return nil
}

// minRateReader fails once a window passes with fewer than min bytes a
// second. It reads the wall clock: it judges the network, not a schedule.
type minRateReader struct {
	r      io.Reader
	min    int64
	window time.Duration
	now    func() time.Time
	start  time.Time
	n      int64
}

func (m *minRateReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	m.n += int64(n)
	if elapsed := m.now().Sub(m.start); elapsed >= m.window {
		if float64(m.n) < float64(m.min)*elapsed.Seconds() {
			return n, fmt.Errorf("%w: %d bytes in %s, want at least %d a second", ErrTooSlow, m.n, elapsed.Round(time.Second), m.min)
		}
		m.start, m.n = m.now(), 0
	}
	return n, err
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// limitedReader waits for the limiter before handing bytes on.
type limitedReader struct {
	ctx context.Context
	r   io.Reader
	lim *rate.Limiter
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if len(p) > l.lim.Burst() {
		p = p[:l.lim.Burst()]
	}
	n, err := l.r.Read(p)
	if n > 0 {
		if werr := l.lim.WaitN(l.ctx, n); werr != nil {
			return n, werr
		}
	}
	return n, err
}

// HashReader returns the hex SHA-256 of everything r yields.
func HashReader(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
