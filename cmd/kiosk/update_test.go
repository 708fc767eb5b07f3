//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/update"
	"github.com/vnict/kiosk/sync/fetch"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish"
	"github.com/vnict/kiosk/sync/publish/publishtest"
)

const versionFlag = "github.com/vnict/kiosk/cmd/kiosk/internal/cli.Version"

// buildKiosk builds the kiosk command as version into dir.
func buildKiosk(t testing.TB, dir, version string) string {
	t.Helper()
	bin := filepath.Join(dir, "kiosk-"+version)
	out, err := exec.Command("go", "build", "-ldflags", "-X "+versionFlag+"="+version, "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build %s: %v\n%s", version, err, out)
	}
	return bin
}

// buildCrasher builds a program that exits at once with status code: a
// player build that fails at start.
func buildCrasher(t testing.TB, dir string, code int) string {
	t.Helper()
	src := filepath.Join(dir, "crash.go")
	if err := os.WriteFile(src, []byte(fmt.Sprintf("package main\n\nimport \"os\"\n\nfunc main() { os.Exit(%d) }\n", code)), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "crash")
	cmd := exec.Command("go", "build", "-o", bin, src)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GO111MODULE=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build crash.go: %v\n%s", err, out)
	}
	return bin
}

// releasePlayer approves the program as version for the border gates, as
// the given approvers, and publishes when two signed.
func releasePlayer(t testing.TB, d *publishtest.Department, program, version string, approvers ...string) {
	t.Helper()
	approvePlayer(t, d, program, version, approvers...)
	if len(approvers) >= 2 {
		if err := d.Publish(t); err != nil {
			t.Fatal(err)
		}
	}
}

// approvePlayer approves the program as version for the border gates, as
// the given approvers, without publishing.
func approvePlayer(t testing.TB, d *publishtest.Department, program, version string, approvers ...string) {
	t.Helper()
	dep := publish.Department{Store: d.Store, Root: d.Root}
	r := publish.PlayerRelease{OS: "linux", Arch: "amd64", Version: version, Program: program}
	for _, a := range approvers {
		if _, err := dep.ReleasePlayer(context.Background(), r, layout.Targeting{Groups: []string{"border-gates"}}, d.Keys[a], time.Now()); err != nil {
			t.Fatalf("release-player %s as %s: %v", version, a, err)
		}
	}
}

// siteStatus reads the site's status.json from the store.
func siteStatus(t testing.TB, d *publishtest.Department) report.Status {
	t.Helper()
	var st report.Status
	r, err := d.Store.Get(context.Background(), report.StatusKey("an-giang-tinh-bien"))
	if err != nil {
		return st
	}
	defer r.Close()
	_ = json.NewDecoder(io.LimitReader(r, 1<<20)).Decode(&st)
	return st
}

