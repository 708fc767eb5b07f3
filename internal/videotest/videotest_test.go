package videotest

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"golang.org/x/image/draw"
)

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return img
}

func TestClipFramesReadBack(t *testing.T) {
	tests := []struct {
		name string
		o    ClipOptions
	}{
		{"160x80", ClipOptions{Width: 160, Height: 80, FPS: 25, Frames: 40}},
		{"320x160 from 4000", ClipOptions{Width: 320, Height: 160, FPS: 25, Duration: time.Second, FirstFrame: 4000}},
		{"portrait 80x160 to the end", ClipOptions{Width: 80, Height: 160, FPS: 30, Frames: 30, FirstFrame: MaxFrame - 29}},
		{"turned 90", ClipOptions{Width: 160, Height: 80, FPS: 25, Frames: 30, Rotation: 90}},
		{"turned 180", ClipOptions{Width: 160, Height: 80, FPS: 25, Frames: 30, Rotation: 180}},
		{"turned 270", ClipOptions{Width: 160, Height: 80, FPS: 25, Frames: 30, Rotation: 270}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			clip := MakeClip(t, dir, tt.o)
			frames := ExtractFrames(t, clip, t.TempDir())
			if len(frames) != tt.o.FrameCount() {
				t.Fatalf("%d frames decoded, want %d", len(frames), tt.o.FrameCount())
			}
			fw, fh := tt.o.FileSize()
			for i, p := range frames {
				img := readPNG(t, p)
				if b := img.Bounds(); b.Dx() != fw || b.Dy() != fh {
					t.Fatalf("%s is %dx%d, want %dx%d", p, b.Dx(), b.Dy(), fw, fh)
				}
				n, ok := ReadFrameNumber(Upright(img, tt.o.Rotation))
				if want := tt.o.FirstFrame + i; !ok || n != want {
					t.Errorf("%s: read %d, %v; want %d", p, n, ok, want)
				}
			}
		})
	}
}

// scaled returns img drawn at w x h with bilinear filtering.
func scaled(img image.Image, w, h int) image.Image {
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(out, out.Bounds(), img, img.Bounds(), draw.Src, nil)
	return out
}

// mix returns the 50/50 blend of a and b (the same size), a crossfade's midpoint.
func mix(a, b image.Image) image.Image {
	out := image.NewRGBA(a.Bounds())
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			ar, ag, ab, _ := a.At(x, y).RGBA()
			br, bg, bb, _ := b.At(x, y).RGBA()
			out.Set(x, y, color.RGBA64{uint16((ar + br) / 2), uint16((ag + bg) / 2), uint16((ab + bb) / 2), 0xffff})
		}
	}
	return out
}

