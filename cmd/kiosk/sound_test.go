//go:build unix

package main

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish/publishtest"
)

// TestNarrationSound runs the real player as an interactive site synced
// from a real MinIO, on an X screen of its own, through a guide whose
// first step is narrated (espeak-ng's Vietnamese voice, as the department
// makes narration), twice:
//
//   - with ALSA's null device: the heartbeat says audio ok, the step's
//     narration plays when the step opens, and the step offers Replay;
//   - with no sound device at all (an ALSA configuration that defines
//     none, so ALSA itself finds no device, whatever the machine has):
//     the player says so once, with ALSA's reason, offers no Replay,
//     plays on for several seconds, the heartbeat says audio none.
//
// Both exit cleanly when stopped, and neither logs a narration that
// could not be played or a device that failed.
func TestNarrationSound(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Fatal("espeak-ng is not installed: `make deps` installs it (Debian package espeak-ng)")
	}
	tests := []struct {
		name  string
		alsa  string
		audio string
	}{
		{"null device", "pcm.!default { type null }\n", report.AudioOK},
		{"no device", "# no PCM defined: no sound device\n", report.AudioNone},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := startXScreen(t, 1536, 768)
			d := publishtest.New(t)
			bundle := signageBundle(t)
			addGuide(t, bundle, 2)
			spoken := "audio/" + testGuideID + "-1-vi.wav"
			if out, err := exec.Command("espeak-ng", "-v", "vi", "-w", filepath.Join(bundle, spoken),
				"Chuẩn bị giấy tờ tùy thân trước khi làm thủ tục.").CombinedOutput(); err != nil {
				t.Fatalf("espeak-ng: %v\n%s", err, out)
			}
			if _, err := content.IndexDir(bundle); err != nil {
				t.Fatal(err)
			}
			d.Release(t, bundle, layout.Targeting{})
			cfg := writeSyncedSite(t, d, d.Server.AccessKey, d.Server.SecretKey,
				"mode: interactive\nreports: {interval: 5s, upload: 1s, screenshot_interval: 0}\n")
			alsa := filepath.Join(t.TempDir(), "asound.conf")
			if err := os.WriteFile(alsa, []byte(tc.alsa), 0o644); err != nil {
				t.Fatal(err)
			}
			u := startInteractive(t, x, cfg, "", "ALSA_CONFIG_PATH="+alsa)
			u.waitScreen("attract", time.Minute, screenIs("attract"))
			hb := waitStatus(t, d, 30*time.Second, func(hb report.Heartbeat) bool {
				return hb.Bundle != "" && strings.HasSuffix(hb.Bundle, "@2")
			})
			if hb.Audio != tc.audio {
				t.Errorf("heartbeat audio %q, want %q", hb.Audio, tc.audio)
			}

			// An input the player did not see (the first, while the
			// window is new) is sent again.
			u.do("home", 10*time.Second, func() { u.click("wake") }, screenIs("home"))
			u.do("menu", 10*time.Second, func() { u.click("lang:vi") }, screenIs("menu"))
			u.do("the guide's first step", 10*time.Second, func() { u.click("guide:" + testGuideID) }, screenIs("step", 1))
			if tc.audio == report.AudioOK {
				u.log.waitFor(t, `"msg":"narration plays"`, 1)
				if !u.hasTarget("replay") {
					t.Errorf("with sound the narrated step offers no Replay (targets %q)", u.cur.Targets)
				}
			} else if u.hasTarget("replay") {
				t.Errorf("with no sound the step offers Replay (targets %q)", u.cur.Targets)
			}

			// Several seconds on, a heartbeat later, it still runs.
			since := time.Now()
			hb = waitStatus(t, d, 30*time.Second, func(hb report.Heartbeat) bool { return hb.Time.After(since.Add(time.Second)) })
			u.alive()
			if hb.Audio != tc.audio {
				t.Errorf("a later heartbeat says audio %q, want %q", hb.Audio, tc.audio)
			}
			stopProgram(t, u.cmd)

			log := u.log.String()
			ready, none := strings.Count(log, "sound device ready for narration"), strings.Count(log, "no sound device: narration is silent")
			if tc.audio == report.AudioOK && (ready != 1 || none != 0) {
				t.Errorf("null device: %d ready lines, %d no-sound lines; want 1 and 0\n%s", ready, none, tail(log, 40))
			}
			if tc.audio == report.AudioNone {
				if ready != 0 || none != 1 {
					t.Errorf("no device: %d ready lines, %d no-sound lines; want 0 and 1\n%s", ready, none, tail(log, 40))
				}
				if line := lineWith(log, "no sound device: narration is silent"); !strings.Contains(line, "snd_pcm_open") {
					t.Errorf("the no-sound line does not give ALSA's reason: %s", line)
				}
			}
			for _, bad := range []string{"narration could not be played", "narration cut short", "sound device failed"} {
				if strings.Contains(log, bad) {
					t.Errorf("log says %q:\n%s", bad, lineWith(log, bad))
				}
			}
		})
	}
}

