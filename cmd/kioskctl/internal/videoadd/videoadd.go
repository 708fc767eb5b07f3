// Package videoadd makes a bundle's video item out of a clip, as `kioskctl
// add-video` and the studio's video upload do: FFmpeg transcodes the clip
// into one rendition per screen geometry of the sites it is for, each
// made so that a PC without a GPU plays it in real time (see kioskctl
// add-video -h for the settings and why), and the item is written into the
// manifest with every file's size and SHA-256.
//
// FFmpeg reads the clip only as a local file in a real container format,
// nothing is written unless every rendition is made, and the bundle is
// written through os.OpenRoot, refusing symbolic links on the way.
package videoadd

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/internal/atomicfile"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// Sound says what becomes of a clip's sound.
type Sound int

const (
	// SoundAuto keeps the clip's sound if it has one.
	SoundAuto Sound = iota
	// SoundOn keeps it, and refuses a clip without.
	SoundOn
	// SoundOff drops it.
	SoundOff
)

// Request is a clip to add to a bundle as a video item.
type Request struct {
	// Bundle is the bundle's folder, Clip the source file.
	Bundle, Clip string
	// Sites are the site configs the clip is made for: one rendition per
	// distinct screen geometry among them.
	Sites []string
	// ID is the item's ID; "" makes one from Clip's name (IDFromName).
	ID    string
	Sound Sound
	// Fit is content.FitContain or content.FitFill.
	Fit string
	// FFmpeg and FFprobe are the programs; "" is ffmpeg on the PATH and
	// the ffprobe beside it.
	FFmpeg, FFprobe string
}

// Result is what Add made.
type Result struct {
	ID       string
	Duration time.Duration
	Sound    bool
	// Made and Replaced count the renditions made, and those of them
	// that took an older one's place; Files counts the bundle's files.
	Made, Replaced, Files int
}

