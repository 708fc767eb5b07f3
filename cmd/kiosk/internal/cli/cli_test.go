package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestCommand(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int // -1: parsed
		wantOut    string
		wantErr    string
		wantConfig string
	}{
		{"help", []string{"--help"}, 0, "Usage: kiosk", "", ""},
		{"short help", []string{"-h"}, 0, "-config", "", ""},
		{"unknown flag", []string{"--bogus"}, 2, "", "flag provided but not defined: -bogus", ""},
		{"stray argument", []string{"site.yaml"}, 2, "", `unexpected argument "site.yaml"`, ""},
		{"config", []string{"--config", "site.yaml", "--window"}, -1, "", "", "site.yaml"},
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
			if f != nil && (f.Config != tc.wantConfig || !f.Window) {
				t.Errorf("flags %+v", f)
			}
		})
	}
}

func TestWithoutDisplay(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"help", []string{"--help"}, 0, ""},
		{"bad flag", []string{"--cycles", "x"}, 2, "invalid value"},
		{"would play", []string{"--window"}, 1, "no display to play on"},
		{"version", []string{"--version"}, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := WithoutDisplay(tc.args, &out, &errOut); code != tc.wantCode {
				t.Errorf("exit code %d, want %d; stderr %s", code, tc.wantCode, errOut.String())
			}
			if !strings.Contains(errOut.String(), tc.wantErr) {
				t.Errorf("stderr %q, want %q", errOut.String(), tc.wantErr)
			}
			if tc.name == "version" && out.String() != Version+"\n" {
				t.Errorf("stdout %q, want the version", out.String())
			}
		})
	}
}

func TestHasDisplay(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if HasDisplay(env(nil)) != !needsDisplayVar() {
		t.Errorf("no display variable: HasDisplay = %v", HasDisplay(env(nil)))
	}
	for _, k := range []string{"DISPLAY", "WAYLAND_DISPLAY"} {
		if !HasDisplay(env(map[string]string{k: ":0"})) {
			t.Errorf("%s set: HasDisplay = false", k)
		}
	}
}
