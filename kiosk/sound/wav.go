package sound

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hajimehoshi/ebiten/v2/audio/wav"

	"github.com/vnict/kiosk/content"
)

const (
	minSampleRate = 8000
	maxSampleRate = 192000
	// maxChunks bounds the RIFF chunks read before the data chunk (a
	// narration file has two or three: fmt, perhaps LIST, data), so that
	// checking a file costs the same whatever it holds.
	maxChunks = 16
)

// ErrFormat is wrapped by every refusal of a narration's bytes: not a WAV
// file, not 16-bit PCM, malformed, truncated, empty, too long or too large.
var ErrFormat = errors.New("not a playable narration")

// Format is what a narration WAV file holds, from its header.
type Format struct {
	Rate     int   // samples a second
	Channels int   // 1 or 2
	Frames   int64 // samples per channel
}

// Duration is how long the narration plays.
func (f Format) Duration() time.Duration {
	if f.Rate == 0 {
		return 0
	}
	return time.Duration(f.Frames) * time.Second / time.Duration(f.Rate)
}

// CheckWAV says whether data is a narration the speaker plays: a WAV file
// of 16-bit linear PCM, mono or stereo, 8 to 192 kHz, at most
// content.MaxNarrationBytes long and playing at most content.MaxNarration,
// recognised by its content (never a name). It reads the header only: the
// chunks before the data (at most 16, sizes checked against the bytes
// there, no odd sizes, which the decoder does not skip), so its cost does
// not grow with the file. Everything the decoder would trust is checked
// here, so that a bad file is refused before it plays, not halfway. A
// refusal wraps ErrFormat and says what is wrong.
func CheckWAV(data []byte) (Format, error) {
	f, err := checkWAV(data)
	if err != nil {
		return f, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return f, nil
}

func checkWAV(data []byte) (Format, error) {
	var f Format
	switch {
	case len(data) > content.MaxNarrationBytes:
		return f, fmt.Errorf("%d bytes, more than the %d allowed", len(data), content.MaxNarrationBytes)
	case bytes.HasPrefix(data, []byte("OggS")):
		return f, errors.New("not a WAV file: an Ogg stream (narration is 16-bit PCM WAV)")
	case len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WAVE":
		return f, errors.New("not a WAV file (no RIFF/WAVE header)")
	}
	off := 12
	for chunk := 0; ; chunk++ {
		if chunk == maxChunks {
			return f, fmt.Errorf("no data chunk among the first %d chunks", maxChunks)
		}
		if len(data)-off < 8 {
			return f, errors.New("no data chunk")
		}
		id := string(data[off : off+4])
		size := int64(binary.LittleEndian.Uint32(data[off+4:]))
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
			return f, fmt.Errorf("chunk %q has an odd size (%d), which the decoder does not read", id, size)
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
	if d := f.Duration(); d > content.MaxNarration {
		return f, fmt.Errorf("plays %v, more than the %v allowed", d.Round(time.Second), content.MaxNarration)
	}
	return f, nil
}

// readFmt reads a fmt chunk.
func (f *Format) readFmt(c []byte) error {
	if len(c) < 16 {
		return fmt.Errorf("fmt chunk of %d bytes, want 16 or more", len(c))
	}
	if tag := binary.LittleEndian.Uint16(c); tag != 1 {
		return fmt.Errorf("format tag %#x, want 1 (linear PCM)", tag)
	}
	f.Channels = int(binary.LittleEndian.Uint16(c[2:]))
	f.Rate = int(binary.LittleEndian.Uint32(c[4:]))
	bits := int(binary.LittleEndian.Uint16(c[14:]))
	switch {
	case f.Channels != 1 && f.Channels != 2:
		return fmt.Errorf("%d channels, want 1 or 2", f.Channels)
	case f.Rate < minSampleRate || f.Rate > maxSampleRate:
		return fmt.Errorf("sample rate %d, want %d to %d", f.Rate, minSampleRate, maxSampleRate)
	case bits != 16:
		return fmt.Errorf("%d bits a sample, want 16", bits)
	}
	return nil
}

// decode returns a stream of data (checked by CheckWAV) as 16-bit
// little-endian stereo at rate, through Ebiten's WAV decoder, which
// converts and resamples as it is read: nothing is copied. A panic in the
// decoder is an error here.
func decode(data []byte, rate int) (stream io.Reader, err error) {
	defer func() {
		if r := recover(); r != nil {
			stream, err = nil, fmt.Errorf("%w: the WAV decoder failed: %v", ErrFormat, r)
		}
	}()
	s, err := wav.DecodeWithSampleRate(rate, bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return s, nil
}
