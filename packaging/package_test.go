package packaging

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/md5"
	"debug/elf"
	"debug/pe"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// testVersion is the version the tests build the packages as.
const testVersion = "1.2.3+test"

// exampleConfig is the example site config the packages carry.
const exampleConfig = "configs/tinh-bien-gate.yaml"

// TestPackages builds the packages as `make package` does, checks the .deb
// files with dpkg-deb, installs both with dpkg into a scratch root, and
// opens the Windows zip.
func TestPackages(t *testing.T) {
	p := buildPackages(t)

	t.Run("control", func(t *testing.T) {
		for _, tc := range []struct {
			deb, field, want string
		}{
			{p.kiosk, "Package", "kiosk"},
			{p.kiosk, "Version", testVersion},
			{p.kiosk, "Architecture", "amd64"},
			{p.kioskctl, "Package", "kioskctl"},
			{p.kioskctl, "Version", testVersion},
			{p.kioskctl, "Architecture", "amd64"},
			{p.kioskctl, "Depends", ""},
		} {
			if got := debField(t, tc.deb, tc.field); got != tc.want {
				t.Errorf("%s: %s = %q, want %q", filepath.Base(tc.deb), tc.field, got, tc.want)
			}
		}
		deps := dependsSet(debField(t, p.kiosk, "Depends"))
		for _, want := range []string{"fonts-noto-core", "fonts-noto-cjk"} {
			if !deps[want] {
				t.Errorf("kiosk Depends lacks %s", want)
			}
		}
		if got := run(t, "", "dpkg-deb", "--info", p.kiosk, "conffiles"); got != "/etc/kiosk/site.yaml\n" {
			t.Errorf("kiosk conffiles = %q, want /etc/kiosk/site.yaml", got)
		}
	})

	t.Run("contents", func(t *testing.T) {
		for _, tc := range []struct {
			deb  string
			want map[string]string // path: mode and owner; every file and non-shared folder
		}{
			{p.kiosk, map[string]string{
				"./usr/bin/kiosk":                    "-rwxr-xr-x root/root",
				"./lib/systemd/system/kiosk.service": "-rw-r--r-- root/root",
				"./etc/kiosk/":                       "drwxr-xr-x root/root",
				"./etc/kiosk/site.yaml":              "-rw-r--r-- root/root",
				"./var/lib/kiosk/":                   "drwxr-x--- root/root",
			}},
			{p.kioskctl, map[string]string{
				"./usr/bin/kioskctl": "-rwxr-xr-x root/root",
			}},
		} {
			got := debContents(t, tc.deb)
			for path, want := range tc.want {
				if got[path] != want {
					t.Errorf("%s: %s is %q, want %q", filepath.Base(tc.deb), path, got[path], want)
				}
			}
			for path, mode := range got {
				if !strings.HasPrefix(mode, "d") && tc.want[path] == "" {
					t.Errorf("%s: unexpected file %s", filepath.Base(tc.deb), path)
				}
			}
		}
	})

	t.Run("install", func(t *testing.T) {
		s := newScratch(t)
		s.dpkg(t, "--install", p.kiosk, p.kioskctl)

		for _, pkg := range []string{"kiosk", "kioskctl"} {
			if got := s.query(t, pkg, "${Status}"); got != "install ok installed" {
				t.Errorf("%s: status %q, want install ok installed", pkg, got)
			}
		}
		example, err := os.ReadFile(filepath.Join(repoRoot(t), exampleConfig))
		if err != nil {
			t.Fatal(err)
		}
		sum := md5.Sum(example)
		wantConf := "/etc/kiosk/site.yaml " + hex.EncodeToString(sum[:])
		if got := strings.TrimSpace(s.query(t, "kiosk", "${Conffiles}")); got != wantConf {
			t.Errorf("kiosk conffiles registered as %q, want %q", got, wantConf)
		}

		user := s.user(t, "kiosk")
		if user.uid <= 0 || user.uid >= 1000 {
			t.Errorf("kiosk uid %d: want a system user (1-999)", user.uid)
		}
		if user.home != "/var/lib/kiosk" || user.shell != "/usr/sbin/nologin" {
			t.Errorf("kiosk user: home %s, shell %s; want /var/lib/kiosk, /usr/sbin/nologin", user.home, user.shell)
		}
		if gid := s.group(t, "kiosk"); gid != user.gid {
			t.Errorf("kiosk group gid %d, user's gid %d", gid, user.gid)
		}

		for _, tc := range []struct {
			path     string
			want     string // type and mode, as stat's %F %a
			uid, gid int
		}{
			{"/usr/bin/kiosk", "regular file 755", 0, 0},
			{"/usr/bin/kioskctl", "regular file 755", 0, 0},
			{"/lib/systemd/system/kiosk.service", "regular file 644", 0, 0},
			{"/etc/kiosk/site.yaml", "regular file 644", 0, 0},
			{"/var/lib/kiosk", "directory 750", user.uid, user.gid},
		} {
			uid, gid, what := s.stat(t, tc.path)
			if what != tc.want || uid != tc.uid || gid != tc.gid {
				t.Errorf("%s: %s owned by %d:%d, want %s owned by %d:%d", tc.path, what, uid, gid, tc.want, tc.uid, tc.gid)
			}
		}

		checkUnit(t, s, user)
		cfg, err := siteconfig.Load(s.path("/etc/kiosk/site.yaml"))
		if err != nil {
			t.Fatalf("the packaged site config: %v", err)
		}
		if !strings.HasPrefix(cfg.Content.Dir, "/var/lib/kiosk/") {
			t.Errorf("the packaged site config plays %q, want a folder under /var/lib/kiosk", cfg.Content.Dir)
		}
		checkLibraries(t, s.path("/usr/bin/kiosk"), dependsSet(s.query(t, "kiosk", "${Depends}")))
		// The player carries its package's version: player updates
		// compare it with the builds the department releases.
		cmd := exec.Command(s.path("/usr/bin/kiosk"), "--version")
		cmd.Env = append(os.Environ(), "DISPLAY=", "WAYLAND_DISPLAY=")
		if out, err := cmd.Output(); err != nil || string(out) != testVersion+"\n" {
			t.Errorf("kiosk --version: %q, %v; want %s", out, err, testVersion)
		}
		checkStatic(t, s.path("/usr/bin/kioskctl"))

		// Installed again over a site's edit of its config: the edit and
		// the one kiosk user stay.
		edited := append(slices.Clip(example), "# this site's edit\n"...)
		s.writeFile(t, "/etc/kiosk/site.yaml", edited)
		s.dpkg(t, "--install", p.kiosk)
		if got := s.readFile(t, "/etc/kiosk/site.yaml"); !bytes.Equal(got, edited) {
			t.Errorf("reinstalling replaced the site's edited /etc/kiosk/site.yaml")
		}
		if n := strings.Count(string(s.readFile(t, "/etc/passwd")), "\nkiosk:"); n != 1 {
			t.Errorf("after reinstalling, %d kiosk users in /etc/passwd, want 1", n)
		}
		if uid, gid, _ := s.stat(t, "/var/lib/kiosk"); uid != user.uid || gid != user.gid {
			t.Errorf("after reinstalling, /var/lib/kiosk is owned by %d:%d, want %d:%d", uid, gid, user.uid, user.gid)
		}

		// Purged: files, config and state go; the user stays.
		s.writeFile(t, "/var/lib/kiosk/current", []byte("content"))
		s.dpkg(t, "--purge", "kiosk")
		for _, path := range []string{"/usr/bin/kiosk", "/etc/kiosk/site.yaml", "/var/lib/kiosk", "/lib/systemd/system/kiosk.service"} {
			if _, err := os.Lstat(s.path(path)); err == nil {
				t.Errorf("after purge, %s is still there", path)
			}
		}
		s.user(t, "kiosk")
	})

	t.Run("windows zip", func(t *testing.T) {
		zr, err := zip.OpenReader(p.zip)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		dir := "kiosk-" + testVersion + "-windows-amd64/"
		files := map[string]*zip.File{}
		for _, f := range zr.File {
			if !strings.HasSuffix(f.Name, "/") {
				files[f.Name] = f
			}
		}
		want := []string{dir + "README.txt", dir + "kiosk.exe", dir + "kioskctl.exe", dir + "site.yaml"}
		got := make([]string, 0, len(files))
		for name := range files {
			got = append(got, name)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("zip holds %q, want %q", got, want)
		}
		for _, exe := range []string{"kiosk.exe", "kioskctl.exe"} {
			f, err := pe.NewFile(bytes.NewReader(readZip(t, files[dir+exe])))
			if err != nil {
				t.Fatalf("%s: %v", exe, err)
			}
			if f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
				t.Errorf("%s: machine %#x, want amd64", exe, f.Machine)
			}
		}
		cfg, err := siteconfig.Parse(readZip(t, files[dir+"site.yaml"]), "site.yaml")
		if err != nil {
			t.Fatalf("the zip's site config: %v", err)
		}
		if cfg.Content.Dir != "current" {
			t.Errorf("the zip's site config plays %q, want current, beside the config", cfg.Content.Dir)
		}
		readme := string(readZip(t, files[dir+"README.txt"]))
		if !strings.Contains(readme, testVersion) || !strings.Contains(readme, "kiosk.exe --config site.yaml\r\n") {
			t.Errorf("README.txt lacks the version or the command line (with Windows line ends):\n%s", readme)
		}
	})
}