// Add transcodes req.Clip with FFmpeg into one rendition per screen
// geometry of req.Sites and adds or updates the video item in the bundle
// (see the package doc); it says on progress what it made, a line a
// rendition. Nothing is written unless every rendition is made.
func Add(ctx context.Context, req Request, progress io.Writer) (Result, error) {
	bundle, clip, sites := req.Bundle, req.Clip, req.Sites
	fit, id := &req.Fit, &req.ID
	if *fit == "" {
		*fit = content.FitContain
	}
	if req.FFmpeg == "" {
		req.FFmpeg = "ffmpeg"
	}
	ffmpeg, ffprobe := &req.FFmpeg, &req.FFprobe
	sound, noSound := new(bool), new(bool)
	*sound, *noSound = req.Sound == SoundOn, req.Sound == SoundOff
	if len(sites) == 0 {
		return Result{}, errors.New("add-video: want at least one site config")
	}
	if *fit != content.FitContain && *fit != content.FitFill {
		return Result{}, fmt.Errorf("add-video: --fit %q: want %q or %q", *fit, content.FitContain, content.FitFill)
	}
	if *ffprobe == "" {
		*ffprobe = ProbeBeside(*ffmpeg)
	}
	if *id == "" {
		*id = IDFromName(clip)
	}
	if !itemIDPattern.MatchString(*id) {
		return Result{}, fmt.Errorf("add-video: item ID %q: want 1-64 of a-z, 0-9, '.', '_', '-' (give --id)", *id)
	}
	if st, err := os.Stat(bundle); err != nil || !st.IsDir() {
		return Result{}, fmt.Errorf("add-video: %s is not a bundle folder", bundle)
	}
	b, err := content.LoadDir(bundle)
	if err != nil {
		return Result{}, fmt.Errorf("add-video: %w", err)
	}
	geos, err := siteGeometries(sites)
	if err != nil {
		return Result{}, fmt.Errorf("add-video: %w", err)
	}
	// The renditions are written through root, which no link in the
	// bundle leads out of; links on their way are refused before any
	// work, with a message saying which.
	root, err := os.OpenRoot(bundle)
	if err != nil {
		return Result{}, fmt.Errorf("add-video: %w", err)
	}
	defer root.Close()
	for _, g := range geos {
		if err := checkNoLinks(root, renditionFile(*id, g)); err != nil {
			return Result{}, fmt.Errorf("add-video: %w", err)
		}
	}

	src, err := probeFile(ctx, *ffprobe, clip)
	if err != nil {
		return Result{}, fmt.Errorf("add-video: %s: %w", clip, err)
	}
	switch {
	case src.width == 0:
		return Result{}, fmt.Errorf("add-video: %s has no video stream", clip)
	case src.duration <= 0:
		return Result{}, fmt.Errorf("add-video: %s: FFmpeg finds no duration", clip)
	case src.duration > content.MaxVideoDuration:
		return Result{}, fmt.Errorf("add-video: %s plays %v; a clip plays for at most %v", clip, src.duration.Round(time.Second), content.MaxVideoDuration)
	case *sound && !src.hasAudio:
		return Result{}, fmt.Errorf("add-video: --sound: %s has no sound", clip)
	}
	withSound := src.hasAudio && !*noSound

	// An item of this ID keeps the renditions this run does not make
	// again; they must agree on sound.
	var existing *content.Item
	for i := range b.Manifest.Items {
		if b.Manifest.Items[i].ID == *id {
			existing = &b.Manifest.Items[i]
		}
	}
	if existing != nil {
		if existing.Kind != content.KindVideo {
			return Result{}, fmt.Errorf("add-video: the bundle's item %s is a %s item; give another --id", *id, existing.Kind)
		}
		for _, r := range existing.Video.Renditions {
			if !slices.ContainsFunc(geos, func(g geometry) bool { return g.matches(r) }) && existing.Video.Sound != withSound {
				return Result{}, fmt.Errorf("add-video: item %s is %s, and keeps its rendition %s (%s), which this run does not make again; this run makes it %s: give every site of the item, or %s",
					*id, soundWord(existing.Video.Sound), r.File, r.Geometry(), soundWord(withSound), map[bool]string{true: "--sound", false: "--no-sound"}[existing.Video.Sound])
			}
		}
	}

	tmp, err := os.MkdirTemp("", "kioskctl-add-video-")
	if err != nil {
		return Result{}, fmt.Errorf("add-video: %w", err)
	}
	defer os.RemoveAll(tmp)
	var made []content.Rendition
	var first probe
	for i, g := range geos {
		r := content.Rendition{
			File:  renditionFile(*id, g),
			Width: g.w, Height: g.h, Rotation: g.rotation, FPS: g.fps,
		}
		out := filepath.Join(tmp, path.Base(r.File))
		start := time.Now()
		if err := transcode(ctx, *ffmpeg, clip, out, g, *fit, withSound, src.duration); err != nil {
			return Result{}, fmt.Errorf("add-video: %s for %s (%s): %w; the bundle is unchanged", r.File, r.Geometry(), strings.Join(g.sites, ", "), err)
		}
		got, err := probeFile(ctx, *ffprobe, out)
		if err != nil {
			return Result{}, fmt.Errorf("add-video: FFmpeg's %s: %w", r.File, err)
		}
		if got.width != g.w || got.height != g.h || got.videoCodec != "h264" {
			return Result{}, fmt.Errorf("add-video: FFmpeg's %s is %s %dx%d, want h264 %dx%d", r.File, got.videoCodec, got.width, got.height, g.w, g.h)
		}
		if i == 0 {
			first = got
		}
		fmt.Fprintf(progress, "%s: %s for %s, %.1f s of video in %.1f s\n", r.File, r.Geometry(), strings.Join(g.sites, ", "), got.duration.Seconds(), time.Since(start).Seconds())
		made = append(made, r)
	}

	for _, r := range made {
		if err := installFile(root, filepath.Join(tmp, path.Base(r.File)), r.File); err != nil {
			return Result{}, fmt.Errorf("add-video: %s: %w", filepath.Join(bundle, filepath.FromSlash(r.File)), err)
		}
	}
	var replaced []string
	m, err := content.IndexDirWith(bundle, content.IndexOptions{Edit: func(m *content.Manifest) error {
		var it *content.Item
		for i := range m.Items {
			if m.Items[i].ID == *id {
				it = &m.Items[i]
			}
		}
		if it == nil {
			m.Items = append(m.Items, content.Item{ID: *id, Kind: content.KindVideo, Layout: content.LayoutSingle, Video: &content.Video{}})
			it = &m.Items[len(m.Items)-1]
		}
		if it.Kind != content.KindVideo || it.Video == nil {
			return fmt.Errorf("item %s changed while its renditions were made", *id)
		}
		it.Video.Duration = content.Duration(first.duration)
		it.Video.Sound = withSound
		for _, r := range made {
			if j := slices.IndexFunc(it.Video.Renditions, func(o content.Rendition) bool {
				return o.Width == r.Width && o.Height == r.Height && o.Rotation == r.Rotation && o.FPS == r.FPS
			}); j >= 0 {
				replaced = append(replaced, it.Video.Renditions[j].File)
				it.Video.Renditions[j] = r
				continue
			}
			it.Video.Renditions = append(it.Video.Renditions, r)
		}
		if !slices.Contains(m.Requires, content.FeatureVideo) {
			m.Requires = append(m.Requires, content.FeatureVideo)
		}
		return nil
	}})
	if err != nil {
		return Result{}, fmt.Errorf("add-video: %w", err)
	}
	return Result{ID: *id, Duration: first.duration, Sound: withSound, Made: len(made), Replaced: len(replaced), Files: len(m.Files)}, nil
}

