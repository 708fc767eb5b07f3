package sound

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hajimehoshi/ebiten/v2/audio/vorbis"
	"github.com/hajimehoshi/ebiten/v2/audio/wav"
)

// Limits of a narration file that Play accepts.
const (
	// DefaultMaxFileBytes is the largest narration file read: a minute of
	// 16-bit stereo WAV at 48 kHz is 11 MB.
	DefaultMaxFileBytes = 32 << 20
	// DefaultMaxDuration is the longest narration played. Idle time stops
	// while narration plays, so an endless file would keep the kiosk from
	// ever going back to its attract loop.
	DefaultMaxDuration = 10 * time.Minute

	minSampleRate = 8000
	maxSampleRate = 192000
)

// ErrFormat is wrapped by every refusal of a file's content: not WAV or
// Ogg Vorbis, malformed, truncated, empty, too long or too large.
var ErrFormat = errors.New("not a playable narration file")

// format is what a narration file holds once its structure is checked.
type format struct {
	kind     string // "wav" or "ogg"
	rate     int    // samples a second
	channels int
	frames   int64 // samples per channel
}

func (f format) duration() time.Duration {
	return time.Duration(f.frames) * time.Second / time.Duration(f.rate)
}

// readFile reads the file at path, refusing one larger than max bytes
// whatever its size says when opened (it may grow while read).
func readFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: not a regular file", ErrFormat)
	} else if st.Size() > max {
		return nil, fmt.Errorf("%w: %d bytes, more than the %d allowed", ErrFormat, st.Size(), max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w: more than the %d bytes allowed", ErrFormat, max)
	}
	return data, nil
}

// check says what data holds, from its content (never its name): a WAV
// file of linear PCM or an Ogg Vorbis stream whose every page is whole and
// has a right checksum, at most maxDur long. Everything the decoders would
// trust (chunk sizes, rates, channel counts) is checked here first, so
// that a bad file is refused before playing, not halfway.
func check(data []byte, maxDur time.Duration) (format, error) {
	var f format
	var err error
	switch {
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WAVE":
		f, err = checkWAV(data)
	case len(data) >= 4 && string(data[:4]) == "OggS":
		f, err = checkOgg(data)
	default:
		return f, fmt.Errorf("%w: neither WAV (RIFF/WAVE) nor Ogg", ErrFormat)
	}
	if err != nil {
		return f, fmt.Errorf("%w: %s: %w", ErrFormat, f.kind, err)
	}
	if f.frames == 0 {
		return f, fmt.Errorf("%w: %s: holds no sound", ErrFormat, f.kind)
	}
	if d := f.duration(); d > maxDur {
		return f, fmt.Errorf("%w: %s: plays %v, more than the %v allowed", ErrFormat, f.kind, d.Round(time.Second), maxDur)
	}
	return f, nil
}

// checkWAV walks the RIFF chunks the way Ebiten's wav decoder reads them
// (no pad byte after an odd chunk) up to the data chunk.
func checkWAV(data []byte) (format, error) {
	f := format{kind: "wav"}
	var bits int
	off := 12
	for {
		if len(data)-off < 8 {
			return f, errors.New("no data chunk")
		}
		id := string(data[off : off+4])
		size := int64(binary.LittleEndian.Uint32(data[off+4:]))
		off += 8
		left := int64(len(data) - off)
		if id == "data" {
			if f.rate == 0 {
				return f, errors.New("data chunk before the fmt chunk")
			}
			if size > left {
				return f, fmt.Errorf("truncated: the data chunk says %d bytes, %d follow", size, left)
			}
			frame := int64(f.channels * bits / 8)
			if size%frame != 0 {
				return f, fmt.Errorf("the data chunk holds %d bytes, not whole %d-byte frames", size, frame)
			}
			f.frames = size / frame
			return f, nil
		}
		if size > left {
			return f, fmt.Errorf("truncated: chunk %q says %d bytes, %d follow", id, size, left)
		}
		if size%2 != 0 {
			return f, fmt.Errorf("chunk %q has an odd size (%d), which the decoder does not read", id, size)
		}
		if id == "fmt " {
			if size < 16 {
				return f, fmt.Errorf("fmt chunk of %d bytes, want 16 or more", size)
			}
			c := data[off:]
			if tag := binary.LittleEndian.Uint16(c); tag != 1 {
				return f, fmt.Errorf("format tag %#x, want 1 (linear PCM)", tag)
			}
			f.channels = int(binary.LittleEndian.Uint16(c[2:]))
			f.rate = int(binary.LittleEndian.Uint32(c[4:]))
			bits = int(binary.LittleEndian.Uint16(c[14:]))
			if f.channels != 1 && f.channels != 2 {
				return f, fmt.Errorf("%d channels, want 1 or 2", f.channels)
			}
			if f.rate < minSampleRate || f.rate > maxSampleRate {
				return f, fmt.Errorf("sample rate %d, want %d to %d", f.rate, minSampleRate, maxSampleRate)
			}
			if bits != 8 && bits != 16 {
				return f, fmt.Errorf("%d bits a sample, want 16 (or 8)", bits)
			}
		}
		off += int(size)
	}
}

