// Package video runs FFmpeg as the player's video decoder: one process
// decodes a rendition's pictures to raw YUV 4:2:0 frames on a pipe
// (Start, Decoder), another its sound to PCM (StartAudio, Audio).
//
// No pure-Go H.264 decoder exists, so decoding happens in a separate
// process: a decoder that crashes, stalls or reads a bad file costs the
// item, never the screen. Each process runs in a process group of its own,
// killed whole on Close and when the context ends, and the last lines of
// its error output are kept for the error that names the file.
//
// Frames come in a bounded pool of buffers (Options.Ahead frames decoded
// ahead, two more in use), so decoding allocates nothing per frame and
// memory does not grow with the clip.
//
// # What FFmpeg is told, and why
//
// A rendition has passed its hash check, but its bytes are still not
// trusted further than the format says. Both processes read it with these
// input options:
//
//   - -f mp4 and -format_whitelist mov,mp4,m4a,3gp,3g2,mj2: the file is
//     read as MP4 whatever its bytes look like. FFmpeg would otherwise
//     guess the format from the content, and a "rendition" that is an HLS
//     playlist (or a concat list) would make it read other files.
//   - -protocol_whitelist file, and the input given as file:PATH: FFmpeg
//     opens the local file and nothing else (no network, no other
//     protocol, and a path with a colon is not a protocol's URL).
//   - -c:v h264 (pictures) or -c:a aac (sound): the stream is decoded by
//     the one decoder renditions are made for, not one the file picks.
//   - -max_pixels W*H (pictures): FFmpeg refuses a picture larger than
//     the rendition's before allocating it, so a small file of huge
//     pictures fails at once instead of taking hundreds of megabytes.
//   - -skip_frame all (sound): the sound process decodes no picture, not
//     even while FFmpeg probes the file; -max_pixels of a 4K picture
//     bounds it again.
//   - -xerror: FFmpeg stops at the first error (a file cut short or
//     corrupt) instead of skipping it and playing on with frames or sound
//     missing; after the hash check any error is real.
//   - -threads 1: one decoding thread, which decodes a wall's rendition
//     many times faster than it plays, with the least CPU and memory on a
//     PC whose drawing needs every core; -filter_threads 1 likewise for
//     the filters.
//
// With Options.File (AudioOptions.File), the file the caller opened and
// checked, FFmpeg on Linux reads that very file as file:/dev/fd/3 (it is
// the process's fd 3), which opens the same inode even if the path has
// been replaced since the check; elsewhere it reads the path.
//
// A rendition's frame size is checked by FFmpeg itself: the filter chain
// begins with a crop whose width and height are expressions that are the
// expected size when the input has it and 0 (an error) when it does not,
// so a picture of another size, at the start or changing mid-stream, stops
// the decoder with an error instead of being rescaled or misread (raw
// output has no header to check).
//
// Both processes are watched: the decoder fails when the first frame does
// not come in Options.StartTimeout or the next in Options.StallTimeout
// while the consumer waits; the sound's Read fails when no bytes come in
// AudioOptions.StallTimeout.
package video
