package sound

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// espeakWAV speaks text with espeak-ng's voice into a WAV file (16-bit
// mono at 22050 Hz, the way the department's narration is made).
func espeakWAV(t testing.TB, voice, text string) string {
	t.Helper()
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Fatal("espeak-ng is not installed: `make deps` installs it (Debian package espeak-ng)")
	}
	path := filepath.Join(t.TempDir(), voice+".wav")
	if out, err := exec.Command("espeak-ng", "-v", voice, "-w", path, text).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng -v %s: %v\n%s", voice, err, out)
	}
	return path
}

// pcmWAV is a WAV file of frames of a 440 Hz tone.
func pcmWAV(rate, channels, bits, frames int) []byte {
	var data bytes.Buffer
	for i := range frames {
		v := math.Sin(2 * math.Pi * 440 * float64(i) / float64(rate))
		for range channels {
			if bits == 8 {
				data.WriteByte(byte(128 + 100*v))
			} else {
				binary.Write(&data, binary.LittleEndian, int16(20000*v))
			}
		}
	}
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + data.Len()))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1))
	le(uint16(channels))
	le(uint32(rate))
	le(uint32(rate * channels * bits / 8))
	le(uint16(channels * bits / 8))
	le(uint16(bits))
	b.WriteString("data")
	le(uint32(data.Len()))
	b.Write(data.Bytes())
	return b.Bytes()
}

func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func readTestFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestRealFilesDecode checks and decodes whole files made by espeak-ng
// (Vietnamese, English, Chinese voices), Ogg Vorbis files made by FFmpeg
// (testdata: espeak-ng's Vietnamese encoded, a stereo 48 kHz tone) and
// WAV files of other shapes, to 16-bit stereo at the device's rate: the
// length must match the file's own duration and the sound must not be
// silence.
func TestRealFilesDecode(t *testing.T) {
	tests := []struct {
		name     string
		path     func(t *testing.T) string
		kind     string
		rate     int
		channels int
		duration time.Duration // about
	}{
		{"espeak-ng vi", func(t *testing.T) string {
			return espeakWAV(t, "vi", "Bước hai: đăng nhập bằng tài khoản định danh điện tử.")
		}, "wav", 22050, 1, 0},
		{"espeak-ng en", func(t *testing.T) string {
			return espeakWAV(t, "en", "Step two: sign in with your electronic identity.")
		}, "wav", 22050, 1, 0},
		{"espeak-ng cmn", func(t *testing.T) string { return espeakWAV(t, "cmn", "第二步：登录电子身份账户。") }, "wav", 22050, 1, 0},
		{"ogg mono 22050", func(t *testing.T) string { return "testdata/step-vi-mono-22k.ogg" }, "ogg", 22050, 1, 2220 * time.Millisecond},
		{"ogg stereo 48000", func(t *testing.T) string { return "testdata/tone-stereo-48k.ogg" }, "ogg", 48000, 2, 1500 * time.Millisecond},
		{"wav stereo 48000", func(t *testing.T) string { return writeFile(t, "s.wav", pcmWAV(48000, 2, 16, 48000)) }, "wav", 48000, 2, time.Second},
		{"wav 8-bit 11025", func(t *testing.T) string { return writeFile(t, "s.wav", pcmWAV(11025, 1, 8, 11025)) }, "wav", 11025, 1, time.Second},
		{"wav at the device's rate", func(t *testing.T) string { return writeFile(t, "s.wav", pcmWAV(44100, 1, 16, 22050)) }, "wav", 44100, 1, time.Second / 2},
	}
	opts := Options{}.withDefaults()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path(t)
			data := readTestFile(t, path)
			f, err := check(data, opts.MaxDuration)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if f.kind != tc.kind || f.rate != tc.rate || f.channels != tc.channels {
				t.Errorf("format %+v, want %s %d Hz %d channels", f, tc.kind, tc.rate, tc.channels)
			}
			if tc.duration != 0 && (f.duration() < tc.duration-30*time.Millisecond || f.duration() > tc.duration+30*time.Millisecond) {
				t.Errorf("duration %v, want about %v", f.duration(), tc.duration)
			}
			if tc.kind == "wav" && tc.duration == 0 && f.duration() < time.Second {
				t.Errorf("spoken sentence lasts %v", f.duration())
			}
			stream, _, err := opts.load(path)
			if err != nil {
				t.Fatal(err)
			}
			started := time.Now()
			pcm, err := io.ReadAll(stream)
			if err != nil {
				t.Fatalf("decoding %s: %v", path, err)
			}
			t.Logf("%v of sound decoded and resampled in %v", f.duration(), time.Since(started).Round(time.Millisecond))
			want := float64(f.frames) * float64(opts.SampleRate) / float64(f.rate)
			if got := float64(len(pcm) / 4); math.Abs(got-want) > want/100+64 {
				t.Errorf("%.0f frames decoded at %d Hz, want about %.0f", got, opts.SampleRate, want)
			}
			var peak int
			for i := 0; i+1 < len(pcm); i += 2 {
				peak = max(peak, abs(int(int16(binary.LittleEndian.Uint16(pcm[i:])))))
			}
			if peak < 2000 {
				t.Errorf("decoded sound peaks at %d of 32767: silence", peak)
			}
		})
	}
}

