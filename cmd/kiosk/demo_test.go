package main

import (
	"testing"

	"github.com/vnict/kiosk/cmd/kiosk/internal/cli"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// TestDemoMode checks that --demo opens a window and leaves the office
// hours out, so the support point's demo takes input at any hour, and
// that --window alone keeps the hours.
func TestDemoMode(t *testing.T) {
	tests := []struct {
		name       string
		flags      cli.Flags
		fullscreen bool
		hours      bool
	}{
		{"site", cli.Flags{}, true, true},
		{"window", cli.Flags{Window: true}, false, true},
		{"demo", cli.Flags{Demo: true}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := siteconfig.Load("../../configs/commune-support-point.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Hours == nil || !cfg.Display.Fullscreen {
				t.Fatal("the example support point no longer has office hours and full screen")
			}
			demoMode(cfg, &tc.flags)
			if cfg.Display.Fullscreen != tc.fullscreen || (cfg.Hours != nil) != tc.hours {
				t.Errorf("fullscreen %v, hours %v; want %v, %v", cfg.Display.Fullscreen, cfg.Hours != nil, tc.fullscreen, tc.hours)
			}
		})
	}
}
