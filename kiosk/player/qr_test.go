package player

import "testing"

func TestQRHost(t *testing.T) {
	tests := []struct {
		name, link, want string
	}{
		{"portal page", portalURL, "dichvucong.gov.vn"},
		{"upper case, port and user", "https://someone@DichVuCong.Gov.VN:8443/p?q=1#x", "dichvucong.gov.vn"},
		{"look-alike under another domain", "https://dichvucong.gov.vn.example/dang-ky", "dichvucong.gov.vn.example"},
		{"punycode stays punycode", "https://xn--dchvcng-q4a.gov.vn/", "xn--dchvcng-q4a.gov.vn"},
		{"no host", "mailto:hotro@example.org", ""},
		{"unparsable", "https://[::1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := qrHost(tt.link); got != tt.want {
				t.Errorf("qrHost(%q) = %q, want %q", tt.link, got, tt.want)
			}
		})
	}
}

// TestQRHostShown: under a step's QR code the player prints the host the
// code leads to, in ink, at no less than the screens' smallest text, on a
// turned screen (a portrait layout) where room is tightest.
func TestQRHostShown(t *testing.T) {
	r := captureInteractive(t, "rotated")
	f, m := r.frame(t, "step1-vi.png")
	qr, ok := region(f, "qr")
	if !ok {
		t.Fatal("no QR code")
	}
	host, ok := region(f, "qr-host")
	if !ok {
		t.Fatalf("no qr-host region under the QR code: %+v", f.Regions)
	}
	// The output is the logical screen (720x1280) turned a quarter.
	out := func(r Rect) Rect { return Rect{X: 720 - r.Y - r.H, Y: r.X, W: r.H, H: r.W} }
	if ink := regionInk(m, out(host.Rect)); ink < 0.02 {
		t.Errorf("qr-host at %v (output %v) has no ink (%.2f%%)", host.Rect, out(host.Rect), 100*ink)
	}
	if host.Rect.Y < qr.Rect.Y+qr.Rect.H || host.Rect.X+host.Rect.W < qr.Rect.X || host.Rect.X > qr.Rect.X+qr.Rect.W {
		t.Errorf("host at %v is not under the QR code at %v", host.Rect, qr.Rect)
	}
	if host.Size < 32 {
		t.Errorf("host set at %.0f px, want at least 32", host.Size)
	}
	if got := decodeQR(t, m, out(qr.Rect)); got != vneidURL {
		t.Errorf("QR code reads %q, want %q", got, vneidURL)
	}
}
