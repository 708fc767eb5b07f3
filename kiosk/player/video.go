package player

import (
	"context"
	"fmt"
	"image"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/video"
)

// VideoSound plays a video's sound: PCM, signed 16-bit little-endian
// stereo at SampleRate, read from pcm until it ends or the stream is
// closed. cmd/kiosk makes one of a *sound.Speaker.
type VideoSound interface {
	SampleRate() int
	Stream(name string, pcm io.Reader) (SoundStream, error)
}

// SoundStream is a video's sound playing. Position is how much of it has
// been heard: the clock the picture follows.
type SoundStream interface {
	Position() time.Duration
	// Done reports whether the sound has all been played, or stopped
	// for good (its device failed).
	Done() bool
	Close() error
}

// yuvKage turns a decoded frame into colour. The frame's bytes (NV12, as
// the decoder gives it: the Y plane of stride × height bytes, then the
// chroma plane of stride × height/2 bytes, U and V in turn for every two
// columns of every two rows) are uploaded as they come, without a pass
// over them on the CPU, as an RGBA image of stride/4 texels a row: each
// texel holds four bytes of the buffer, so a pixel's U and V are in one
// texel, and each pixel costs two reads. The shader finds them with
// divisions by 2 and 4 alone (exact in floating point, and cheap in Mesa's
// software renderer, where integer division is not), and converts BT.601
// limited range (what kioskctl add-video makes of every source) to RGB.
const yuvKage = `//kage:unit pixels
package main

var Size vec2
var Stride float
var Alpha float

` + yuvFuncs + `
func Fragment(dst vec4, src vec2, color vec4) vec4 {
	return vec4(rgb0(floor(src-imageSrc0Origin()))*Alpha, Alpha)
}
`

// yuvMixKage crossfades between two videos' frames, each as yuvKage
// turns it into colour, in one pass over the screen: two passes, the
// second blended, would cost a software renderer twice.
const yuvMixKage = `//kage:unit pixels
package main

var Size vec2
var Stride float
var Alpha float

` + yuvFuncs + `
func Fragment(dst vec4, src vec2, color vec4) vec4 {
	p := floor(src - imageSrc0Origin())
	return vec4(mix(rgb0(p), rgb1(p), Alpha), 1)
}
`

// yuvFuncs read a frame's bytes from source image 0 (rgb0) or 1 (rgb1).
const yuvFuncs = `
// planes gives, for pixel p, the texel of its Y byte and that byte's
// channel (0 to 3), and the texel of its U and V bytes and whether they
// are its third and fourth bytes (1) or first and second (0).
func planes(p vec2) (vec2, float, vec2, float) {
	yc := floor(p.x / 4)
	uo := floor(p.x/2) * 2
	uc := floor(uo / 4)
	return vec2(yc+0.5, p.y+0.5), p.x - yc*4, vec2(uc+0.5, Size.y+floor(p.y/2)+0.5), (uo - uc*4) / 2
}

// luma is channel ch (0 to 3) of c.
func luma(c vec4, ch float) float {
	return dot(c, vec4(1-step(0.5, ch), step(0.5, ch)-step(1.5, ch), step(1.5, ch)-step(2.5, ch), step(2.5, ch)))
}

// rgb turns BT.601 limited-range Y, and U and V (as a pair), into colour.
func rgb(y float, uv vec2) vec3 {
	l := 1.164 * (y - 16.0/255.0)
	u := uv.x - 0.5
	v := uv.y - 0.5
	return clamp(vec3(l+1.596*v, l-0.392*u-0.813*v, l+2.017*u), 0, 1)
}

func rgb0(p vec2) vec3 {
	yt, ych, ct, chi := planes(p)
	o := imageSrc0Origin()
	c := imageSrc0UnsafeAt(o + ct)
	return rgb(luma(imageSrc0UnsafeAt(o+yt), ych), mix(c.rg, c.ba, chi))
}

func rgb1(p vec2) vec3 {
	yt, ych, ct, chi := planes(p)
	o := imageSrc1Origin()
	c := imageSrc1UnsafeAt(o + ct)
	return rgb(luma(imageSrc1UnsafeAt(o+yt), ych), mix(c.rg, c.ba, chi))
}
`

