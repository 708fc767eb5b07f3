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

	"github.com/vnict/kiosk/content"
)

// espeakWAV speaks text with espeak-ng's voice into a WAV file (16-bit
// mono at 22050 Hz, the way the department's narration is made) and
// returns its bytes.
func espeakWAV(t testing.TB, voice, text string) []byte {
	t.Helper()
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Fatal("espeak-ng is not installed: `make deps` installs it (Debian package espeak-ng)")
	}
	path := filepath.Join(t.TempDir(), voice+".wav")
	if out, err := exec.Command("espeak-ng", "-v", voice, "-w", path, text).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng -v %s: %v\n%s", voice, err, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// pcmWAV is a WAV file of frames of a 440 Hz tone, its chunks (before the
// data) given by extra.
func pcmWAV(rate, channels, bits, frames int, extra ...[]byte) []byte {
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
	for _, c := range extra {
		b.Write(c)
	}
	b.WriteString("data")
	le(uint32(data.Len()))
	b.Write(data.Bytes())
	return b.Bytes()
}

// chunk is a RIFF chunk of n zero bytes (its size field says n).
func chunk(id string, n int) []byte {
	c := make([]byte, 8+n)
	copy(c, id)
	binary.LittleEndian.PutUint32(c[4:], uint32(n))
	return c
}