func TestReadFrameNumber(t *testing.T) {
	o := ClipOptions{Width: 320, Height: 160, FPS: 25, Frames: 20, FirstFrame: 100}
	frames := ExtractFrames(t, MakeClip(t, t.TempDir(), o), t.TempDir())
	f5, f6 := readPNG(t, frames[5]), readPNG(t, frames[6])
	black := image.NewRGBA(f5.Bounds())
	draw.Draw(black, black.Bounds(), image.Black, image.Point{}, draw.Src)
	white := image.NewRGBA(f5.Bounds())
	draw.Draw(white, white.Bounds(), image.White, image.Point{}, draw.Src)
	// A frame seen through an offset window: the image must fill the picture.
	shifted := image.NewRGBA(f5.Bounds())
	draw.Draw(shifted, shifted.Bounds(), f5, image.Pt(16, 0), draw.Src)

	tests := []struct {
		name   string
		img    image.Image
		want   int
		wantOK bool
	}{
		{"frame as decoded", f5, 105, true},
		{"scaled up to 1536x768", scaled(f5, 1536, 768), 105, true},
		{"scaled down to 96x48", scaled(f6, 96, 48), 106, true},
		{"turned 90 and back", Upright(turn90(f6), 90), 106, true},
		{"black", black, 0, false},
		{"white", white, 0, false},
		{"50/50 mix of two frames", mix(f5, f6), 0, false},
		{"upside down", Upright(f5, 180), 0, false},
		{"shifted by half a cell", shifted, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ok := ReadFrameNumber(tt.img)
			if ok != tt.wantOK || (ok && n != tt.want) {
				t.Errorf("ReadFrameNumber = %d, %v; want %d, %v", n, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// turn90 turns img clockwise by 90 degrees, independently of Upright.
func turn90(img image.Image) image.Image {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.Set(b.Max.Y-1-y, x-b.Min.X, img.At(x, y))
		}
	}
	return out
}

// probeStream is the part of ffprobe's stream record the tests check.
type probeStream struct {
	CodecType  string `json:"codec_type"`
	CodecName  string `json:"codec_name"`
	Profile    string `json:"profile"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	PixFmt     string `json:"pix_fmt"`
	SampleRate string `json:"sample_rate"`
	Channels   int    `json:"channels"`
	Duration   string `json:"duration"`
	HasBFrames int    `json:"has_b_frames"`
}

func probe(t *testing.T, path string) []probeStream {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "ffprobe", "-v", "error", "-print_format", "json", "-show_streams", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var r struct{ Streams []probeStream }
	if err := json.NewDecoder(bytes.NewReader(out)).Decode(&r); err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	return r.Streams
}

func TestClipStreams(t *testing.T) {
	tests := []struct {
		name      string
		o         ClipOptions
		wantAudio bool
	}{
		{"silent", ClipOptions{Width: 320, Height: 160, FPS: 25, Duration: 2 * time.Second}, false},
		{"sound", ClipOptions{Width: 320, Height: 160, FPS: 25, Duration: 2 * time.Second, Sound: true}, true},
		{"sound, turned 90", ClipOptions{Width: 320, Height: 160, FPS: 30, Frames: 45, Sound: true, Rotation: 90}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			streams := probe(t, MakeClip(t, t.TempDir(), tt.o))
			var video, audio []probeStream
			for _, s := range streams {
				switch s.CodecType {
				case "video":
					video = append(video, s)
				case "audio":
					audio = append(audio, s)
				}
			}
			if len(video) != 1 {
				t.Fatalf("%d video streams, want 1", len(video))
			}
			v := video[0]
			w, h := tt.o.FileSize()
			if v.CodecName != "h264" || v.Profile != "Constrained Baseline" || v.PixFmt != "yuv420p" || v.HasBFrames != 0 || v.Width != w || v.Height != h {
				t.Errorf("video stream %+v: want h264 Constrained Baseline yuv420p %dx%d without B-frames", v, w, h)
			}
			if !tt.wantAudio {
				if len(audio) != 0 {
					t.Errorf("%d audio streams, want none", len(audio))
				}
				return
			}
			if len(audio) != 1 {
				t.Fatalf("%d audio streams, want 1", len(audio))
			}
			a := audio[0]
			if a.CodecName != "aac" || a.SampleRate != "48000" || a.Channels != 2 {
				t.Errorf("audio stream %+v: want aac 48000 Hz stereo", a)
			}
			secs, err := strconv.ParseFloat(a.Duration, 64)
			if err != nil {
				t.Fatalf("audio duration %q: %v", a.Duration, err)
			}
			// ffprobe gives the sound's length in whole milliseconds.
			if d := time.Duration(secs * float64(time.Second)); d < tt.o.Length()-time.Millisecond || d > tt.o.Length()+time.Millisecond {
				t.Errorf("audio lasts %v, want %v", d, tt.o.Length())
			}
		})
	}
}

func TestClipOptionsRefused(t *testing.T) {
	tests := []struct {
		name string
		o    ClipOptions
	}{
		{"odd width", ClipOptions{Width: 161, Height: 80, Frames: 1}},
		{"too small", ClipOptions{Width: 32, Height: 16, Frames: 1}},
		{"no length", ClipOptions{Width: 160, Height: 80}},
		{"past the code's range", ClipOptions{Width: 160, Height: 80, Frames: 10, FirstFrame: MaxFrame - 5}},
		{"rotation 45", ClipOptions{Width: 160, Height: 80, Frames: 1, Rotation: 45}},
		{"no font", ClipOptions{Width: 160, Height: 80, Frames: 1, FontFile: "/nonexistent/font.ttf"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := t.TempDir() + "/clip.mp4"
			if err := WriteClip(t.Context(), path, tt.o); err == nil {
				t.Fatalf("WriteClip made a clip of %+v", tt.o)
			} else {
				t.Log(err)
			}
			if _, err := os.Stat(path); err == nil {
				t.Errorf("%s exists after a failure", path)
			}
		})
	}
}