func newTextLog(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// TestBadFilesRefused: every file that is not a whole, playable narration
// is refused before it plays, with an error naming the file and saying
// what is wrong.
func TestBadFilesRefused(t *testing.T) {
	good := pcmWAV(22050, 1, 16, 22050)
	ogg := readTestFile(t, "testdata/step-vi-mono-22k.ogg")
	patch := func(data []byte, at int, b ...byte) []byte {
		data = bytes.Clone(data)
		copy(data[at:], b)
		return data
	}
	tests := []struct {
		name  string
		data  []byte
		opts  Options
		isFmt bool   // wraps ErrFormat
		want  string // in the message
	}{
		{"empty", nil, Options{}, true, "neither WAV"},
		{"a PNG", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), Options{}, true, "neither WAV"},
		{"mp3 named .wav", []byte("ID3\x04\x00\x00\x00\x00\x00\x00"), Options{}, true, "neither WAV"},
		{"wav cut in its data", good[:len(good)/2], Options{}, true, "truncated: the data chunk says 44100 bytes"},
		{"wav cut in its header", good[:30], Options{}, true, "truncated: chunk \"fmt \""},
		{"wav chunk claiming 4 GB", patch(good, 16, 0xff, 0xff, 0xff, 0xff), Options{}, true, "truncated: chunk \"fmt \" says 4294967295 bytes"},
		{"wav without data", good[:36], Options{}, true, "no data chunk"},
		{"wav of floats", patch(good, 20, 3, 0), Options{}, true, "format tag 0x3"},
		{"wav at 0 Hz", patch(good, 24, 0, 0, 0, 0), Options{}, true, "sample rate 0"},
		{"wav of 6 channels", patch(good, 22, 6, 0), Options{}, true, "6 channels"},
		{"wav of 24 bits", patch(good, 34, 24, 0), Options{}, true, "24 bits"},
		{"wav with no frames", patch(good[:44], 40, 0, 0, 0, 0), Options{}, true, "holds no sound"},
		{"wav longer than allowed", good, Options{MaxDuration: 500 * time.Millisecond}, true, "plays 1s, more than the 500ms allowed"},
		{"ogg cut in half", ogg[:len(ogg)/2], Options{}, true, "truncated: page"},
		{"ogg without its last page", ogg[:bytes.LastIndex(ogg, []byte("OggS"))], Options{}, true, "truncated: the last page does not end the stream"},
		{"ogg with a byte changed", patch(ogg, len(ogg)/2, ogg[len(ogg)/2]^0x55), Options{}, true, "checksum"},
		{"ogg with bytes after its end", append(bytes.Clone(ogg), "junk"...), Options{}, true, "no Ogg page header"},
		{"file larger than allowed", good, Options{MaxFileBytes: 1000}, true, "44144 bytes, more than the 1000 allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "narration.wav", tc.data)
			_, _, err := tc.opts.withDefaults().load(path)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want the file named and %q", err, tc.want)
			}
			if errors.Is(err, ErrFormat) != tc.isFmt {
				t.Errorf("errors.Is(%v, ErrFormat) = %v", err, !tc.isFmt)
			}
		})
	}
}

// TestFilesThatAreNotThere: a missing file, a folder, and a file above
// the default 32 MB (sparse, so never read) are refused naming the path.
func TestFilesThatAreNotThere(t *testing.T) {
	big := filepath.Join(t.TempDir(), "huge.wav")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(pcmWAV(22050, 1, 16, 100))
	if err := f.Truncate(DefaultMaxFileBytes + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	tests := []struct {
		name string
		path string
		is   error
		want string
	}{
		{"missing", filepath.Join(t.TempDir(), "none.ogg"), os.ErrNotExist, "no such file"},
		{"a folder", t.TempDir(), ErrFormat, "not a regular file"},
		{"over 32 MB", big, ErrFormat, "33554433 bytes, more than the 33554432 allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Options{}.withDefaults().load(tc.path)
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %v naming %s and saying %q", err, tc.is, tc.path, tc.want)
			}
		})
	}
}

// TestGuardEndsAFailingStream: a stream that fails or panics partway ends
// there (io.EOF, whole frames) instead of failing the device's player.
func TestGuardEndsAFailingStream(t *testing.T) {
	tests := []struct {
		name string
		r    io.Reader
		want int
	}{
		{"error with 10 bytes", errorAfter(10), 8},
		{"panic", panicReader{}, 0},
		{"whole", bytes.NewReader(make([]byte, 12)), 12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logged bytes.Buffer
			g := &guard{r: tc.r, path: "narration.ogg", log: newTextLog(&logged)}
			got, err := io.ReadAll(g)
			if err != nil || len(got) != tc.want {
				t.Errorf("read %d bytes, err %v; want %d and a clean end", len(got), err, tc.want)
			}
			if failed := tc.want != 12; failed != strings.Contains(logged.String(), "narration cut short") || (failed && !strings.Contains(logged.String(), "narration.ogg")) {
				t.Errorf("log %q", logged.String())
			}
		})
	}
}

// errorAfter returns its bytes and an error in the same read.
type errorAfter int

func (n errorAfter) Read(p []byte) (int, error) { return int(n), errors.New("vorbis: bad packet") }

type panicReader struct{}

func (panicReader) Read([]byte) (int, error) { panic("index out of range") }