// built are the packages buildPackages made.
type built struct {
	kiosk, kioskctl, zip string
}

// buildPackages runs packaging/build.sh, as `make package` does, into a
// temporary folder.
func buildPackages(t *testing.T) built {
	t.Helper()
	root := repoRoot(t)
	nfpm := filepath.Join(root, "bin", "nfpm")
	if _, err := os.Stat(nfpm); err != nil {
		t.Fatalf("nfpm: %v (make deps builds it)", err)
	}
	out := t.TempDir()
	cmd := exec.Command(filepath.Join(root, "packaging", "build.sh"))
	cmd.Env = append(os.Environ(), "OUT="+out, "VERSION="+testVersion, "NFPM="+nfpm)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("packaging/build.sh: %v\n%s", err, b)
	}
	p := built{
		kiosk:    filepath.Join(out, "kiosk_"+testVersion+"_amd64.deb"),
		kioskctl: filepath.Join(out, "kioskctl_"+testVersion+"_amd64.deb"),
		zip:      filepath.Join(out, "kiosk_"+testVersion+"_windows_amd64.zip"),
	}
	for _, f := range []string{p.kiosk, p.kioskctl, p.zip} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("packaging/build.sh did not write %s: %v", filepath.Base(f), err)
		}
	}
	return p
}