func newTextLog(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// TestRealFilesDecode checks and decodes whole WAV files made by espeak-ng
// (Vietnamese, English, Chinese voices) and of other shapes, to 16-bit
// stereo at the device's rate: the length must match the file's own
// duration and the sound must not be silence.
func TestRealFilesDecode(t *testing.T) {
	tests := []struct {
		name     string
		data     func(t *testing.T) []byte
		rate     int
		channels int
		duration time.Duration // about; 0: a spoken sentence
	}{
		{"espeak-ng vi", func(t *testing.T) []byte {
			return espeakWAV(t, "vi", "Bước hai: đăng nhập bằng tài khoản định danh điện tử.")
		}, 22050, 1, 0},
		{"espeak-ng en", func(t *testing.T) []byte {
			return espeakWAV(t, "en", "Step two: sign in with your electronic identity.")
		}, 22050, 1, 0},
		{"espeak-ng cmn", func(t *testing.T) []byte { return espeakWAV(t, "cmn", "第二步：登录电子身份账户。") }, 22050, 1, 0},
		{"stereo 48000", func(*testing.T) []byte { return pcmWAV(48000, 2, 16, 48000) }, 48000, 2, time.Second},
		{"at the device's rate", func(*testing.T) []byte { return pcmWAV(44100, 1, 16, 22050) }, 44100, 1, time.Second / 2},
		{"with a LIST chunk", func(*testing.T) []byte { return pcmWAV(16000, 1, 16, 16000, chunk("LIST", 26)) }, 16000, 1, time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data(t)
			f, err := CheckWAV(data)
			if err != nil {
				t.Fatal(err)
			}
			if f.Rate != tc.rate || f.Channels != tc.channels {
				t.Errorf("format %+v, want %d Hz %d channels", f, tc.rate, tc.channels)
			}
			if d := f.Duration(); tc.duration != 0 && (d < tc.duration-30*time.Millisecond || d > tc.duration+30*time.Millisecond) {
				t.Errorf("duration %v, want about %v", d, tc.duration)
			} else if tc.duration == 0 && d < time.Second {
				t.Errorf("spoken sentence lasts %v", d)
			}
			stream, err := decode(data, DefaultSampleRate)
			if err != nil {
				t.Fatal(err)
			}
			started := time.Now()
			pcm, err := io.ReadAll(stream)
			if err != nil {
				t.Fatalf("decoding: %v", err)
			}
			t.Logf("%v of sound decoded and resampled in %v", f.Duration(), time.Since(started).Round(time.Millisecond))
			want := float64(f.Frames) * float64(DefaultSampleRate) / float64(f.Rate)
			if got := float64(len(pcm) / 4); math.Abs(got-want) > want/100+64 {
				t.Errorf("%.0f frames decoded at %d Hz, want about %.0f", got, DefaultSampleRate, want)
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

// TestBadFilesRefused: everything that is not a whole, playable 16-bit
// WAV narration within the bounds is refused from its header, with an
// error saying what is wrong; Ogg Vorbis (no longer played) among them.
func TestBadFilesRefused(t *testing.T) {
	good := pcmWAV(22050, 1, 16, 22050)
	patch := func(data []byte, at int, b ...byte) []byte {
		data = bytes.Clone(data)
		copy(data[at:], b)
		return data
	}
	// An Ogg page that begins a stream: what an Ogg Vorbis file begins
	// with.
	ogg := append([]byte("OggS\x00\x02"), make([]byte, 58)...)
	// Five minutes and a second at 8 kHz mono: 4.8 MB, within the bytes
	// allowed, too long to play.
	tooLong := pcmWAV(8000, 1, 16, 8000*(int(content.MaxNarration/time.Second)+1))
	// Just over the bytes allowed, whatever its header says.
	tooBig := append(bytes.Clone(good), make([]byte, content.MaxNarrationBytes+1-len(good))...)
	manyChunks := bytes.Clone(good[:36])
	for range content.MaxWAVChunks {
		manyChunks = append(manyChunks, chunk("junk", 2)...)
	}
	manyChunks = append(manyChunks, good[36:]...)
	tests := []struct {
		name string
		data []byte
		want string // in the message
	}{
		{"empty", nil, "not a WAV file (no RIFF WAVE header)"},
		{"Ogg Vorbis", ogg, "not a WAV file but an Ogg stream"},
		{"a PNG", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "not a WAV file"},
		{"mp3", []byte("ID3\x04\x00\x00\x00\x00\x00\x00"), "not a WAV file"},
		{"RIFF but not WAVE", patch(good, 8, 'A', 'V', 'I', ' '), "not a WAV file"},
		{"cut in its data", good[:len(good)/2], "truncated: the data chunk says 44100 bytes"},
		{"cut in its header", good[:30], `truncated: chunk "fmt "`},
		{"a chunk claiming 4 GB", patch(good, 16, 0xff, 0xff, 0xff, 0xff), `truncated: chunk "fmt " says 4294967295 bytes`},
		{"a data chunk claiming 4 GB", patch(good, 40, 0xff, 0xff, 0xff, 0xff), "truncated: the data chunk says 4294967295 bytes"},
		{"without data", good[:36], "no data chunk"},
		{"data before fmt", append([]byte("RIFF\x00\x00\x00\x00WAVE"), good[36:]...), "data chunk before the fmt chunk"},
		{"a chunk of odd size", pcmWAV(22050, 1, 16, 100, chunk("LIST", 25)), `chunk "LIST" has an odd size (25)`},
		{"data of half frames", patch(pcmWAV(22050, 2, 16, 100), 40, 0x8e, 1), "not whole 4-byte frames"},
		{"chunks without end before the data", manyChunks, "no data chunk among the first 16 chunks"},
		{"a short fmt chunk", patch(good, 16, 14), "fmt chunk of 14 bytes"},
		{"floats", patch(good, 20, 3, 0), "format tag 0x3"},
		{"0 Hz", patch(good, 24, 0, 0, 0, 0), "sample rate 0"},
		{"6 channels", patch(good, 22, 6, 0), "6 channels"},
		{"8 bits", pcmWAV(11025, 1, 8, 11025), "8 bits a sample, want 16"},
		{"24 bits", patch(good, 34, 24, 0), "24 bits"},
		{"no frames", patch(good[:44], 40, 0, 0, 0, 0), "holds no sound"},
		{"longer than five minutes", tooLong, "plays 5m1s, more than the 5m0s"},
		{"larger than allowed", tooBig, "16777217 bytes, more than the 16777216"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			started := time.Now()
			_, err := CheckWAV(tc.data)
			took := time.Since(started)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want ErrFormat and %q", err, tc.want)
			}
			if took > 5*time.Millisecond {
				t.Errorf("refusing took %v: the header alone is read", took)
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
			g := &guard{r: tc.r, path: "audio/step-1-km.wav", log: newTextLog(&logged)}
			got, err := io.ReadAll(g)
			if err != nil || len(got) != tc.want {
				t.Errorf("read %d bytes, err %v; want %d and a clean end", len(got), err, tc.want)
			}
			if failed := tc.want != 12; failed != strings.Contains(logged.String(), "narration cut short") || (failed && !strings.Contains(logged.String(), "audio/step-1-km.wav")) {
				t.Errorf("log %q", logged.String())
			}
		})
	}
}

// TestGuardStartsAgain: Seek to the start, as Replay asks, gives the
// whole narration again, the same sound, after it ended and partway.
func TestGuardStartsAgain(t *testing.T) {
	g, err := newGuard(pcmWAV(22050, 1, 16, 22050*2), DefaultSampleRate, "tone.wav", newTextLog(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	first, err := io.ReadAll(g)
	if err != nil || len(first) < DefaultSampleRate*4*19/10 {
		t.Fatalf("read %d bytes, %v", len(first), err)
	}
	if _, err := g.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if again, err := io.ReadAll(g); err != nil || !bytes.Equal(again, first) {
		t.Errorf("after the end, Seek(0) gives %d bytes (%v), not the %d played first", len(again), err, len(first))
	}
	part := make([]byte, 1000)
	if _, err := io.ReadFull(g, part); err == nil {
		t.Fatal("read past the end")
	}
	g.Seek(0, io.SeekStart)
	io.ReadFull(g, part)
	g.Seek(0, io.SeekStart)
	if again, err := io.ReadAll(g); err != nil || !bytes.Equal(again, first) {
		t.Errorf("partway, Seek(0) gives %d bytes (%v), not the %d played first", len(again), err, len(first))
	}
	if _, err := g.Seek(100, io.SeekStart); err == nil {
		t.Error("sought a position other than the start")
	}
}

// errorAfter returns its bytes and an error in the same read.
type errorAfter int

func (n errorAfter) Read(p []byte) (int, error) { return int(n), errors.New("wav: bad data") }

type panicReader struct{}

func (panicReader) Read([]byte) (int, error) { panic("index out of range") }