// waitStatus waits until the site's status satisfies ok.
func waitStatus(t testing.TB, d *publishtest.Department, within time.Duration, ok func(report.Heartbeat) bool) report.Heartbeat {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		hb := siteStatus(t, d).Heartbeat
		if ok(hb) {
			return hb
		}
		if time.Now().After(deadline) {
			t.Fatalf("status never as wanted within %v; last: %+v (update %+v)", within, hb, hb.Update)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// updateSite is a synced site under `kiosk supervise`, as on Windows and
// plain Linux.
type updateSite struct {
	d     *publishtest.Department
	cfg   string
	cache string
	cmd   *exec.Cmd
	log   *logWatcher
}

// writeUpdateSite writes the config of a border-gate site syncing from d
// (its heartbeats every 5 s, uploaded every second), with downloads capped
// at rateLimit bytes a second (0: none).
func writeUpdateSite(t testing.TB, d *publishtest.Department, rateLimit int) string {
	t.Helper()
	cfg := writeSyncedSite(t, d, d.Server.AccessKey, d.Server.SecretKey,
		"reports: {interval: 5s, upload: 1s, screenshot_interval: 0}\n")
	raw, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.Replace(raw, []byte("site: {id: an-giang-tinh-bien,"), []byte("site: {id: an-giang-tinh-bien, groups: [border-gates],"), 1)
	raw = bytes.Replace(raw, []byte("poll: 1s}"), []byte(fmt.Sprintf("poll: 1s, rate_limit: %d}", rateLimit)), 1)
	if err := os.WriteFile(cfg, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// startUpdateSite starts the site under `kiosk supervise` of the program
// bin, with the supervisor's flags given, and downloads capped at rateLimit
// bytes a second (0: none).
func startUpdateSite(t testing.TB, d *publishtest.Department, bin string, rateLimit int, supervise ...string) *updateSite {
	t.Helper()
	cfg := writeUpdateSite(t, d, rateLimit)
	s := &updateSite{d: d, cfg: cfg, cache: filepath.Join(filepath.Dir(cfg), "cache")}
	args := append(append([]string{"supervise"}, supervise...), "--", "--config", cfg, "--window", "--log-level", "debug")
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+t.TempDir())
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	s.cmd.Stdout, s.cmd.Stderr = pw, pw
	s.log = watchLog(t, pr)
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { s.cmd.Wait(); pw.Close(); close(exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})
	return s
}

// waitLog waits until the log holds n matches of re, within d.
func (s *updateSite) waitLog(t testing.TB, re string, n int, within time.Duration) [][]string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.After(within)
	for {
		if m := rx.FindAllStringSubmatch(s.log.String(), -1); len(m) >= n {
			return m
		}
		select {
		case <-s.log.more:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatalf("the log never had %d × %s within %v:\n%s", n, re, within, tail(s.log.String(), 60))
		}
	}
}

func (s *updateSite) count(re string) int {
	return len(regexp.MustCompile(re).FindAllString(s.log.String(), -1))
}

func tail(s string, lines int) string {
	l := strings.Split(s, "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

// TestPlayerUpdates runs a synced site under `kiosk supervise`, built as
// 1.0.0, against a real MinIO, and releases player builds to it: one whose
// download is killed half way, then resumed and installed (the new build
// reports its version); one that exits at start (rolled back after three
// starts, marked bad, reported, not tried again); an older one (ignored);
// one whose program in the store is not what was signed (refused, the
// running player untouched); one signed by a single approver (ignored).
func TestPlayerUpdates(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("DISPLAY is not set: run the player tests with `make test`, which starts Xvfb")
	}
	bins := t.TempDir()
	v100 := buildKiosk(t, bins, "1.0.0")
	v110 := buildKiosk(t, bins, "1.1.0")
	crash := buildCrasher(t, t.TempDir(), 3)

	d := publishtest.New(t)
	bundle := contenttest.CopyDemo(t)
	d.Release(t, bundle, layout.Targeting{})
	// A cap on downloads, so that the program's download takes a few
	// seconds and can be cut.
	site := startUpdateSite(t, d, v100, 4_000_000, "--min-backoff", "100ms", "--max-backoff", "500ms")
	site.waitLog(t, `msg="player starting" .*version=1\.0\.0`, 1, time.Minute)
	waitStatus(t, d, time.Minute, func(hb report.Heartbeat) bool { return hb.Player == "1.0.0" && hb.Item != "" })

	t.Run("installed after a killed download", func(t *testing.T) {
		releasePlayer(t, d, v110, "1.1.0", "editor", "leader")
		partial := filepath.Join(site.cache, "player", "download", fileSHA(t, v110)+".partial")
		deadline := time.Now().Add(2 * time.Minute)
		for {
			if fi, err := os.Stat(partial); err == nil && fi.Size() > 4<<20 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no download under way:\n%s", tail(site.log.String(), 40))
			}
			time.Sleep(20 * time.Millisecond)
		}
		pids := site.waitLog(t, `msg="player started".* pid=(\d+)`, 1, time.Second)
		pid, _ := strconv.Atoi(pids[len(pids)-1][1])
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(partial)
		if err != nil {
			t.Fatal(err)
		}
		site.waitLog(t, `msg="player exited".*signal: killed`, 1, 10*time.Second)
		done := site.waitLog(t, `new player build installed.* bytes=(\d+) downloaded=(\d+)`, 1, 3*time.Minute)
		size, _ := strconv.ParseInt(done[0][1], 10, 64)
		downloaded, _ := strconv.ParseInt(done[0][2], 10, 64)
		t.Logf("killed with %d bytes downloaded; the restarted player downloaded %d more of %d", fi.Size(), downloaded, size)
		if downloaded <= 0 || downloaded > size-fi.Size() {
			t.Errorf("the restarted player downloaded %d bytes; the %d left after the %d before the kill were wanted", downloaded, size-fi.Size(), fi.Size())
		}
		site.waitLog(t, `msg="player starting" .*version=1\.1\.0`, 1, time.Minute)
		site.waitLog(t, `its trial is over`, 1, 2*time.Minute)
		hb := waitStatus(t, d, time.Minute, func(hb report.Heartbeat) bool {
			return hb.Player == "1.1.0" && hb.Update != nil && hb.Update.Result == report.UpdateRunning
		})
		t.Logf("after the update: player %s, update %+v, bundle %s", hb.Player, hb.Update, hb.Bundle)
		if got := site.count(`starting an installed player build.*version=1\.1\.0`); got != 1 {
			t.Errorf("1.1.0 started %d times, want once", got)
		}
	})

	t.Run("a build that exits at start is rolled back", func(t *testing.T) {
		began := time.Now()
		releasePlayer(t, d, crash, "1.2.0", "editor", "leader")
		site.waitLog(t, `new player build failed; going back`, 1, 3*time.Minute)
		site.waitLog(t, `msg="player starting" .*version=1\.1\.0`, 2, time.Minute)
		hb := waitStatus(t, d, time.Minute, func(hb report.Heartbeat) bool {
			return hb.Update != nil && hb.Update.Result == report.UpdateRolledBack
		})
		if hb.Player != "1.1.0" || hb.Update.Version != "1.2.0" || !strings.Contains(hb.Update.Detail, "no content on screen after 3 starts") {
			t.Fatalf("status: player %s, update %+v", hb.Player, hb.Update)
		}
		t.Logf("rolled back %v after the release; reported: %+v", time.Since(began).Round(time.Millisecond), hb.Update)
		starts := site.count(`starting an installed player build.*version=1\.2\.0`)
		if starts != update.TrialStarts {
			t.Errorf("1.2.0 started %d times, want %d", starts, update.TrialStarts)
		}
		time.Sleep(5 * time.Second) // five more polls: never tried again
		if n := site.count(`starting an installed player build.*version=1\.2\.0`); n != starts {
			t.Errorf("1.2.0 started again (%d starts)", n)
		}
	})

	t.Run("an older build is ignored", func(t *testing.T) {
		releasePlayer(t, d, v100, "1.0.5", "editor", "leader")
		time.Sleep(5 * time.Second) // five polls
		if n := site.count(`new player build offered.*version=1\.0\.5`); n != 0 {
			t.Errorf("1.0.5 offered %d times", n)
		}
	})

	t.Run("tampered program refused", func(t *testing.T) {
		starts := site.count(`msg="player starting"`)
		other := buildCrasher(t, t.TempDir(), 4)
		approvePlayer(t, d, other, "1.2.5", "editor", "leader")
		// Someone with write access to the store swaps the program.
		info, err := os.Stat(other)
		if err != nil {
			t.Fatal(err)
		}
		evil := bytes.Repeat([]byte{0x90}, int(info.Size()))
		if err := d.Store.Put(context.Background(), layout.MediaKey(fileSHA(t, other)), bytes.NewReader(evil), int64(len(evil))); err != nil {
			t.Fatal(err)
		}
		if err := d.Publish(t); err != nil {
			t.Fatal(err)
		}
		site.waitLog(t, `publication refused.*what="player update"`, 1, 2*time.Minute)
		hb := waitStatus(t, d, time.Minute, func(hb report.Heartbeat) bool { return hb.Update != nil && hb.Update.Version == "1.2.5" })
		if hb.Player != "1.1.0" || hb.Update.Result != report.UpdateRefused {
			t.Fatalf("status: player %s, update %+v", hb.Player, hb.Update)
		}
		if n := site.count(`msg="player starting"`); n != starts {
			t.Fatalf("the player started %d times more; the running one must be untouched", n-starts)
		}
		if !slices.Contains(d.Events(t, "an-giang-tinh-bien"), "refused") {
			t.Fatalf("no refusal reported: %v", d.Events(t, "an-giang-tinh-bien"))
		}
	})

	t.Run("a build signed by one approver of two is ignored", func(t *testing.T) {
		approvePlayer(t, d, v110, "1.3.0", "editor") // staged, not publishable
		time.Sleep(5 * time.Second)                  // five polls
		if n := site.count(`new player build offered.*version=1\.3\.0`); n != 0 {
			t.Errorf("1.3.0 offered %d times", n)
		}
		if hb := siteStatus(t, d).Heartbeat; hb.Player != "1.1.0" {
			t.Errorf("player %s, want 1.1.0", hb.Player)
		}
	})
}

func fileSHA(t testing.TB, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sum, err := fetch.HashReader(f)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// fakeSystemd runs a command as systemd runs kiosk.service: with a notify
// socket and a watchdog interval, started again whenever it exits
// (Restart=always), until the test ends. It keeps what the processes
// write, and the PIDs it started.
type fakeSystemd struct {
	log    *logWatcher
	notify chan string // what arrives on the notify socket
	mu     sync.Mutex
	pids   []int
}

func startFakeSystemd(t *testing.T, bin string, args ...string) *fakeSystemd {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeSystemd{notify: make(chan string, 1024)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			select {
			case s.notify <- string(buf[:n]):
			default:
			}
		}
	}()
	pr, pw := io.Pipe()
	s.log = watchLog(t, pr)
	stop := make(chan struct{})
	done := make(chan struct{})
	cache := t.TempDir()
	go func() {
		defer close(done)
		for {
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=30000000", "XDG_CACHE_HOME="+cache)
			cmd.Stdout, cmd.Stderr = pw, pw
			if err := cmd.Start(); err != nil {
				fmt.Fprintf(pw, "fake systemd: %v\n", err)
				return
			}
			s.mu.Lock()
			s.pids = append(s.pids, cmd.Process.Pid)
			s.mu.Unlock()
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case err := <-exited:
				fmt.Fprintf(pw, "fake systemd: pid %d exited: %v\n", cmd.Process.Pid, err)
			case <-stop:
				cmd.Process.Kill()
				<-exited
				return
			}
			select {
			case <-time.After(200 * time.Millisecond): // RestartSec
			case <-stop:
				return
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done; conn.Close(); pw.Close() })
	return s
}

func (s *fakeSystemd) lastPID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pids[len(s.pids)-1]
}

// TestPlayerUpdateUnderSystemd runs the packaged program (built as 1.0.0)
// as systemd runs it: a new build is installed, the player exits, and the
// packaged program started again executes the installed build in its own
// process, which tells systemd it is ready; a build that exits at start is
// executed three times and then given up for the previous build.
func TestPlayerUpdateUnderSystemd(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("DISPLAY is not set: run the player tests with `make test`, which starts Xvfb")
	}
	bins := t.TempDir()
	v100 := buildKiosk(t, bins, "1.0.0")
	v110 := buildKiosk(t, bins, "1.1.0")
	crash := buildCrasher(t, t.TempDir(), 3)
	d := publishtest.New(t)
	d.Release(t, contenttest.CopyDemo(t), layout.Targeting{})
	cfg := writeUpdateSite(t, d, 0)
	installed := filepath.Join(filepath.Dir(cfg), "cache", "player", "1.1.0", "kiosk")
	sd := startFakeSystemd(t, v100, "--config", cfg, "--window")
	site := &updateSite{log: sd.log}
	site.waitLog(t, `msg="player starting" .*version=1\.0\.0`, 1, time.Minute)
	site.waitLog(t, `first content slide`, 1, time.Minute)

	for len(sd.notify) > 0 {
		<-sd.notify // the first process's READY=1
	}
	releasePlayer(t, d, v110, "1.1.0", "editor", "leader")
	site.waitLog(t, `fake systemd: pid \d+ exited: <nil>`, 1, 2*time.Minute)
	site.waitLog(t, `its trial is over`, 1, 2*time.Minute)
	pid := sd.lastPID()
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil || exe != installed {
		t.Fatalf("the process systemd started (pid %d) runs %q, %v; want the installed %s", pid, exe, err, installed)
	}
	// The first frame's READY=1 may come just after the trial ended.
	for ready, deadline := false, time.After(30*time.Second); !ready; {
		select {
		case m := <-sd.notify:
			ready = strings.Contains(m, "READY=1")
		case <-deadline:
			t.Fatal("systemd was not told READY=1 after the new build started")
		}
	}
	waitStatus(t, d, time.Minute, func(hb report.Heartbeat) bool { return hb.Player == "1.1.0" })

	releasePlayer(t, d, crash, "1.2.0", "editor", "leader")
	site.waitLog(t, `new player build failed; going back`, 1, 2*time.Minute)
	site.waitLog(t, `msg="player starting" .*version=1\.1\.0`, 2, time.Minute)
	if n := site.count(`fake systemd: pid \d+ exited: exit status 3`); n != update.TrialStarts {
		t.Errorf("the failing build exited %d times, want %d", n, update.TrialStarts)
	}
	hb := waitStatus(t, d, time.Minute, func(hb report.Heartbeat) bool {
		return hb.Update != nil && hb.Update.Result == report.UpdateRolledBack
	})
	if hb.Player != "1.1.0" || hb.Update.Version != "1.2.0" {
		t.Fatalf("status: player %s, update %+v", hb.Player, hb.Update)
	}
}
