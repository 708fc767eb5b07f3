// Package player is the on-screen part of a site: an Ebiten game
// (github.com/hajimehoshi/ebiten/v2) that plays the current content bundle
// full screen, slide after slide, each item in each of the site's languages,
// with crossfades and a ticker crawling along one edge.
//
// The player reads only an already verified local bundle, through the small
// Source interface, and never talks to the network. Decoding images, reading
// files and laying out text happen in a background goroutine; the game
// goroutine only turns prepared slides into images and draws them, so the
// frame path does no I/O.
//
// Text is drawn with Ebiten's text/v2, which shapes with go-text (HarfBuzz),
// through a text.MultiFace built from the site's font chain (package fonts),
// reordered per language so Khmer is shaped by the Khmer font. Lines are
// broken by package typeset. A character that no font can draw is never
// drawn as a box: it is dropped, counted (UnmappedGlyphs) and logged.
//
// The player never shows a blank screen: an item whose file is missing or
// corrupt is skipped and logged, and with nothing playable it shows a
// standby slide with the site's name, the date and the time. On a still
// slide it draws no frames (Ebiten's minimum-FPS mode) until a timer
// schedules the next change. While the ticker crawls or a crossfade runs,
// a pacer asks for frames at the site's ticker.fps (30 by default: on a PC
// without a GPU, presenting a frame is most of the cost), and a frame in
// which nothing moved by a whole pixel draws nothing.
//
// A new publication or site config does not send the loop back to its
// start: it goes on after the slide on screen, matched by item ID, so every
// item shows once per loop however often content changes.
//
// An Observer (a report.Recorder on synced sites) is called on every Update
// and whenever a slide comes on screen, from the drawing goroutine itself:
// heartbeats stop when drawing stops, so a hung player shows as downtime.
package player
