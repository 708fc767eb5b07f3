package player

import (
	"encoding/json"
	"os"
	"slices"
	"time"

	"github.com/vnict/kiosk/kiosk/report"
)

// FrameStatsOptions drive a measuring run: after Warmup, the time between
// frames is recorded for Span, written to Path as JSON, and the run ends.
type FrameStatsOptions struct {
	Path   string
	Warmup time.Duration
	Span   time.Duration
	// StartedAt is when the process started, to report the time to the
	// first content frame.
	StartedAt time.Time
}

// FrameStats is what a measuring run writes.
type FrameStats struct {
	Frames       int     `json:"frames"`
	MedianMS     float64 `json:"median_ms"`
	P99MS        float64 `json:"p99_ms"`
	FirstFrameMS float64 `json:"first_content_frame_ms"`
	RSSBytes     int64   `json:"rss_bytes"`
}

type frameStats struct {
	opts      FrameStatsOptions
	begin     time.Time
	last      time.Time
	intervals []time.Duration
	firstAt   func() time.Time
	written   bool
}

func (s *frameStats) frame(now time.Time) {
	if s.begin.IsZero() {
		s.begin = now
	}
	if now.Sub(s.begin) >= s.opts.Warmup && !s.last.IsZero() {
		s.intervals = append(s.intervals, now.Sub(s.last))
	}
	s.last = now
}

func (s *frameStats) done() bool {
	if s.begin.IsZero() || s.last.Sub(s.begin) < s.opts.Warmup+s.opts.Span {
		return false
	}
	if !s.written {
		s.written = true
		s.write()
	}
	return true
}

func (s *frameStats) write() {
	iv := slices.Clone(s.intervals)
	slices.Sort(iv)
	out := FrameStats{Frames: len(iv), RSSBytes: residentBytes()}
	if n := len(iv); n > 0 {
		out.MedianMS = ms(iv[n/2])
		out.P99MS = ms(iv[min(n-1, n*99/100)])
	}
	if s.firstAt != nil && !s.opts.StartedAt.IsZero() {
		if f := s.firstAt(); !f.IsZero() {
			out.FirstFrameMS = ms(f.Sub(s.opts.StartedAt))
		}
	}
	data, _ := json.MarshalIndent(out, "", "  ")
	_ = os.WriteFile(s.opts.Path, data, 0o644)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// residentBytes reads the process's resident set size on Linux; elsewhere 0.
func residentBytes() int64 { return int64(report.ResidentBytes()) }
