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
// A rendition's frame size is checked by FFmpeg itself: the filter chain
// begins with a crop whose width and height are expressions that are the
// expected size when the input has it and 0 (an error) when it does not,
// so a picture of another size, at the start or changing mid-stream, stops
// the decoder with an error instead of being rescaled or misread (raw
// output has no header to check).
package video
