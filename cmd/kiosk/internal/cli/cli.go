// Package cli holds the kiosk command's flags and answers the command line
// on a machine with no display (see package nodisplay, which calls it
// before Ebiten starts). It imports only the standard library.
package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"time"
)

// Version is the player's version, set when it is built:
// -ldflags "-X github.com/vnict/kiosk/cmd/kiosk/internal/cli.Version=1.2.0"
// (packaging/build.sh does). Player updates compare it.
var Version = "dev"

// Flags are the kiosk command's flags, parsed.
type Flags struct {
	// Version asks for the version only.
	Version   bool
	Config    string
	Demo      bool
	Window    bool
	LogFormat string
	LogLevel  string
	// LogFile is where the log goes instead of stderr: a file rotated at
	// 10 MB, five kept.
	LogFile    string
	FontCache  string
	Capture    string
	Cycles     int
	Summary    string
	FrameStats string
	StatsSpan  time.Duration
	// MemLimit is the soft limit of the Go heap in MiB.
	MemLimit int64
	// Supervise is set for `kiosk supervise`, whose flags it holds; the
	// others are then unset.
	Supervise *SuperviseFlags
}

// SuperviseFlags are the flags of `kiosk supervise`.
type SuperviseFlags struct {
	// Player is the player program; empty: this one.
	Player string
	// PlayerArgs are the player's flags, after "--".
	PlayerArgs   []string
	PingTimeout  time.Duration
	StartTimeout time.Duration
	StopTimeout  time.Duration
	MinBackoff   time.Duration
	MaxBackoff   time.Duration
	LogFormat    string
	LogLevel     string
	// LogFile is where the supervisor's log and the player's output go
	// instead of stderr: a file rotated at 10 MB, five kept.
	LogFile string
	// StopByStdin asks the player to stop by closing its stdin rather
	// than by a signal; the default on Windows, which has no signals.
	StopByStdin bool
}

// Parse parses the kiosk command's arguments (without the program name).
// Errors, and the usage for -h or --help, are written to out; --help
// returns flag.ErrHelp.
func Parse(args []string, out io.Writer) (*Flags, error) {
	if len(args) > 0 && args[0] == "supervise" {
		return parseSupervise(args[1:], out)
	}
	var f Flags
	fs := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: kiosk [flags]\n       kiosk supervise [flags] [-- player flags]   (see kiosk supervise --help)\n\nPlays a site's approved content full screen, or the built-in demo.\n\n")
		fs.PrintDefaults()
	}
	fs.BoolVar(&f.Version, "version", false, "print the player's version and exit")
	fs.StringVar(&f.Config, "config", "", "site config (YAML); default: the built-in demo")
	fs.BoolVar(&f.Demo, "demo", false, "play the built-in demo bundle instead of the site's content, in a window, at any hour")
	fs.BoolVar(&f.Window, "window", false, "open a window even if the config asks for full screen")
	fs.StringVar(&f.LogFormat, "log", "text", "log format: text or json")
	fs.StringVar(&f.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&f.LogFile, "log-file", "", "write the log to this file instead of stderr, rotated at 10 MB with 5 old files kept (the folder is created)")
	fs.StringVar(&f.FontCache, "font-cache", "", "folder for the system font index (default: the user cache)")
	fs.StringVar(&f.Capture, "capture", "", "save each slide once as PNG in this folder, then exit")
	fs.IntVar(&f.Cycles, "cycles", 1, "with --capture or --summary: play the program this many times")
	fs.StringVar(&f.Summary, "summary", "", "with --capture: where to write the summary (default DIR/summary.json); alone: capture without PNGs")
	fs.StringVar(&f.FrameStats, "frame-stats", "", "measure frame times, write them as JSON to this file, then exit")
	fs.DurationVar(&f.StatsSpan, "stats-span", 20*time.Second, "with --frame-stats: how long to measure")
	fs.Int64Var(&f.MemLimit, "memory-limit", 96, "soft limit of the Go heap in MiB, so memory goes back to the system between slides (0: none; GOMEMLIMIT overrides)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		err := fmt.Errorf("unexpected argument %q", fs.Arg(0))
		fmt.Fprintln(out, err)
		fs.Usage()
		return nil, err
	}
	return &f, nil
}