// videoShader draws decoded frames; nil when the shader would not compile,
// and then videos are skipped.
type videoShader struct {
	shader, mix *ebiten.Shader
	opts        ebiten.DrawTrianglesShaderOptions
	vs          [4]ebiten.Vertex
}

func newVideoShader() (*videoShader, error) {
	s, err := ebiten.NewShader([]byte(yuvKage))
	if err != nil {
		return nil, err
	}
	m, err := ebiten.NewShader([]byte(yuvMixKage))
	if err != nil {
		return nil, err
	}
	return &videoShader{shader: s, mix: m, opts: ebiten.DrawTrianglesShaderOptions{
		Uniforms: map[string]any{"Size": []float32{0, 0}, "Stride": float32(0), "Alpha": float32(1)}}}, nil
}

var quad = []uint16{0, 1, 2, 1, 2, 3}

// draw puts the frame held in tex (w×h pixels, stride bytes a row) on dst
// one for one from its top left corner, with alpha (1: opaque).
func (v *videoShader) draw(dst, tex *ebiten.Image, w, h, stride int, alpha float32) {
	v.run(dst, v.shader, tex, nil, w, h, stride, alpha)
}

// mixTo puts the crossfade from the frame in from to the frame in to (the
// same size), at alpha (0: from, 1: to), on dst.
func (v *videoShader) mixTo(dst, from, to *ebiten.Image, w, h, stride int, alpha float32) {
	v.run(dst, v.mix, from, to, w, h, stride, alpha)
}

func (v *videoShader) run(dst *ebiten.Image, sh *ebiten.Shader, a, b *ebiten.Image, w, h, stride int, alpha float32) {
	fw, fh := float32(w), float32(h)
	for i, c := range [4][2]float32{{0, 0}, {fw, 0}, {0, fh}, {fw, fh}} {
		v.vs[i] = ebiten.Vertex{DstX: c[0], DstY: c[1], SrcX: c[0], SrcY: c[1], ColorR: 1, ColorG: 1, ColorB: 1, ColorA: 1}
	}
	v.opts.Images[0], v.opts.Images[1] = a, b
	v.opts.Uniforms["Size"] = []float32{fw, fh}
	v.opts.Uniforms["Stride"] = float32(stride)
	v.opts.Uniforms["Alpha"] = alpha
	dst.DrawTrianglesShader(v.vs[:], quad, sh, &v.opts)
	v.opts.Images[0], v.opts.Images[1] = nil, nil
}

// videoClip is a video slide's rendition for this site, found and checked
// by the loader.
type videoClip struct {
	file     string      // bundle path, for logs
	path     string      // where the file is, for the decoder
	f        *os.File    // the file, opened and checked: what the decoder reads
	checked  os.FileInfo // f as it was when checked
	r        content.Rendition
	sound    bool
	duration time.Duration
}

// unchanged reports, as an error naming the file, a clip whose file is
// closed or was written to since it was checked: its size, modification
// time or change time (which no one can set back) differ.
func (c *videoClip) unchanged() error {
	if c.f == nil {
		return fmt.Errorf("%s: the file is closed", c.file)
	}
	now, err := c.f.Stat()
	if err != nil {
		return fmt.Errorf("%s: %w", c.file, err)
	}
	if now.Size() != c.checked.Size() || !now.ModTime().Equal(c.checked.ModTime()) || !changeTime(now).Equal(changeTime(c.checked)) {
		return fmt.Errorf("%s: written to since its bytes were checked against the manifest", c.file)
	}
	return nil
}

