package screen_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/vnict/kiosk/kiosk/report/screen"
)

func TestFileName(t *testing.T) {
	tests := []struct {
		site, want string // want "" checks only the shape
	}{
		{"an-giang-tinh-bien", "an-giang-tinh-bien.jpg"},
		{"site_2.b", "site_2.b.jpg"},
		{"../etc/passwd", ""},
		{".hidden", ""},
		{"a/b", ""},
		{"a\\b", ""},
		{"tịnh-biên", ""},
		{"", ""},
		{strings.Repeat("x", 200), ""},
	}
	seen := map[string]string{}
	for _, tc := range tests {
		got := screen.FileName(tc.site)
		if tc.want != "" && got != tc.want {
			t.Errorf("FileName(%q) = %q, want %q", tc.site, got, tc.want)
		}
		if strings.ContainsAny(got, "/\\") || strings.HasPrefix(got, ".") || len(got) > 110 || !strings.HasSuffix(got, ".jpg") {
			t.Errorf("FileName(%q) = %q: not a plain file name", tc.site, got)
		}
		if other, ok := seen[got]; ok {
			t.Errorf("FileName(%q) = FileName(%q) = %q", tc.site, other, got)
		}
		seen[got] = tc.site
	}
	// Two names that clean to the same text still differ.
	if a, b := screen.FileName("a/b"), screen.FileName("a:b"); a == b {
		t.Errorf("FileName(a/b) = FileName(a:b) = %q", a)
	}
}

func TestParseRequest(t *testing.T) {
	const key = "reports/s/screen-request.json"
	tests := []struct {
		name, body, want string // want "" for valid
	}{
		{"valid", `{"requested": "2026-03-02T09:00:00Z", "nonce": "ab12"}`, ""},
		{"later fields ignored", `{"requested": "2026-03-02T09:00:00Z", "nonce": "ab12", "by": "x"}`, ""},
		{"not JSON", `<html>`, "invalid character"},
		{"no time", `{"nonce": "ab12"}`, "requested: missing"},
		{"bad time", `{"requested": "yesterday", "nonce": "ab12"}`, "cannot parse"},
		{"no nonce", `{"requested": "2026-03-02T09:00:00Z"}`, "nonce"},
		{"too large", strings.Repeat(" ", 5000), "more than 4096"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := screen.ParseRequest(key, []byte(tc.body))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), key+": ") {
				t.Fatalf("err = %v, want %s: ...%s", err, key, tc.want)
			}
		})
	}
}

// TestFetch reads screen.jpg from a real MinIO: a JPEG comes back as
// written; one over 2 MiB, a PNG, and a JPEG header claiming a huge size
// are refused, naming the key.
func TestFetch(t *testing.T) {
	r := start(t, 0)
	ctx := context.Background()
	put := func(data []byte) {
		t.Helper()
		if err := r.dept.Put(ctx, screen.Key(site), bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
	}
	var pngData bytes.Buffer
	png.Encode(&pngData, image.NewGray(image.Rect(0, 0, 8, 8)))
	var huge bytes.Buffer
	jpeg.Encode(&huge, image.NewGray(image.Rect(0, 0, 5000, 8)), nil)
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"jpeg", r.cam.jpg, nil},
		{"over 2 MiB", append(bytes.Clone(r.cam.jpg), make([]byte, screen.MaxImageBytes)...), screen.ErrTooLarge},
		{"png", pngData.Bytes(), screen.ErrNotJPEG},
		{"5000 wide", huge.Bytes(), screen.ErrNotJPEG},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			put(tc.data)
			got, err := screen.Fetch(ctx, r.dept, site)
			if tc.want == nil {
				if err != nil || !bytes.Equal(got, tc.data) {
					t.Fatalf("Fetch: %d bytes, %v", len(got), err)
				}
				return
			}
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), screen.Key(site)) {
				t.Fatalf("Fetch: %v, want %v naming %s", err, tc.want, screen.Key(site))
			}
		})
	}
}

// TestFileNameWindowsDevices: a site ID Windows takes for a device (con,
// nul, com1: valid site IDs) is not the file's name, whatever follows its
// first dot, so kioskctl.exe on Windows writes a file, not to a device.
func TestFileNameWindowsDevices(t *testing.T) {
	for _, site := range []string{"con", "NUL", "aux", "prn", "com1", "lpt9", "Com3", "nul.x", "con.", "aux..b"} {
		got := screen.FileName(site)
		base, _, _ := strings.Cut(got, ".")
		if strings.EqualFold(base, strings.SplitN(site, ".", 2)[0]) {
			t.Errorf("FileName(%q) = %q: a Windows device's name", site, got)
		}
	}
	for _, site := range []string{"console", "nul-1", "com10", "aux-gate", "lpt"} {
		if got := screen.FileName(site); got != site+".jpg" {
			t.Errorf("FileName(%q) = %q, want %q", site, got, site+".jpg")
		}
	}
}
