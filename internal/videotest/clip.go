package videotest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ClipOptions describe a test clip.
type ClipOptions struct {
	// Width and Height are the upright picture's size in pixels, both even
	// and at least 64 x 32.
	Width, Height int
	// FPS is the frame rate (default 25).
	FPS int
	// Frames is the number of frames; when 0, Duration gives it
	// (Duration x FPS, rounded). One of the two must be set.
	Frames   int
	Duration time.Duration
	// FirstFrame is the number drawn on the clip's first frame, so that two
	// clips played one after the other can be told apart (default 0).
	FirstFrame int
	// Sound adds an audio stream: a sine tone of Frequency Hz (default
	// 440) lasting as long as the picture.
	Sound     bool
	Frequency int
	// Rotation (0, 90, 180 or 270) turns the finished picture clockwise,
	// as the department tool does for a wall turned by that much.
	Rotation int
	// Program is the ffmpeg program (default "ffmpeg" on PATH).
	Program string
	// FontFile is the font the digits are drawn with (default Noto Sans
	// Bold or Regular found under /usr/share/fonts, Debian's
	// fonts-noto-core).
	FontFile string
}

// MaxFrame is the largest frame number the code can carry (14 bits).
const MaxFrame = 1<<codeBits - 1

// defaultFPS is the frame rate when ClipOptions.FPS is 0; sites default to
// 25 too.
const defaultFPS = 25

// sampleRate is the sound's sample rate in Hz.
const sampleRate = 48000

// fontDir is where the default font is looked for.
const fontDir = "/usr/share/fonts"

// FrameCount returns the number of frames the clip has.
func (o ClipOptions) FrameCount() int {
	if o.Frames > 0 {
		return o.Frames
	}
	return int(math.Round(o.Duration.Seconds() * float64(o.fps())))
}

// Length returns the clip's play time: FrameCount frames at FPS.
func (o ClipOptions) Length() time.Duration {
	return time.Duration(o.FrameCount()) * time.Second / time.Duration(o.fps())
}

// FileSize returns the size of the clip's frames as stored: Width x
// Height turned by Rotation.
func (o ClipOptions) FileSize() (w, h int) {
	if o.Rotation == 90 || o.Rotation == 270 {
		return o.Height, o.Width
	}
	return o.Width, o.Height
}

func (o ClipOptions) fps() int {
	if o.FPS == 0 {
		return defaultFPS
	}
	return o.FPS
}

func (o ClipOptions) check() error {
	switch {
	case o.Width < 64 || o.Height < 32 || o.Width%2 != 0 || o.Height%2 != 0:
		return fmt.Errorf("size %dx%d: want even sizes of at least 64x32", o.Width, o.Height)
	case o.FPS < 0 || o.FPS > 240:
		return fmt.Errorf("fps %d: want 1 to 240", o.FPS)
	case o.Frames < 0 || o.Duration < 0:
		return fmt.Errorf("frames %d, duration %v: negative", o.Frames, o.Duration)
	case o.FrameCount() == 0:
		return errors.New("neither frames nor a duration of at least one frame")
	case o.FirstFrame < 0 || o.FirstFrame+o.FrameCount()-1 > MaxFrame:
		return fmt.Errorf("frames %d to %d: the code carries 0 to %d",
			o.FirstFrame, o.FirstFrame+o.FrameCount()-1, MaxFrame)
	case o.Rotation != 0 && o.Rotation != 90 && o.Rotation != 180 && o.Rotation != 270:
		return fmt.Errorf("rotation %d: want 0, 90, 180 or 270", o.Rotation)
	case o.Frequency < 0:
		return fmt.Errorf("frequency %d: negative", o.Frequency)
	}
	return nil
}

// MakeClip writes a clip made to o into dir, named for its options, and
// returns its path. It fails the test if FFmpeg cannot make it.
func MakeClip(t testing.TB, dir string, o ClipOptions) string {
	t.Helper()
	name := fmt.Sprintf("clip-%dx%d-r%d-%dfps-%d+%d", o.Width, o.Height, o.Rotation, o.fps(), o.FirstFrame, o.FrameCount())
	if o.Sound {
		name += "-sound"
	}
	path := filepath.Join(dir, name+".mp4")
	if err := WriteClip(t.Context(), path, o); err != nil {
		t.Fatal(err)
	}
	return path
}

