package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/content/demo"
)

// TestRepositoryWorkflow runs the department's commands in order against a
// folder store: keys, repository, two approvals, publish, verify, export,
// timestamp refresh.
func TestRepositoryWorkflow(t *testing.T) {
	ctx := context.Background()
	keys, store, work := t.TempDir(), t.TempDir(), t.TempDir()
	bundle := contenttest.CopyDemo(t)
	root := filepath.Join(work, "root.json")
	kioskctl := func(wantErr bool, args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		err := run(ctx, args, &out, &errOut)
		if (err != nil) != wantErr {
			t.Fatalf("kioskctl %s: err = %v, want error: %v\n%s%s", strings.Join(args, " "), err, wantErr, out.String(), errOut.String())
		}
		if err != nil {
			return err.Error()
		}
		return out.String()
	}

	for _, name := range []string{"root", "editor", "leader", "deputy", "publisher"} {
		kioskctl(false, "keygen", name, "--dir", keys, "--no-passphrase")
	}
	if st, err := os.Stat(filepath.Join(keys, "editor.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("private key mode = %v, %v; want 0600", st.Mode().Perm(), err)
	}
	kioskctl(true, "keygen", "editor", "--dir", keys, "--no-passphrase") // never overwrite a key
	key := func(n string) string { return filepath.Join(keys, n) }

	kioskctl(false, "init-repo", "--store", store, "--root-key", key("root.key"),
		"--approver", "editor="+key("editor.pub"), "--approver", "leader="+key("leader.pub"),
		"--approver", "deputy="+key("deputy.pub"), "--threshold", "2",
		"--publisher", key("publisher.pub"), "--root-out", root)
	kioskctl(true, "init-repo", "--store", store, "--root-key", key("root.key"),
		"--approver", "editor="+key("editor.pub"), "--publisher", key("publisher.pub"), "--root-out", root)

	out := kioskctl(false, "approve", bundle, "--store", store, "--root", root, "--key", key("editor.key"), "--sites", "an-giang-tinh-bien")
	if !strings.Contains(out, "signed by editor") || !strings.Contains(out, "still needed") {
		t.Errorf("first approval says:\n%s", out)
	}
	if msg := kioskctl(true, "publish", bundle, "--store", store, "--root", root, "--key", key("publisher.key")); !strings.Contains(msg, "threshold") {
		t.Errorf("publish below threshold says: %s", msg)
	}
	kioskctl(true, "approve", bundle, "--store", store, "--root", root, "--key", key("publisher.key")) // not an approver
	// Another bundle cannot be staged over this one without a discard.
	other := contenttest.CopyDemo(t)
	contenttest.EditManifest(t, other, func(m map[string]any) { m["id"] = "other-bundle" })
	if msg := kioskctl(true, "approve", other, "--store", store, "--root", root, "--key", key("editor.key")); !strings.Contains(msg, "discard") {
		t.Errorf("approve over a staged publication says: %s", msg)
	}
	out = kioskctl(false, "approve", bundle, "--store", store, "--root", root, "--key", key("leader.key"), "--sites", "an-giang-tinh-bien")
	if !strings.Contains(out, "ready to publish") {
		t.Errorf("second approval says:\n%s", out)
	}
	kioskctl(false, "publish", bundle, "--store", store, "--root", root, "--key", key("publisher.key"))

	out = kioskctl(false, "verify", "--store", store, "--root", root, "--hashes")
	if !strings.Contains(out, "bundles/demo-an-giang.json") || !strings.Contains(out, "verifies") {
		t.Errorf("verify says:\n%s", out)
	}
	stick := filepath.Join(work, "usb")
	kioskctl(false, "export", stick, "--store", store, "--root", root)
	if _, err := os.Stat(filepath.Join(stick, "tuf", "metadata", "timestamp.json")); err != nil {
		t.Errorf("export has no timestamp: %v", err)
	}
	media, _ := filepath.Glob(filepath.Join(stick, "media", "*"))
	if want := demoMedia(t); len(media) != want {
		t.Errorf("export has %d media, want the demo's %d", len(media), want)
	}
	kioskctl(false, "refresh", "--store", store, "--root", root, "--key", key("publisher.key"))
	kioskctl(false, "verify", "--store", store, "--root", root)

	// A new root: the deputy revoked, a chief added; the publication is
	// approved again under it and published.
	kioskctl(false, "keygen", "chief", "--dir", keys, "--no-passphrase")
	out = kioskctl(false, "rotate-root", "--store", store, "--root", root, "--root-key", key("root.key"),
		"--revoke-approver", key("deputy.pub"), "--add-approver", "chief="+key("chief.pub"))
	if !strings.Contains(out, "reaffirm") {
		t.Errorf("rotate-root says:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(store, "tuf", "metadata", "2.root.json")); err != nil {
		t.Errorf("no 2.root.json after rotate-root: %v", err)
	}
	kioskctl(true, "reaffirm", "--store", store, "--root", root, "--key", key("deputy.key")) // revoked
	kioskctl(false, "reaffirm", "--store", store, "--root", root, "--key", key("editor.key"))
	out = kioskctl(false, "reaffirm", "--store", store, "--root", root, "--key", key("chief.key"))
	if !strings.Contains(out, "kept    bundles/demo-an-giang.json") || !strings.Contains(out, "ready to publish") {
		t.Errorf("reaffirm says:\n%s", out)
	}
	kioskctl(false, "publish", "--store", store, "--root", root, "--key", key("publisher.key"))
	out = kioskctl(false, "verify", "--store", store, "--root", root)
	if !strings.Contains(out, "root v2 expires") || strings.Contains(out, "WARNING") {
		t.Errorf("verify after the rotation says:\n%s", out)
	}
	// Withdrawn by two approvers: the publication holds no bundle.
	kioskctl(false, "withdraw", "demo-an-giang", "--store", store, "--root", root, "--key", key("editor.key"))
	out = kioskctl(false, "withdraw", "demo-an-giang", "--store", store, "--root", root, "--key", key("leader.key"))
	if !strings.Contains(out, "removed bundles/demo-an-giang.json") {
		t.Errorf("withdraw says:\n%s", out)
	}
	kioskctl(false, "publish", "--store", store, "--root", root, "--key", key("publisher.key"))

	// A medium altered in the store: verify --hashes says so.
	os.WriteFile(media[0], []byte("x"), 0o644)
	kioskctl(true, "verify", "--store", stick, "--root", root, "--hashes")
}

// demoMedia counts the demo bundle's distinct files: the media an export
// of its publication carries.
func demoMedia(t *testing.T) int {
	t.Helper()
	b, err := demo.Load()
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[string]bool{}
	for _, f := range b.Manifest.Files {
		distinct[f.SHA256] = true
	}
	return len(distinct)
}
