package supervise

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vnict/kiosk/internal/servertest"
	"github.com/vnict/kiosk/kiosk/logfile"
	"github.com/vnict/kiosk/kiosk/watchdog"
)

// fakePlayerEnv makes this test binary a fake player (see TestMain): it
// draws "frames" by calling the watchdog as the player's loop does, then,
// as the value says, exits with status 3 ("exit"), stops calling it and
// hangs ("hang"), or goes on until asked to stop ("play"). Asked to stop
// (by a signal, or as StopOnStdinEOF says), it says STOPPING=1 and exits
// with status 0.
const fakePlayerEnv = "KIOSK_SUPERVISE_FAKE_PLAYER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakePlayerEnv); mode != "" {
		os.Exit(fakePlayer(mode))
	}
	os.Exit(m.Run())
}

func fakePlayer(mode string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, stopStdin := StopOnStdinEOF(ctx, os.Stdin, os.Getenv)
	defer stopStdin()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	n, err := watchdog.FromEnvironment(log)
	if err != nil || n == nil {
		fmt.Fprintln(os.Stderr, "fake player: no supervisor:", err)
		return 1
	}
	go n.Run(ctx)
	fmt.Printf("fake player %s started\n", mode)
	n.Ready()
	frames := time.NewTicker(n.Every())
	defer frames.Stop()
	for i := 0; mode == "play" || i < 8; i++ { // else two watchdog intervals
		n.Ping()
		select {
		case <-frames.C:
		case <-ctx.Done():
			fmt.Printf("fake player stopping: %v\n", context.Cause(ctx))
			_ = n.Stopping()
			return 0
		}
	}
	if mode == "exit" {
		fmt.Fprint(os.Stderr, "fake player exiting") // no newline
		return 3
	}
	<-ctx.Done() // hung: no more pings, until killed
	return 0
}

// TestSupervisorRestartsRealPlayers runs this test binary as the player:
// one that exits, and one that stops pinging, are both started again; the
// hung one is killed.
func TestSupervisorRestartsRealPlayers(t *testing.T) {
	tests := []struct {
		mode string
		want string // in the log
		exit string // how the first player ended
	}{
		{"exit", "player exited", "exit status 3"},
		{"hang", "player hung: killing it", "signal: killed"},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			out := &servertest.Output{}
			cmd := Command{Path: os.Args[0], Args: []string{"-test.run=^$"}, Env: []string{fakePlayerEnv + "=" + tc.mode},
				Stdout: out, Stderr: out}
			starts := make(chan *observed, 4)
			start := func(env []string, log *slog.Logger) (Process, error) {
				p, err := cmd.Start(env, log)
				if err != nil {
					return nil, err
				}
				o := &observed{Process: p, ended: make(chan string, 1)}
				starts <- o
				return o, nil
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			done := make(chan error, 1)
			go func() {
				done <- Run(ctx, Options{Start: start, PingTimeout: 400 * time.Millisecond, StartTimeout: 30 * time.Second,
					StopTimeout: 5 * time.Second, MinBackoff: 20 * time.Millisecond, Log: slog.New(slog.NewTextHandler(out, nil))})
			}()
			first := next(t, starts, out)
			select {
			case how := <-first.ended:
				if how != tc.exit {
					t.Errorf("the first player ended with %q, want %q\n%s", how, tc.exit, out)
				}
			case <-ctx.Done():
				t.Fatalf("the first player did not end\n%s", out)
			}
			second := next(t, starts, out)
			if second.Pid() == first.Pid() {
				t.Errorf("the player was not started again")
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			t.Logf("log:\n%s", out)
			log := out.String()
			for _, want := range []string{"player ready", tc.want, "restarting the player"} {
				if !strings.Contains(log, want) {
					t.Errorf("the log does not say %q:\n%s", want, log)
				}
			}
			if tc.mode == "exit" && strings.Contains(log, "player hung") {
				t.Errorf("a player that pinged until it exited was taken for hung:\n%s", log)
			}
		})
	}
}

// observed is a Process whose end the test sees.
type observed struct {
	Process
	ended chan string
}

func (o *observed) Wait() error {
	err := o.Process.Wait()
	o.ended <- exitText(err)
	return err
}

func next(t *testing.T, starts <-chan *observed, out *servertest.Output) *observed {
	t.Helper()
	select {
	case o := <-starts:
		return o
	case <-time.After(30 * time.Second):
		t.Fatalf("no player started\n%s", out)
		return nil
	}
}