// prepareVideo picks the rendition made for this site's screen, opens it
// and checks its bytes against the manifest through the open file,
// streaming them (a clip is too big to hold, as images are, in memory),
// each time it is to play; the decoder reads that open file, so a file
// changed after the check does not play.
func (p *preparer) prepareVideo(s *slide) error {
	it := s.spec.item
	if it.Video == nil {
		return fmt.Errorf("item %s: a video item without its video", it.ID)
	}
	ow, oh := p.cfg.Display.OutputSize()
	fps := p.cfg.Video.FPS
	r, ok := it.Video.Rendition(ow, oh, p.cfg.Display.Rotation, fps)
	if !ok {
		return fmt.Errorf("item %s: no rendition for this screen (%dx%d turned %d° at %d fps); make one with kioskctl add-video",
			it.ID, ow, oh, p.cfg.Display.Rotation, fps)
	}
	path, ok := p.bundle.LocalPath(r.File)
	if !ok {
		return fmt.Errorf("%s: the bundle is not in a folder the decoder can read", r.File)
	}
	f, err := p.bundle.OpenVerified(r.File)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", r.File, err)
	}
	s.video = &videoClip{file: r.File, path: path, f: f, checked: fi, r: r, sound: it.Video.Sound, duration: time.Duration(it.Video.Duration)}
	s.regions = append(s.regions, Region{Name: "video", Rect: p.lay.Area})
	return nil
}

// videoPlay is a video slide's decoding and playing, on the game
// goroutine.
type videoPlay struct {
	clip   *videoClip
	ctx    context.Context
	cancel context.CancelFunc
	dec    *video.Decoder
	aud    *video.Audio
	snd    SoundStream

	log   *slog.Logger
	clock Clock
	rate  int // the sound's sample rate

	frame    int           // the frame on the texture; -1: none yet
	first    time.Time     // when its first frame showed
	heard    time.Duration // the sound's position last seen moving
	heardAt  time.Time     // when, on the computer's clock
	target   int           // the frame the clock last asked for
	start    time.Time     // the clock's origin: its first frame's time, moved as the picture follows the sound; zero: not yet
	wall     time.Time     // the same, on the computer's clock (the sound's)
	badClock bool          // the sound ran ahead of real time, or stopped: not a clock
	resyncs  int           // times the picture moved to follow the sound
	shown    int           // frames put on screen
	lastAt   time.Time     // when the last was, on the computer's clock
	longest  time.Duration // the longest between two frames, on it
	dropped  int           // frames skipped to follow the clock
	repeated int           // frames the clock asked for and that were not ready
}

// videoWait bounds a capture's wait for a frame the clock asks for.
const videoWait = 10 * time.Second

// startVideo starts decoding s's clip ahead of its turn, so that its first
// frames are ready when it comes on screen; its sound is started too,
// paused behind a pipe until then.
func (p *Player) startVideo(s *slide) {
	if s.video == nil || s.vp != nil {
		return
	}
	c := s.video
	s.endAt = time.Time{} // a clip that ended early plays whole again
	if err := c.unchanged(); err != nil {
		// The decoder reads the file the loader checked; not a byte of
		// it may have changed since (it plays again after an alert, say,
		// hours later).
		s.videoErr = err
		return
	}
	ctx, cancel := context.WithCancel(p.ctx)
	vp := &videoPlay{clip: c, ctx: ctx, cancel: cancel, log: p.log, clock: p.clock, frame: -1, target: -1}
	s.fadeOut, s.texPool = p.cfg.Playback.Transition, &p.frameTextures
	prog := p.cfg.FFmpeg()
	dec, err := video.Start(ctx, video.Options{Program: prog, Path: c.path, File: c.f, Width: c.r.Width, Height: c.r.Height,
		FPS: c.r.FPS, Log: p.log})
	if err != nil {
		cancel()
		s.videoErr = err
		return
	}
	vp.dec = dec
	if c.sound && p.videoSound != nil && p.capture == nil && p.cfg.PlaysVideoSound() {
		a, err := video.StartAudio(ctx, video.AudioOptions{Program: prog, Path: c.path, File: c.f,
			SampleRate: p.videoSound.SampleRate(), Channels: 2, Log: p.log})
		if err != nil {
			p.log.Warn("video plays without its sound", "file", c.file, "err", err)
		} else {
			vp.aud, vp.rate = a, p.videoSound.SampleRate()
		}
	}
	s.vp = vp
}

