// Command bare is the floor the player's frame times are compared with: an
// Ebiten program that only fills and presents a screen of the same size,
// every frame, and records the time between frames.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"image/color"
	"os"
	"slices"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
)

type game struct {
	w, h      int
	begin     time.Time
	last      time.Time
	warmup    time.Duration
	span      time.Duration
	intervals []time.Duration
	n         uint8
	out       string
}

func (g *game) Update() error {
	if !g.begin.IsZero() && g.last.Sub(g.begin) >= g.warmup+g.span {
		return ebiten.Termination
	}
	return nil
}

func (g *game) Draw(screen *ebiten.Image) {
	now := time.Now()
	if g.begin.IsZero() {
		g.begin = now
	}
	if now.Sub(g.begin) >= g.warmup && !g.last.IsZero() {
		g.intervals = append(g.intervals, now.Sub(g.last))
	}
	g.last = now
	g.n++
	screen.Fill(color.RGBA{0x0b, 0x25, g.n & 0x3f, 0xff})
}

func (g *game) Layout(int, int) (int, int) { return g.w, g.h }

func main() {
	w := flag.Int("w", 1920, "width")
	h := flag.Int("h", 1080, "height")
	out := flag.String("out", "bare.json", "where to write the frame stats")
	span := flag.Duration("span", 20*time.Second, "how long to measure")
	flag.Parse()
	g := &game{w: *w, h: *h, warmup: 3 * time.Second, span: *span, out: *out}
	ebiten.SetWindowSize(*w, *h)
	ebiten.SetRunnableOnUnfocused(true)
	if err := ebiten.RunGame(g); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	iv := slices.Clone(g.intervals)
	slices.Sort(iv)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	res := map[string]any{"frames": len(iv)}
	if n := len(iv); n > 0 {
		res["median_ms"] = ms(iv[n/2])
		res["p99_ms"] = ms(iv[min(n-1, n*99/100)])
	}
	data, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(g.out, data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