// TestSupervisorLogFile runs a real player that exits, with the
// supervisor's log in a log file and the player's output logged: the file
// holds the supervisor's records and each line the player wrote, on stdout
// and stderr, naming the start it came from; a last line without its
// newline is kept too.
func TestSupervisorLogFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs", "kiosk.log")
	file, err := logfile.Open(path, logfile.Options{MaxMB: 1, Backups: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	cmd := Command{Path: os.Args[0], Args: []string{"-test.run=^$"}, Env: []string{fakePlayerEnv + "=exit"}, LogOutput: true}
	starts := make(chan *observed, 4)
	start := func(env []string, log *slog.Logger) (Process, error) {
		p, err := cmd.Start(env, log)
		if err != nil {
			return nil, err
		}
		o := &observed{Process: p, ended: make(chan string, 1)}
		starts <- o
		return o, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Start: start, PingTimeout: 400 * time.Millisecond, StartTimeout: 30 * time.Second,
			StopTimeout: 5 * time.Second, MinBackoff: 20 * time.Millisecond, Log: slog.New(slog.NewTextHandler(file, nil))})
	}()
	out := &servertest.Output{} // nothing: all goes to the file
	first := next(t, starts, out)
	select {
	case <-first.ended:
	case <-ctx.Done():
		t.Fatal("the first player did not end")
	}
	next(t, starts, out)
	// The second start's first line, before it is stopped.
	second := regexp.MustCompile(`msg="player output" start=2 stream=stdout line="fake player exit started"`)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if second.Match(b) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the second start's output is not in the log file:\n%s", b)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	t.Logf("%s:\n%s", path, log)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`msg="supervising the player"`),
		regexp.MustCompile(`msg="player ready" start=1 `),
		regexp.MustCompile(`msg="player output" start=1 stream=stdout line="fake player exit started"`),
		regexp.MustCompile(`msg="player output" start=1 stream=stderr line="fake player exiting"`),
		regexp.MustCompile(`msg="player exited" start=1 .*exit="exit status 3"`),
	} {
		if !want.MatchString(log) {
			t.Errorf("the log file lacks %s", want)
		}
	}
}

// TestSupervisorStopsByStdin runs a real player that plays until asked to
// stop, with the supervisor asking by closing its stdin, as on Windows
// (which has no signals but Kill): at the supervisor's stop, the player
// says STOPPING=1 and exits by itself, long before it would be killed.
func TestSupervisorStopsByStdin(t *testing.T) {
	out := &servertest.Output{}
	cmd := Command{Path: os.Args[0], Args: []string{"-test.run=^$"}, Env: []string{fakePlayerEnv + "=play"},
		LogOutput: true, StopByStdin: true}
	starts := make(chan *observed, 4)
	start := func(env []string, log *slog.Logger) (Process, error) {
		p, err := cmd.Start(env, log)
		if err != nil {
			return nil, err
		}
		o := &observed{Process: p, ended: make(chan string, 1)}
		starts <- o
		return o, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	stop, stopSupervisor := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- Run(stop, Options{Start: start, PingTimeout: 400 * time.Millisecond, StartTimeout: 30 * time.Second,
			StopTimeout: time.Minute, MinBackoff: 20 * time.Millisecond, Log: slog.New(slog.NewTextHandler(out, nil))})
	}()
	player := next(t, starts, out)
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(out.String(), `msg="player ready"`); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the player never said it was ready:\n%s", out)
		}
	}
	asked := time.Now()
	stopSupervisor()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatalf("the supervisor did not stop:\n%s", out)
	}
	took := time.Since(asked)
	t.Logf("stopped in %v; log:\n%s", took, out)
	if how := <-player.ended; how != "exit status 0" {
		t.Errorf("the player ended with %q, want exit status 0 (stopped by itself)", how)
	}
	log := out.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`msg="player asked to stop" start=1 `),
		regexp.MustCompile(`msg="player output" start=1 stream=stdout line="fake player stopping: the supervisor asked the player to stop \(stdin: EOF\)"`),
		regexp.MustCompile(`msg="player stopping" start=1 `),
		regexp.MustCompile(`msg="player stopped" start=1 .*exit="exit status 0"`),
	} {
		if !want.MatchString(log) {
			t.Errorf("the log lacks %s", want)
		}
	}
	for _, not := range []string{"killing", "cannot be signalled", "start=2"} {
		if strings.Contains(log, not) {
			t.Errorf("the log says %q", not)
		}
	}
}
