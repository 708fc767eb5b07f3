package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/vnict/kiosk/cmd/kioskctl/internal/videoadd"
	"github.com/vnict/kiosk/content"
)

// addVideoHelp says what kioskctl add-video does and which encoding
// settings it uses, and why; `kioskctl add-video -h` prints it.
const addVideoHelp = `usage: kioskctl add-video BUNDLE FILE --site CONFIG [--site CONFIG...] [--id ID]
        [--sound | --no-sound] [--fit fit|fill] [--ffmpeg PATH] [--ffprobe PATH]

Transcodes the clip FILE with FFmpeg into one rendition per distinct screen
geometry of the sites (output size, rotation, video.fps of each config), as
BUNDLE/video/ID-WxH-rROT-FPS.mp4, and adds or updates the video item ID in
BUNDLE/manifest.json (its duration, sound and renditions, every file's size
and SHA-256, and "video" in requires). A rendition made again for a
geometry the item already has replaces it. FILE must be a video file in
MP4/MOV, Matroska/WebM, AVI, MPEG-TS, MPEG-PS, FLV or ASF/WMV: FFmpeg is
kept from reading it as anything else (a playlist, a list of files, an
image sequence), and from reading any file but it.

Each rendition is made so that a PC without a GPU plays it in real time:
  - the frames are the size the PC sends to the screen, already turned
    clockwise by the site's rotation: the player neither scales nor turns
    video, which at wall sizes costs a weak CPU more than decoding;
  - H.264 constrained baseline (-profile:v baseline, -tune fastdecode): no
    CABAC and no B-frames (-bf 0), the cheapest H.264 to decode, which
    every decoder plays; the level fits the frame size and rate;
  - a keyframe every 2 seconds (-g), so that a decoder started late, or
    after an error, shows a picture within 2 seconds;
  - yuv420p at the site's frame rate (-r), CRF 23 (good for documentary
    and report footage at a moderate size);
  - -movflags +faststart: the index (moov) comes first, so that the file
    plays from its first bytes, without a seek to its end;
  - sound, when kept: AAC-LC, 48 kHz stereo, 128 kbit/s; otherwise none (-an).
The picture is fitted to the screen (--fit fit: whole, padded with black;
--fit fill: covering the screen, the overflow cropped).

flags:
`

// runAddVideo transcodes a clip into renditions for the given sites and
// records the video item in the bundle (see addVideoHelp).
func runAddVideo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("add-video", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() {
		fmt.Fprint(fset.Output(), addVideoHelp)
		fset.PrintDefaults()
	}
	var sites []string
	fset.Func("site", "a site config the clip is for (repeat for each site)", func(s string) error {
		sites = append(sites, s)
		return nil
	})
	id := fset.String("id", "", "the item's ID (default: from FILE's name); an existing video item of this ID is updated")
	sound := fset.Bool("sound", false, "keep the clip's sound (the default when FILE has sound)")
	noSound := fset.Bool("no-sound", false, "drop the clip's sound")
	fit := fset.String("fit", content.FitContain, "fit: the whole picture, padded with black; fill: covering the screen, cropped")
	ffmpeg := fset.String("ffmpeg", "ffmpeg", "the ffmpeg program")
	ffprobe := fset.String("ffprobe", "", "the ffprobe program (default: beside --ffmpeg)")
	pos, err := parseInterleaved(fset, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil // the usage is printed
	}
	if err != nil {
		return err
	}
	if len(pos) != 2 || len(sites) == 0 {
		return errors.New("add-video: want BUNDLE FILE and at least one --site CONFIG (kioskctl add-video -h)")
	}
	if *sound && *noSound {
		return errors.New("add-video: give --sound or --no-sound, not both")
	}
	req := videoadd.Request{Bundle: pos[0], Clip: pos[1], Sites: sites, ID: *id, Fit: *fit, FFmpeg: *ffmpeg, FFprobe: *ffprobe}
	switch {
	case *sound:
		req.Sound = videoadd.SoundOn
	case *noSound:
		req.Sound = videoadd.SoundOff
	}
	res, err := videoadd.Add(ctx, req, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: video item %s, %.1f s, %s: %s made (%d replaced); %d files indexed\n",
		req.Bundle, res.ID, res.Duration.Seconds(), soundWord(res.Sound), plural(res.Made, "rendition"), res.Replaced, res.Files)
	return nil
}

// soundWord says whether a video has sound.
func soundWord(sound bool) string {
	if sound {
		return "with sound"
	}
	return "silent"
}

// plural is n and the noun, plural but for one.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// parseInterleaved parses fset's flags from args with positional
// arguments before, between or after them, and returns the positional
// ones in order.
func parseInterleaved(fset *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fset.Parse(args); err != nil {
			return nil, err
		}
		if fset.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fset.Arg(0))
		args = fset.Args()[1:]
	}
}
