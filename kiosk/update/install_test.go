package update

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/sync/fetch"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/playerbuild"
	"github.com/vnict/kiosk/sync/publish"
	"github.com/vnict/kiosk/sync/publish/publishtest"
	"github.com/vnict/kiosk/sync/trust"
)

// program is a stand-in program of the given version, big enough to be
// downloaded in several reads.
func program(version string) []byte {
	return bytes.Repeat([]byte("kiosk "+version+"\n"), 40000)
}

// release publishes a program of version for to, approved by approvers
// (two are needed), and returns its file.
func release(t *testing.T, dep *publishtest.Department, version string, to layout.Targeting, approvers ...string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "kiosk")
	if err := os.WriteFile(file, program(version), 0o755); err != nil {
		t.Fatal(err)
	}
	d := publish.Department{Store: dep.Store, Root: dep.Root}
	r := publish.PlayerRelease{OS: "linux", Arch: "amd64", Version: version, Program: file}
	for _, a := range approvers {
		if _, err := d.ReleasePlayer(context.Background(), r, to, dep.Keys[a], dep.Now); err != nil {
			t.Fatalf("release %s as %s: %v", version, a, err)
		}
	}
	if len(approvers) >= 2 {
		if err := dep.Publish(t); err != nil {
			t.Fatal(err)
		}
	}
	return file
}

type installSite struct {
	in        *Installer
	client    *trust.Client
	installed []string
}

func newInstallSite(t *testing.T, dep *publishtest.Department, running string) *installSite {
	t.Helper()
	site := dep.NewSite(t, "an-giang-tinh-bien", "border-gates")
	s := &installSite{client: site.Agent.Trust.(*trust.Client)}
	s.in = &Installer{Dir: openDir(t), Running: running, OS: "linux", Arch: "amd64",
		Site: "an-giang-tinh-bien", Tags: []string{"border-gates"}, Get: s.client, Source: site.Store,
		Now: func() time.Time { return t0 }, Log: quiet(),
		Installed: func(v string) { s.installed = append(s.installed, v) }}
	return s
}

func (s *installSite) consider(t *testing.T) error {
	t.Helper()
	rel, err := s.client.Refresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s.in.Consider(context.Background(), rel)
}

func TestInstall(t *testing.T) {
	dep := publishtest.New(t)
	release(t, dep, "1.1.0", layout.Targeting{Groups: []string{"border-gates"}}, "editor", "leader")
	s := newInstallSite(t, dep, "1.0.0")
	if err := s.consider(t); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(s.in.Dir.Program("1.1.0"))
	if err != nil || !bytes.Equal(got, program("1.1.0")) {
		t.Fatalf("program placed: %d bytes, %v", len(got), err)
	}
	if fi, _ := os.Stat(s.in.Dir.Program("1.1.0")); fi.Mode().Perm()&0o100 == 0 {
		t.Errorf("program mode %v: not executable", fi.Mode())
	}
	st := s.in.Dir.State()
	if st.Current == nil || st.Current.Version != "1.1.0" || st.Trial == nil || st.Previous != nil || st.Last.Result != report.UpdateInstalled {
		t.Fatalf("state: %+v", st)
	}
	if len(s.installed) != 1 || s.installed[0] != "1.1.0" {
		t.Fatalf("told of %v", s.installed)
	}
	// Asked again before the restart: no second download, told again.
	if err := s.consider(t); err != nil {
		t.Fatal(err)
	}
	if len(s.installed) != 2 {
		t.Fatalf("told of %v", s.installed)
	}
	if c := s.in.Dir.Boot(Packaged{Path: "/usr/bin/kiosk", Version: "1.0.0"}, t0); c.Version != "1.1.0" || !c.Trial {
		t.Fatalf("Boot = %+v", c)
	}
}

func TestInstallChoosesNewestForThisSite(t *testing.T) {
	dep := publishtest.New(t)
	release(t, dep, "1.2.0", layout.Targeting{Groups: []string{"communes"}}, "editor", "leader")
	release(t, dep, "1.1.0", layout.Targeting{Sites: []string{"an-giang-tinh-bien"}}, "editor", "leader")
	release(t, dep, "1.1.0~rc1", layout.Targeting{}, "editor", "leader")
	s := newInstallSite(t, dep, "1.0.0")
	if err := s.consider(t); err != nil {
		t.Fatal(err)
	}
	if st := s.in.Dir.State(); st.Current == nil || st.Current.Version != "1.1.0" {
		t.Fatalf("installed %+v, want 1.1.0 (1.2.0 is for communes)", st.Current)
	}
}

