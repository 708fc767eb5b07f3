package player

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// TestDPMS: the display is turned off and on as asked, only on a change,
// left on at the end, and a failing xset is logged once.
func TestDPMS(t *testing.T) {
	tests := []struct {
		name    string
		fail    bool
		asks    []bool
		want    []string
		warning int
	}{
		{"off then on", false, []bool{true, true, false}, []string{"off", "on"}, 0},
		{"left off at the end is turned on", false, []bool{true}, []string{"off", "on"}, 0},
		{"never off", false, []bool{false, false}, nil, 0},
		{"xset fails", true, []bool{true, false, true}, []string{"off", "off"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var warnings atomic.Int32
			log := slog.New(countingHandler{slog.NewTextHandler(io.Discard, nil), &warnings})
			runs := make(chan string, 16)
			d := &dpms{log: log, want: make(chan bool, 1), run: func(_ context.Context, args ...string) error {
				runs <- args[len(args)-1]
				if tc.fail {
					return errors.New("xset: unable to open display")
				}
				return nil
			}}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); d.loop(ctx) }()
			var got []string
			for _, off := range tc.asks {
				d.set(off)
				// Wait for the loop to take it before the next.
				deadline := time.Now().Add(5 * time.Second)
				for len(d.want) > 0 && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
				}
			}
			cancel()
			<-done
			close(runs)
			for r := range runs {
				got = append(got, r)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("xset dpms force %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("xset dpms force %v, want %v", got, tc.want)
				}
			}
			if int(warnings.Load()) != tc.warning {
				t.Errorf("%d warnings, want %d", warnings.Load(), tc.warning)
			}
		})
	}
}

type countingHandler struct {
	slog.Handler
	warnings *atomic.Int32
}

func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelWarn {
		h.warnings.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}
