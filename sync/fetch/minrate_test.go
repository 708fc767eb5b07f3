package fetch

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// stepReader yields one byte a read and moves a fake clock by step.
type stepReader struct {
	clock *time.Time
	step  time.Duration
}

func (s *stepReader) Read(p []byte) (int, error) {
	*s.clock = s.clock.Add(s.step)
	p[0] = 'x'
	return 1, nil
}

func TestMinRate(t *testing.T) {
	tests := []struct {
		name    string
		step    time.Duration // clock advance per byte
		min     int64
		wantErr bool
	}{
		{"a byte every 50 s is too slow", 50 * time.Second, 1024, true},
		{"a byte a millisecond passes", time.Millisecond, 512, false},
		{"just under the rate", 2 * time.Millisecond, 501, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
			m := &minRateReader{r: &stepReader{clock: &clock, step: tc.step}, min: tc.min, window: time.Minute,
				now: func() time.Time { return clock }, start: clock}
			_, err := io.CopyN(io.Discard, m, 200_000)
			if tc.wantErr != errors.Is(err, ErrTooSlow) {
				t.Fatalf("err = %v, want ErrTooSlow: %v", err, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "a second") {
				t.Errorf("error does not say the rate: %v", err)
			}
		})
	}
}
