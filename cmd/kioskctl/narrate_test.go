package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/lint"
)

// narrationBundle writes a bundle with one guide of two steps: step 1 in
// Vietnamese, Khmer and English with a recorded Khmer narration; step 2
// in Vietnamese, Khmer and Chinese. It returns the folder.
func narrationBundle(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	recorded := filepath.Join(dir, "narration", "recorded", "1-km.wav")
	if err := os.MkdirAll(filepath.Dir(recorded), 0o755); err != nil {
		t.Fatal(err)
	}
	// A second of silence stands for a speaker's recording.
	if err := os.WriteFile(recorded, silentWAV(16000, 16000), 0o644); err != nil {
		t.Fatal(err)
	}
	m := map[string]any{
		"format": 1, "id": "narrate-test", "version": 1, "created": "2026-11-20T08:00:00Z",
		"requires": []any{"guides"},
		"items": []any{
			map[string]any{"id": "welcome", "kind": "text", "text": map[string]any{"vi": map[string]any{"title": "Chào mừng"}}},
			map[string]any{
				"id": "birth", "kind": "guide",
				"text": map[string]any{"vi": map[string]any{"title": "Đăng ký khai sinh"}, "km": map[string]any{"title": "ចុះបញ្ជីកំណើត"}},
				"guide": map[string]any{"steps": []any{
					map[string]any{
						"text": map[string]any{
							"vi": map[string]any{"title": "Mở Cổng dịch vụ công", "body": "Quét mã QR bằng điện thoại của bạn."},
							"km": map[string]any{"title": "បើកវិបផតថលសេវាសាធារណៈ"},
							"en": map[string]any{"title": "Open the public service portal", "body": "Scan the QR code with your phone."},
						},
						"narration": map[string]any{"km": "narration/recorded/1-km.wav"},
					},
					map[string]any{
						"text": map[string]any{
							"vi": map[string]any{"body": "Điền tờ khai và gửi hồ sơ."},
							"km": map[string]any{"body": "បំពេញពាក្យស្នើសុំ"},
							"zh": map[string]any{"title": "填写申请表并提交"},
						},
					},
				}},
			},
		},
		"files": []any{},
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, content.ManifestName), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := content.IndexDir(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// silentWAV is a 16-bit mono WAV file of frames zero samples.
func silentWAV(rate, frames int) []byte {
	var b bytes.Buffer
	u32 := func(v int) { b.Write([]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}) }
	u16 := func(v int) { b.Write([]byte{byte(v), byte(v >> 8)}) }
	b.WriteString("RIFF")
	u32(36 + 2*frames)
	b.WriteString("WAVEfmt ")
	u32(16)
	u16(1)
	u16(1)
	u32(rate)
	u32(rate * 2)
	u16(2)
	u16(16)
	b.WriteString("data")
	u32(2 * frames)
	b.Write(make([]byte, 2*frames))
	return b.Bytes()
}

func narrate(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"narrate"}, args...), &out, &errOut)
	return out.String() + errOut.String(), err
}

