package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/vnict/kiosk/kiosk/player"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/sound"
)

// soundWait bounds how long the player waits for its sound device to be
// found, from the start: the probe's own bound (its timeout and the wait
// for its output) and a little for opening the device after it. The
// player's first frame waits for it at most that long.
const soundWait = sound.DefaultProbeTimeout + sound.ProbeWaitDelay + 500*time.Millisecond

// narration is a site's sound: a speaker for the guides' narration at an
// interactive site and for videos' sound where the site plays it, found
// and opened while the rest of the player starts, or none when the PC has
// no sound device. A nil *narration is a silent wall's: it never opens a
// sound device.
type narration struct {
	log      *slog.Logger
	silent   string // what is silent without a device, for the log
	wait     time.Duration
	deadline time.Time
	found    chan opened // the search's result, once
	done     chan struct{}

	once sync.Once
	sp   *sound.Speaker // nil: no device
}

// opened is what the search for the sound device found.
type opened struct {
	sp  *sound.Speaker
	err error
}

// openNarration starts looking for the sound device of an interactive
// site, or of a wall whose config plays videos' sound (a probe in a child
// process, see package sound), and returns at once; other walls get nil.
// With no device it logs so, once, and the player plays on silently.
func openNarration(ctx context.Context, cfg *siteconfig.Config, log *slog.Logger) *narration {
	if cfg.Mode != siteconfig.ModeInteractive && !cfg.PlaysVideoSound() {
		return nil
	}
	n := startNarration(ctx, probeProgram, soundWait, log)
	if cfg.Mode != siteconfig.ModeInteractive {
		n.silent = "video sound"
	}
	return n
}

// startNarration looks for the sound device through program (this
// program, run as the probe) and waits for it at most wait from now.
func startNarration(ctx context.Context, program func() (string, error), wait time.Duration, log *slog.Logger) *narration {
	n := &narration{log: log, silent: "narration", wait: wait, deadline: time.Now().Add(wait), found: make(chan opened, 1), done: make(chan struct{})}
	go func() {
		defer close(n.done)
		prog, err := program()
		if err != nil {
			n.found <- opened{err: err}
			return
		}
		sp, err := sound.New(ctx, prog, sound.Options{Log: log})
		n.found <- opened{sp: sp, err: err}
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

// speaker waits for the sound device to be found or not, until the
// deadline: a device found later is closed unused (the next start uses
// it).
func (n *narration) speaker() *sound.Speaker {
	if n == nil {
		return nil
	}
	n.once.Do(func() {
		timer := time.NewTimer(time.Until(n.deadline))
		defer timer.Stop()
		var o opened
		select {
		case o = <-n.found:
		case <-timer.C:
			o.err = fmt.Errorf("%w: not found in %v", sound.ErrNoDevice, n.wait)
			go func() {
				if late := <-n.found; late.sp != nil {
					late.sp.Close()
				}
			}()
		}
		if o.err != nil {
			n.log.Warn("no sound device: "+n.silent+" is silent", "err", o.err)
			return
		}
		n.log.Info("sound device ready for " + n.silent)
		n.sp = o.sp
	})
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

// videoSound is what the player plays videos' sound through: nil when the
// site plays none (see siteconfig.Video) or has no sound device.
func (n *narration) videoSound(cfg *siteconfig.Config) player.VideoSound {
	if !cfg.PlaysVideoSound() {
		return nil
	}
	if sp := n.speaker(); sp != nil {
		return streams{sp}
	}
	return nil
}

// streams plays videos' sound on a speaker, alongside narration.
type streams struct{ *sound.Speaker }

func (s streams) Stream(name string, pcm io.Reader) (player.SoundStream, error) {
	st, err := s.Speaker.Stream(name, pcm)
	if err != nil {
		return nil, err
	}
	return st, nil
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
