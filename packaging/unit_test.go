package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUnitFile checks the player's systemd unit (kiosk.service, which the
// package installs) line by line: systemd's notify protocol and watchdog,
// restarts without limit, the kiosk user, a display.
func TestUnitFile(t *testing.T) {
	unit := readUnit(t, "kiosk.service")
	for key, want := range map[string]string{
		"Unit.StartLimitIntervalSec": "0",
		"Service.Type":               "notify",
		"Service.NotifyAccess":       "main",
		"Service.Restart":            "always",
		"Service.User":               "kiosk",
		"Service.Group":              "kiosk",
		"Service.PrivateTmp":         "no",
		"Service.ExecStart":          "/usr/bin/kiosk --config /etc/kiosk/site.yaml --log json",
		"Install.WantedBy":           "graphical.target",
	} {
		if unit[key] != want {
			t.Errorf("kiosk.service: %s=%q, want %q", key, unit[key], want)
		}
	}
	for _, tc := range []struct {
		key      string
		min, max time.Duration
	}{
		// The player wakes its loop every WatchdogSec/4 and pings every
		// WatchdogSec/2; under 10 s a busy PC would be restarted for
		// nothing, over 2 minutes a frozen wall stays frozen too long.
		{"Service.WatchdogSec", 10 * time.Second, 2 * time.Minute},
		{"Service.RestartSec", time.Second, time.Minute},
		{"Service.TimeoutStartSec", time.Minute, 10 * time.Minute},
	} {
		d, err := time.ParseDuration(unit[tc.key] + "s")
		if err != nil || d < tc.min || d > tc.max {
			t.Errorf("kiosk.service: %s=%q, want seconds between %v and %v", tc.key, unit[tc.key], tc.min, tc.max)
		}
	}
	if !strings.HasPrefix(unit["Service.Environment"], "DISPLAY=:") {
		t.Errorf("kiosk.service: Environment=%q, want DISPLAY set", unit["Service.Environment"])
	}
}

// TestUnitFileVerifies runs `systemd-analyze verify` on the unit, where
// systemd is installed (not on every build machine: TestUnitFile checks
// the lines without it). It exits 0 even for settings it ignores, so any
// word from it fails the test. The unit is copied with ExecStart's program
// replaced by one that exists here, which verify checks for.
func TestUnitFileVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze here; TestUnitFile checks the unit's lines")
	}
	raw, err := os.ReadFile("kiosk.service")
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kiosk.service")
	text := strings.Replace(string(raw), "ExecStart=/usr/bin/kiosk ", "ExecStart="+self+" ", 1)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify kiosk.service: %v\n%s", err, out)
	}
}
