package main

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/internal/miniotest"
	"github.com/vnict/kiosk/kiosk/report/screen"
	"github.com/vnict/kiosk/sync/s3store"
)

// TestStatusScreens runs `kioskctl status --screens DIR` against a real
// MinIO: a site's JPEG is written as DIR/<site>.jpg, byte for byte; an
// oversized one and one that is not a JPEG are refused and named; a folder
// whose name is no file name gets a safe one inside DIR. `kioskctl
// screenshot` writes a request the site can read.
func TestStatusScreens(t *testing.T) {
	ctx := context.Background()
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "kiosk")
	t.Setenv("KIOSK_S3_ENDPOINT", srv.Endpoint)
	t.Setenv("KIOSK_S3_ACCESS_KEY", srv.AccessKey)
	t.Setenv("KIOSK_S3_SECRET_KEY", srv.SecretKey)
	st, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Bucket: "kiosk", Prefix: "ag"})
	if err != nil {
		t.Fatal(err)
	}
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, image.NewGray(image.Rect(0, 0, 480, 240)), nil); err != nil {
		t.Fatal(err)
	}
	objects := map[string][]byte{
		"an-giang-tinh-bien": jpg.Bytes(),
		"an-giang-big":       append(bytes.Clone(jpg.Bytes()), make([]byte, screen.MaxImageBytes)...),
		"an-giang-html":      []byte("<html><script>alert(1)</script></html>"),
		"..Evil Site":        jpg.Bytes(),
	}
	for site, data := range objects {
		if err := st.Put(ctx, screen.Key(site), bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
	}
	// A site that has sent no screenshot.
	if err := st.Put(ctx, "reports/an-giang-le-tri/status.json", strings.NewReader("{}"), 2); err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(t.TempDir(), "screens")
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"status", "--store", "s3://kiosk/ag", "--screens", dir}, &out, &errOut); err != nil {
		t.Fatalf("status --screens: %v\n%s", err, errOut.String())
	}
	got, err := os.ReadFile(filepath.Join(dir, "an-giang-tinh-bien.jpg"))
	if err != nil || !bytes.Equal(got, jpg.Bytes()) {
		t.Errorf("an-giang-tinh-bien.jpg: %d bytes, %v; want the site's %d", len(got), err, jpg.Len())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"an-giang-tinh-bien.jpg", screen.FileName("..Evil Site")}
	if len(names) != 2 || !strings.Contains(strings.Join(names, " "), want[0]) || !strings.Contains(strings.Join(names, " "), want[1]) {
		t.Errorf("files in DIR: %q, want %q", names, want)
	}
	if strings.HasPrefix(want[1], ".") || strings.ContainsAny(want[1], " /") {
		t.Errorf("the evil site's file is named %q", want[1])
	}
	// Nothing was written beside DIR.
	if beside, _ := os.ReadDir(filepath.Dir(dir)); len(beside) != 1 {
		t.Errorf("beside DIR: %v", beside)
	}
	text := out.String()
	for _, line := range []string{
		"screen an-giang-big: refused: reports/an-giang-big/screen.jpg: screenshot larger than 2 MiB",
		"screen an-giang-html: refused: reports/an-giang-html/screen.jpg: not a JPEG",
		"screen an-giang-le-tri: no screenshot yet",
		"screen an-giang-tinh-bien: an-giang-tinh-bien.jpg",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("output lacks %q:\n%s", line, text)
		}
	}

	// Asking: the request is one a site accepts.
	out.Reset()
	if err := run(ctx, []string{"screenshot", "--store", "s3://kiosk/ag", "an-giang-tinh-bien"}, &out, &errOut); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	data, _, err := st.GetIfChanged(ctx, screen.RequestKey("an-giang-tinh-bien"), "", screen.MaxRequestBytes)
	if err != nil {
		t.Fatal(err)
	}
	req, err := screen.ParseRequest("request", data)
	if err != nil || time.Since(req.Requested) > time.Minute {
		t.Errorf("request %s: %+v, %v", data, req, err)
	}
	if err := run(ctx, []string{"screenshot", "--store", "s3://kiosk/ag", "../x"}, &out, &errOut); err == nil {
		t.Error("screenshot of site ../x: accepted")
	}
}