// videoFailed is the error that ends s's video, if any: its decoder failed
// before or while it played.
func (s *slide) videoFailed() error {
	switch {
	case s.video == nil:
		return nil
	case s.videoErr != nil:
		return s.videoErr
	case s.vp != nil:
		return s.vp.dec.Err()
	}
	return nil
}

// videoReady reports whether s can come on screen: not a video, or one
// whose first frame is decoded.
func (s *slide) videoReady() bool {
	if s.video == nil {
		return true
	}
	return s.vp != nil && s.vp.dec.Frames() > 0
}

// stepVideo shows the frame of s's video due at now on its clock (see
// videoClock), dropping or repeating frames to follow it, and reports
// whether the picture changed. The clock starts when the first frame is
// decoded, and the sound with it.
func (p *Player) stepVideo(s *slide, now time.Time) bool {
	vp := s.vp
	if vp == nil {
		return false
	}
	if vp.start.IsZero() {
		if p.capture != nil {
			// A capture waits for the first frame (of a video started
			// again after an alert, say).
			ctx, cancel := context.WithTimeout(vp.ctx, videoWait)
			_ = vp.dec.Wait(ctx, 0)
			cancel()
		}
		if vp.dec.Frames() == 0 {
			return false
		}
		vp.start, vp.first, vp.wall = now, now, time.Now()
		if vp.aud != nil {
			snd, err := p.videoSound.Stream(vp.clip.file, vp.aud)
			if err != nil {
				p.log.Warn("video plays without its sound", "file", vp.clip.file, "err", err)
			} else {
				vp.snd = snd
			}
		}
		p.log.Info("video started", "item", s.itemID(), "file", vp.clip.file, "size", fmt.Sprintf("%dx%d", vp.clip.r.Width, vp.clip.r.Height),
			"fps", vp.clip.r.FPS, "sound", vp.snd != nil)
	}
	pos := p.videoClock(vp, now)
	target := int(pos * time.Duration(vp.clip.r.FPS) / time.Second)
	if p.capture != nil {
		// A capture waits for the frame its clock asks for.
		ctx, cancel := context.WithTimeout(vp.ctx, videoWait)
		_ = vp.dec.Wait(ctx, target)
		cancel()
	}
	f := vp.dec.Frame(target)
	if target > vp.target {
		if f == nil || f.Index < target {
			vp.repeated++ // its frame is not decoded yet: the last stays
		}
		vp.target = target
	}
	if f == nil || f.Index == vp.frame {
		return false
	}
	if vp.frame >= 0 && f.Index > vp.frame+1 {
		vp.dropped += f.Index - vp.frame - 1
	}
	if s.tex == nil || s.texStride != f.Stride {
		s.texPool.put(s.tex)
		s.tex, s.texStride = s.texPool.get(f.Stride/4, vp.clip.r.Height*3/2), f.Stride
	}
	s.tex.WritePixels(f.YUV)
	vp.frame = f.Index
	vp.shown++
	wall := time.Now()
	if !vp.lastAt.IsZero() {
		vp.longest = max(vp.longest, wall.Sub(vp.lastAt))
	}
	vp.lastAt = wall
	if p.log.Enabled(vp.ctx, slog.LevelDebug) {
		// For measurements: each frame as it goes on screen.
		p.log.Debug("video frame", "item", s.itemID(), "frame", f.Index, "due", target, "wall", wall.Format(time.RFC3339Nano))
	}
	return true
}

