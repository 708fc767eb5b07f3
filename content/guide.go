package content

import (
	"fmt"
	"maps"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// Bounds of a guide.
const (
	// MaxGuideSteps is the most steps one guide may have; a resident
	// does not follow more at a kiosk.
	MaxGuideSteps = 50
	// MaxQRBytes bounds a step's QR URL: a QR code of the largest version
	// holds about 2,900 bytes at the lowest error correction, and a URL
	// of 1,000 bytes still scans from across a desk at medium correction.
	MaxQRBytes = 1000
	// MaxNarrationBytes bounds a narration file (16-bit PCM WAV): five
	// minutes of 22,050 Hz mono speech is 13 MB. Lint, the bundle's
	// validation and the site's speaker hold every file to it.
	MaxNarrationBytes = 16 << 20
	// MaxNarration is the longest a narration may play: idle time stops
	// while it plays, so an endless one would keep the kiosk from ever
	// returning to its slides.
	MaxNarration = 5 * time.Minute
	// MaxImageBytes bounds a picture file (a slide's image, a guide's
	// tile, a step's picture), which the player reads whole before
	// decoding. A JPEG of MaxImagePixels at high quality is 15-25 MB,
	// and a screen-sized PNG a few.
	MaxImageBytes = 32 << 20
	// MaxImagePixels bounds the pixels of a picture the player decodes
	// (160 MB as RGBA): an 8K picture has 33 million. Lint refuses a
	// picture the player would not show.
	MaxImagePixels = 40_000_000
)

// NarrationExt is the file name extension of a narration file: 16-bit
// PCM WAV. Compressed formats are not accepted: their decoders trust
// their headers (a crafted Ogg Vorbis file makes the pure-Go decoder
// allocate tens of gigabytes, or loop for ever), and recorded narration
// is converted to WAV once, before it is published.
const NarrationExt = ".wav"

// sizeLimit is the most bytes a listed file may have where a field uses
// it, and what the file is, for messages.
type sizeLimit struct {
	max  int64
	what string
}

// Size limits of files by use; noLimit for files read as a stream or
// bounded elsewhere (fonts).
var (
	noLimit        = sizeLimit{}
	pictureLimit   = sizeLimit{MaxImageBytes, "a picture"}
	narrationLimit = sizeLimit{MaxNarrationBytes, "a narration file"}
)

// UsesGuides reports whether the manifest has a guide item, and so needs
// FeatureGuides.
func (m *Manifest) UsesGuides() bool {
	for i := range m.Items {
		if m.Items[i].Kind == KindGuide || m.Items[i].Guide != nil {
			return true
		}
	}
	return false
}

// guideField names the first item that makes the bundle need FeatureGuides.
func (m *Manifest) guideField() string {
	for i := range m.Items {
		if m.Items[i].Kind == KindGuide {
			return fmt.Sprintf("items[%d].kind", i)
		}
		if m.Items[i].Guide != nil {
			return fmt.Sprintf("items[%d].guide", i)
		}
	}
	return "requires"
}

// normalize brings the texts of a guide's steps to NFC.
func (g *Guide) normalize() {
	if g == nil {
		return
	}
	for i := range g.Steps {
		for lang, t := range g.Steps[i].Text {
			g.Steps[i].Text[lang] = Text{Title: norm.NFC.String(t.Title), Body: norm.NFC.String(t.Body)}
		}
	}
}

// rewriteText passes every text of the guide's steps through f.
func (g *Guide) rewriteText(f func(lang, s string) string) {
	if g == nil {
		return
	}
	for i := range g.Steps {
		for lang, t := range g.Steps[i].Text {
			g.Steps[i].Text[lang] = Text{Title: f(lang, t.Title), Body: f(lang, t.Body)}
		}
	}
}

// validateGuideItem checks the fields of a KindGuide item at field (such
// as "items[3]"): its title per language, its tile picture, and its steps.
// needFile checks a bundle path is well formed and listed in files.
func validateGuideItem(it *Item, field string, bad func(field, format string, args ...any), needFile func(field, p string, lim sizeLimit)) {
	if len(it.Text) == 0 {
		bad(field+".text", "a guide needs a title in at least one language")
	}
	for _, lang := range slices.Sorted(maps.Keys(it.Text)) {
		if strings.TrimSpace(it.Text[lang].Title) == "" {
			bad(fmt.Sprintf("%s.text.%s.title", field, lang), "missing; the menu tile of a guide shows its title")
		}
	}
	if it.Layout == LayoutSideBySide {
		bad(field+".layout", "%q: a guide shows one language at a time; leave layout out", it.Layout)
	}
	if it.Duration != 0 {
		bad(field+".duration", "a guide is not timed (residents step through it); leave duration out")
	}
	switch it.Fit {
	case "", FitContain, FitFill:
	default:
		bad(field+".fit", "%q: want %q or %q", it.Fit, FitContain, FitFill)
	}
	validateImages(it.Images, field+".images", bad, needFile)

	g := it.Guide
	if g == nil {
		bad(field+".guide", "missing; a guide item needs guide with 1 to %d steps", MaxGuideSteps)
		return
	}
	switch n := len(g.Steps); {
	case n == 0:
		bad(field+".guide.steps", "empty; a guide needs 1 to %d steps", MaxGuideSteps)
	case n > MaxGuideSteps:
		bad(field+".guide.steps", "%d steps; a guide has at most %d", n, MaxGuideSteps)
		return // do not report on hundreds of steps
	}
	for i := range g.Steps {
		validateStep(&g.Steps[i], fmt.Sprintf("%s.guide.steps[%d]", field, i), bad, needFile)
	}
}

// validateStep checks one step of a guide at field.
func validateStep(s *Step, field string, bad func(field, format string, args ...any), needFile func(field, p string, lim sizeLimit)) {
	if len(s.Text) == 0 {
		bad(field+".text", "a step needs text in at least one language")
	}
	validateTexts(s.Text, field+".text", bad)
	if s.Picture != "" {
		checkPicture(field+".picture", s.Picture, bad)
		needFile(field+".picture", s.Picture, pictureLimit)
	}
	if s.QR != "" {
		if err := CheckQR(s.QR); err != nil {
			bad(field+".qr", "%v", err)
		}
	}
	for _, lang := range slices.Sorted(maps.Keys(s.Narration)) {
		f := fmt.Sprintf("%s.narration.%s", field, lang)
		if err := checkLanguage(lang); err != nil {
			bad(f, "%v", err)
		} else if _, ok := s.Text[lang]; !ok {
			bad(f, "the step has no %s text; narration reads a step's text aloud", lang)
		}
		p := s.Narration[lang]
		switch strings.ToLower(path.Ext(p)) {
		case NarrationExt:
		case ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".flac":
			bad(f, "%q: narration is 16-bit PCM WAV only; Ogg Vorbis and other compressed formats are not accepted, for their decoders trust the file's headers (a crafted file can exhaust a site's memory); convert recorded files to 16-bit PCM WAV (ffmpeg -i in.ogg -ac 1 -ar 22050 -sample_fmt s16 out.wav)", p)
		default:
			bad(f, "%q: want a .wav file (16-bit PCM)", p)
		}
		needFile(f, p, narrationLimit)
	}
}

// CheckQR checks that u can be drawn as a step's QR code: an https URL
// with a host, no user name or password, and at most MaxQRBytes bytes.
// The host is a plain ASCII domain name on the default port: no IP
// address, and no international name in Unicode or in its "xn--" form,
// which can look like another (a Cyrillic "а" in "dichvucong.gov.vn").
func CheckQR(u string) error {
	if len(u) > MaxQRBytes {
		return fmt.Errorf("%d bytes; a QR code holds at most %d", len(u), MaxQRBytes)
	}
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	switch {
	case p.Scheme != "https":
		return fmt.Errorf("%q: want an https URL", u)
	case p.Opaque != "" || p.Hostname() == "":
		return fmt.Errorf("%q: want an https URL with a host, such as https://dichvucong.gov.vn/", u)
	case p.User != nil:
		return fmt.Errorf("%q: a URL shown to the public carries no user name or password", u)
	case p.Port() != "" && p.Port() != "443":
		return fmt.Errorf("%q: port %s; a public service is on https's own port, so leave the port out", u, p.Port())
	}
	_, authority, _ := strings.Cut(u, "//")
	if i := strings.IndexAny(authority, "/?#"); i >= 0 {
		authority = authority[:i]
	}
	if strings.Contains(authority, "%") {
		return fmt.Errorf("%q: the host is percent-encoded; write it as plain letters", u)
	}
	return checkQRHost(p.Hostname())
}

// checkQRHost refuses a host that is not a plain ASCII domain name: an
// IP address, a name in Unicode or punycode ("xn--"), or one with
// characters other than letters, digits, '-' and '.' between labels.
func checkQRHost(host string) error {
	if _, err := netip.ParseAddr(host); err == nil || strings.HasPrefix(host, "[") || strings.Contains(host, ":") {
		return fmt.Errorf("host %q is an IP address; a QR code names the service's domain, such as dichvucong.gov.vn", host)
	}
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	if len(labels) < 2 {
		return fmt.Errorf("host %q: want a full domain name, such as dichvucong.gov.vn", host)
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return fmt.Errorf("host %q: empty or over-long label", host)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			case c == '-' && i > 0 && i < len(l)-1:
			default:
				return fmt.Errorf("host %q: %q is not allowed; a QR code's host is a plain ASCII name (letters, digits, '-'), so that no international name can pass for another", host, rune(c))
			}
		}
		if len(l) >= 4 && strings.EqualFold(l[2:4], "--") {
			// "xn--" is punycode; any "??--" label is reserved for such
			// encodings.
			return fmt.Errorf("host %q: label %q is an encoded international name, which can pass for another; use the service's plain ASCII name", host, l)
		}
	}
	if tld := labels[len(labels)-1]; strings.Trim(tld, "0123456789") == "" {
		return fmt.Errorf("host %q is an IP address; a QR code names the service's domain, such as dichvucong.gov.vn", host)
	}
	return nil
}

