package player

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
)

// dpms turns the display off and on through X11's DPMS extension, with
// xset, outside the site's operating hours. Without xset or an X display
// it does nothing; a failure is logged once and never stops the player.
type dpms struct {
	log  *slog.Logger
	want chan bool // the state asked for; the latest wins
	// run runs xset with args; exec.CommandContext by default.
	run    func(ctx context.Context, args ...string) error
	failed bool
}

func newDPMS(log *slog.Logger, enabled bool) *dpms {
	if !enabled {
		return nil
	}
	if _, err := exec.LookPath("xset"); err != nil || os.Getenv("DISPLAY") == "" {
		log.Info("display.dpms: no xset or X display here; the screen only goes dark")
		return nil
	}
	return &dpms{log: log, want: make(chan bool, 1), run: func(ctx context.Context, args ...string) error {
		out, err := exec.CommandContext(ctx, "xset", args...).CombinedOutput()
		if err != nil && len(out) > 0 {
			return &xsetError{err: err, out: string(out)}
		}
		return err
	}}
}

type xsetError struct {
	err error
	out string
}

func (e *xsetError) Error() string { return e.err.Error() + ": " + e.out }
func (e *xsetError) Unwrap() error { return e.err }

// set asks for the display off (true) or on; it returns at once.
func (d *dpms) set(off bool) {
	if d == nil {
		return
	}
	select {
	case <-d.want: // replace a state not yet applied
	default:
	}
	d.want <- off
}

// loop applies the states asked for until ctx ends, and leaves the display
// on.
func (d *dpms) loop(ctx context.Context) {
	if d == nil {
		return
	}
	off := false
	apply := func(ctx context.Context, to bool) {
		if to == off {
			return
		}
		arg := "on"
		if to {
			arg = "off"
		}
		if err := d.run(ctx, "dpms", "force", arg); err != nil {
			if !d.failed {
				d.failed = true
				d.log.Warn("display.dpms: xset failed; the screen only goes dark", "err", err)
			}
			return
		}
		off = to
		d.log.Info("display power", "dpms", arg)
	}
	for {
		select {
		case to := <-d.want:
			apply(ctx, to)
		case <-ctx.Done():
			apply(context.Background(), false)
			return
		}
	}
}
