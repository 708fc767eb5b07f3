package player

import (
	"github.com/hajimehoshi/ebiten/v2"
)

// crossfadeKage mixes two slides in one pass over the screen. Drawing the
// old slide and then the new one with alpha would touch every pixel twice,
// which software OpenGL on a small PC feels.
const crossfadeKage = `//kage:unit pixels
package main

var Alpha float

func Fragment(dst vec4, src vec2, color vec4) vec4 {
	return mix(imageSrc0At(src), imageSrc1At(src), Alpha)
}
`

// crossfader draws the crossfade between two canvases of the same size.
type crossfader struct {
	shader *ebiten.Shader
	opts   ebiten.DrawRectShaderOptions
}

func newCrossfader() (*crossfader, error) {
	s, err := ebiten.NewShader([]byte(crossfadeKage))
	if err != nil {
		return nil, err
	}
	return &crossfader{shader: s, opts: ebiten.DrawRectShaderOptions{Uniforms: map[string]any{"Alpha": float32(0)}}}, nil
}

// draw puts from and to, mixed by alpha (0: from, 1: to), on dst through geom.
func (c *crossfader) draw(dst, from, to *ebiten.Image, alpha float32, geom ebiten.GeoM) {
	c.opts.GeoM = geom
	c.opts.Images[0], c.opts.Images[1] = from, to
	c.opts.Uniforms["Alpha"] = alpha
	b := from.Bounds()
	dst.DrawRectShader(b.Dx(), b.Dy(), c.shader, &c.opts)
	c.opts.Images[0], c.opts.Images[1] = nil, nil
}