// TestWallsOpenNoSound: a wall (mode signage) never looks for a sound
// device, and its heartbeats say nothing of audio.
func TestWallsOpenNoSound(t *testing.T) {
	d := publishtest.New(t)
	x := startXScreen(t, 1536, 768)
	bundle := signageBundle(t)
	d.Release(t, bundle, layout.Targeting{})
	cfg := writeSyncedSite(t, d, d.Server.AccessKey, d.Server.SecretKey, "reports: {interval: 5s, upload: 1s, screenshot_interval: 0}\n")
	cmd, log := startKioskEnv(t, cfg, "DISPLAY="+x.Display)
	log.waitFor(t, "first content slide", 1)
	hb := waitStatus(t, d, 30*time.Second, func(hb report.Heartbeat) bool { return hb.State == report.Content })
	if hb.Audio != "" {
		t.Errorf("a wall's heartbeat says audio %q", hb.Audio)
	}
	stopProgram(t, cmd)
	if s := log.String(); strings.Contains(s, "sound device") || strings.Contains(s, "narration") {
		t.Errorf("a wall looked for sound:\n%s", tail(s, 20))
	}
}

// TestSoundSearchIsBounded: the player's first frame (and every heartbeat)
// waits for the sound device at most soundWait, whatever the probe does.
// A probe that hangs, a process it started holding its output (the probe
// is killed with its process group at its timeout), and a search that
// outlasts the wait, all end in no sound, said once, within the bound.
func TestSoundSearchIsBounded(t *testing.T) {
	hang := filepath.Join(t.TempDir(), "probe.sh")
	if err := os.WriteFile(hang, []byte("#!/bin/sh\nsleep 20 &\nexec sleep 60\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		wait time.Duration
		want string // in the no-sound line
	}{
		{"the probe's own timeout", soundWait, "the sound probe gave no answer in 5s"},
		{"the wait before the probe's timeout", 300 * time.Millisecond, "not found in 300ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logged strings.Builder
			log := slog.New(slog.NewTextHandler(&logged, nil))
			started := time.Now()
			n := startNarration(context.Background(), func() (string, error) { return hang, nil }, tc.wait, log)
			nar := n.narrator()
			took := time.Since(started)
			t.Logf("the narrator was known after %v", took.Round(time.Millisecond))
			if nar != nil {
				t.Error("a hung probe gave a narrator")
			}
			if took > tc.wait+200*time.Millisecond {
				t.Errorf("the player waited %v for its sound, more than %v", took, tc.wait)
			}
			if a := n.audio(); a != report.AudioNone {
				t.Errorf("heartbeat audio %q", a)
			}
			<-n.done // the search itself ends within the probe's bound
			if took := time.Since(started); took > soundWait+time.Second {
				t.Errorf("the search ran %v", took)
			}
			n.close()
			if c := strings.Count(logged.String(), "no sound device: narration is silent"); c != 1 || !strings.Contains(logged.String(), tc.want) {
				t.Errorf("log (want the no-sound line once, saying %q):\n%s", tc.want, logged.String())
			}
		})
	}
}
