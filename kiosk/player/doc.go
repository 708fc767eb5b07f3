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
// A text slide's title and body are sized together for the slide's space
// and the site's reading distance (typeset.FitPanels): legible from that
// distance, growing where there is room, with one size for titles and one
// for bodies in every language of a two-language slide. Where a slide's
// parts go (geometry, panels, sizes, line breaks, pictures) is decided by
// package slides, which the department studio's preview (package preview)
// shares, so a preview breaks and sizes text exactly as the screen does;
// the player hands it the fonts Ebiten parsed, and draws its decisions.
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
// What the screen shows, and when, is decided by package schedule on the
// player's clock, in the site's time zone. The loader plays the bundle
// through a schedule.Sequencer: only the items targeted at the site, within
// their validity window, weekdays and daily hours, of the highest priority
// playing at that moment, each as often as its weight says. A slide leaves
// the screen at the end of its window, to the second, even in the middle of
// its time; when nothing is scheduled the standby slide shows until the
// next change. Emergency alerts (from an AlertSource: on synced sites the
// sync agent's book of verified alerts) show at any hour, from their start
// to their expiry or cancellation, to the second: an extreme or severe
// alert takes the whole screen in its severity's colour, any other is a
// banner over the top of the slides (or of the off-hours screen); each
// turns through the site's languages it has, six seconds each (all of its
// own when it has none of them). Outside the site's operating hours, when
// no alert shows, the screen is black or shows a dim clock that moves every
// five minutes against burn-in (off_hours); with display.dpms on Linux the
// display also sleeps through X11's DPMS (xset) where it supports it, and
// wakes for an alert and when the hours begin. The brightness schedule dims
// the whole picture by time of day, for LED walls at night.
//
// At an interactive site (siteconfig.ModeInteractive: a commune's ICT
// support point) the slideshow is the attract loop, and the first touch,
// click or key opens the interactive screens: Home, a language picker with
// each language named in its own script; a menu of the bundle's guides
// offered there in that language (the slideshow's own targeting and
// schedules decide, see guidesOffered) as picture tiles; and a guide's
// steps, each with its title and text, picture, QR code (drawn from the
// step's URL, see qr.go) and narration played through a Narrator. Touch,
// mouse and keys work alike: arrows move a focus ring, Enter activates,
// Escape goes back, Page Down and Page Up (a presenter remote's buttons)
// step through a guide, Home goes Home. Back and Home sit in the same
// place on every screen. Left idle (the time does not run while narration
// plays), a countdown returns to the loop. Guides are never slides, at any
// site. The screens are laid out by a worker goroutine (guideWorker),
// ahead of time for those a resident may ask for next, so the game
// goroutine only draws a laid-out screen into its one canvas, once, and
// draws nothing while nothing changes (the countdown once a second). What
// residents do is told to the Observer's optional Used method; a Debug log
// record names each screen and its targets in output pixels ("interactive
// screen") and the latency of each input's frame ("input frame"), for
// end-to-end tests. Ebiten turns GLFW's sticky keys and mouse buttons off
// in its minimum-FPS mode, so a press released before the loop next polls
// (a synthetic click with no hold) can go unseen; real presses last longer.
//
// Video items (content.KindVideo) play the rendition made for this
// site's output size, rotation and video frame rate (kioskctl add-video
// transcodes at the department, so the player never scales or turns a
// video). Decoding is FFmpeg's, in processes of its own (package video):
// frames arrive as planar YUV on a pipe and go to the GPU as they are,
// where a shader (yuvKage) turns them into colour; a clip's file is
// checked against the manifest's hash, as a stream, before it plays. The
// decoder starts when the slide becomes the next one, a whole slide
// ahead, so the clip's first frame is ready when its turn comes and a
// seam between two clips, or a clip and a slide, has no black or frozen
// frame; a clip fades out a crossfade's length before its end, still
// playing, and the ticker crawls over it. The picture keeps the player's
// clock from its first frame, within two frames of the sound as heard
// when the site plays videos' sound (a VideoSound), dropping or repeating
// frames to follow it. A clip whose decoder fails before its turn is
// skipped, and one that fails on screen gives way to the next at once; a
// full-screen alert, the hours or a resident's touch stop a clip and its
// sound, and it plays again from its start when the slideshow shows.
//
// An Observer (a report.Recorder on synced sites) is called on every Update
// and whenever a slide comes on screen, from the drawing goroutine itself:
// heartbeats stop when drawing stops, so a hung player shows as downtime.
package player