func readManifest(t *testing.T, dir string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, content.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// checkNarration checks that the bundle's step narration is want (lang to
// path, per step), that each file is listed with its hash and size, and
// that each rendered file decodes as sound of a plausible length.
func checkNarration(t *testing.T, dir string, want []map[string]string) *content.Bundle {
	t.Helper()
	b, err := content.LoadDir(dir)
	if err != nil {
		t.Fatalf("bundle after narrate: %v", err)
	}
	if err := b.Verify(); err != nil {
		t.Fatalf("bundle after narrate does not verify: %v", err)
	}
	steps := b.Manifest.Items[1].Guide.Steps
	for i, w := range want {
		got := steps[i].Narration
		if len(got) != len(w) {
			t.Errorf("step %d narration = %v, want %v", i+1, got, w)
		}
		for lang, p := range w {
			if got[lang] != p {
				t.Errorf("step %d narration %s = %q, want %q", i+1, lang, got[lang], p)
				continue
			}
			data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
			if err != nil {
				t.Fatal(err)
			}
			f, ok := b.File(p)
			sum := sha256.Sum256(data)
			if !ok || f.SHA256 != hex.EncodeToString(sum[:]) || f.Size != int64(len(data)) {
				t.Errorf("%s listed as %+v (%v); its bytes have SHA-256 %x and %d bytes", p, f, ok, sum, len(data))
			}
			a, err := lint.CheckNarration(p, data)
			if err != nil {
				t.Errorf("%s does not decode: %v", p, err)
				continue
			}
			if strings.HasPrefix(p, "narration/birth/") && (a.Duration < 500*time.Millisecond || a.Duration > time.Minute) {
				t.Errorf("%s lasts %v; a short step read aloud lasts a few seconds", p, a.Duration)
			}
		}
	}
	return b
}

func TestNarrate(t *testing.T) {
	dir := narrationBundle(t)
	out, err := narrate(t, dir)
	if err != nil {
		t.Fatalf("narrate: %v\n%s", err, out)
	}
	want := []map[string]string{
		{"vi": "narration/birth/1-vi.wav", "en": "narration/birth/1-en.wav", "km": "narration/recorded/1-km.wav"},
		{"vi": "narration/birth/2-vi.wav", "zh": "narration/birth/2-zh.wav"},
	}
	checkNarration(t, dir, want)
	for _, s := range []string{
		"skipped km: espeak-ng has no km voice; record narration for birth step 2\n",
		"narration/birth/2-zh.wav: birth step 2 zh, voice cmn",
		"narration/birth/1-en.wav: birth step 1 en, voice en",
		"narration/birth/1-vi.wav: birth step 1 vi, voice vi",
		"4 narration files rendered",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("output does not contain %q:\n%s", s, out)
		}
	}

	// A second run adds nothing and writes nothing.
	before := readManifest(t, dir)
	stamp, err := os.Stat(filepath.Join(dir, "narration/birth/1-vi.wav"))
	if err != nil {
		t.Fatal(err)
	}
	out, err = narrate(t, dir)
	if err != nil {
		t.Fatalf("second narrate: %v\n%s", err, out)
	}
	if !strings.Contains(out, "nothing to render") || strings.Contains(out, ".wav:") {
		t.Errorf("second run output:\n%s", out)
	}
	if !bytes.Equal(before, readManifest(t, dir)) {
		t.Error("second run changed the manifest")
	}
	if st, _ := os.Stat(filepath.Join(dir, "narration/birth/1-vi.wav")); !st.ModTime().Equal(stamp.ModTime()) {
		t.Error("second run rewrote a narration file")
	}

	// --force renders every voiced narration again, and leaves the
	// recorded Khmer file alone.
	if err := os.WriteFile(filepath.Join(dir, "narration/birth/1-vi.wav"), silentWAV(8000, 8000), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = narrate(t, dir, "--force")
	if err != nil {
		t.Fatalf("narrate --force: %v\n%s", err, out)
	}
	if !strings.Contains(out, "4 narration files rendered") {
		t.Errorf("--force output:\n%s", out)
	}
	b := checkNarration(t, dir, want)
	if f, _ := b.File("narration/birth/1-vi.wav"); f.Size == int64(len(silentWAV(8000, 8000))) {
		t.Error("--force did not render narration/birth/1-vi.wav again")
	}
}

func TestNarrateLanguagesAndVoices(t *testing.T) {
	dir := narrationBundle(t)
	out, err := narrate(t, dir, "--lang", "en,km", "--voice", "en=en-us")
	if err != nil {
		t.Fatalf("narrate: %v\n%s", err, out)
	}
	checkNarration(t, dir, []map[string]string{
		{"en": "narration/birth/1-en.wav", "km": "narration/recorded/1-km.wav"},
		{},
	})
	if !strings.Contains(out, "narration/birth/1-en.wav: birth step 1 en, voice en-us") ||
		!strings.Contains(out, "skipped km") || !strings.Contains(out, "1 narration files rendered") {
		t.Errorf("output:\n%s", out)
	}
}

func TestNarrateRefuses(t *testing.T) {
	notBundle := t.TempDir()
	file := filepath.Join(notBundle, "notes.txt")
	if err := os.WriteFile(file, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, content.ManifestName), []byte(`{"format": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args func(bundle string) []string
		want string
	}{
		{"no bundle", func(string) []string { return nil }, "want one bundle folder"},
		{"a folder without a manifest", func(string) []string { return []string{notBundle} }, "is not a bundle"},
		{"a file", func(string) []string { return []string{file} }, "is not a bundle folder"},
		{"a manifest that does not validate", func(string) []string { return []string{broken} }, "manifest.json: id"},
		{"a voice without a language", func(b string) []string { return []string{b, "--voice", "cmn"} }, "want LANG=VOICE"},
		{"a voice that reads as an option", func(b string) []string { return []string{b, "--voice", "vi=-w/etc/x"} }, "not an espeak-ng voice name"},
		{"a language that is not a tag", func(b string) []string { return []string{b, "--lang", "vietnamese!"} }, "not a language tag"},
		{"a speed too fast to follow", func(b string) []string { return []string{b, "--speed", "900"} }, "want 80 to 450"},
		{"a voice espeak-ng lacks", func(b string) []string { return []string{b, "--voice", "vi=no-such-voice"} }, `espeak-ng has no voice "no-such-voice" (for vi)`},
		{"no espeak-ng", func(b string) []string { return []string{b, "--espeak", "/nonexistent/espeak-ng"} }, "install Debian's espeak-ng"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := narrationBundle(t)
			before := readManifest(t, dir)
			out, err := narrate(t, tc.args(dir)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("narrate = %v, want an error containing %q\n%s", err, tc.want, out)
			}
			if !bytes.Equal(before, readManifest(t, dir)) {
				t.Error("a refused narrate changed the manifest")
			}
			if _, err := os.Stat(filepath.Join(dir, "narration", "birth")); !os.IsNotExist(err) {
				t.Errorf("a refused narrate wrote narration files (%v)", err)
			}
		})
	}
}

// TestNarrateTimesOut: a speech program that hangs is stopped after
// --timeout and the bundle is left as it was.
func TestNarrateTimesOut(t *testing.T) {
	dir := narrationBundle(t)
	hang := filepath.Join(t.TempDir(), "espeak-ng")
	real, err := exec.LookPath("espeak-ng")
	if err != nil {
		t.Fatal(err)
	}
	// It lists the real voices, then hangs on rendering.
	script := "#!/bin/sh\nif [ \"$1\" = --voices ]; then exec " + real + " --voices; fi\nexec sleep 30\n"
	if err := os.WriteFile(hang, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	out, err := narrate(t, dir, "--espeak", hang, "--timeout", "300ms")
	if err == nil || !strings.Contains(err.Error(), "longer than 300ms") {
		t.Fatalf("narrate with a hanging espeak-ng = %v, want a time-out\n%s", err, out)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("narrate took %v to give up", d)
	}
	if _, err := os.Stat(filepath.Join(dir, "narration", "birth")); !os.IsNotExist(err) {
		t.Error("a timed-out narrate wrote narration files")
	}
}

func TestSpokenText(t *testing.T) {
	for _, tc := range []struct {
		in   content.Text
		want string
	}{
		{content.Text{Title: "Mở Cổng dịch vụ công", Body: "Quét mã QR."}, "Mở Cổng dịch vụ công.\nQuét mã QR."},
		{content.Text{Title: "Bước 1:", Body: "Mở"}, "Bước 1:\nMở"},
		{content.Text{Body: "  Điền tờ khai  "}, "Điền tờ khai"},
		// Phoneme input is read as the words the screen shows.
		{content.Text{Title: "Xin chào [[h@l'oU]] các bạn"}, "Xin chào [h@l'oU] các bạn"},
		{content.Text{Title: "a [[[[b]]]] c", Body: "[[x"}, "a [b] c.\n[x"},
		{content.Text{Title: "[ [x] ]"}, "[ [x] ]"},
		// Control characters (refused in a bundle) are never commands.
		{content.Text{Title: "Xin chao \x0120S cac ban \x0150A to lam"}, "Xin chao  20S cac ban  50A to lam"},
		{content.Text{Body: "Dòng một\nDòng hai\u0085\x7f"}, "Dòng một\nDòng hai"},
	} {
		if got := spokenText(tc.in); got != tc.want {
			t.Errorf("spokenText(%+v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestNarratePhonemeEscapes: a step whose text holds espeak-ng's phoneme
// escapes ("[[...]]") reaches espeak-ng without them; the words inside
// are read as words. A wrapper around espeak-ng keeps the text files it
// was given.
func TestNarratePhonemeEscapes(t *testing.T) {
	dir := narrationBundle(t)
	contentEdit(t, dir, "Quét mã QR bằng điện thoại của bạn.", "Quét [[h@l'oU w3:ld]] mã QR.")
	if _, err := content.IndexDir(dir); err != nil {
		t.Fatal(err)
	}
	real, err := exec.LookPath("espeak-ng")
	if err != nil {
		t.Fatal(err)
	}
	kept := t.TempDir()
	wrapper := filepath.Join(t.TempDir(), "espeak-ng")
	script := "#!/bin/sh\nfor a; do case $a in *.txt) cp \"$a\" " + kept + "/; esac; done\nexec " + real + " \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := narrate(t, dir, "--lang", "vi", "--espeak", wrapper)
	if err != nil {
		t.Fatalf("narrate: %v\n%s", err, out)
	}
	texts, err := filepath.Glob(filepath.Join(kept, "*.txt"))
	if err != nil || len(texts) != 2 {
		t.Fatalf("espeak-ng was given %v (%v), want the text of 2 steps", texts, err)
	}
	found := false
	for _, p := range texts {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte("[[")) || bytes.Contains(data, []byte("]]")) {
			t.Errorf("espeak-ng was given phoneme escapes: %q", data)
		}
		found = found || bytes.Contains(data, []byte("Quét [h@l'oU w3:ld] mã QR."))
	}
	if !found {
		t.Error("no text given to espeak-ng holds the step's words")
	}
}

// TestNarrateRefusesControlCharacters: a manifest whose step text holds
// espeak-ng's command character (U+0001, "20S" sets the speed) is refused
// before anything is rendered, naming the field.
func TestNarrateRefusesControlCharacters(t *testing.T) {
	dir := narrationBundle(t)
	contentEdit(t, dir, "Quét mã QR bằng điện thoại của bạn.", "Xin chao \\u000120S cac ban \\u000150A to lam")
	before := readManifest(t, dir)
	out, err := narrate(t, dir)
	if err == nil || !strings.Contains(err.Error(), "manifest.json: items[1].guide.steps[0].text.vi.body: control character U+0001") {
		t.Fatalf("narrate = %v, want a refusal naming the field\n%s", err, out)
	}
	if !bytes.Equal(before, readManifest(t, dir)) {
		t.Error("a refused narrate changed the manifest")
	}
	if _, err := os.Stat(filepath.Join(dir, "narration", "birth")); !os.IsNotExist(err) {
		t.Errorf("a refused narrate wrote narration files (%v)", err)
	}
}

// contentEdit replaces old by new (JSON text) in the manifest of dir.
func contentEdit(t *testing.T, dir, old, new string) {
	t.Helper()
	raw := readManifest(t, dir)
	if !bytes.Contains(raw, []byte(old)) {
		t.Fatalf("manifest has no %q", old)
	}
	raw = bytes.Replace(raw, []byte(old), []byte(new), 1)
	if err := os.WriteFile(filepath.Join(dir, content.ManifestName), raw, 0o644); err != nil {
		t.Fatal(err)
	}
}