func TestNothingToInstall(t *testing.T) {
	for _, tc := range []struct {
		name    string
		running string
		publish func(t *testing.T, dep *publishtest.Department)
		bad     string
	}{
		{"an older version", "1.2.0", func(t *testing.T, dep *publishtest.Department) {
			release(t, dep, "1.1.0", layout.Targeting{}, "editor", "leader")
		}, ""},
		{"the running version", "1.1.0", func(t *testing.T, dep *publishtest.Department) {
			release(t, dep, "1.1.0", layout.Targeting{}, "editor", "leader")
		}, ""},
		{"for another group", "1.0.0", func(t *testing.T, dep *publishtest.Department) {
			release(t, dep, "1.1.0", layout.Targeting{Groups: []string{"communes"}}, "editor", "leader")
		}, ""},
		{"another platform", "1.0.0", func(t *testing.T, dep *publishtest.Department) {
			file := release(t, dep, "1.1.0", layout.Targeting{}, "editor", "leader")
			d := publish.Department{Store: dep.Store, Root: dep.Root}
			for _, a := range []string{"editor", "leader"} {
				if _, err := d.ReleasePlayer(context.Background(), publish.PlayerRelease{OS: "windows", Arch: "amd64", Version: "1.3.0", Program: file}, layout.Targeting{}, dep.Keys[a], dep.Now); err != nil {
					t.Fatal(err)
				}
			}
			if err := dep.Publish(t); err != nil {
				t.Fatal(err)
			}
		}, "1.1.0"},
		{"signed by one approver of two", "1.0.0", func(t *testing.T, dep *publishtest.Department) {
			release(t, dep, "1.0.1", layout.Targeting{}, "editor", "leader")
			release(t, dep, "1.1.0", layout.Targeting{}, "editor")
		}, "1.0.1"},
		{"a version that failed here", "1.0.0", func(t *testing.T, dep *publishtest.Department) {
			release(t, dep, "1.1.0", layout.Targeting{}, "editor", "leader")
		}, "1.1.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dep := publishtest.New(t)
			tc.publish(t, dep)
			s := newInstallSite(t, dep, tc.running)
			if tc.bad != "" {
				s.in.Dir.change(func(st *State) { st.Bad = map[string]string{tc.bad: "failed here"} })
			}
			if err := s.consider(t); err != nil {
				t.Fatal(err)
			}
			if st := s.in.Dir.State(); st.Current != nil || len(s.installed) > 0 {
				t.Fatalf("installed %+v", st.Current)
			}
		})
	}
}

func TestTamperedProgramRefused(t *testing.T) {
	dep := publishtest.New(t)
	file := release(t, dep, "1.1.0", layout.Targeting{}, "editor", "leader")
	sha, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := fetch.HashReader(sha)
	sha.Close()
	if err != nil {
		t.Fatal(err)
	}
	// Someone with write access to the store swaps the program.
	evil := program("6.6.6")[:len(program("1.1.0"))]
	if err := dep.Store.Put(context.Background(), layout.MediaKey(sum), bytes.NewReader(evil), int64(len(evil))); err != nil {
		t.Fatal(err)
	}
	s := newInstallSite(t, dep, "1.0.0")
	err = s.consider(t)
	if !errors.Is(err, fetch.ErrTampered) {
		t.Fatalf("Consider = %v, want ErrTampered", err)
	}
	st := s.in.Dir.State()
	if st.Current != nil || st.Last == nil || st.Last.Result != report.UpdateRefused || len(s.installed) > 0 {
		t.Fatalf("state after a tampered program: %+v, last %+v", st, st.Last)
	}
	if _, err := os.Stat(s.in.Dir.Program("1.1.0")); !os.IsNotExist(err) {
		t.Fatalf("tampered program placed: %v", err)
	}
	// Not marked bad: once the store holds the signed bytes again, it installs.
	if err := dep.Store.Put(context.Background(), layout.MediaKey(sum), bytes.NewReader(program("1.1.0")), int64(len(program("1.1.0")))); err != nil {
		t.Fatal(err)
	}
	if err := s.consider(t); err != nil {
		t.Fatal(err)
	}
	if st := s.in.Dir.State(); st.Current == nil || st.Current.Version != "1.1.0" {
		t.Fatalf("not installed once the store was mended: %+v", st)
	}
}

