package content_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"path"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/demo"
)

// FuzzParseManifest feeds manifest bytes to ParseManifest and Load, as a
// site does with a manifest from the store or a USB stick. A manifest that
// parses validates and survives a round trip through JSON; one that does
// not is refused with *content.FieldError values naming manifest.json.
// The seeds in testdata/fuzz/FuzzParseManifest are the demo manifest and
// damaged copies of it.
func FuzzParseManifest(f *testing.F) {
	raw, err := fs.ReadFile(demo.FS(), content.ManifestName)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := content.ParseManifest(raw)
		content.UnknownFields(raw)
		if err != nil {
			if m != nil {
				t.Fatalf("ParseManifest returned a manifest with error %v", err)
			}
			checkFieldErrors(t, err, content.ManifestName)
		} else {
			checkManifest(t, m)
		}

		b, lerr := content.Load(fstest.MapFS{content.ManifestName: {Data: raw}}, "fuzz-bundle")
		if (err == nil) != (lerr == nil) {
			t.Fatalf("ParseManifest error %v, but Load error %v", err, lerr)
		}
		if lerr != nil {
			if !strings.HasPrefix(lerr.Error(), "bundle fuzz-bundle: manifest.json") {
				t.Fatalf("Load error %q does not name the bundle and manifest.json", lerr)
			}
			return
		}
		for _, file := range b.Manifest.Files {
			if got, ok := b.File(file.Path); !ok || got != file {
				t.Fatalf("File(%q) = %+v, %v; want %+v", file.Path, got, ok, file)
			}
		}
		// Only the manifest is there: every listed file is missing.
		if verr := b.Verify(); (verr != nil) != (len(b.Manifest.Files) > 0) {
			t.Fatalf("Verify of a bundle without its %d files = %v", len(b.Manifest.Files), verr)
		}
	})
}

// checkManifest checks a manifest ParseManifest accepted: it validates
// again, and its JSON encoding parses to the same encoding.
func checkManifest(t *testing.T, m *content.Manifest) {
	t.Helper()
	if err := m.Validate(); err != nil {
		t.Fatalf("accepted manifest does not validate: %v", err)
	}
	if len(m.Items) == 0 {
		t.Fatal("accepted manifest has no items")
	}
	checkAccepted(t, m)
	enc, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("accepted manifest does not encode: %v", err)
	}
	m2, err := content.ParseManifest(enc)
	if err != nil {
		t.Fatalf("re-encoded manifest refused: %v\n%s", err, enc)
	}
	enc2, err := json.Marshal(m2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, enc2) {
		t.Fatalf("round trip changed the manifest:\n%s\n%s", enc, enc2)
	}
}

// checkAccepted checks what an accepted manifest promises a site: text
// without control characters but "\n" (a speech engine obeys some),
// narration in WAV of at most content.MaxNarrationBytes, pictures of at
// most content.MaxImageBytes, and QR URLs that content.CheckQR accepts.
func checkAccepted(t *testing.T, m *content.Manifest) {
	t.Helper()
	size := map[string]int64{}
	for _, f := range m.Files {
		size[f.Path] = f.Size
	}
	text := func(where, s string) {
		for _, r := range s {
			if r != '\n' && unicode.IsControl(r) {
				t.Fatalf("accepted %s holds control character %U: %q", where, r, s)
			}
		}
	}
	picture := func(where, p string) {
		if size[p] > content.MaxImageBytes {
			t.Fatalf("accepted %s %q of %d bytes", where, p, size[p])
		}
	}
	text("title", m.Title)
	for _, msg := range m.Ticker {
		for _, s := range msg {
			text("ticker", s)
		}
	}
	for _, it := range m.Items {
		for _, tx := range it.Text {
			text("item text", tx.Title+tx.Body)
		}
		for _, p := range it.Images {
			picture("image", p)
		}
		if it.Guide == nil {
			continue
		}
		for _, st := range it.Guide.Steps {
			for _, tx := range st.Text {
				text("step text", tx.Title+tx.Body)
			}
			if st.Picture != "" {
				picture("step picture", st.Picture)
			}
			if st.QR != "" {
				if err := content.CheckQR(st.QR); err != nil {
					t.Fatalf("accepted QR %q: %v", st.QR, err)
				}
			}
			for _, p := range st.Narration {
				if !strings.EqualFold(path.Ext(p), content.NarrationExt) || size[p] > content.MaxNarrationBytes {
					t.Fatalf("accepted narration %q of %d bytes", p, size[p])
				}
			}
		}
	}
}

// checkFieldErrors checks that err is a *content.FieldError, or several
// joined, each naming file.
func checkFieldErrors(t *testing.T, err error, file string) {
	t.Helper()
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	if len(errs) == 0 {
		t.Fatalf("error %v joins no errors", err)
	}
	for _, e := range errs {
		var fe *content.FieldError
		if !errors.As(e, &fe) || fe.File != file {
			t.Fatalf("error %q (%T) is not a *content.FieldError naming %s", e, e, file)
		}
		if !strings.HasPrefix(e.Error(), file+": ") {
			t.Fatalf("error %q does not start with %s", e, file)
		}
	}
}