// syncSlack is how far a video's picture may drift from its sound before
// it follows the sound (repeating frames while the sound is behind, and
// dropping them while it is ahead): two frames at 25 fps, well within
// what viewers see as in sync. Within it, the picture keeps the player's
// clock, so a sound device's start-up latency does not hold a clip's
// first frames (a gap at the seam).
const syncSlack = 80 * time.Millisecond

// soundBehind is how far behind real time a video's sound may fall,
// stutter by stutter, before the picture stops following it.
const soundBehind = time.Second

// soundStall is how long a video's sound may stand still, while it has
// not ended, before the picture stops following it.
const soundStall = 500 * time.Millisecond

// videoClock is how far into its video vp is at now: the player's clock
// from its first frame, kept within syncSlack of the sound as heard while
// the sound plays.
func (p *Player) videoClock(vp *videoPlay, now time.Time) time.Duration {
	played := now.Sub(vp.start)
	if vp.snd == nil || vp.badClock || vp.snd.Done() {
		// No sound, or it has ended (or its device failed): the player's
		// clock alone.
		return played
	}
	heard := vp.snd.Position()
	if heard == 0 {
		return played // the sound has not started yet
	}
	if heard != vp.heard {
		vp.heard, vp.heardAt = heard, time.Now()
	} else if time.Since(vp.heardAt) > soundStall {
		// The device stopped taking sound without an error (a wall's
		// input switched away from the PC, say): no clock either.
		vp.badClock = true
		p.log.Warn("the video's sound stopped; the video follows the player's clock", "file", vp.clip.file, "heard", heard)
		return played
	}
	if heard > time.Since(vp.wall)+250*time.Millisecond {
		// A device that takes sound faster than it can play it (ALSA's
		// null device does) is no clock.
		vp.badClock = true
		p.log.Warn("the sound device does not keep time; the video follows the player's clock", "file", vp.clip.file)
		return played
	}
	if time.Since(vp.wall)-heard > soundBehind {
		// The sound keeps stuttering: following it would drag the
		// picture later and later, past the clip's end.
		vp.badClock = true
		p.log.Warn("the video's sound falls behind; the video follows the player's clock", "file", vp.clip.file, "heard", heard)
		return played
	}
	if d := played - heard; d > syncSlack || d < -syncSlack {
		vp.start = vp.start.Add(d)
		vp.resyncs++
		return heard
	}
	return played
}

// drawVideo puts s's current frame on dst, turned as the screen is (the
// rendition is made turned), with alpha.
// Until a video started again has its first frame, the last one it
// showed stays.
func (p *Player) drawVideo(dst *ebiten.Image, s *slide, alpha float32) bool {
	if s.tex == nil || p.vshader == nil {
		return false
	}
	p.vshader.draw(dst, s.tex, s.video.r.Width, s.video.r.Height, s.texStride, alpha)
	return true
}

// stop ends the video: its decoders stop, and a record of what was shown
// goes to the log, saying why it ended.
func (vp *videoPlay) stop(item, why string) {
	if !vp.start.IsZero() {
		audio := 0.0
		if vp.aud != nil && vp.rate > 0 {
			audio = float64(vp.aud.Bytes()) / float64(4*vp.rate)
		}
		due := int(vp.clip.duration * time.Duration(vp.clip.r.FPS) / time.Second)
		vp.log.Info("video ended", "item", item, "file", vp.clip.file, "why", why, "frames", vp.shown,
			"last", vp.frame, "of", due,
			"dropped", vp.dropped, "repeated", vp.repeated, "decoded", vp.dec.Frames(),
			"audio_seconds", fmt.Sprintf("%.3f", audio), "played", vp.clock.Now().Sub(vp.start).Round(time.Millisecond),
			"longest_frame", vp.longest.Round(time.Millisecond), "resyncs", vp.resyncs)
	}
	vp.cancel()
	snd, aud, dec := vp.snd, vp.aud, vp.dec
	go func() {
		// Stopping a process and waiting for it is no work for the
		// drawing goroutine.
		if snd != nil {
			_ = snd.Close()
		}
		if aud != nil {
			_ = aud.Close()
		}
		_ = dec.Close()
	}()
}

