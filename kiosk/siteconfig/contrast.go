package siteconfig

import "math"

// Contrast is the WCAG 2 contrast ratio of two opaque colours, from 1 (the
// same) to 21 (black on white). An interactive site's text needs 7:1 on its
// background (lint checks the config; the player keeps its tiles and
// buttons to it).
func Contrast(a, b Color) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

// luminance is the WCAG 2 relative luminance of an sRGB colour.
func luminance(c Color) float64 {
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}
