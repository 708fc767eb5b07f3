package lint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/vnict/kiosk/content"
)

// Audio is what a narration file's header says it holds.
type Audio struct {
	SampleRate int
	Channels   int
	// Frames is the number of samples per channel.
	Frames   int64
	Duration time.Duration
}

// Bounds of a narration WAV file the site's speaker plays.
const (
	minSampleRate = 8000
	maxSampleRate = 192000
	// maxChunks bounds the RIFF chunks before the data chunk, as the
	// site's speaker does.
	maxChunks = 16
)

// CheckNarration checks a narration file as the site's speaker does
// before playing it: a WAV file (content.NarrationExt) of 16-bit linear
// PCM, mono or stereo, 8 to 192 kHz, at most content.MaxNarrationBytes
// long and playing at most content.MaxNarration. It reads the RIFF chunks
// up to the data chunk and never past data, so its cost does not grow
// with the file. Compressed formats are refused by name and by content
// without being decoded: an Ogg Vorbis decoder trusts the stream's
// headers, and a crafted file makes it allocate gigabytes or loop.
func CheckNarration(name string, data []byte) (Audio, error) {
	switch ext := strings.ToLower(path.Ext(name)); {
	case ext == ".ogg" || ext == ".oga" || ext == ".opus" || bytes.HasPrefix(data, []byte("OggS")):
		return Audio{}, errors.New("an Ogg file; narration is 16-bit PCM WAV only (an Ogg decoder trusts the file's headers): convert recorded files, e.g. ffmpeg -i in.ogg -ac 1 -ar 22050 -sample_fmt s16 out.wav")
	case ext != content.NarrationExt:
		return Audio{}, fmt.Errorf("%q: want a %s file (16-bit PCM)", ext, content.NarrationExt)
	case len(data) > content.MaxNarrationBytes:
		return Audio{}, fmt.Errorf("%d bytes; a narration file has at most %d (%d MiB)", len(data), content.MaxNarrationBytes, content.MaxNarrationBytes>>20)
	}
	a, err := checkWAV(data)
	if err != nil {
		return Audio{}, err
	}
	if a.Frames == 0 {
		return Audio{}, errors.New("holds no sound")
	}
	return a, nil
}

// checkWAV parses a RIFF WAVE file: at most maxChunks chunks before
// "data" (of which "fmt " comes first and says linear PCM, 16 bits, 1 or
// 2 channels), then "data", whose length must fit in the file and hold
// whole frames. Ebiten's decoder stops at "data" and skips other chunks
// without their pad byte, so an odd-sized chunk before it is refused too.
func checkWAV(data []byte) (Audio, error) {
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		return Audio{}, errors.New("not a WAV file (no RIFF WAVE header)")
	}
	le := binary.LittleEndian
	var a Audio
	haveFmt := false
	for off, chunk := 12, 0; ; chunk++ {
		if chunk == maxChunks {
			return Audio{}, fmt.Errorf("no data chunk among the first %d chunks", maxChunks)
		}
		if len(data)-off < 8 {
			return Audio{}, errors.New("no data chunk")
		}
		id, size := string(data[off:off+4]), int64(le.Uint32(data[off+4:off+8]))
		off += 8
		rest := int64(len(data) - off)
		switch id {
		case "fmt ":
			if size < 16 || size > rest {
				return Audio{}, fmt.Errorf("fmt chunk of %d bytes: want 16 or more within the file", size)
			}
			if size%2 == 1 {
				return Audio{}, fmt.Errorf("fmt chunk has an odd size (%d); the player would misread the file", size)
			}
			f := data[off : off+16]
			format, channels := le.Uint16(f[0:2]), int(le.Uint16(f[2:4]))
			rate, align, bits := int(le.Uint32(f[4:8])), int(le.Uint16(f[12:14])), le.Uint16(f[14:16])
			switch {
			case format != 1:
				return Audio{}, fmt.Errorf("format %#x: want linear PCM (1), as the player decodes", format)
			case channels != 1 && channels != 2:
				return Audio{}, fmt.Errorf("%d channels: want 1 or 2", channels)
			case bits != 16:
				return Audio{}, fmt.Errorf("%d bits per sample: want 16", bits)
			case rate < minSampleRate || rate > maxSampleRate:
				return Audio{}, fmt.Errorf("sample rate %d Hz: want %d to %d", rate, minSampleRate, maxSampleRate)
			case align != channels*2:
				return Audio{}, fmt.Errorf("block align %d: want %d for %d channels of 16 bits", align, channels*2, channels)
			}
			a.SampleRate, a.Channels, haveFmt = rate, channels, true
		case "data":
			if !haveFmt {
				return Audio{}, errors.New("data chunk before the fmt chunk")
			}
			if size > rest {
				return Audio{}, fmt.Errorf("data chunk of %d bytes, but only %d follow: truncated", size, rest)
			}
			frame := int64(a.Channels * 2)
			if size%frame != 0 {
				return Audio{}, fmt.Errorf("data chunk of %d bytes is not whole frames of %d bytes", size, frame)
			}
			a.Frames = size / frame
			a.Duration = time.Duration(a.Frames) * time.Second / time.Duration(a.SampleRate)
			if a.Duration > content.MaxNarration {
				return Audio{}, fmt.Errorf("plays %v; a narration lasts at most %v", a.Duration.Round(time.Second), content.MaxNarration)
			}
			return a, nil
		default:
			if size > rest {
				return Audio{}, fmt.Errorf("%q chunk of %d bytes, but only %d follow: truncated", id, size, rest)
			}
			if size%2 == 1 {
				return Audio{}, fmt.Errorf("%q chunk has an odd size (%d) before the data chunk; the player would misread the file", id, size)
			}
		}
		off += int(size)
	}
}
