// Package screen carries what a site's screen shows to the department: a
// small JPEG of the frame on the display (about 480 pixels wide), written
// by the site to reports/<site>/screen.jpg every few minutes and when the
// department asks for one by writing reports/<site>/screen-request.json.
//
// The site's side is Sender: it asks a Camera (the player, which reads
// back the frame it drew) for a JPEG and puts it, overwriting, with the
// site's own credentials. It notices requests without listing anything:
// it reads the one request object with a conditional GET (If-None-Match on
// the ETag it last saw), when a bucket notification for that key arrives
// (a hint) and on a short poll. A request whose ETag differs from the last
// one seen asks for one screenshot. A store that writes requests in a loop
// cannot make the site send more than one screenshot every MinGap, nor
// read the request more than once a second.
//
// The department's side is Ask (write a request) and Fetch (read a site's
// screen.jpg, bounded, and checked to be a JPEG of sane size), used by
// `kioskctl screenshot` and `kioskctl status --screens`.
//
// The image codecs are the standard library's (image/jpeg); scaling is in
// the player, with golang.org/x/image/draw.
package screen

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"strings"
	"time"

	"github.com/vnict/kiosk/kiosk/report"
)

// Limits on what either side reads from the store.
const (
	// MaxImageBytes bounds a screen.jpg the department reads; a site's
	// screenshot is some tens of KiB.
	MaxImageBytes = 2 << 20
	// MaxImageSide bounds the width and height of a screen.jpg the
	// department accepts.
	MaxImageSide = 4096
	// MaxRequestBytes bounds the request object a site reads.
	MaxRequestBytes = 4 << 10
)

// Key is where a site's latest screenshot is.
func Key(site string) string { return report.Prefix + site + "/screen.jpg" }

// RequestKey is where the department asks a site for a screenshot.
func RequestKey(site string) string { return report.Prefix + site + "/screen-request.json" }

// Request is the content of a request object. The site acts on a change
// of the object, not on its fields: Nonce makes every request's content,
// and so its ETag, new.
type Request struct {
	// Requested is when the department asked, on its own clock.
	Requested time.Time `json:"requested"`
	Nonce     string    `json:"nonce"`
}

// ParseRequest reads a request object; key names it in errors.
func ParseRequest(key string, data []byte) (Request, error) {
	var r Request
	if len(data) > MaxRequestBytes {
		return r, fmt.Errorf("%s: %d bytes, more than %d", key, len(data), MaxRequestBytes)
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("%s: %w", key, err)
	}
	if r.Requested.IsZero() {
		return r, fmt.Errorf("%s: requested: missing", key)
	}
	if r.Nonce == "" || len(r.Nonce) > 64 {
		return r, fmt.Errorf("%s: nonce: want 1 to 64 characters", key)
	}
	return r, nil
}

// Putter writes objects; *s3store.Store is one.
type Putter interface {
	Put(ctx context.Context, key string, r io.Reader, size int64) error
}

// Ask writes a request for a screenshot to site, dated now.
func Ask(ctx context.Context, store Putter, site string, now time.Time) error {
	nonce := make([]byte, 12)
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	data, err := json.Marshal(Request{Requested: now.UTC(), Nonce: hex.EncodeToString(nonce)})
	if err != nil {
		return err
	}
	key := RequestKey(site)
	if err := store.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
		return fmt.Errorf("ask site %s for a screenshot: %w", site, err)
	}
	return nil
}

// Getter reads objects; *s3store.Store is one.
type Getter interface {
	Get(ctx context.Context, key string) (io.ReadCloser, error)
}

// ErrNotJPEG marks a screen.jpg that is not a JPEG within MaxImageSide.
var ErrNotJPEG = errors.New("not a JPEG of at most 4096x4096")

// ErrTooLarge marks a screen.jpg over MaxImageBytes.
var ErrTooLarge = errors.New("screenshot larger than 2 MiB")

// Fetch reads site's latest screenshot: at most MaxImageBytes, and only a
// JPEG whose header gives a size within MaxImageSide. What a site wrote is
// not trusted; the whole image is not decoded here.
func Fetch(ctx context.Context, store Getter, site string) ([]byte, error) {
	key := Key(site)
	rc, err := store.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, MaxImageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	if len(data) > MaxImageBytes {
		return nil, fmt.Errorf("%s: %w", key, ErrTooLarge)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxImageSide || cfg.Height > MaxImageSide {
		return nil, fmt.Errorf("%s: %w", key, ErrNotJPEG)
	}
	return data, nil
}

// FileName is a file name for site's screenshot: the site ID itself when
// it is made only of letters, digits, '-', '_' and '.' (not first), at
// most 100 bytes, and is not a Windows device's name; otherwise those
// characters kept, the rest replaced by '_', and a hash of the whole name
// added, so two folder names never share a file and none can name a path
// elsewhere or a device.
func FileName(site string) string {
	safe := func(i int, r rune) bool {
		return r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' && i > 0)
	}
	clean := true
	var b strings.Builder
	for i, r := range site {
		if safe(i, r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
			clean = false
		}
	}
	name := b.String()
	if windowsDevice(name) {
		// kioskctl.exe would write to the device: "_" first, and hashed.
		name, clean = "_"+name, false
	}
	if clean && name != "" && len(name) <= 100 {
		return name + ".jpg"
	}
	if len(name) > 64 {
		name = name[:64]
	}
	sum := sha256.Sum256([]byte(site))
	return name + "-" + hex.EncodeToString(sum[:6]) + ".jpg"
}

// windowsDevice reports whether Windows takes a file named name for a
// device (CON, NUL, COM1...): by its part before the first dot, in any
// case.
func windowsDevice(name string) bool {
	base, _, _ := strings.Cut(name, ".")
	switch strings.ToUpper(base) {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) == 4 {
		u := strings.ToUpper(base)
		return (u[:3] == "COM" || u[:3] == "LPT") && u[3] >= '0' && u[3] <= '9'
	}
	return false
}
