package agent_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vnict/kiosk/sync/agent"
	"github.com/vnict/kiosk/sync/cache"
	"github.com/vnict/kiosk/sync/fetch"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/s3store"
	"github.com/vnict/kiosk/sync/trust"
)

// childConfig is what a sync child process needs, passed as JSON in the
// environment.
type childConfig struct {
	Endpoint, AccessKey, SecretKey, Bucket, Prefix string
	Root                                           []byte
	Dir                                            string
	RateLimit                                      int
	Report                                         string
}

// TestMain lets the test binary run as a site's sync process, to be killed.
func TestMain(m *testing.M) {
	if raw := os.Getenv("KIOSK_SYNC_CHILD"); raw != "" {
		os.Exit(runChild(raw))
	}
	os.Exit(m.Run())
}

func runChild(raw string) int {
	var cfg childConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store, err := s3store.New(s3store.Config{Endpoint: cfg.Endpoint, AccessKey: cfg.AccessKey, SecretKey: cfg.SecretKey,
		Bucket: cfg.Bucket, Prefix: cfg.Prefix})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	c, err := cache.Open(filepath.Join(cfg.Dir, "cache"), log)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	client, err := trust.NewClient(store, cfg.Root, filepath.Join(cfg.Dir, "tuf"), time.Now)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	f := &fetch.Fetcher{Source: store, Objects: c, Concurrency: 2, Limit: fetch.NewLimiter(cfg.RateLimit)}
	a := &agent.Agent{Site: "an-giang-tinh-bien", Trust: client, Fetch: f, Cache: c, Log: log}
	log.Info("child starting")
	_, err = a.Sync(context.Background())
	os.WriteFile(cfg.Report, []byte(strconv.FormatInt(f.Downloaded.Load(), 10)), 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startChild runs a sync child; lines of its log go to the returned
// channel.
func startChild(t *testing.T, cfg childConfig) (*exec.Cmd, <-chan string) {
	t.Helper()
	raw, _ := json.Marshal(cfg)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KIOSK_SYNC_CHILD="+string(raw))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1000)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	return cmd, lines
}

func waitLine(t *testing.T, lines <-chan string, substr string) bool {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return false
			}
			if strings.Contains(l, substr) {
				return true
			}
		case <-deadline:
			t.Fatalf("child never logged %q", substr)
		}
	}
}