// repoRoot is the repository's root, the parent of this package's folder.
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(wd)
}

// run runs a command and returns its standard output.
func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+os.Getenv("PATH")+":/usr/local/sbin:/usr/sbin:/sbin")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.String()
}

func debField(t *testing.T, deb, field string) string {
	t.Helper()
	return strings.TrimSpace(run(t, "", "dpkg-deb", "--field", deb, field))
}

// debContents maps each path in a package to its mode and owner as
// dpkg-deb --contents lists them ("-rwxr-xr-x root/root").
func debContents(t *testing.T, deb string) map[string]string {
	t.Helper()
	paths := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(run(t, "", "dpkg-deb", "--contents", deb)), "\n") {
		f := strings.Fields(line)
		if len(f) != 6 {
			t.Fatalf("dpkg-deb --contents %s: line %q", filepath.Base(deb), line)
		}
		paths[f[5]] = f[0] + " " + f[1]
	}
	return paths
}

// dependsSet holds the package names of a Depends field (all of each
// alternative, without versions).
func dependsSet(field string) map[string]bool {
	set := map[string]bool{}
	for _, dep := range strings.FieldsFunc(field, func(r rune) bool { return r == ',' || r == '|' }) {
		name, _, _ := strings.Cut(strings.TrimSpace(dep), " ")
		set[name] = true
	}
	return set
}

