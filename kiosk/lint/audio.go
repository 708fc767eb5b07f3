package lint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/jfreymuth/oggvorbis"
)

// Bounds of a narration file: a step read aloud lasts a minute or so, and
// a site keeps a guide's narration ready to play.
const (
	// MaxAudioBytes bounds the size of an audio file that is decoded:
	// 5 minutes of 48 kHz 16-bit stereo WAV is 55 MB.
	MaxAudioBytes = 64 << 20
	// MaxAudioDuration bounds how long a narration may play.
	MaxAudioDuration = 5 * time.Minute
)

// Audio is what decoding an audio file found.
type Audio struct {
	SampleRate int
	Channels   int
	// Frames is the number of samples per channel.
	Frames   int64
	Duration time.Duration
}

// DecodeAudio decodes the whole of a narration file as the player does:
// a WAV file (linear PCM, 16-bit, mono or stereo, chunks as Ebiten's
// decoder reads them) or an Ogg Vorbis file (mono or stereo), chosen by
// name's extension. It refuses data larger than MaxAudioBytes and sound
// longer than MaxAudioDuration, and never reads past data.
func DecodeAudio(name string, data []byte) (Audio, error) {
	if len(data) > MaxAudioBytes {
		return Audio{}, fmt.Errorf("%d bytes; a narration file has at most %d", len(data), MaxAudioBytes)
	}
	var a Audio
	var err error
	switch ext := strings.ToLower(path.Ext(name)); ext {
	case ".wav":
		a, err = decodeWAV(data)
	case ".ogg":
		a, err = decodeOgg(data)
	default:
		return Audio{}, fmt.Errorf("%q: want a .wav or .ogg file", ext)
	}
	if err != nil {
		return Audio{}, err
	}
	if a.Frames == 0 {
		return Audio{}, errors.New("holds no sound")
	}
	return a, nil
}

// Bounds of a sample rate a player can resample.
const (
	minSampleRate = 8000
	maxSampleRate = 192000
)

// decodeWAV parses a RIFF WAVE file: the chunks before "data" (of which
// "fmt " comes first and says linear PCM, 16 bits, 1 or 2 channels), then
// "data", whose length must fit in the file and hold whole frames.
// Ebiten's decoder stops at "data" and skips other chunks without their
// pad byte, so an odd-sized chunk before it is refused too.
func decodeWAV(data []byte) (Audio, error) {
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		return Audio{}, errors.New("not a WAV file (no RIFF WAVE header)")
	}
	le := binary.LittleEndian
	var a Audio
	haveFmt := false
	for off := 12; ; {
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
			if a.Duration > MaxAudioDuration {
				return Audio{}, fmt.Errorf("plays %v; a narration lasts at most %v", a.Duration.Round(time.Second), MaxAudioDuration)
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

// decodeOgg decodes every packet of an Ogg Vorbis stream, stopping once it
// plays longer than MaxAudioDuration. The decoder is given only data, and
// a panic in it on a damaged file is turned into an error.
func decodeOgg(data []byte) (a Audio, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("not a readable Ogg Vorbis file: decoder failed: %v", p)
		}
	}()
	r, err := oggvorbis.NewReader(bytes.NewReader(data))
	if err != nil {
		return Audio{}, fmt.Errorf("not a readable Ogg Vorbis file: %w", err)
	}
	a.SampleRate, a.Channels = r.SampleRate(), r.Channels()
	switch {
	case a.Channels != 1 && a.Channels != 2:
		return Audio{}, fmt.Errorf("%d channels: want 1 or 2", a.Channels)
	case a.SampleRate < minSampleRate || a.SampleRate > maxSampleRate:
		return Audio{}, fmt.Errorf("sample rate %d Hz: want %d to %d", a.SampleRate, minSampleRate, maxSampleRate)
	}
	maxFrames := int64(MaxAudioDuration/time.Second) * int64(a.SampleRate)
	buf := make([]float32, 8192*a.Channels)
	var samples int64
	for {
		n, err := r.Read(buf)
		samples += int64(n)
		if samples/int64(a.Channels) > maxFrames {
			return Audio{}, fmt.Errorf("plays longer than %v, the most a narration lasts", MaxAudioDuration)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return Audio{}, fmt.Errorf("not a readable Ogg Vorbis file after %d samples: %w", samples, err)
		}
	}
	a.Frames = samples / int64(a.Channels)
	a.Duration = time.Duration(a.Frames) * time.Second / time.Duration(a.SampleRate)
	return a, nil
}