// checkOgg walks every Ogg page: each must be whole, carry a right CRC,
// belong to one logical stream, and the last must end that stream. The
// first packet must be a Vorbis identification header.
func checkOgg(data []byte) (format, error) {
	f := format{kind: "ogg"}
	var serial uint32
	var last []byte
	crc := newCRCTable()
	page := 0
	for off := 0; off < len(data); page++ {
		h := data[off:]
		if len(h) < 27 || string(h[:4]) != "OggS" {
			return f, fmt.Errorf("page %d at byte %d: no Ogg page header", page, off)
		}
		if h[4] != 0 {
			return f, fmt.Errorf("page %d: Ogg version %d", page, h[4])
		}
		nseg := int(h[26])
		if len(h) < 27+nseg {
			return f, fmt.Errorf("truncated: page %d's segment table is cut", page)
		}
		body := 0
		for _, s := range h[27 : 27+nseg] {
			body += int(s)
		}
		size := 27 + nseg + body
		if len(h) < size {
			return f, fmt.Errorf("truncated: page %d needs %d bytes, %d follow", page, size, len(h))
		}
		p := h[:size]
		if got, want := crc.page(p), binary.LittleEndian.Uint32(p[22:]); got != want {
			return f, fmt.Errorf("page %d: checksum %08x, the page says %08x", page, got, want)
		}
		s := binary.LittleEndian.Uint32(p[14:])
		if page == 0 {
			if p[5]&0x02 == 0 {
				return f, errors.New("the first page does not begin a stream")
			}
			serial = s
			if err := vorbisIdent(p[27+nseg:], &f); err != nil {
				return f, err
			}
		} else if s != serial {
			return f, fmt.Errorf("page %d belongs to another logical stream (more than one is not played)", page)
		}
		last = p
		off += size
	}
	if last == nil || last[5]&0x04 == 0 {
		return f, errors.New("truncated: the last page does not end the stream")
	}
	granule := int64(binary.LittleEndian.Uint64(last[6:]))
	if granule < 0 {
		return f, fmt.Errorf("the last page's position %d is not a sample count", granule)
	}
	f.frames = granule
	return f, nil
}

// vorbisIdent reads the Vorbis identification header that begins an Ogg
// Vorbis stream.
func vorbisIdent(b []byte, f *format) error {
	if len(b) < 30 || b[0] != 1 || string(b[1:7]) != "vorbis" {
		return errors.New("the stream is not Vorbis")
	}
	f.channels = int(b[11])
	f.rate = int(binary.LittleEndian.Uint32(b[12:]))
	if f.channels != 1 && f.channels != 2 {
		return fmt.Errorf("%d channels, want 1 or 2", f.channels)
	}
	if f.rate < minSampleRate || f.rate > maxSampleRate {
		return fmt.Errorf("sample rate %d, want %d to %d", f.rate, minSampleRate, maxSampleRate)
	}
	return nil
}

// crcTable is the table of the Ogg page checksum (polynomial 0x04c11db7,
// not reflected, initial value 0).
type crcTable [256]uint32

func newCRCTable() *crcTable {
	var t crcTable
	for i := range t {
		r := uint32(i) << 24
		for range 8 {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04c11db7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return &t
}

// page is the checksum of an Ogg page, computed with its checksum field
// (bytes 22 to 25) as zero.
func (t *crcTable) page(p []byte) uint32 {
	var crc uint32
	for i, b := range p {
		if i >= 22 && i < 26 {
			b = 0
		}
		crc = crc<<8 ^ t[byte(crc>>24)^b]
	}
	return crc
}

// decode returns a stream of data as 16-bit little-endian stereo at rate,
// through Ebiten's decoders (which resample). data has passed check. A
// panic in a decoder is an error here.
func decode(data []byte, f format, rate int) (stream io.Reader, err error) {
	defer func() {
		if r := recover(); r != nil {
			stream, err = nil, fmt.Errorf("%w: %s decoder failed: %v", ErrFormat, f.kind, r)
		}
	}()
	src := bytes.NewReader(data)
	if f.kind == "wav" {
		s, err := wav.DecodeWithSampleRate(rate, src)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrFormat, err)
		}
		return s, nil
	}
	s, err := vorbis.DecodeWithSampleRate(rate, src)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return s, nil
}