// runtimeLibraries are the libraries Ebiten's GLFW opens at run time on X11
// (dlopen), beside those the player links: they appear in no ELF header.
var runtimeLibraries = []string{
	"libGL.so.1", "libXcursor.so.1", "libXi.so.6", "libXinerama.so.1", "libXrandr.so.2", "libXxf86vm.so.1",
}

// checkLibraries checks that each library the player needs, linked or
// opened at run time, comes from a package the player depends on, as dpkg
// on this machine (which builds the player) knows them.
func checkLibraries(t *testing.T, binary string, depends map[string]bool) {
	t.Helper()
	f, err := elf.Open(binary)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	linked, err := f.ImportedLibraries()
	if err != nil {
		t.Fatalf("%s: %v", binary, err)
	}
	if !slices.Contains(linked, "libX11.so.6") {
		t.Errorf("the player links %q; want libX11.so.6 among them", linked)
	}
	raw, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	for _, lib := range runtimeLibraries {
		if !bytes.Contains(raw, []byte(lib+"\x00")) {
			t.Errorf("the player no longer names %s; update runtimeLibraries and the Depends", lib)
		}
	}
	for _, lib := range append(linked, runtimeLibraries...) {
		pkg := libraryPackage(t, lib)
		if !depends[pkg] {
			t.Errorf("the player needs %s, from %s, which the kiosk package does not depend on", lib, pkg)
		}
	}
}

// libraryPackage is the Debian package of this machine's architecture that
// holds a shared library.
func libraryPackage(t *testing.T, lib string) string {
	t.Helper()
	out, err := exec.Command("dpkg", "--search", "*/"+lib).Output()
	if err != nil {
		t.Fatalf("dpkg --search %s: %v (is its package installed? make deps installs the build's)", lib, err)
	}
	arch := strings.TrimSpace(run(t, "", "dpkg", "--print-architecture"))
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkgs, path, _ := strings.Cut(line, ": ")
		if filepath.Base(path) != lib {
			continue
		}
		for _, pkg := range strings.Split(pkgs, ", ") {
			name, a, found := strings.Cut(pkg, ":")
			if !found || a == arch {
				return name
			}
		}
	}
	t.Fatalf("dpkg --search %s: no package of %s:\n%s", lib, arch, out)
	return ""
}

// checkStatic checks that a binary needs no dynamic loader.
func checkStatic(t *testing.T, binary string) {
	t.Helper()
	f, err := elf.Open(binary)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s is dynamically linked (%v)", binary, p.Type)
		}
	}
}

// checkUnit checks that the installed unit runs what the package installs:
// the player, with the packaged config, as the user and group postinst
// creates, in the folder it owns. (TestUnitFile checks the unit's own
// settings.)
func checkUnit(t *testing.T, s *scratch, user account) {
	t.Helper()
	unit := readUnit(t, s.path("/lib/systemd/system/kiosk.service"))
	cmdline := strings.Fields(unit["Service.ExecStart"])
	config := ""
	for i, arg := range cmdline {
		if arg == "--config" && i+1 < len(cmdline) {
			config = cmdline[i+1]
		} else if v, ok := strings.CutPrefix(arg, "--config="); ok {
			config = v
		}
	}
	if len(cmdline) == 0 || cmdline[0] != "/usr/bin/kiosk" || config != "/etc/kiosk/site.yaml" {
		t.Errorf("kiosk.service: ExecStart=%s; want /usr/bin/kiosk --config /etc/kiosk/site.yaml", unit["Service.ExecStart"])
	}
	if unit["Service.User"] != "kiosk" || unit["Service.Group"] != "" && s.group(t, unit["Service.Group"]) != user.gid {
		t.Errorf("kiosk.service: User=%q Group=%q; want the kiosk user and its group", unit["Service.User"], unit["Service.Group"])
	}
	if dir := unit["Service.WorkingDirectory"]; dir != "" && dir != user.home {
		t.Errorf("kiosk.service: WorkingDirectory=%s, want the kiosk user's %s", dir, user.home)
	}
}

