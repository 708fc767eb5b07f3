// Package slides decides where a slide's parts go on a site's screen: the
// screen's geometry (margin, ticker band), the text slide's panels, sizes,
// line breaks, rules and positions, the pictures' scale and place, and which
// characters no font of the site draws. The player draws what it decides
// with Ebiten; kiosk/preview draws the same decisions in software for the
// department's studio, so a preview breaks and sizes text exactly as the
// wall will.
//
// It builds on kiosk/typeset, which breaks and fits lines, and measures text
// with go-text's HarfBuzz shaper (github.com/go-text/typesetting) exactly as
// Ebiten's GoTextFace shapes it: the same parsed fonts, the same face per
// character and the same shaping input. It never imports Ebiten, so it
// builds without cgo for the department's tools; the player hands it the
// fonts Ebiten has already parsed, so no font is parsed twice.
package slides