// Bounds of kioskctl add-video.
const (
	// probeTimeout bounds one ffprobe run, which reads a file's headers.
	probeTimeout = 30 * time.Second
	// maxProbeOutput bounds what is read of ffprobe's JSON: a few KB per
	// stream, and a file with thousands of streams is not a clip.
	maxProbeOutput = 1 << 20
	// maxFFmpegStderr is how much of the end of FFmpeg's messages is kept
	// for an error.
	maxFFmpegStderr = 4 << 10
	// videoCRF is x264's constant rate factor: 23, its default, keeps
	// footage clean at a moderate bitrate.
	videoCRF = 23
	// keyframeSeconds is the interval between keyframes.
	keyframeSeconds = 2
	// audioRate, audioChannels and audioBitrate are the sound of a
	// rendition that keeps it.
	audioRate     = 48000
	audioChannels = 2
	audioBitrate  = "128k"
)

// clipFormats are the FFmpeg demuxers add-video reads a clip with, given
// to ffprobe and ffmpeg as -format_whitelist: the containers a department
// gets footage in (MP4/MOV from phones and cameras, Matroska/WebM,
// AVI, MPEG-TS from broadcast captures and AVCHD, MPEG-PS from DVDs, FLV,
// ASF/WMV). FFmpeg otherwise guesses a file's format from its content, and
// playlists (HLS), concat lists, image sequences and the like read other
// files the playlist names: a "clip.mp4" that is an HLS playlist naming a
// staff member's unreleased footage would put that footage into the bundle
// approvers sign. None of these containers reads another file (mov's
// external references are off by default), and -protocol_whitelist file
// keeps FFmpeg from opening anything but local files.
const clipFormats = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,flv,asf"

// clipFormatNames says clipFormats in words, for messages.
const clipFormatNames = "MP4/MOV, Matroska/WebM, AVI, MPEG-TS, MPEG-PS, FLV or ASF/WMV"

