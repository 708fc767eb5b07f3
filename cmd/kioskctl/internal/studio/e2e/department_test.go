//go:build linux

package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/internal/miniotest"
	"github.com/vnict/kiosk/internal/servertest"
)

// The department's people: the root key's holder, two approvers and the
// publishing tool, each key behind a passphrase of its own.
const (
	rootKey   = "root"
	approver1 = "approver1"
	approver2 = "approver2"
	publisher = "publisher"
)

// department is the department's side: its keys and repository in a real
// MinIO, made and run with the kioskctl program.
type department struct {
	t        testing.TB
	kioskctl string
	minio    *miniotest.Server
	bucket   string
	prefix   string
	keys     string            // folder of NAME.key and NAME.pub
	pass     map[string]string // each key's passphrase
	root     string            // the trusted root.json init-repo wrote
}

// newDepartment starts MinIO, makes the four keys with passphrases and
// creates the repository: two of the two approvers must sign.
func newDepartment(t testing.TB, kioskctl string) *department {
	t.Helper()
	d := &department{t: t, kioskctl: kioskctl, minio: miniotest.Start(t), bucket: "kiosk", prefix: "dept",
		keys: t.TempDir(), pass: map[string]string{}}
	d.minio.MakeBucket(t, d.bucket)
	for _, name := range []string{rootKey, approver1, approver2, publisher} {
		// A passphrase of the test's own, never seen elsewhere: any page
		// or log holding one leaked it.
		d.pass[name] = "mật khẩu " + name + " " + servertest.RandomHex(t, 6)
		// Asked twice on a terminal; from a pipe one line is read.
		d.run(d.pass[name]+"\n"+d.pass[name]+"\n", "keygen", name, "--dir", d.keys)
	}
	d.root = filepath.Join(t.TempDir(), "root.json")
	d.run(d.pass[rootKey]+"\n", append([]string{"init-repo", "--root-key", d.key(rootKey, ".key"),
		"--approver", approver1 + "=" + d.key(approver1, ".pub"), "--approver", approver2 + "=" + d.key(approver2, ".pub"),
		"--threshold", "2", "--publisher", d.key(publisher, ".pub"), "--root-out", d.root}, d.storeArgs()...)...)
	return d
}

// key is the path of the named key's file with extension ext.
func (d *department) key(name, ext string) string { return filepath.Join(d.keys, name+ext) }

// storeArgs are the flags naming the department's store.
func (d *department) storeArgs() []string {
	return []string{"--store", "s3://" + d.bucket + "/" + d.prefix, "--endpoint", d.minio.Endpoint}
}

// env is the environment of the department's programs: the store's
// credentials, and a font and config cache of the test's own.
func (d *department) env(cache string) []string {
	return append(os.Environ(), "KIOSK_S3_ACCESS_KEY="+d.minio.AccessKey, "KIOSK_S3_SECRET_KEY="+d.minio.SecretKey,
		"XDG_CACHE_HOME="+cache, "XDG_CONFIG_HOME="+cache)
}

// run runs kioskctl with args and stdin, fails the test if it fails, and
// returns its output.
func (d *department) run(stdin string, args ...string) string {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, d.kioskctl, args...)
	cmd.Env = d.env(d.t.TempDir())
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		d.t.Fatalf("kioskctl %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// siteTemplate is the config the test's site is provisioned from: a wall
// in Vietnamese and Khmer, open at every hour, with short slides, reports
// every few seconds, a screenshot every ten and the store polled every
// second.
const siteTemplate = `# A border-gate wall for the studio's end-to-end test.
site:
  id: template
  name: template
display:
  resolution: 1280x720
  background: "#0b2545"
  foreground: "#ffffff"
  accent: "#f4d35e"
languages: [vi, km]
fonts:
  - family: Noto Sans
  - family: Noto Sans Khmer
content:
  cache: cache
ticker:
  edge: none
playback:
  item_duration: 4s
  transition: 200ms
reports:
  interval: 5s
  upload: 1s
  screenshot_interval: 10s
# The store is asked every second, besides its notifications.
sync:
  poll: 1s
`

// site is a provisioned site: its folder holds kiosk.yaml, secret.key and
// root.json as provision wrote them.
type site struct {
	id, name string
	dir      string
	config   string
	w, h     int
}

// provision gives the site id its MinIO user and writes its folder under
// out, from siteTemplate.
func (d *department) provision(id, name, out string) site {
	d.t.Helper()
	tmpl := filepath.Join(d.t.TempDir(), "wall.yaml")
	if err := os.WriteFile(tmpl, []byte(siteTemplate), 0o644); err != nil {
		d.t.Fatal(err)
	}
	args := append([]string{"provision", id, "--name", name, "--groups", "border-gates", "--template", tmpl,
		"--out", out, "--root", d.root}, d.storeArgs()...)
	d.run("", args...)
	dir := filepath.Join(out, id)
	return site{id: id, name: name, dir: dir, config: filepath.Join(dir, "kiosk.yaml"), w: 1280, h: 720}
}
