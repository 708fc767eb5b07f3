package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish/publishtest"
	"github.com/vnict/kiosk/sync/s3store"
	"github.com/vnict/kiosk/sync/trust"
)

const template = "../../configs/commune-support-point.yaml"

// TestProvisionCommand provisions a site against a real MinIO holding a
// published repository, then syncs as that site with what was written.
func TestProvisionCommand(t *testing.T) {
	ctx := context.Background()
	d := publishtest.New(t)
	d.Release(t, contenttest.CopyDemo(t), layout.Targeting{})
	t.Setenv("KIOSK_S3_ACCESS_KEY", d.Server.AccessKey)
	t.Setenv("KIOSK_S3_SECRET_KEY", d.Server.SecretKey)
	out := t.TempDir()
	rootFile := filepath.Join(t.TempDir(), "root.json")
	if err := os.WriteFile(rootFile, d.Root, 0o644); err != nil {
		t.Fatal(err)
	}
	provision := func() string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		err := run(ctx, []string{"provision", "an-giang-le-tri", "--name", "Điểm hỗ trợ CNTT xã Lê Trì",
			"--groups", "communes, an-giang", "--template", template, "--out", out, "--root", rootFile,
			"--store", "s3://" + d.Bucket + "/" + d.Prefix, "--endpoint", d.Server.Endpoint}, &stdout, &stderr)
		if err != nil {
			t.Fatalf("provision: %v\n%s%s", err, stdout.String(), stderr.String())
		}
		return stdout.String()
	}

	msg := provision()
	for _, want := range []string{"user an-giang-le-tri created", "policy kiosk-site", "kiosk.yaml", "secret.key", "root.json"} {
		if !strings.Contains(msg, want) {
			t.Errorf("output does not say %q:\n%s", want, msg)
		}
	}
	dir := filepath.Join(out, "an-giang-le-tri")
	cfg, err := siteconfig.Load(filepath.Join(dir, "kiosk.yaml"))
	if err != nil {
		t.Fatalf("the written config does not load: %v", err)
	}
	s := cfg.Sync
	if cfg.Site.ID != "an-giang-le-tri" || cfg.Site.Name != "Điểm hỗ trợ CNTT xã Lê Trì" ||
		!slices.Equal(cfg.Site.Groups, []string{"communes", "an-giang"}) ||
		cfg.Content != (siteconfig.Content{Cache: "cache"}) || s == nil ||
		s.Endpoint != d.Server.Endpoint || s.Bucket != d.Bucket || s.Prefix != "kiosk" ||
		s.AccessKey != "an-giang-le-tri" || s.SecretKeyFile != "secret.key" || s.SecretKey != "" || s.Root != "root.json" {
		t.Errorf("written config: site %+v, content %+v, sync %+v", cfg.Site, cfg.Content, s)
	}
	raw, _ := os.ReadFile(cfg.Path)
	for _, want := range []string{"# ICT support point", "# Written by kioskctl provision", "languages: [km, vi, en]"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("kiosk.yaml lost %q:\n%s", want, raw)
		}
	}
	st, err := os.Stat(cfg.Resolve(s.SecretKeyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret.key: %v, %v; want mode 0600", st, err)
	}
	if root, _ := os.ReadFile(cfg.Resolve(s.Root)); !bytes.Equal(root, d.Root) {
		t.Error("root.json is not the repository's root")
	}

	// The site syncs the publication with its own credentials.
	refresh := func() error {
		t.Helper()
		secret, err := os.ReadFile(cfg.Resolve(s.SecretKeyFile))
		if err != nil {
			t.Fatal(err)
		}
		store, err := s3store.New(s3store.Config{Endpoint: s.Endpoint, Bucket: s.Bucket, Prefix: s.Prefix,
			AccessKey: s.AccessKey, SecretKey: strings.TrimSpace(string(secret)), MaxRetries: 1})
		if err != nil {
			t.Fatal(err)
		}
		root, _ := os.ReadFile(cfg.Resolve(s.Root))
		c, err := trust.NewClient(store, root, t.TempDir(), time.Now)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Refresh(ctx)
		return err
	}
	if err := refresh(); err != nil {
		t.Fatalf("the site cannot sync with its new credentials: %v", err)
	}

	// Provisioning again rotates the secret.
	old, _ := os.ReadFile(cfg.Resolve(s.SecretKeyFile))
	if msg := provision(); !strings.Contains(msg, "secret rotated") {
		t.Errorf("second provision does not say the secret was rotated:\n%s", msg)
	}
	if now, _ := os.ReadFile(cfg.Resolve(s.SecretKeyFile)); bytes.Equal(now, old) {
		t.Error("secret.key is unchanged after a second provision")
	}
	if err := refresh(); err != nil {
		t.Errorf("the site cannot sync with its rotated credentials: %v", err)
	}
}

