package lint

import (
	"bytes"
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
	f, err := content.CheckWAV(data)
	if err != nil {
		return Audio{}, err
	}
	return Audio{SampleRate: f.Rate, Channels: f.Channels, Frames: f.Frames, Duration: f.Duration()}, nil
}