// inputOptions are ffprobe's and ffmpeg's options for reading a file (they
// precede its -i): local files only, in clipFormats only.
func inputOptions() []string {
	return []string{"-protocol_whitelist", "file", "-format_whitelist", clipFormats}
}

// clipFormat reports whether FFmpeg's format_name of a file (a demuxer's
// names, "mov,mp4,m4a,3gp,3g2,mj2") is one of clipFormats: every name of
// the demuxer must be, not just one.
func clipFormat(formatName string) bool {
	if formatName == "" {
		return false
	}
	allowed := strings.Split(clipFormats, ",")
	for _, n := range strings.Split(formatName, ",") {
		if !slices.Contains(allowed, n) {
			return false
		}
	}
	return true
}

// notOnWhitelist finds FFmpeg's refusal of a format not in clipFormats in
// its messages ("[hls @ 0x55d...] Format not on whitelist '...'"), and the
// format it names.
var notOnWhitelist = regexp.MustCompile(`\[([a-zA-Z0-9_,]+) @ [^\]]*\] Format not on whitelist`)

// geometry is a site's screen as renditions are made for it.
type geometry struct {
	w, h, rotation, fps int
	// layoutW and layoutH are the picture as viewers see it (the
	// site's resolution), before it is turned.
	layoutW, layoutH int
	sites            []string // configs with this geometry, for messages
}

// probe is what ffprobe says of a file.
type probe struct {
	duration   time.Duration
	width      int // of the first video stream
	height     int
	videoCodec string
	hasAudio   bool
}

// soundWord says whether a video has sound.
func soundWord(sound bool) string {
	if sound {
		return "with sound"
	}
	return "silent"
}

