package cli

import (
	"bytes"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestSuperviseCommand(t *testing.T) {
	windows := runtime.GOOS == "windows" // the default of --stop-by-stdin
	tests := []struct {
		name     string
		args     []string
		wantCode int // -1: parsed
		wantOut  string
		wantErr  string
		want     SuperviseFlags
	}{
		{"help", []string{"supervise", "--help"}, 0, "Usage: kiosk supervise", "", SuperviseFlags{}},
		{"defaults", []string{"supervise"}, -1, "", "", SuperviseFlags{PingTimeout: 30 * time.Second, StartTimeout: 2 * time.Minute,
			StopTimeout: 10 * time.Second, MinBackoff: time.Second, MaxBackoff: time.Minute, LogFormat: "text", LogLevel: "info", StopByStdin: windows}},
		{"player flags after --", []string{"supervise", "--ping-timeout", "20s", "--", "--config", `C:\kiosk\site.yaml`}, -1, "", "",
			SuperviseFlags{PlayerArgs: []string{"--config", `C:\kiosk\site.yaml`}, PingTimeout: 20 * time.Second, StartTimeout: 2 * time.Minute,
				StopTimeout: 10 * time.Second, MinBackoff: time.Second, MaxBackoff: time.Minute, LogFormat: "text", LogLevel: "info", StopByStdin: windows}},
		{"log file", []string{"supervise", "--log-file", `C:\kiosk\logs\kiosk.log`, "--", "--config", `C:\kiosk\site.yaml`}, -1, "", "",
			SuperviseFlags{PlayerArgs: []string{"--config", `C:\kiosk\site.yaml`}, PingTimeout: 30 * time.Second, StartTimeout: 2 * time.Minute,
				StopTimeout: 10 * time.Second, MinBackoff: time.Second, MaxBackoff: time.Minute, LogFormat: "text", LogLevel: "info",
				LogFile: `C:\kiosk\logs\kiosk.log`, StopByStdin: windows}},
		{"stop by stdin", []string{"supervise", "--stop-by-stdin"}, -1, "", "", SuperviseFlags{PingTimeout: 30 * time.Second, StartTimeout: 2 * time.Minute,
			StopTimeout: 10 * time.Second, MinBackoff: time.Second, MaxBackoff: time.Minute, LogFormat: "text", LogLevel: "info", StopByStdin: true}},
		{"player flags without --", []string{"supervise", "--config", "site.yaml"}, 2, "", "flag provided but not defined: -config", SuperviseFlags{}},
		{"player argument without --", []string{"supervise", "site.yaml"}, 2, "", "the player's flags go after --", SuperviseFlags{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			f, err := Command(tc.args, &out, &errOut)
			code := -1
			if err != nil {
				code = ExitCode(err)
			}
			if code != tc.wantCode {
				t.Fatalf("exit code %d (err %v), want %d", code, err, tc.wantCode)
			}
			if !strings.Contains(out.String(), tc.wantOut) || (tc.wantOut == "" && out.Len() > 0) {
				t.Errorf("stdout %q, want %q", out.String(), tc.wantOut)
			}
			if !strings.Contains(errOut.String(), tc.wantErr) || (tc.wantErr == "" && errOut.Len() > 0) {
				t.Errorf("stderr %q, want %q", errOut.String(), tc.wantErr)
			}
			if code != -1 {
				return
			}
			if f.Supervise == nil {
				t.Fatalf("flags %+v: not supervise", f)
			}
			if got := *f.Supervise; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("flags %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestSuperviseWithoutDisplay(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := WithoutDisplay([]string{"supervise", "-h"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "-ping-timeout") {
		t.Errorf("supervise -h with no display: exit %d, stdout %q", code, out.String())
	}
}
