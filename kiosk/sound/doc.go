// Package sound plays the narration of an interactive site's guides: one
// 16-bit PCM WAV file at a time, from bytes the player has read and
// verified, through the PC's sound device, on a player that must never
// stop for want of sound. It also plays streams (Speaker.Stream): PCM from
// a reader, a video's sound decoded by FFmpeg, alongside narration, whose
// Position is the clock the video's pictures follow.
//
// Narration is decoded by Ebiten's wav decoder (converted and resampled to
// the device's rate as it plays, nothing copied) and played through oto,
// the sound library Ebiten's own audio package is built on, used directly. Ebiten's audio.Context is not
// used, for two reasons measured here: it turns any device error, at start
// or any time later, into the end of the game loop (its before-update hook
// returns the context's error, and RunGame returns it: with no ALSA device
// an idle game with an audio context ended after half a second); and it
// cannot be suspended, so it sends silence to the device without end,
// which on ALSA's null device (which does not pace writes) kept that idle
// game at 88% of a core. Here the device is
// suspended whenever nothing plays (no CPU at all on the idle screen), and
// a device failure only makes the speaker silent (Speaker.Err says so).
//
// Whether there is a device at all is found out before the device is
// opened in the player: New runs the program itself again as a child with
// ProbeEnv set (the program calls ServeProbe first thing in main), which
// opens the device with oto, plays a tenth of a second of silence, and
// exits 0 or 1 with the reason, within a timeout (5 s; the child runs in a
// process group of its own, killed whole then, and its output is waited
// for a second at most, so Probe returns within 6 s whatever the child or
// a process it started does). A sound library that
// fails, hangs or crashes in the child costs the player nothing, and a
// player that found no device never opens one: it plays on silently and
// says so once. The child costs a process start: 0.1 to 0.2 s for the
// kiosk program, most of it Ebiten's own start (it connects to the X
// server before main runs), while the player loads its content.
//
// What remains: a device that appears after the start is used only from
// the next start (oto opens a device once per process); a device that
// vanishes while the player runs makes it silent until the next start,
// and Speaker.Err then reports it.
//
// A stream's Position counts sound handed to the device, less what oto
// still holds: it leads what is heard by the device's own buffer (about
// 50 ms with ALSA's default of two periods of 1024 frames), and follows
// the device's clock, not the system's, so pictures timed by it stay with
// the sound. A stream is read on a goroutine of its own into a quarter of
// a second's buffer: oto reads all its players' sources on one goroutine,
// and a stream's source that blocked there would silence narration too.
//
// Narration is WAV only. Ogg Vorbis is not played: the pure-Go Vorbis
// decoder trusts its setup header, and a crafted file made it allocate
// 64 GB or loop for ever, neither of which a process recovers from.
// CheckWAV reads a WAV file's header alone (at most 16 chunks, sizes
// against the bytes there, 16-bit PCM, mono or stereo, 8 to 192 kHz, at
// most content.MaxNarrationBytes and content.MaxNarration), at a cost that
// does not grow with the file; the player runs it when it prepares a step,
// off its drawing goroutine, and Speaker.Play runs it again, so bad bytes
// are refused with an error saying why before they play. Should bytes
// still fail to decode while they play, the narration ends there and the
// failure is logged; the player goes on. Replay of the bytes that played
// last starts the same device player again from the beginning.
package sound
