//go:build !linux

package player

import (
	"context"
	"log/slog"
)

// dpms does nothing here: turning the display off through DPMS is done
// with X11's xset, on Linux only.
type dpms struct{}

func newDPMS(log *slog.Logger, enabled bool) *dpms {
	if enabled {
		log.Info("display.dpms: not supported on this platform; the screen only goes dark")
	}
	return nil
}

func (d *dpms) set(off bool)             {}
func (d *dpms) loop(ctx context.Context) {}
