package sound

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/hajimehoshi/ebiten/v2/audio/wav"

	"github.com/vnict/kiosk/content"
)

// The output sample rates the probe accepts.
const (
	minOutputRate = 8000
	maxOutputRate = 192000
)

// ErrFormat is wrapped by every refusal of a narration's bytes: not a WAV
// file, not 16-bit PCM, malformed, truncated, empty, too long or too large.
var ErrFormat = errors.New("not a playable narration")

// Format is what a narration WAV file holds, from its header.
type Format = content.WAVFormat

// CheckWAV says whether data is a narration the speaker plays: see
// content.CheckWAV, which lint holds bundles to as well. It reads the
// header alone, so its cost does not grow with the file; everything the
// decoder would trust is checked there, so that a bad file is refused
// before it plays, not halfway. A refusal wraps ErrFormat and says what is
// wrong.
func CheckWAV(data []byte) (Format, error) {
	f, err := content.CheckWAV(data)
	if err != nil {
		return f, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return f, nil
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
