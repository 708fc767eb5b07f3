package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// TestPostinstHomeNotFollowed installs into a root whose /var/lib/kiosk is
// a symlink to a folder outside it (an image folder someone else could
// write): postinst refuses, rather than give that folder to the kiosk
// user, and leaves it as it was.
func TestPostinstHomeNotFollowed(t *testing.T) {
	s := newScratch(t)
	s.writeFile(t, "/etc/passwd", []byte("root:x:0:0:root:/root:/bin/bash\nkiosk:x:998:998:public-screen player:/var/lib/kiosk:/usr/sbin/nologin\n"))
	s.writeFile(t, "/etc/group", []byte("root:x:0:\nkiosk:x:998:\n"))
	outside := filepath.Join(t.TempDir(), "etc")
	if err := os.Mkdir(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(s.path("/var/lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, s.path("/var/lib/kiosk")); err != nil {
		t.Fatal(err)
	}
	before := s.command(t, "stat", "--format=%u %g %a", outside)

	args := append(slices.Clone(s.wrap), "sh", filepath.Join(repoRoot(t), "packaging", "scripts", "postinst"), "configure", "")
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "DPKG_ROOT="+s.root)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Errorf("postinst configure with /var/lib/kiosk a symlink: succeeded\n%s", out)
	}
	if after := s.command(t, "stat", "--format=%u %g %a", outside); after != before {
		t.Errorf("the symlink's target went from %q to %q", before, after)
	}
}

// TestPostinstExistingUser installs into roots that already have a user
// named kiosk: a system user is taken as the package's, but a person's
// account (uid 1000 and up) or root's uid is refused, rather than run the
// player as it and give it /var/lib/kiosk.
func TestPostinstExistingUser(t *testing.T) {
	for _, tc := range []struct {
		name, passwd string
		ok           bool
	}{
		{"system user", "kiosk:x:998:998:public-screen player:/var/lib/kiosk:/usr/sbin/nologin\n", true},
		{"a person's account", "kiosk:x:1000:998:Kiosk:/home/kiosk:/bin/bash\n", false},
		{"uid 0", "kiosk:x:0:998::/root:/bin/sh\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newScratch(t)
			s.writeFile(t, "/etc/passwd", []byte("root:x:0:0:root:/root:/bin/bash\n"+tc.passwd))
			s.writeFile(t, "/etc/group", []byte("root:x:0:\nkiosk:x:998:\n"))
			if err := os.MkdirAll(s.path("/var/lib/kiosk"), 0o755); err != nil {
				t.Fatal(err)
			}
			args := append(slices.Clone(s.wrap), "sh", filepath.Join(repoRoot(t), "packaging", "scripts", "postinst"), "configure", "")
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Env = append(os.Environ(), "DPKG_ROOT="+s.root)
			out, err := cmd.CombinedOutput()
			if (err == nil) != tc.ok {
				t.Errorf("postinst configure: %v, want success %v\n%s", err, tc.ok, out)
			}
			uid, _, _ := s.stat(t, "/var/lib/kiosk")
			if want := 998; tc.ok && uid != want {
				t.Errorf("/var/lib/kiosk owned by %d, want %d", uid, want)
			}
			if !tc.ok && uid != os.Geteuid() {
				t.Errorf("/var/lib/kiosk given to uid %d of a refused user", uid)
			}
		})
	}
}

// TestPostinstRootWithSpace installs into a scratch root whose path has a
// space (as an image folder's may): the user is made in that root's /etc
// files, in the groups it has, and given /var/lib/kiosk there.
func TestPostinstRootWithSpace(t *testing.T) {
	s := newScratch(t)
	spaced := filepath.Join(t.TempDir(), "site image")
	if err := os.Rename(s.root, spaced); err != nil {
		t.Fatal(err)
	}
	s.root = spaced
	if err := os.MkdirAll(s.path("/var/lib/kiosk"), 0o755); err != nil {
		t.Fatal(err)
	}
	args := append(slices.Clone(s.wrap), "sh", filepath.Join(repoRoot(t), "packaging", "scripts", "postinst"), "configure", "")
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "DPKG_ROOT="+s.root)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("postinst configure into %q: %v\n%s", s.root, err, out)
	}
	u := s.user(t, "kiosk")
	if u.uid < 1 || u.uid >= 1000 || u.home != "/var/lib/kiosk" || u.shell != "/usr/sbin/nologin" {
		t.Errorf("kiosk user: %+v, want a system user with home /var/lib/kiosk and no shell", u)
	}
	if gid := s.group(t, "kiosk"); gid != u.gid {
		t.Errorf("kiosk's group is %d, its user's %d", gid, u.gid)
	}
	if members := s.entry(t, "/etc/group", "video", 4)[3]; members != "kiosk" {
		t.Errorf("video group's members %q, want kiosk", members)
	}
	uid, gid, what := s.stat(t, "/var/lib/kiosk")
	if uid != u.uid || gid != u.gid || what != "directory 750" {
		t.Errorf("/var/lib/kiosk: %d:%d %s, want %d:%d directory 750", uid, gid, what, u.uid, u.gid)
	}
}
