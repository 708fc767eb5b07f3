package player

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/internal/videotest"
)

// heardSound is a SoundStream at a set position.
type heardSound struct {
	pos  time.Duration
	done bool
}

func (h *heardSound) Position() time.Duration { return h.pos }
func (h *heardSound) Done() bool              { return h.done }
func (h *heardSound) Close() error            { return nil }

func TestVideoClockFollowsSound(t *testing.T) {
	start := at("10:00:00")
	for _, tc := range []struct {
		name     string
		played   time.Duration // on the player's clock
		real     time.Duration // on the computer's, since the first frame
		sound    *heardSound   // nil: no sound
		stuckFor time.Duration // how long the sound has stood at its position
		want     time.Duration
		resynced bool
		badClock bool
	}{
		{name: "no sound", played: 2 * time.Second, real: 2 * time.Second, want: 2 * time.Second},
		{name: "sound not started", played: 100 * time.Millisecond, real: 100 * time.Millisecond,
			sound: &heardSound{}, want: 100 * time.Millisecond},
		{name: "within two frames", played: 2 * time.Second, real: 2 * time.Second,
			sound: &heardSound{pos: 1950 * time.Millisecond}, want: 2 * time.Second},
		{name: "sound behind: frames repeat", played: 2 * time.Second, real: 2 * time.Second,
			sound: &heardSound{pos: 1800 * time.Millisecond}, want: 1800 * time.Millisecond, resynced: true},
		{name: "sound ahead: frames drop", played: 2 * time.Second, real: 2200 * time.Millisecond,
			sound: &heardSound{pos: 2200 * time.Millisecond}, want: 2200 * time.Millisecond, resynced: true},
		{name: "sound faster than real time", played: time.Second, real: time.Second,
			sound: &heardSound{pos: 3 * time.Second}, want: time.Second, badClock: true},
		{name: "sound ended", played: 5 * time.Second, real: 5 * time.Second,
			sound: &heardSound{pos: 4 * time.Second, done: true}, want: 5 * time.Second},
		{name: "sound stood still a moment", played: 2 * time.Second, real: 2 * time.Second,
			sound: &heardSound{pos: 1950 * time.Millisecond}, stuckFor: 300 * time.Millisecond, want: 2 * time.Second},
		{name: "sound stopped without a word", played: 3 * time.Second, real: 3 * time.Second,
			sound: &heardSound{pos: 2 * time.Second}, stuckFor: time.Second, want: 3 * time.Second, badClock: true},
		// Short stutters, each under the stall's bound, that add up.
		{name: "sound fell a second behind", played: 5 * time.Second, real: 5 * time.Second,
			sound: &heardSound{pos: 3900 * time.Millisecond}, want: 5 * time.Second, badClock: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Player{log: slog.New(slog.DiscardHandler)}
			vp := &videoPlay{clip: &videoClip{file: "video/a.mp4"}, start: start, wall: time.Now().Add(-tc.real)}
			if tc.sound != nil {
				vp.snd = tc.sound
				if tc.stuckFor > 0 {
					vp.heard, vp.heardAt = tc.sound.pos, time.Now().Add(-tc.stuckFor)
				}
			}
			now := start.Add(tc.played)
			if got := p.videoClock(vp, now); got != tc.want {
				t.Errorf("clock %v, want %v", got, tc.want)
			}
			if (vp.resyncs > 0) != tc.resynced || vp.badClock != tc.badClock {
				t.Errorf("resyncs %d, bad clock %v; want resynced %v, bad clock %v", vp.resyncs, vp.badClock, tc.resynced, tc.badClock)
			}
			// Once followed, the picture keeps to the sound at the
			// player's pace, with no second jump.
			if tc.resynced {
				tc.sound.pos += 40 * time.Millisecond
				if got := p.videoClock(vp, now.Add(40*time.Millisecond)); got != tc.want+40*time.Millisecond || vp.resyncs != 1 {
					t.Errorf("a frame later: clock %v (resyncs %d), want %v", got, vp.resyncs, tc.want+40*time.Millisecond)
				}
			}
		})
	}
}