// itemIDPattern is a manifest item's ID.
var itemIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// IDFromName makes an item ID from a file's name: its base without the
// extension, lower-cased, Vietnamese letters without their marks ("Phóng
// sự" is "phong-su"), other runs of characters as '-'.
func IDFromName(name string) string {
	base := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(strings.ToLower(base)) {
		if r == 'đ' {
			r = 'd'
		}
		switch {
		case unicode.Is(unicode.Mn, r):
			// a mark of the letter before
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	id := strings.Trim(b.String(), "-.")
	if len(id) > 48 { // room for "-WxH-rROT-FPS.mp4" in file names
		id = strings.TrimRight(id[:48], "-.")
	}
	return id
}

// ProbeBeside names the ffprobe next to the ffmpeg program given: on PATH
// for a bare name, in the same folder for a path, with ".exe" on Windows.
func ProbeBeside(ffmpeg string) string {
	dir, base := filepath.Split(ffmpeg)
	name := "ffprobe"
	if strings.EqualFold(filepath.Ext(base), ".exe") {
		name += ".exe"
	}
	if dir == "" {
		return name
	}
	return filepath.Join(dir, name)
}

// siteGeometries loads the site configs and returns their distinct
// geometries, in the order the configs give them.
func siteGeometries(configs []string) ([]geometry, error) {
	var geos []geometry
	for _, p := range configs {
		cfg, err := siteconfig.Load(p)
		if err != nil {
			return nil, err
		}
		w, h := cfg.Display.OutputSize()
		g := geometry{w: w, h: h, rotation: cfg.Display.Rotation, fps: cfg.Video.FPS,
			layoutW: cfg.Display.Resolution.W, layoutH: cfg.Display.Resolution.H}
		if w%2 != 0 || h%2 != 0 {
			return nil, fmt.Errorf("%s: display.resolution %v: H.264 in yuv420p needs an even width and height", p, cfg.Display.Resolution)
		}
		if i := slices.IndexFunc(geos, func(o geometry) bool {
			return o.w == g.w && o.h == g.h && o.rotation == g.rotation && o.fps == g.fps
		}); i >= 0 {
			geos[i].sites = append(geos[i].sites, cfg.Site.ID)
			continue
		}
		g.sites = []string{cfg.Site.ID}
		geos = append(geos, g)
	}
	if len(geos) > content.MaxRenditions {
		return nil, fmt.Errorf("the sites have %d screen geometries; a video has at most %d renditions: add the clip as separate items", len(geos), content.MaxRenditions)
	}
	return geos, nil
}

func (g geometry) matches(r content.Rendition) bool {
	return r.Width == g.w && r.Height == g.h && r.Rotation == g.rotation && r.FPS == g.fps
}

// videoFilter is FFmpeg's filter graph for g: the frame rate, the picture fitted (padded
// with black) or filled (cropped) to the layout size, then turned
// clockwise by the rotation, as the player turns everything it draws.
func videoFilter(g geometry, fit string) string {
	// The frame rate first: fewer frames to scale, and exactly the
	// clip's length in frames (-r alone repeats frames at the end).
	f := []string{"fps=" + strconv.Itoa(g.fps)}
	lw, lh := strconv.Itoa(g.layoutW), strconv.Itoa(g.layoutH)
	// The colours in BT.601's limited range, whatever the source's (a
	// camera's HD clip is BT.709): the one the player's shader turns
	// back into RGB.
	const colours = ":out_color_matrix=bt601:out_range=tv"
	if fit == content.FitFill {
		f = append(f, "scale="+lw+":"+lh+":force_original_aspect_ratio=increase"+colours, "crop="+lw+":"+lh)
	} else {
		f = append(f, "scale="+lw+":"+lh+":force_original_aspect_ratio=decrease:force_divisible_by=2"+colours,
			"pad="+lw+":"+lh+":(ow-iw)/2:(oh-ih)/2:black")
	}
	f = append(f, "setsar=1")
	switch g.rotation {
	case 90:
		f = append(f, "transpose=1") // 90° clockwise
	case 180:
		f = append(f, "hflip", "vflip")
	case 270:
		f = append(f, "transpose=2") // 90° counter-clockwise
	}
	return strings.Join(append(f, "format=yuv420p"), ",")
}

// h264Levels are H.264's levels with the most macroblocks a frame and a
// second each allows (ITU-T H.264 Table A-1).
var h264Levels = []struct {
	name          string
	frameMBs, mbs int
}{
	{"3.0", 1620, 40500}, {"3.1", 3600, 108000}, {"3.2", 5120, 216000},
	{"4.0", 8192, 245760}, {"4.2", 8704, 522240}, {"5.0", 22080, 589824},
	{"5.1", 36864, 983040}, {"5.2", 36864, 2073600}, {"6.0", 139264, 4177920},
	{"6.1", 139264, 8355840}, {"6.2", 139264, 16711680},
}

// h264Level is the lowest level (from 3.0) whose bounds hold w x h at fps.
func h264Level(w, h, fps int) string {
	mw, mh := (w+15)/16, (h+15)/16
	for _, l := range h264Levels {
		// A side may be at most sqrt(8 * frameMBs) macroblocks.
		if mw*mh <= l.frameMBs && mw*mw <= 8*l.frameMBs && mh*mh <= 8*l.frameMBs && mw*mh*fps <= l.mbs {
			return l.name
		}
	}
	return h264Levels[len(h264Levels)-1].name
}

// ffmpegArgs are FFmpeg's arguments to make the rendition out of clip for
// g (see kioskctl add-video -h for why each setting).
func ffmpegArgs(clip, out string, g geometry, fit string, sound bool) []string {
	gop := strconv.Itoa(keyframeSeconds * g.fps)
	args := []string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}
	args = append(args, inputOptions()...)
	args = append(args,
		"-i", "file:"+clip, // a local file, whatever its name: never a URL or another protocol
		"-map", "0:v:0",
		"-vf", videoFilter(g, fit),
		"-r", strconv.Itoa(g.fps),
		"-c:v", "libx264", "-profile:v", "baseline", "-level:v", h264Level(g.w, g.h, g.fps),
		"-tune", "fastdecode", "-preset", "medium", "-crf", strconv.Itoa(videoCRF),
		"-bf", "0", "-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
		"-pix_fmt", "yuv420p", "-colorspace", "smpte170m", "-color_primaries", "smpte170m", "-color_trc", "smpte170m", "-color_range", "tv",
	)
	if sound {
		args = append(args, "-map", "0:a:0", "-c:a", "aac", "-profile:a", "aac_low",
			"-ar", strconv.Itoa(audioRate), "-ac", strconv.Itoa(audioChannels), "-b:a", audioBitrate)
	} else {
		args = append(args, "-an")
	}
	return append(args, "-sn", "-dn", "-map_metadata", "-1", "-movflags", "+faststart", "-f", "mp4", "file:"+out)
}

// transcodeTimeout bounds one FFmpeg run for a clip of length d at g:
// x264's medium preset makes 1080p at a few times real time on two cores;
// the bound allows ten times the clip's length per 1080p's pixels, and a
// minute to start.
func transcodeTimeout(d time.Duration, g geometry) time.Duration {
	scale := max(1.0, float64(g.w*g.h*g.fps)/float64(1920*1080*25))
	return time.Minute + time.Duration(10*scale*float64(d))
}

// transcode runs FFmpeg to make the rendition out for g, bounded in time.
func transcode(ctx context.Context, ffmpeg, clip, out string, g geometry, fit string, sound bool, d time.Duration) error {
	timeout := transcodeTimeout(d, g)
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ffmpeg, ffmpegArgs(clip, out, g, fit, sound)...)
	stderr := &tailBuffer{max: maxFFmpegStderr}
	cmd.Stdout, cmd.Stderr = io.Discard, stderr
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s not found: install Debian's ffmpeg (apt-get install ffmpeg), or give --ffmpeg", ffmpeg)
		}
		if perr := parent.Err(); perr != nil {
			return fmt.Errorf("ffmpeg stopped: %w", perr)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("ffmpeg took longer than %v: %s", timeout, stderr.String())
		}
		if m := notOnWhitelist.FindStringSubmatch(stderr.String()); m != nil {
			return fmt.Errorf("%s: FFmpeg reads it as %q, not a video file: add-video takes %s", clip, m[1], clipFormatNames)
		}
		return fmt.Errorf("ffmpeg: %w: %s", err, stderr.String())
	}
	return nil
}