// checkCache opens the cache as a restarted player would: the current
// release, if any, is complete and verifies, and every object matches its
// name.
func checkCache(t *testing.T, dir string) {
	t.Helper()
	c, err := cache.Open(filepath.Join(dir, "cache"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("cache does not open after a kill: %v", err)
	}
	if b := c.Current(); b != nil {
		if err := b.Verify(); err != nil {
			t.Fatalf("current release is not whole after a kill: %v", err)
		}
	}
	objects, _ := filepath.Glob(filepath.Join(dir, "cache", "objects", "*"))
	for _, o := range objects {
		f, err := os.Open(o)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		io.Copy(h, f)
		f.Close()
		if hex.EncodeToString(h.Sum(nil)) != filepath.Base(o) {
			t.Fatalf("object %s does not match its name after a kill", filepath.Base(o))
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "cache", "staging")); len(entries) != 0 {
		t.Fatalf("staging not cleared on open: %v", entries)
	}
}

// TestKilledDuringDownloadAndActivation kills the site's sync process with
// SIGKILL again and again, during downloads and during activation. After
// each kill the cache is consistent; in the end the sync completes without
// fetching finished files again.
func TestKilledDuringDownloadAndActivation(t *testing.T) {
	d := newDepartment(t)
	const files, size = 300, 16 << 10 // 4.7 MB; many files make activation take a while
	bundle := bundleWithFiles(t, files, size, 1)
	d.Release(t, bundle, layout.Targeting{})
	dir := t.TempDir()
	cfg := childConfig{Endpoint: d.Server.Endpoint, AccessKey: d.Server.AccessKey, SecretKey: d.Server.SecretKey,
		Bucket: d.Bucket, Prefix: "kiosk/", Root: d.Root, Dir: dir, RateLimit: 1 << 20,
		Report: filepath.Join(dir, "report")}
	total := int64(files * size)

	// Kills during the download: at 1 MiB/s it takes about 5 s.
	for range 4 {
		cmd, lines := startChild(t, cfg)
		waitLine(t, lines, "child starting")
		// A random moment of the download.
		time.Sleep(time.Duration(300+rand.IntN(700)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		checkCache(t, dir)
	}
	var have int64
	objects, _ := filepath.Glob(filepath.Join(dir, "cache", "objects", "*"))
	partials, _ := filepath.Glob(filepath.Join(dir, "cache", "partial", "*"))
	for _, p := range append(objects, partials...) {
		if st, err := os.Stat(p); err == nil {
			have += st.Size()
		}
	}
	if len(objects) == 0 || len(objects) == files {
		t.Fatalf("after the kills %d of %d objects are in: the kills did not land during the download", len(objects), files)
	}
	t.Logf("after 4 kills: %d objects done, %d partial, %d of %d bytes", len(objects), len(partials), have, total)

	// Kills during activation: the download completes, and the child is
	// killed while the release is being assembled. The first run fetches
	// exactly what was missing: finished files are not fetched again and
	// partial ones are resumed. When a run wins the race and activates, the
	// department publishes a new version (same media) for the next run.
	cfg.RateLimit = 0
	version, landed := int64(1), 0
	for i := range 8 {
		cmd, lines := startChild(t, cfg)
		var seen []string
		exited := false
		for !exited && !strings.Contains(strings.Join(seen, "\n"), "assembling release") {
			l, ok := <-lines
			if !ok {
				// A killed run may have left the release assembled but not
				// current; this one then only switches the pointer.
				if err := cmd.Wait(); err != nil || !strings.Contains(strings.Join(seen, "\n"), "release activated") {
					t.Fatalf("child ended without activating: %v\n%s", err, strings.Join(seen, "\n"))
				}
				exited = true
				break
			}
			seen = append(seen, l)
			if i == 0 && strings.Contains(l, "media ready") {
				if got := fieldInt(t, l, "downloaded"); got != total-have {
					t.Errorf("resumed sync fetched %d bytes, want %d (the bundle less what the killed runs left)", got, total-have)
				}
			}
		}
		if !exited {
			// A random moment of the assembly.
			time.Sleep(time.Duration(rand.IntN(8000)) * time.Microsecond)
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			for l := range lines {
				seen = append(seen, l)
			}
		}
		checkCache(t, dir)
		if !strings.Contains(strings.Join(seen, "\n"), "release activated") {
			landed++
			continue
		}
		version++
		setVersion(t, bundle, version)
		d.Release(t, bundle, layout.Targeting{})
	}
	if landed == 0 {
		t.Error("no kill landed during an activation")
	}
	t.Logf("%d of 8 kills landed during activation", landed)

	// Finally, an uninterrupted run completes, fetching nothing.
	cfg.Report = filepath.Join(dir, "report-final")
	cmd, _ := startChild(t, cfg)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("final sync: %v", err)
	}
	checkCache(t, dir)
	c, _ := cache.Open(filepath.Join(dir, "cache"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if c.Current() == nil || len(c.Current().Manifest.Files) != files {
		t.Fatal("no complete release after the final sync")
	}
	if raw, _ := os.ReadFile(cfg.Report); string(raw) != "0" {
		t.Errorf("final sync fetched %s bytes, want 0", raw)
	}
}

// fieldInt reads key=N from a log line.
func fieldInt(t *testing.T, line, key string) int64 {
	t.Helper()
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("%s in %q: %v", key, line, err)
			}
			return n
		}
	}
	t.Fatalf("no %s= in %q", key, line)
	return 0
}