func TestProvisionUsageErrors(t *testing.T) {
	out := t.TempDir()
	rootFile := filepath.Join(t.TempDir(), "root.json")
	if err := os.WriteFile(rootFile, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no site", []string{"--name", "N", "--template", template, "--root", rootFile}, "want SITE"},
		{"no name", []string{"site-a", "--template", template, "--root", rootFile}, "want SITE"},
		{"no root", []string{"site-a", "--name", "N", "--template", template}, "--root"},
		{"missing root", []string{"site-a", "--name", "N", "--template", template, "--root", filepath.Join(out, "none.json")}, "none.json"},
		{"short id", []string{"ab", "--name", "N", "--template", template, "--root", rootFile, "--store", "s3://b/p"}, "at least 3"},
		{"bad id", []string{"Site_A", "--name", "N", "--template", template, "--root", rootFile, "--store", "s3://b/p"}, "site id"},
		{"folder store", []string{"site-a", "--name", "N", "--template", template, "--root", rootFile, "--store", out}, "s3://"},
		{"missing template", []string{"site-a", "--name", "N", "--template", filepath.Join(out, "none.yaml"), "--root", rootFile,
			"--store", "s3://b/p", "--endpoint", "127.0.0.1:1"}, "none.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append(append([]string{"provision"}, tc.args...), "--out", out), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
		})
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("failed provisions wrote %d entries in the output folder", len(entries))
	}
}

// TestSiteConfigFromTemplate checks the config made from each example
// template loads, and that groups default to the template's.
func TestSiteConfigFromTemplate(t *testing.T) {
	templates, err := filepath.Glob("../../configs/*.yaml")
	if err != nil || len(templates) == 0 {
		t.Fatalf("templates: %v, %v", templates, err)
	}
	https := true
	sc := siteconfig.Sync{Endpoint: "minio.example:9000", Secure: &https, Bucket: "an-giang", Prefix: "",
		AccessKey: "site-a", SecretKeyFile: "secret.key", Root: "root.json"}
	for _, tpl := range templates {
		t.Run(filepath.Base(tpl), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kiosk.yaml")
			raw, err := siteConfig(tpl, path, "site-a", `Trạm "A": cửa khẩu`, nil, sc)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := siteconfig.Parse(raw, path)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Site.Name != `Trạm "A": cửa khẩu` || !cfg.Sync.HTTPS() || cfg.Sync.Prefix != "" || cfg.Content.Cache != "cache" {
				t.Errorf("config: site %+v, content %+v, sync %+v\n%s", cfg.Site, cfg.Content, cfg.Sync, raw)
			}
		})
	}
}

// TestProvisionRefusesAPlantedRoot: whoever can write to the bucket can
// store a self-signed root of their own. Provisioning starts from the
// department's root.json and refuses a chain with a break or a gap, so no
// site is ever given the attacker's root.
func TestProvisionRefusesAPlantedRoot(t *testing.T) {
	ctx := context.Background()
	d := publishtest.New(t)
	d.Release(t, contenttest.CopyDemo(t), layout.Targeting{})
	t.Setenv("KIOSK_S3_ACCESS_KEY", d.Server.AccessKey)
	t.Setenv("KIOSK_S3_SECRET_KEY", d.Server.SecretKey)
	rootFile := filepath.Join(t.TempDir(), "root.json")
	if err := os.WriteFile(rootFile, d.Root, 0o644); err != nil {
		t.Fatal(err)
	}
	forged := forgeRoot(t, 1000)
	tests := []struct {
		name, key string
		data      []byte
		want      string
	}{
		{"a higher self-signed root", "tuf/metadata/1000.root.json", forged, "gap"},
		{"a self-signed next root", "tuf/metadata/2.root.json", forgeRoot(t, 2), "not signed by root version 1"},
		{"a next root holding another version", "tuf/metadata/2.root.json", forged, "holds version 1000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := d.Store.Put(ctx, tc.key, bytes.NewReader(tc.data), int64(len(tc.data))); err != nil {
				t.Fatal(err)
			}
			defer d.Store.Delete(ctx, tc.key)
			out := t.TempDir()
			var stdout, stderr bytes.Buffer
			err := run(ctx, []string{"provision", "an-giang-le-tri", "--name", "Lê Trì", "--template", template,
				"--out", out, "--root", rootFile, "--store", "s3://" + d.Bucket + "/" + d.Prefix,
				"--endpoint", d.Server.Endpoint}, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("provision with %s planted: err = %v, want one saying %q", tc.key, err, tc.want)
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("a refused provision wrote %d entries", len(entries))
			}
		})
	}
}

// forgeRoot makes a root of the given version, self-signed by a fresh key
// that holds every role: what an attacker without the department's keys
// can make.
func forgeRoot(t *testing.T, version int64) []byte {
	t.Helper()
	dir := t.TempDir()
	if err := trust.GenerateKey(dir, "attacker", nil); err != nil {
		t.Fatal(err)
	}
	signer, err := trust.LoadSigner(filepath.Join(dir, "attacker.key"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := signer.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	key, err := metadata.KeyFromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	root := metadata.Root(time.Now().Add(10 * 365 * 24 * time.Hour))
	root.Signed.Version = version
	for _, role := range []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP} {
		if err := root.Signed.AddKey(key, role); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := root.Sign(signer); err != nil {
		t.Fatal(err)
	}
	data, err := root.ToBytes(true)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
