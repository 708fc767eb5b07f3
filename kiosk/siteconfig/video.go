package siteconfig

import (
	"strings"
	"unicode"

	"github.com/vnict/kiosk/content"
)

// Video says how a site plays video items. Their renditions are made for
// the site's output size, rotation and FPS (kioskctl add-video --site), so
// the player only decodes and shows them.
type Video struct {
	// FPS is the frame rate renditions for this site are made at
	// (default DefaultVideoFPS).
	FPS int `yaml:"fps"`
	// Sound plays videos' sound when the site has a sound device. Left
	// out: true at interactive sites, false on walls (see PlaysSound).
	Sound *bool `yaml:"sound"`
	// FFmpeg is the decoder program: default "ffmpeg" on PATH; on
	// Windows, the path of an ffmpeg.exe.
	FFmpeg string `yaml:"ffmpeg"`
}

// DefaultVideoFPS is the frame rate of a site's video renditions when its
// config gives none: the PAL rate Vietnam's broadcast material is made
// at, and one a PC without a GPU decodes and shows at wall sizes.
const DefaultVideoFPS = 25

// DefaultFFmpeg is the decoder program of a site whose config names none.
const DefaultFFmpeg = "ffmpeg"

// PlaysSound reports whether a site in mode plays videos' sound: as Sound
// says, or by default at an interactive site (residents listen at a
// desk) and not on a wall (a PA system beside it has its own programme).
func (v Video) PlaysSound(mode string) bool {
	if v.Sound != nil {
		return *v.Sound
	}
	return mode == ModeInteractive
}

// PlaysVideoSound reports whether the site plays videos' sound (see
// Video.PlaysSound).
func (c *Config) PlaysVideoSound() bool { return c.Video.PlaysSound(c.Mode) }

// Program returns the FFmpeg program to run: FFmpeg, or DefaultFFmpeg.
func (v Video) Program() string {
	if v.FFmpeg == "" {
		return DefaultFFmpeg
	}
	return v.FFmpeg
}

// FFmpeg returns the decoder program to run: a bare name (the default,
// "ffmpeg") is looked for on the PATH, and a relative path such as
// tools/ffmpeg.exe is relative to the config's folder, like the config's
// other paths (a Windows service starts in its system folder).
func (c *Config) FFmpeg() string {
	prog := c.Video.Program()
	if !strings.ContainsAny(prog, `/\`) {
		return prog
	}
	return c.Resolve(prog)
}

// validate checks the video section.
func (v Video) validate(bad func(field, format string, args ...any)) {
	if v.FPS < 1 || v.FPS > content.MaxVideoFPS {
		bad("video.fps", "%d: want 1 to %d frames a second", v.FPS, content.MaxVideoFPS)
	}
	for i, r := range v.FFmpeg {
		if unicode.IsControl(r) {
			bad("video.ffmpeg", "control character %U at byte %d: want the path of the ffmpeg program", r, i)
			break
		}
	}
}