// validateTexts checks a map of texts per language at field (such as
// "items[2].text"): valid language tags, a title or a body, lengths.
func validateTexts(texts map[string]Text, field string, bad func(field, format string, args ...any)) {
	for _, lang := range slices.Sorted(maps.Keys(texts)) {
		f := field + "." + lang
		if err := checkLanguage(lang); err != nil {
			bad(f, "%v", err)
		}
		t := texts[lang]
		if strings.TrimSpace(t.Title) == "" && strings.TrimSpace(t.Body) == "" {
			bad(f, "has neither title nor body")
		}
		checkLength(f+".title", t.Title, MaxTitleRunes, bad)
		checkLength(f+".body", t.Body, MaxBodyRunes, bad)
		checkControls(f+".title", t.Title, bad)
		checkControls(f+".body", t.Body, bad)
	}
}

// validateImages checks an Images map (language or AnyLanguage to a
// picture) at field.
func validateImages(images map[string]string, field string, bad func(field, format string, args ...any), needFile func(field, p string, lim sizeLimit)) {
	for _, lang := range slices.Sorted(maps.Keys(images)) {
		f := field + "." + lang
		if lang != AnyLanguage {
			if err := checkLanguage(lang); err != nil {
				bad(f, "%v", err)
			}
		}
		checkPicture(f, images[lang], bad)
		needFile(f, images[lang], pictureLimit)
	}
}

// checkPicture refuses a picture path that is not a PNG or JPEG file name.
func checkPicture(field, p string, bad func(field, format string, args ...any)) {
	switch strings.ToLower(path.Ext(p)) {
	case ".png", ".jpg", ".jpeg":
	default:
		bad(field, "%q: want a .png, .jpg or .jpeg file", p)
	}
}