// probeFile runs ffprobe on p, bounded in time and output.
func probeFile(ctx context.Context, ffprobe, p string) (probe, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	args := append([]string{"-v", "error", "-print_format", "json",
		"-show_entries", "format=format_name,duration:stream=codec_type,codec_name,width,height,duration"},
		inputOptions()...)
	cmd := exec.CommandContext(ctx, ffprobe, append(args, "-i", "file:"+p)...)
	out := &boundedBuffer{max: maxProbeOutput}
	stderr := &tailBuffer{max: maxFFmpegStderr}
	cmd.Stdout, cmd.Stderr = out, stderr
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			return probe{}, fmt.Errorf("%s not found: install Debian's ffmpeg (apt-get install ffmpeg), or give --ffprobe", ffprobe)
		}
		if ctx.Err() != nil {
			return probe{}, fmt.Errorf("ffprobe took longer than %v", probeTimeout)
		}
		if m := notOnWhitelist.FindStringSubmatch(stderr.String()); m != nil {
			return probe{}, fmt.Errorf("FFmpeg reads it as %q, not a video file: add-video takes %s", m[1], clipFormatNames)
		}
		return probe{}, fmt.Errorf("ffprobe: %w: %s", err, stderr.String())
	}
	if out.Len() >= maxProbeOutput {
		return probe{}, fmt.Errorf("ffprobe wrote more than %d bytes: not a clip", maxProbeOutput)
	}
	var v struct {
		Format struct {
			FormatName string `json:"format_name"`
			Duration   string `json:"duration"`
		} `json:"format"`
		Streams []struct {
			CodecType string `json:"codec_type"`
			CodecName string `json:"codec_name"`
			Width     int    `json:"width"`
			Height    int    `json:"height"`
			Duration  string `json:"duration"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		return probe{}, fmt.Errorf("ffprobe's output: %w", err)
	}
	if !clipFormat(v.Format.FormatName) {
		return probe{}, fmt.Errorf("FFmpeg reads it as %q, not a video file: add-video takes %s", v.Format.FormatName, clipFormatNames)
	}
	var pr probe
	pr.duration = seconds(v.Format.Duration)
	for _, s := range v.Streams {
		switch {
		case s.CodecType == "video" && pr.width == 0:
			pr.width, pr.height, pr.videoCodec = s.Width, s.Height, s.CodecName
			// The picture's length, where the file says: the item
			// lasts as long as its frames, not its sound's padding.
			if d := seconds(s.Duration); d > 0 {
				pr.duration = d
			}
		case s.CodecType == "audio":
			pr.hasAudio = true
		}
	}
	return pr, nil
}

// seconds reads a duration ffprobe gives in seconds ("2.080000"); 0 when
// there is none.
func seconds(s string) time.Duration {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v > 0 && v < 1e7) {
		return 0
	}
	return time.Duration(v * float64(time.Second)).Round(time.Millisecond)
}

// renditionFile is the bundle's file (slash-separated) of the rendition
// of item id for g.
func renditionFile(id string, g geometry) string {
	return path.Join("video", fmt.Sprintf("%s-%dx%d-r%d-%d%s", id, g.w, g.h, g.rotation, g.fps, content.VideoExt))
}

// checkNoLinks refuses a symbolic link at name (slash-separated, in
// root) or at any folder between root and it: a link would put the file
// elsewhere, even outside the bundle, where approvers never see it. A
// link inside the bundle is refused too, as a bundle's files are its own.
func checkNoLinks(root *os.Root, name string) error {
	parts := strings.Split(name, "/")
	for i := range parts {
		p := path.Join(parts[:i+1]...)
		st, err := root.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // made by add-video, as a folder and a file
		}
		full := filepath.Join(root.Name(), filepath.FromSlash(p))
		if err != nil {
			return err
		}
		last := i == len(parts)-1
		switch {
		case st.Mode()&fs.ModeSymlink != 0:
			target, _ := root.Readlink(p)
			return fmt.Errorf("%s is a symbolic link (to %s): add-video writes only into the bundle's own folders; make it a %s", full, target, map[bool]string{true: "file", false: "folder"}[last])
		case !last && !st.IsDir():
			return fmt.Errorf("%s is not a folder", full)
		case last && !st.Mode().IsRegular():
			return fmt.Errorf("%s is not a file", full)
		}
	}
	return nil
}

// installFile copies src into the bundle as name (slash-separated),
// through root, so that no link takes it out of the bundle: written
// beside name, synced, and renamed over it, so that name is never part of
// a file.
func installFile(root *os.Root, src, name string) error {
	dir := path.Dir(name)
	if err := root.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := path.Join(dir, "."+path.Base(name)+"."+rand.Text()[:10]+".tmp")
	out, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer root.Remove(tmp) // after a failure; gone after the rename
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	if err := root.Rename(tmp, name); err != nil {
		return err
	}
	return atomicfile.SyncDir(filepath.Join(root.Name(), filepath.FromSlash(dir)))
}

// tailBuffer keeps the last max bytes written to it: FFmpeg's reason for
// failing comes last.
type tailBuffer struct {
	buf []byte
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string { return strings.TrimSpace(string(b.buf)) }

// boundedBuffer keeps the first max bytes written to it.
type boundedBuffer struct {
	bytes.Buffer
	max int
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