// readUnit reads a systemd unit's settings as "Section.Key": value (the
// last one where a key repeats).
func readUnit(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	unit := map[string]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[':
			section = strings.Trim(line, "[]")
		default:
			key, value, _ := strings.Cut(line, "=")
			unit[section+"."+strings.TrimSpace(key)] = strings.TrimSpace(value)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return unit
}

func readZip(t *testing.T, f *zip.File) []byte {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 256<<20))
	if err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	return b
}

// scratch is a root folder for dpkg --root with the admin folder and the
// /etc files a Debian base system has. Run by a user other than root, dpkg
// runs under fakeroot, whose saved state then answers stat.
type scratch struct {
	root string
	wrap []string // the command line's prefix: fakeroot, or none
}

func newScratch(t *testing.T) *scratch {
	t.Helper()
	s := &scratch{root: t.TempDir()}
	for _, dir := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates", "var/log", "etc"} {
		if err := os.MkdirAll(filepath.Join(s.root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range map[string]string{
		"var/lib/dpkg/status": "",
		"etc/passwd":          "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
		"etc/group":           "root:x:0:\nvideo:x:44:\nnogroup:x:65534:\n",
		"etc/shadow":          "root:*:20000:0:99999:7:::\nnobody:*:20000:0:99999:7:::\n",
		"etc/gshadow":         "root:*::\nvideo:*::\nnogroup:*::\n",
	} {
		s.writeFile(t, "/"+name, []byte(content))
	}
	if os.Geteuid() != 0 {
		if _, err := exec.LookPath("fakeroot"); err != nil {
			t.Fatalf("installing into a scratch root as a user other than root needs fakeroot: %v", err)
		}
		state := filepath.Join(t.TempDir(), "fakeroot.state")
		if err := os.WriteFile(state, nil, 0o644); err != nil { // fakeroot -i wants the file
			t.Fatal(err)
		}
		s.wrap = []string{"fakeroot", "-i", state, "-s", state, "--"}
	}
	return s
}

// path is a path of the installed system inside the scratch root.
func (s *scratch) path(p string) string { return filepath.Join(s.root, p) }

func (s *scratch) command(t *testing.T, args ...string) string {
	t.Helper()
	args = append(slices.Clone(s.wrap), args...)
	return run(t, "", args[0], args[1:]...)
}

// dpkg runs dpkg on the scratch root. Maintainer scripts run outside it
// with DPKG_ROOT set to it; the packages' dependencies are not installed
// there, so they are not checked.
func (s *scratch) dpkg(t *testing.T, args ...string) {
	t.Helper()
	s.command(t, append([]string{"dpkg", "--root=" + s.root, "--log=" + s.path("/var/log/dpkg.log"),
		"--force-script-chrootless", "--force-not-root", "--force-depends"}, args...)...)
}

// query answers dpkg-query's format for an installed package.
func (s *scratch) query(t *testing.T, pkg, format string) string {
	t.Helper()
	return strings.TrimSpace(run(t, "", "dpkg-query", "--admindir="+s.path("/var/lib/dpkg"), "--show", "--showformat="+format, pkg))
}

// stat answers a path's owner and its type and mode ("directory 750").
func (s *scratch) stat(t *testing.T, p string) (uid, gid int, what string) {
	t.Helper()
	f := strings.Fields(s.command(t, "stat", "--format=%u %g %a %F", s.path(p)))
	if len(f) < 4 {
		t.Fatalf("stat %s: %q", p, f)
	}
	uid, err1 := strconv.Atoi(f[0])
	gid, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil {
		t.Fatalf("stat %s: %q", p, f)
	}
	return uid, gid, strings.Join(f[3:], " ") + " " + f[2]
}

func (s *scratch) readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(s.path(p))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (s *scratch) writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(s.path(p), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// account is a user of the scratch root's /etc/passwd.
type account struct {
	uid, gid    int
	home, shell string
}

// user finds a user in the scratch root's /etc/passwd.
func (s *scratch) user(t *testing.T, name string) account {
	t.Helper()
	f := s.entry(t, "/etc/passwd", name, 7)
	uid, err1 := strconv.Atoi(f[2])
	gid, err2 := strconv.Atoi(f[3])
	if err1 != nil || err2 != nil {
		t.Fatalf("/etc/passwd: %s: ids %q, %q", name, f[2], f[3])
	}
	return account{uid: uid, gid: gid, home: f[5], shell: f[6]}
}

// group finds a group's id in the scratch root's /etc/group.
func (s *scratch) group(t *testing.T, name string) int {
	t.Helper()
	f := s.entry(t, "/etc/group", name, 4)
	gid, err := strconv.Atoi(f[2])
	if err != nil {
		t.Fatalf("/etc/group: %s: gid %q", name, f[2])
	}
	return gid
}

// entry is the colon-separated fields of name's line in an /etc file.
func (s *scratch) entry(t *testing.T, file, name string, fields int) []string {
	t.Helper()
	for _, line := range strings.Split(string(s.readFile(t, file)), "\n") {
		if f := strings.Split(line, ":"); f[0] == name {
			if len(f) != fields {
				t.Fatalf("%s: %s has %d fields, want %d: %q", file, name, len(f), fields, line)
			}
			return f
		}
	}
	t.Fatalf("%s: no %s", file, name)
	return nil
}

// TestVersion checks the versions packaging/version.sh derives from git,
// and that Debian orders them as they were made.
func TestVersion(t *testing.T) {
	repo := t.TempDir()
	script, err := os.ReadFile(filepath.Join(repoRoot(t), "packaging", "version.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(repo, "packaging"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "packaging", "version.sh"), script, 0o755); err != nil {
		t.Fatal(err)
	}
	git := func(args ...string) string {
		t.Helper()
		return strings.TrimSpace(run(t, repo, "git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.org",
			"-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...))
	}
	n := 0
	commit := func() string {
		t.Helper()
		n++
		if err := os.WriteFile(filepath.Join(repo, "file"), []byte(strconv.Itoa(n)), 0o644); err != nil {
			t.Fatal(err)
		}
		git("add", ".")
		git("commit", "-q", "-m", fmt.Sprint("commit ", n))
		return git("rev-parse", "--short", "HEAD")
	}
	version := func() string {
		t.Helper()
		return strings.TrimSpace(run(t, repo, filepath.Join(repo, "packaging", "version.sh")))
	}
	git("init", "-q")

	var made []string
	for _, step := range []struct {
		name string
		do   func() string // returns the version wanted
	}{
		{"no tag", func() string { h := commit(); return "0.0.0+1.g" + h }},
		{"later, no tag", func() string { h := commit(); return "0.0.0+2.g" + h }},
		{"tagged", func() string { commit(); git("tag", "v1.2.0"); return "1.2.0" }},
		{"uncommitted change", func() string {
			if err := os.WriteFile(filepath.Join(repo, "file"), []byte("changed"), 0o644); err != nil {
				t.Fatal(err)
			}
			h := git("rev-parse", "--short", "HEAD")
			return "1.2.0+0.g" + h + ".dirty"
		}},
		{"after a tag", func() string { commit(); h := commit(); return "1.2.0+2.g" + h }},
		{"release candidate", func() string { commit(); git("tag", "v1.3.0-rc1"); return "1.3.0~rc1" }},
		{"release", func() string { commit(); git("tag", "v1.3.0"); return "1.3.0" }},
	} {
		want := step.do()
		got := version()
		if got != want {
			t.Errorf("%s: version %q, want %q", step.name, got, want)
		}
		if len(made) > 0 {
			prev := made[len(made)-1]
			if err := exec.Command("dpkg", "--compare-versions", prev, "lt", got).Run(); err != nil {
				t.Errorf("%s: dpkg does not order %s before %s", step.name, prev, got)
			}
		}
		made = append(made, got)
	}
}