func TestInstallResumes(t *testing.T) {
	dep := publishtest.New(t)
	release(t, dep, "1.1.0", layout.Targeting{}, "editor", "leader")
	s := newInstallSite(t, dep, "1.0.0")
	prog := program("1.1.0")
	b, err := playerbuild.Parse(playerbuild.Target("linux", "amd64", "1.1.0"), mustBuildDoc(t, prog))
	if err != nil {
		t.Fatal(err)
	}
	// A download cut off half way by a power cut.
	partial := placement{s.in.Dir, b}.PartialPath(b.SHA256)
	if err := os.WriteFile(partial, prog[:len(prog)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	read := 0
	s.in.Source = countingSource{s.in.Source, &read}
	if err := s.consider(t); err != nil {
		t.Fatal(err)
	}
	if read == 0 || read > len(prog)-len(prog)/2 {
		t.Fatalf("read %d bytes from the store, want the missing %d", read, len(prog)-len(prog)/2)
	}
	if got, _ := os.ReadFile(s.in.Dir.Program("1.1.0")); !bytes.Equal(got, prog) {
		t.Fatal("program placed wrong")
	}
}

func mustBuildDoc(t *testing.T, prog []byte) []byte {
	t.Helper()
	sum, err := fetch.HashReader(bytes.NewReader(prog))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := playerbuild.Build{Version: "1.1.0", OS: "linux", Arch: "amd64", SHA256: sum, Size: int64(len(prog))}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

type countingSource struct {
	fetch.Source
	n *int
}

func (c countingSource) GetRange(ctx context.Context, key string, offset int64) (io.ReadCloser, error) {
	r, err := c.Source.GetRange(ctx, key, offset)
	if err != nil {
		return nil, err
	}
	return countingReader{r, c.n}, nil
}

type countingReader struct {
	io.ReadCloser
	n *int
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	*c.n += n
	return n, err
}

// TestCrashBetweenPlacingAndRecording: a power cut after the program was
// moved into place but before the state named it leaves the packaged
// program running; the next sync records the placed program (checked, not
// downloaded again), or downloads it again if what is there is not it.
func TestCrashBetweenPlacingAndRecording(t *testing.T) {
	for _, tc := range []struct {
		name     string
		placed   func(prog []byte) []byte
		download bool
	}{
		{"placed whole", func(p []byte) []byte { return p }, false},
		{"placed torn", func(p []byte) []byte { return p[:len(p)/3] }, true},
		{"placed altered, same size", func(p []byte) []byte {
			q := bytes.Clone(p)
			q[len(q)/2] ^= 1
			return q
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dep := publishtest.New(t)
			release(t, dep, "1.1.0", layout.Targeting{}, "editor", "leader")
			s := newInstallSite(t, dep, "1.0.0")
			prog := program("1.1.0")
			dest := s.in.Dir.Program("1.1.0")
			if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dest, tc.placed(prog), 0o755); err != nil {
				t.Fatal(err)
			}
			if c := s.in.Dir.Boot(Packaged{Path: "/usr/bin/kiosk", Version: "1.0.0"}, t0); c.Installed {
				t.Fatalf("Boot = %+v before the state names the build", c)
			}
			read := 0
			s.in.Source = countingSource{s.in.Source, &read}
			err := s.consider(t)
			if tc.name == "placed altered, same size" {
				// Its size passes, its hash does not: removed, and
				// downloaded at the next sync.
				if err == nil {
					t.Fatal("an altered program was recorded")
				}
				if err = s.consider(t); err != nil {
					t.Fatal(err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if (read > 0) != tc.download {
				t.Errorf("read %d bytes from the store; want a download: %v", read, tc.download)
			}
			if got, _ := os.ReadFile(dest); !bytes.Equal(got, prog) {
				t.Fatal("program placed wrong")
			}
			if c := s.in.Dir.Boot(Packaged{Path: "/usr/bin/kiosk", Version: "1.0.0"}, t0); c.Version != "1.1.0" || !c.Trial {
				t.Fatalf("Boot = %+v", c)
			}
		})
	}
}
