// Package preview draws a bundle's slides as a site's screen will show
// them, without a GPU and without cgo, for the department's studio.
//
// Where things go is decided by kiosk/slides, the same code the player
// lays its slides out with: the same line breaks, fitted sizes, font
// chain and fallback, rules and picture placement. Only the drawing
// differs. Text is shaped by go-text's HarfBuzz shaper
// (github.com/go-text/typesetting), which handles Khmer and Lao clusters,
// Vietnamese stacked diacritics and CJK as the player's Ebiten does (Ebiten
// shapes with the same library), and each glyph's outline is filled,
// antialiased, by golang.org/x/image/vector, a pure-Go rasteriser. The
// picture is the logical screen as viewers see it, before any rotation of
// the output.
//
// A video slide is drawn as a placeholder naming its item: decoding the
// clip needs FFmpeg, which the studio's machines need not have.
package preview
