package main

import (
	"context"
	"log/slog"
	"os"
	"runtime"

	"github.com/vnict/kiosk/kiosk/player"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/sound"
)

// narration is an interactive site's sound: a speaker for the guides'
// narration, found and opened while the rest of the player starts, or
// none when the PC has no sound device. A nil *narration is a wall's: it
// never opens a sound device.
type narration struct {
	ready chan struct{}
	sp    *sound.Speaker // nil: no device
}

// openNarration starts looking for the sound device of an interactive
// site (a probe in a child process, see package sound) and returns at
// once; walls get nil. With no device it logs so, once, and the player
// plays on silently.
func openNarration(ctx context.Context, cfg *siteconfig.Config, log *slog.Logger) *narration {
	if cfg.Mode != siteconfig.ModeInteractive {
		return nil
	}
	n := &narration{ready: make(chan struct{})}
	go func() {
		defer close(n.ready)
		program, err := probeProgram()
		if err != nil {
			log.Warn("no sound: narration is silent", "err", err)
			return
		}
		sp, err := sound.New(ctx, program, sound.Options{Log: log})
		if err != nil {
			log.Warn("no sound device: narration is silent", "err", err)
			return
		}
		log.Info("sound device ready for narration")
		n.sp = sp
	}()
	return n
}

// probeProgram is this program, to run as the sound probe: on Linux by
// /proc/self/exe, which still opens after a package upgrade has replaced
// the file the player was started from.
func probeProgram() (string, error) {
	if runtime.GOOS == "linux" {
		if _, err := os.Stat("/proc/self/exe"); err == nil {
			return "/proc/self/exe", nil
		}
	}
	return os.Executable()
}

// speaker waits for the sound device to be found or not.
func (n *narration) speaker() *sound.Speaker {
	if n == nil {
		return nil
	}
	<-n.ready
	return n.sp
}

// narrator is what the player plays narration through: nil (not a nil
// *sound.Speaker) when there is no sound.
func (n *narration) narrator() player.Narrator {
	if sp := n.speaker(); sp != nil {
		return sp
	}
	return nil
}

// audio is what heartbeats say of sound: report.AudioOK, report.AudioNone
// (no device, or it has failed since), or "" for a wall.
func (n *narration) audio() string {
	if n == nil {
		return ""
	}
	if sp := n.speaker(); sp != nil && sp.Err() == nil {
		return report.AudioOK
	}
	return report.AudioNone
}

// close silences the speaker once the player has stopped.
func (n *narration) close() {
	n.speaker().Close()
}
