package studio

import (
	"net/url"
	"strings"
	"testing"
)

// Text with a bidirectional override or isolate is refused, by field and
// character, in every text input; Khmer with U+200B is kept, and the
// approve page shows each invisible character by a marked name.
func TestInvisibleCharacters(t *testing.T) {
	h := newDepartment(t).studioFor(t, t.TempDir(), "editor", false)
	h.submit("/bundles", url.Values{"id": {"b"}})
	for _, c := range []struct{ path, field, value string }{
		{"/bundles/b/text", "title-vi", "Chào \u202Eabc"},
		{"/bundles/b/text", "body-km", "ក\u2067ខ"},
		{"/bundles/b/ticker", "ticker-0-vi", "Giờ mở cửa \u202D7:30"},
	} {
		f := h.submit(c.path, url.Values{"id": {"x"}, c.field: {c.value}, "title-en": {"Hello"}})
		if !strings.Contains(f, "U&#43;20") || !strings.Contains(f, "bidirectional") || !strings.Contains(f, c.field) {
			t.Errorf("%s %s: flash %q", c.path, c.field, f)
		}
	}
	if d := readManifest(t, h.workspace+"/b"); len(d.Items) != 0 || len(d.Ticker) != 0 {
		t.Fatalf("a refused text was saved: %+v", d)
	}
	if f := h.submit("/bundles/b/text", url.Values{"id": {"x"}, "title-km": {"សូម\u200Bស្វាគមន៍"}, "title-vi": {"Chào\u00ADmừng"}}); !strings.Contains(f, "Đã thêm") {
		t.Fatalf("Khmer with U+200B: %q", f)
	}
	if d := readManifest(t, h.workspace+"/b"); d.Items[0].Text["km"].Title != "សូម\u200Bស្វាគមន៍" {
		t.Fatalf("the Khmer title saved as %q", d.Items[0].Text["km"].Title)
	}
	page := h.page("/bundles/b/approve")
	for _, want := range []string{`សូម<span class="invisible" title="U+200B">⟨ZWSP⟩</span>ស្វាគមន៍`, `Chào<span class="invisible" title="U+00AD">⟨SHY⟩</span>mừng`} {
		if !strings.Contains(page, want) {
			t.Errorf("the approve page lacks %q", want)
		}
	}
}