// WriteClip makes a clip to o with FFmpeg and writes it to path (an MP4
// file; written under a temporary name and renamed, so path holds a whole
// clip or nothing).
func WriteClip(ctx context.Context, path string, o ClipOptions) error {
	if err := o.check(); err != nil {
		return fmt.Errorf("videotest: clip %s: %w", path, err)
	}
	font := o.FontFile
	if font == "" {
		var err error
		if font, err = findFont(fontDir); err != nil {
			return fmt.Errorf("videotest: clip %s: %w", path, err)
		}
	}
	if _, err := os.Stat(font); err != nil {
		return fmt.Errorf("videotest: clip %s: font: %w", path, err)
	}
	if strings.ContainsAny(font, `:\',;[]=`) {
		return fmt.Errorf("videotest: clip %s: font file %q: its name has characters FFmpeg's filter syntax would need escaped", path, font)
	}
	program := o.Program
	if program == "" {
		program = "ffmpeg"
	}
	tmp := path + ".partial"
	defer os.Remove(tmp)
	cmd := exec.CommandContext(ctx, program, o.args(font, tmp)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("videotest: clip %s: %s: %w: %s", path, program, err, lastLines(stderr.String(), 10))
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("videotest: clip %s: %w", path, err)
	}
	return nil
}

// args returns FFmpeg's arguments making the clip into out. The sources
// are endless and trimmed in the filter graphs to exact frame and sample
// counts (an output option such as -frames:v would end the whole file,
// sound included, when the picture reaches it).
func (o ClipOptions) args(font, out string) []string {
	fps, frames := o.fps(), o.FrameCount()
	args := []string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d", o.Width, o.Height, fps)}
	if o.Sound {
		freq := o.Frequency
		if freq == 0 {
			freq = 440
		}
		args = append(args, "-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:sample_rate=%d", freq, sampleRate))
	}
	args = append(args, "-map", "0:v", "-vf", o.filter(font),
		"-c:v", "libx264", "-profile:v", "baseline", "-tune", "fastdecode", "-preset", "veryfast",
		"-bf", "0", "-crf", "20", "-pix_fmt", "yuv420p", "-g", fmt.Sprint(2*fps))
	if o.Sound {
		samples := int64(frames) * sampleRate / int64(fps)
		args = append(args, "-map", "1:a", "-af", fmt.Sprintf("atrim=end_sample=%d", samples),
			"-c:a", "aac", "-b:a", "128k", "-ar", fmt.Sprint(sampleRate), "-ac", "2")
	}
	return append(args, "-movflags", "+faststart", "-f", "mp4", out)
}

// filter returns the video filter graph: the code cells, the digits, then
// the turn.
func (o ClipOptions) filter(font string) string {
	w, h := o.Width, o.Height
	y0, y1 := h*codeTop8/8, h*(codeTop8+1)/8
	cellX := func(i int) (x, cw int) {
		x = w * (i + 1) / 20
		return x, w*(i+2)/20 - x
	}
	var f []string
	f = append(f, fmt.Sprintf("trim=end_frame=%d", o.FrameCount()), "format=yuv420p")
	// One black box under the whole row, then the white cells.
	x0, _ := cellX(0)
	xEnd, cwEnd := cellX(codeCells - 1)
	f = append(f, fmt.Sprintf("drawbox=x=%d:y=%d:w=%d:h=%d:color=black:t=fill", x0, y0, xEnd+cwEnd-x0, y1-y0))
	for _, i := range []int{0, codeCells - 1} {
		x, cw := cellX(i)
		f = append(f, fmt.Sprintf("drawbox=x=%d:y=%d:w=%d:h=%d:color=white:t=fill", x, y0, cw, y1-y0))
	}
	for k := 0; k < codeBits; k++ {
		x, cw := cellX(bitCell(k))
		f = append(f, fmt.Sprintf("drawbox=x=%d:y=%d:w=%d:h=%d:color=white:t=fill:enable='eq(mod(floor((n+%d)/%d),2),1)'",
			x, y0, cw, y1-y0, o.FirstFrame, 1<<k))
	}
	size := h * 22 / 100
	f = append(f, fmt.Sprintf("drawtext=fontfile=%s:text='%%{eif\\:n+%d\\:d}':fontsize=%d:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=%d:x=(w-text_w)/2:y=%d",
		font, o.FirstFrame, size, max(size/8, 1), h*32/100))
	switch o.Rotation {
	case 90:
		f = append(f, "transpose=clock")
	case 180:
		f = append(f, "hflip,vflip")
	case 270:
		f = append(f, "transpose=cclock")
	}
	return strings.Join(f, ",")
}

// findFont returns Noto Sans Bold, or else Regular, found under dir.
func findFont(dir string) (string, error) {
	found := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // an unreadable folder is no reason to fail
		}
		if n := d.Name(); n == "NotoSans-Bold.ttf" || n == "NotoSans-Regular.ttf" {
			found[n] = p
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("look for Noto Sans under %s: %w", dir, err)
	}
	for _, n := range []string{"NotoSans-Bold.ttf", "NotoSans-Regular.ttf"} {
		if p, ok := found[n]; ok {
			return p, nil
		}
	}
	return "", fmt.Errorf("no NotoSans-Bold.ttf or NotoSans-Regular.ttf under %s: install Debian's fonts-noto-core or set ClipOptions.FontFile", dir)
}

// lastLines returns the last n lines of s, for error messages.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
