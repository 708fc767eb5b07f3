package content

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Bounds of a narration WAV file, besides MaxNarrationBytes and
// MaxNarration.
const (
	minNarrationRate = 8000
	maxNarrationRate = 192000
	// MaxWAVChunks bounds the RIFF chunks read before the data chunk (a
	// narration file has two or three: fmt, perhaps LIST, data), so that
	// checking a file costs the same whatever it holds.
	MaxWAVChunks = 16
)

// WAVFormat is what a narration WAV file holds, from its header.
type WAVFormat struct {
	Rate     int   // samples a second
	Channels int   // 1 or 2
	Frames   int64 // samples per channel
}

// Duration is how long the narration plays.
func (f WAVFormat) Duration() time.Duration {
	if f.Rate == 0 {
		return 0
	}
	return time.Duration(f.Frames) * time.Second / time.Duration(f.Rate)
}

// CheckWAV says whether data is a narration a site plays: a WAV file of
// 16-bit linear PCM, mono or stereo, 8 to 192 kHz, at most
// MaxNarrationBytes long and playing at most MaxNarration, recognised by
// its content (never a name). It reads the header only: the chunks before
// the data (at most 16, sizes checked against the bytes there, no odd
// sizes, which Ebiten's decoder does not skip), so its cost does not grow
// with the file. Lint and the site's speaker both hold narration to it.
// Compressed formats are refused without being decoded: a pure-Go Ogg
// Vorbis decoder trusts the stream's headers, and a crafted file makes it
// allocate gigabytes or loop.
func CheckWAV(data []byte) (WAVFormat, error) {
	var f WAVFormat
	switch {
	case len(data) > MaxNarrationBytes:
		return f, fmt.Errorf("%d bytes, more than the %d (%d MiB) a narration may have", len(data), MaxNarrationBytes, MaxNarrationBytes>>20)
	case bytes.HasPrefix(data, []byte("OggS")):
		return f, errors.New("not a WAV file but an Ogg stream; narration is 16-bit PCM WAV only: convert recorded files, e.g. ffmpeg -i in.ogg -ac 1 -ar 22050 -sample_fmt s16 out.wav")
	case len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WAVE":
		return f, errors.New("not a WAV file (no RIFF WAVE header)")
	}
	le := binary.LittleEndian
	off := 12
	for chunk := 0; ; chunk++ {
		if chunk == MaxWAVChunks {
			return f, fmt.Errorf("no data chunk among the first %d chunks", MaxWAVChunks)
		}
		if len(data)-off < 8 {
			return f, errors.New("no data chunk")
		}
		id := string(data[off : off+4])
		size := int64(le.Uint32(data[off+4:]))
		off += 8
		left := int64(len(data) - off)
		if id == "data" {
			if f.Rate == 0 {
				return f, errors.New("data chunk before the fmt chunk")
			}
			if size > left {
				return f, fmt.Errorf("truncated: the data chunk says %d bytes, %d follow", size, left)
			}
			frame := int64(2 * f.Channels)
			if size%frame != 0 {
				return f, fmt.Errorf("the data chunk holds %d bytes, not whole %d-byte frames", size, frame)
			}
			f.Frames = size / frame
			break
		}
		if size > left {
			return f, fmt.Errorf("truncated: chunk %q says %d bytes, %d follow", id, size, left)
		}
		if size%2 != 0 {
			return f, fmt.Errorf("chunk %q has an odd size (%d) before the data chunk; the player would misread the file", id, size)
		}
		if id == "fmt " {
			if err := f.readFmt(data[off : off+int(size)]); err != nil {
				return f, err
			}
		}
		off += int(size)
	}
	if f.Frames == 0 {
		return f, errors.New("holds no sound")
	}
	if d := f.Duration(); d > MaxNarration {
		return f, fmt.Errorf("plays %v, more than the %v a narration may last", d.Round(time.Second), MaxNarration)
	}
	return f, nil
}

// readFmt reads a fmt chunk.
func (f *WAVFormat) readFmt(c []byte) error {
	if len(c) < 16 {
		return fmt.Errorf("fmt chunk of %d bytes, want 16 or more", len(c))
	}
	le := binary.LittleEndian
	tag, channels := le.Uint16(c), int(le.Uint16(c[2:]))
	rate, align, bits := int(le.Uint32(c[4:])), int(le.Uint16(c[12:])), int(le.Uint16(c[14:]))
	switch {
	case tag != 1:
		return fmt.Errorf("format tag %#x, want 1 (linear PCM)", tag)
	case channels != 1 && channels != 2:
		return fmt.Errorf("%d channels, want 1 or 2", channels)
	case rate < minNarrationRate || rate > maxNarrationRate:
		return fmt.Errorf("sample rate %d, want %d to %d", rate, minNarrationRate, maxNarrationRate)
	case bits != 16:
		return fmt.Errorf("%d bits a sample, want 16", bits)
	case align != 2*channels:
		return fmt.Errorf("block align %d, want %d for %d channels of 16 bits", align, 2*channels, channels)
	}
	f.Rate, f.Channels = rate, channels
	return nil
}