func TestVideoEndBounded(t *testing.T) {
	first := at("10:00:00")
	clip := &videoClip{duration: 10 * time.Second}
	for _, tc := range []struct {
		name  string
		start time.Time // the clock's origin, moved by following the sound
		endAt time.Time
		want  time.Time
	}{
		{name: "on time", start: first, want: first.Add(9 * time.Second)},
		{name: "behind its sound a little", start: first.Add(500 * time.Millisecond), want: first.Add(9500 * time.Millisecond)},
		// A sound that held the picture back for an hour: the clip ends
		// a second after its length all the same.
		{name: "held back by its sound", start: first.Add(time.Hour), want: first.Add(10 * time.Second)},
		{name: "ended early", start: first, endAt: first.Add(2 * time.Second), want: first.Add(2 * time.Second)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &slide{video: clip, fadeOut: time.Second, start: first, endAt: tc.endAt,
				vp: &videoPlay{clip: clip, start: tc.start, first: first}}
			if got := slideEnd(s); !got.Equal(tc.want) {
				t.Errorf("ends at %v, want %v", got.Sub(first), tc.want.Sub(first))
			}
		})
	}
}

// A video's texture goes back to the player when its slide leaves, for
// the next video of its size; at most two are kept.
func TestFrameTexturesKept(t *testing.T) {
	var kept frameTextures
	a := kept.get(384, 1152)
	b := kept.get(384, 1152)
	kept.put(a)
	if got := kept.get(384, 1152); got != a {
		t.Error("a kept texture of the size asked for was not reused")
	}
	kept.put(a)
	kept.put(b)
	if got := kept.get(200, 300); got == a || got == b || got.Bounds().Dx() != 200 || got.Bounds().Dy() != 300 {
		t.Errorf("a texture of another size: got %v", got.Bounds())
	}
	kept.put(kept.get(100, 100))
	if len(kept.free) != keptTextures || kept.free[0] != b {
		t.Errorf("%d kept, want the %d newest", len(kept.free), keptTextures)
	}
	kept.put(nil)
	if len(kept.free) != keptTextures {
		t.Error("nil was kept")
	}
}

// The ticker moves with a video's frames while they come, and on its own
// while they do not.
func TestVideoFlowing(t *testing.T) {
	clip := &videoClip{r: content.Rendition{FPS: 25}}
	for _, tc := range []struct {
		name string
		last time.Duration // since the last frame; 0: none yet
		want bool
	}{
		{"frames coming", 30 * time.Millisecond, true},
		{"decoder slow", 200 * time.Millisecond, false},
		{"first frame awaited", 0, false},
	} {
		s := &slide{video: clip, vp: &videoPlay{clip: clip}}
		if tc.last > 0 {
			s.vp.lastAt = time.Now().Add(-tc.last)
		}
		p := &Player{cur: s}
		if got := p.videoFlowing(); got != tc.want {
			t.Errorf("%s: flowing %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A clip's file written to after its check does not play, even by the
// file the decoder would read; one that ended early plays whole again.
func TestVideoFileUnchanged(t *testing.T) {
	path := videotest.MakeClip(t, t.TempDir(), videotest.ClipOptions{Width: 160, Height: 80, Frames: 10})
	cfg := loaderConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &Player{cfg: cfg, ctx: ctx, log: slog.New(slog.DiscardHandler), clock: fixedClock(at("10:00:00"))}
	open := func() *slide {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		c := &videoClip{file: "video/a.mp4", path: path, f: f, checked: fi, r: content.Rendition{Width: 160, Height: 80, FPS: 25}}
		return &slide{spec: slideSpec{item: &content.Item{ID: "clip-a"}}, video: c, endAt: at("10:00:01")}
	}
	s := open()
	p.startVideo(s)
	if s.videoErr != nil || s.vp == nil || !s.endAt.IsZero() {
		t.Fatalf("an unchanged clip: err %v, playing %v, ended early at %v", s.videoErr, s.vp != nil, s.endAt)
	}
	s.release()

	s = open()
	time.Sleep(10 * time.Millisecond) // a change time the write moves on
	w, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteAt([]byte{0}, 100); err != nil {
		t.Fatal(err)
	}
	w.Close()
	p.startVideo(s)
	if s.vp != nil || s.videoErr == nil || !strings.Contains(s.videoErr.Error(), "video/a.mp4: written to since") {
		t.Errorf("a clip written to in place: playing %v, err %v", s.vp != nil, s.videoErr)
	}
	s.release()
	if err := s.video.unchanged(); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("a released clip: %v, want its file closed", err)
	}
}