// stopVideo ends s's video, if it plays.
func (s *slide) stopVideo(why string) {
	if s.vp != nil {
		s.vp.stop(s.itemID(), why)
		s.vp = nil
	}
}

// videoEnd is when a video slide hands over to the next: a crossfade's
// time before its last frame, so that it still moves as it fades.
func videoEnd(s *slide) time.Time {
	vp := s.vp
	if vp == nil || vp.start.IsZero() {
		return s.start.Add(s.spec.duration)
	}
	end := vp.start.Add(s.video.duration - s.fadeOut)
	// Following its sound moves a video's clock; never beyond a second
	// past its length on the player's clock (a sound that stopped
	// without a word must not hold a frame on screen).
	if most := vp.first.Add(s.video.duration + time.Second - s.fadeOut); most.Before(end) {
		end = most
	}
	if !s.endAt.IsZero() && s.endAt.Before(end) {
		end = s.endAt
	}
	if end.Before(s.start) {
		return s.start
	}
	return end
}

// playVideos moves the videos on screen on to the frames due at now: the
// current slide's, and the next one's while it fades in. A video stopped
// while the screen was covered starts again from its beginning. It
// reports whether the current slide's video has failed, for advance to
// move on at once.
func (p *Player) playVideos(now time.Time) (failed bool) {
	if c := p.cur; c != nil && c.video != nil && !c.over {
		if c.vp == nil && c.videoErr == nil {
			p.startVideo(c)
		}
		if p.stepVideo(c, now) {
			p.dirty = true
		}
		failed = c.videoFailed() != nil
		p.checkShort(c, now)
	}
	if n := p.next; p.fading && n != nil && n.video != nil {
		if n.vp == nil && n.videoErr == nil {
			p.startVideo(n)
		}
		if p.stepVideo(n, now) {
			p.dirty = true
		}
	}
	return failed
}

// checkShort ends a video whose decoder gave its last frame a frame
// interval ago, before the length its manifest gives: it hands over to
// the next item (a crossfade from the last frame) instead of holding that
// frame, and its play records its real time.
func (p *Player) checkShort(s *slide, now time.Time) {
	vp := s.vp
	if vp == nil || vp.start.IsZero() || !s.endAt.IsZero() || !vp.dec.Ended() || vp.frame != vp.dec.Frames()-1 {
		return
	}
	iv := time.Second / time.Duration(vp.clip.r.FPS)
	if now.Sub(vp.start) < time.Duration(vp.frame+2)*iv || !now.Before(slideEnd(s)) {
		return
	}
	s.endAt = now
	p.log.Warn("video shorter than its manifest says", "item", s.itemID(), "file", vp.clip.file,
		"frames", vp.dec.Frames(), "duration", s.video.duration)
}

// stopVideos stops the videos on screen, which something else covers.
func (p *Player) stopVideos(why string) {
	if p.cur != nil {
		p.cur.stopVideo(why)
	}
	if p.fading && p.next != nil {
		p.next.stopVideo(why)
	}
}

// videoWake is when a video on screen next needs a frame: just after its
// next frame is due on its clock, so that the frame drawn is that one;
// soon, while its first frame is awaited. During a crossfade into a
// video, the incoming clip sets the pace (the outgoing one moves on at
// the same frames: waking for each clip's own frames would draw twice as
// many). Zero when no video plays.
func (p *Player) videoWake(now time.Time) time.Time {
	s := p.cur
	if n := p.next; p.fading && n != nil && n.vp != nil && !n.over {
		s = n
	}
	if s == nil || s.vp == nil || s.over {
		return time.Time{}
	}
	vp := s.vp
	iv := time.Second / time.Duration(vp.clip.r.FPS)
	at := now.Add(iv / 4)
	if !vp.start.IsZero() {
		at = vp.start.Add(time.Duration(vp.target+1)*iv + 2*time.Millisecond)
	}
	if !at.After(now) {
		at = now.Add(time.Millisecond)
	}
	return at
}

