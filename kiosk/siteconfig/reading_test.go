package siteconfig

import (
	"errors"
	"strings"
	"testing"

	"github.com/vnict/kiosk/content"
)

func TestReadingDistance(t *testing.T) {
	tests := []struct {
		name    string
		reading string // display.reading, or "" for none
		want    float64
	}{
		{"default: four shorter sides", "", 4 * 768},
		{"LED wall of 5mm pitch read from 15m", "{distance: 15m, pixel_pitch: 5mm}", 3000},
		{"TV read from 2.5m", "{distance: 250cm, pixel_pitch: 0.63mm}", 2500 / 0.63},
		{"spaces and decimals", "{distance: 12.5 m, pixel_pitch: 3.91 mm}", 12500 / 3.91},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			y := valid
			if tc.reading != "" {
				y = strings.Replace(y, "rotation: 90,", "rotation: 90, reading: "+tc.reading+",", 1)
			}
			c, err := Parse([]byte(y), "site.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Display.ReadingDistance(); got < tc.want-1e-6 || got > tc.want+1e-6 {
				t.Errorf("reading distance %v pixels, want %v", got, tc.want)
			}
		})
	}
}

func TestReadingErrors(t *testing.T) {
	tests := []struct {
		name, reading, field, want string
	}{
		{"no unit", "{distance: 15, pixel_pitch: 5mm}", "", "number and a unit"},
		{"feet", "{distance: 50ft, pixel_pitch: 5mm}", "", "number and a unit"},
		{"no pitch", "{distance: 15m}", "display.reading.pixel_pitch", "0.1mm"},
		{"no distance", "{pixel_pitch: 5mm}", "display.reading.distance", "0.3m"},
		{"too far for the screen", "{distance: 400m, pixel_pitch: 1mm}", "display.reading", "40 times"},
		{"closer than the screen", "{distance: 0.5m, pixel_pitch: 5mm}", "display.reading", "half"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			y := strings.Replace(valid, "rotation: 90,", "rotation: 90, reading: "+tc.reading+",", 1)
			_, err := Parse([]byte(y), "site.yaml")
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "site.yaml") {
				t.Errorf("error %q, want it to name site.yaml and say %q", err, tc.want)
			}
			if tc.field != "" {
				var fe *content.FieldError
				found := false
				for _, e := range unjoin(err) {
					if errors.As(e, &fe) && fe.Field == tc.field {
						found = true
					}
				}
				if !found {
					t.Errorf("error %q names no field %s", err, tc.field)
				}
			}
		})
	}
}
