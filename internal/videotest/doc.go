// Package videotest makes H.264 test clips with FFmpeg and reads back which
// frame of such a clip an image shows.
//
// A clip (MakeClip, WriteClip) is FFmpeg's moving lavfi testsrc2 picture,
// optionally with a sine tone, encoded the way renditions are (libx264
// constrained baseline, yuv420p, no B-frames, AAC at 48 kHz stereo) by the
// real ffmpeg program. Every frame carries its number twice:
//
//   - as big white digits on a dark box, centred across the picture just
//     below the code (its top at 32% of the height), for a person looking
//     at a captured PNG;
//   - as a machine-readable code, a row of 18 solid cells that
//     ReadFrameNumber reads from an image at any scale.
//
// # The code
//
// Fractions are of the upright picture's width W and height H. The row
// spans x from 0.05 W to 0.95 W and y from 0.125 H to 0.25 H, well inside
// the top 60% of the picture, clear of a ticker band drawn over the
// bottom. It is 18 cells, each 0.05 W wide and 0.125 H high, with no gap
// between them; cell i spans x from (i+1)/20 W to (i+2)/20 W:
//
//	cell:  0  1  2   3   ...  15  16 17
//	       W  B  b13 b12 ...  b0  B  W
//
// Cells 0 and 17 are always white and cells 1 and 16 always black (the
// markers: a reader that finds them knows it is looking at the code and
// the right way up). Cells 2 to 15 are the frame number's 14 bits, most
// significant first, white for 1 and black for 0, so the row reads as the
// binary number from left to right: frame 5 is black everywhere between
// the markers except cells 13 and 15. Frame numbers start at
// ClipOptions.FirstFrame on the first frame (0 by default) and go up to
// MaxFrame.
//
// The cells are big so that they survive H.264 compression and scaling.
// ReadFrameNumber averages the middle of each cell and calls it white
// above 70% luminance and black below 30%; anything between (a crossfade
// of two different frames, a faded or black picture, something else
// drawn there) makes the read fail, as do wrong markers.
//
// # Rotation
//
// For a portrait wall the department tool turns the picture clockwise by
// the wall's rotation. ClipOptions.Rotation does the same to a finished
// clip: Width x Height is the upright picture, and a clip turned by 90 or
// 270 degrees is Height x Width. Upright turns a captured frame back
// before it is read.
package videotest