// videoFlowing reports whether a video's frames are coming to the screen
// (one within the last two frame intervals): the ticker then moves with
// them, and is not drawn again between them. While a clip waits for its
// first frame, or its decoder is slow, the ticker moves on its own.
func (p *Player) videoFlowing() bool {
	s := p.cur
	if n := p.next; p.fading && n != nil && n.vp != nil {
		s = n
	}
	if s == nil || s.vp == nil || s.vp.lastAt.IsZero() {
		return false
	}
	iv := time.Second / time.Duration(s.vp.clip.r.FPS)
	return time.Since(s.vp.lastAt) < 2*iv
}

// drawFade draws the crossfade from p.cur to p.next at alpha when either
// is a video: between two videos' frames of one size in one pass, and
// otherwise the old picture and the new over it.
func (p *Player) drawFade(dst *ebiten.Image, alpha float32) {
	from, to := p.cur, p.next
	if from.video != nil && to.video != nil && from.tex != nil && to.tex != nil && p.vshader != nil &&
		from.tex.Bounds() == to.tex.Bounds() && from.texStride == to.texStride {
		p.vshader.mixTo(dst, from.tex, to.tex, from.video.r.Width, from.video.r.Height, from.texStride, alpha)
		return
	}
	if !p.drawPicture(dst, from, 1) {
		dst.Fill(p.cfg.Display.Background)
	}
	p.drawPicture(dst, to, alpha)
}

// drawPicture draws s, a slide's canvas or a video's frame, on dst with
// alpha; false when it has nothing to show yet.
func (p *Player) drawPicture(dst *ebiten.Image, s *slide, alpha float32) bool {
	if s.video != nil {
		return p.drawVideo(dst, s, alpha)
	}
	if s.canvas == nil {
		return false
	}
	op := &ebiten.DrawImageOptions{}
	op.GeoM = p.base
	op.ColorScale.ScaleAlpha(alpha)
	dst.DrawImage(s.canvas, op)
	return true
}

// videosShown lists the video frames on screen, for captures.
func (p *Player) videosShown() []CapturedVideo {
	var out []CapturedVideo
	for _, s := range []*slide{p.cur, p.next} {
		if s == nil || s.vp == nil || s.vp.frame < 0 || s == p.next && !p.fading {
			continue
		}
		out = append(out, CapturedVideo{Item: s.itemID(), File: s.video.file, Frame: s.vp.frame, Start: s.vp.start})
	}
	return out
}

// frameTextures keeps the textures of videos that have left the screen for
// the next videos of the same size: a seam between two clips then
// allocates nothing, which under software OpenGL costs a frame's time.
type frameTextures struct {
	free []*ebiten.Image
}

// keptTextures is how many frameTextures keeps: the two a crossfade
// between videos uses.
const keptTextures = 2

// get returns a texture of w×h texels, kept or new.
func (t *frameTextures) get(w, h int) *ebiten.Image {
	for i, img := range t.free {
		if b := img.Bounds(); b.Dx() == w && b.Dy() == h {
			t.free = append(t.free[:i], t.free[i+1:]...)
			return img
		}
	}
	return ebiten.NewImageWithOptions(image.Rect(0, 0, w, h), &ebiten.NewImageOptions{Unmanaged: true})
}

// put keeps img (nil: nothing) for a later get, letting the oldest kept go
// beyond keptTextures. A nil *frameTextures keeps none.
func (t *frameTextures) put(img *ebiten.Image) {
	if img == nil {
		return
	}
	if t == nil {
		img.Deallocate()
		return
	}
	t.free = append(t.free, img)
	if len(t.free) > keptTextures {
		t.free[0].Deallocate()
		t.free = t.free[1:]
	}
}