// parseSupervise parses the arguments of `kiosk supervise`.
func parseSupervise(args []string, out io.Writer) (*Flags, error) {
	var f SuperviseFlags
	fs := flag.NewFlagSet("kiosk supervise", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, `Usage: kiosk supervise [flags] [-- player flags]

Starts the player and starts it again when it exits, or kills and restarts
it when its drawing loop stops pinging for --ping-timeout. For Windows, where
Task Scheduler starts it at logon (see the README); on Linux, systemd does
this job (packaging/kiosk.service).

Example: kiosk supervise --log-file C:\kiosk\logs\kiosk.log -- --config C:\kiosk\site.yaml

`)
		fs.PrintDefaults()
	}
	fs.StringVar(&f.Player, "player", "", "the player program (default: this kiosk program)")
	fs.DurationVar(&f.PingTimeout, "ping-timeout", 30*time.Second, "restart the player when it has not pinged for this long")
	fs.DurationVar(&f.StartTimeout, "start-timeout", 2*time.Minute, "restart the player when it has not drawn its first frame after this long")
	fs.DurationVar(&f.StopTimeout, "stop-timeout", 10*time.Second, "kill the player when it has not stopped this long after being asked to")
	fs.DurationVar(&f.MinBackoff, "min-backoff", time.Second, "wait before the first restart; doubled at each one after")
	fs.DurationVar(&f.MaxBackoff, "max-backoff", time.Minute, "the longest wait before a restart")
	fs.StringVar(&f.LogFormat, "log", "text", "log format: text or json")
	fs.StringVar(&f.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&f.LogFile, "log-file", "", "write the log, and each line the player writes (naming its start), to this file instead of stderr; rotated at 10 MB with 5 old files kept (the folder is created)")
	fs.BoolVar(&f.StopByStdin, "stop-by-stdin", runtime.GOOS == "windows", "ask the player to stop by closing its stdin rather than by a signal (Windows has none to send)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		f.PlayerArgs = fs.Args()
	}
	if n := len(args) - fs.NArg(); fs.NArg() > 0 && (n == 0 || args[n-1] != "--") {
		err := fmt.Errorf("unexpected argument %q: the player's flags go after --", fs.Arg(0))
		fmt.Fprintln(out, err)
		fs.Usage()
		return nil, err
	}
	return &Flags{Supervise: &f}, nil
}

// HasDisplay reports whether the process can reach a display to play on.
// Only X11 and Wayland systems need one named in the environment.
func HasDisplay(getenv func(string) string) bool {
	return !needsDisplayVar() || getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != ""
}

// needsDisplayVar reports whether the system's windows come from an X or
// Wayland server named in the environment.
func needsDisplayVar() bool {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
		return true
	}
	return false
}

// Command parses the command line as the kiosk command does: the usage
// asked for with -h or --help goes to stdout and flag.ErrHelp is returned;
// a bad flag's error and the usage go to stderr.
func Command(args []string, stdout, stderr io.Writer) (*Flags, error) {
	var buf bytes.Buffer
	f, err := Parse(args, &buf)
	switch {
	case errors.Is(err, flag.ErrHelp):
		_, _ = stdout.Write(buf.Bytes())
	case err != nil:
		_, _ = stderr.Write(buf.Bytes())
	}
	return f, err
}

// ExitCode is the exit code for an error from Command: 0 for --help, 2
// for a bad command line.
func ExitCode(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}

// WithoutDisplay is what the command does when there is no display: it
// answers the command line and returns the exit code.
func WithoutDisplay(args []string, stdout, stderr io.Writer) int {
	f, err := Command(args, stdout, stderr)
	if err != nil {
		return ExitCode(err)
	}
	if f.Version {
		fmt.Fprintln(stdout, Version)
		return 0
	}
	fmt.Fprintln(stderr, "kiosk: no display to play on: neither DISPLAY nor WAYLAND_DISPLAY is set (start it in the X session, or under xvfb-run)")
	return 1
}
