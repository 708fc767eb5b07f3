package player

import (
	"testing"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
)

// TestTickerPosition checks the crawl position that decides whether a frame
// is drawn: it moves in whole pixels at the ticker's speed, wraps round
// after all the messages, and stays put within a pixel, so a frame asked
// for in between draws nothing.
func TestTickerPosition(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	tk := ticker{speed: 90, start: t0, images: make([]*ebiten.Image, 2), widths: []float64{600, 400}, total: 1000}
	tests := []struct {
		name  string
		after time.Duration
		want  float64
	}{
		{"start", 0, 0},
		{"under half a pixel", 5 * time.Millisecond, 0},
		{"a thirtieth of a second: three pixels", time.Second / 30, 3},
		{"one second", time.Second, 90},
		{"wrapped round", 12 * time.Second, 80},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tk.position(t0.Add(tc.after)); got != tc.want {
				t.Errorf("position after %v = %v, want %v", tc.after, got, tc.want)
			}
		})
	}
	if (&ticker{}).position(t0.Add(time.Hour)) != 0 {
		t.Error("a ticker with no messages moves")
	}
}
