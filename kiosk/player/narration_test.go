package player

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/sound"
)

// testWAV is a 16-bit mono WAV file of frames at 22050 Hz whose samples
// begin with seed (so that files differ).
func testWAV(frames int, seed string) []byte {
	data := make([]byte, 2*frames)
	copy(data, seed)
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + len(data)))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1))
	le(uint16(1))
	le(uint32(22050))
	le(uint32(44100))
	le(uint16(2))
	le(uint16(16))
	b.WriteString("data")
	le(uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

// narrationBundle is a bundle of one guide whose step is narrated in
// Vietnamese by each of files (bundle path: bytes), in the order named;
// listed overrides a file's manifest entry.
func narrationBundle(t *testing.T, version int64, names []string, files map[string][]byte, listed ...content.File) *content.Bundle {
	t.Helper()
	m := content.Manifest{Format: content.FormatVersion, ID: "guides", Version: version, Created: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		Requires: []string{content.FeatureGuides}}
	var steps []content.Step
	fsys := fstest.MapFS{}
	for _, name := range names {
		steps = append(steps, content.Step{Narration: map[string]string{"vi": name}, Text: map[string]content.Text{"vi": {Title: "Bước"}}})
		f := content.Describe(name, files[name])
		for _, l := range listed {
			if l.Path == name {
				f = l
			}
		}
		m.Files = append(m.Files, f)
		fsys[name] = &fstest.MapFile{Data: files[name]}
	}
	m.Items = []content.Item{{ID: "vneid", Kind: content.KindGuide, Text: map[string]content.Text{"vi": {Title: "VNeID"}},
		Guide: &content.Guide{Steps: steps}}}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	fsys[content.ManifestName] = &fstest.MapFile{Data: raw}
	b, err := content.Load(fsys, "test")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkWAV(wav []byte) error {
	_, err := sound.CheckWAV(wav)
	return err
}

// TestNarrationLoads: the guide worker reads a step's narration from the
// bundle (verified against the manifest) and checks it before a step
// offers it; what cannot play is refused with a reason; and nothing is
// written to the temporary folder, whatever the number of publications.
// (A file listed larger than content.MaxNarrationBytes, which the worker
// refuses without reading, is refused by the bundle's validation first.)
func TestNarrationLoads(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	good := testWAV(22050, "good")
	ogg := append([]byte("OggS\x00\x02"), make([]byte, 100)...)
	tests := []struct {
		name   string
		data   []byte
		listed *[]byte // the bytes the manifest lists, when not the file's
		want   string  // "" loads
	}{
		{"a WAV file", good, nil, ""},
		{"an Ogg stream", ogg, nil, "not a WAV file but an Ogg stream"},
		{"8-bit", bytes.Replace(good, []byte{2, 0, 16, 0}, []byte{1, 0, 8, 0}, 1), nil, "8 bits a sample"},
		// Listed as the good file, found altered on disk.
		{"altered after signing", append(bytes.Clone(good[:len(good)-1]), 1), &good, "SHA-256"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newGuideWorker(slog.New(slog.DiscardHandler), nil, nil, nil)
			var listed []content.File
			if tc.listed != nil {
				listed = append(listed, content.Describe("narration/1-vi.wav", *tc.listed))
			}
			b := narrationBundle(t, 1, []string{"narration/1-vi.wav"}, map[string][]byte{"narration/1-vi.wav": tc.data}, listed...)
			n, err := w.narration(b, "narration/1-vi.wav", checkWAV)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(n.wav, tc.data) || n.name != "narration/1-vi.wav" {
					t.Errorf("narration %s of %d bytes, want the bundle's %d", n.name, len(n.wav), len(tc.data))
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "narration/1-vi.wav") {
				t.Errorf("error %v, want one naming the file and saying %q", err, tc.want)
			}
		})
	}

	// Twenty publications of a narrated guide, each with new narration.
	w := newGuideWorker(slog.New(slog.DiscardHandler), nil, nil, nil)
	for v := range 20 {
		name := fmt.Sprintf("narration/1-vi-v%d.wav", v)
		b := narrationBundle(t, int64(v+1), []string{name}, map[string][]byte{name: testWAV(1<<19, fmt.Sprint("version ", v))})
		if _, err := w.narration(b, name, checkWAV); err != nil {
			t.Fatal(err)
		}
	}
	if w.voices.used > w.voices.max {
		t.Errorf("the narration kept is %d bytes, more than the %d allowed", w.voices.used, w.voices.max)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the temporary folder holds %d entries", len(left))
	}
}

// TestNarrationShared: screens of the same narration file share its bytes
// (by SHA-256, whatever its name or bundle version); the cache keeps at
// most its budget, the least recently used going first but never the
// narration of the screen on show, and a screen laid out ahead whose
// narration goes is dropped with it (its bytes are not kept behind the
// budget's back).
func TestNarrationShared(t *testing.T) {
	const mb = 1 << 20
	files := map[string][]byte{}
	var names []string
	for i := range 5 {
		name := fmt.Sprintf("narration/%d-vi.wav", i+1)
		files[name] = testWAV(mb/2-22, name) // 1 MB each, header included
		names = append(names, name)
	}
	files["narration/1-vi-copy.wav"] = files["narration/1-vi.wav"]
	names = append(names, "narration/1-vi-copy.wav")
	b := narrationBundle(t, 1, names, files)
	b2 := narrationBundle(t, 2, names, files)

	w := newGuideWorker(slog.New(slog.DiscardHandler), nil, nil, nil)
	w.voices.max = 3 * mb
	load := func(b *content.Bundle, name string) *narration {
		t.Helper()
		n, err := w.narration(b, name, checkWAV)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// A screen laid out ahead for each step.
	ahead := func(step int, n *narration) {
		key := screenKey{kind: scrStep, lang: "vi", guide: "vneid", step: step, voice: true}
		if w.ahead == nil {
			w.ahead = map[screenKey]*iscreen{}
		}
		w.ahead[key] = &iscreen{narration: n}
		w.aheadOrder = append(w.aheadOrder, key)
	}
	one := load(b, "narration/1-vi.wav")
	w.current = one.sha // on show
	ahead(0, one)
	if copy1, v2 := load(b, "narration/1-vi-copy.wav"), load(b2, "narration/1-vi.wav"); &copy1.wav[0] != &one.wav[0] || &v2.wav[0] != &one.wav[0] {
		t.Error("the same file under another name, or in the next version, is read again")
	}
	ahead(1, load(b, "narration/2-vi.wav"))
	ahead(2, load(b, "narration/3-vi.wav"))
	if w.voices.used != 3*mb || len(w.ahead) != 3 {
		t.Fatalf("kept %d bytes, %d screens", w.voices.used, len(w.ahead))
	}
	// A fourth file: the least recently used that is not on show goes
	// (the second), and the screen holding it.
	ahead(3, load(b, "narration/4-vi.wav"))
	if _, ok := w.voices.m[one.sha]; !ok {
		t.Error("the narration on show was dropped")
	}
	if w.voices.used > w.voices.max {
		t.Errorf("kept %d bytes, more than the %d allowed", w.voices.used, w.voices.max)
	}
	var steps []int
	for _, k := range w.aheadOrder {
		steps = append(steps, k.step)
		if w.ahead[k] == nil {
			t.Errorf("step %d in the order but not kept", k.step)
		}
	}
	if fmt.Sprint(steps) != "[0 2 3]" || len(w.ahead) != 3 {
		t.Errorf("screens kept ahead for steps %v (%d), want [0 2 3]: step 1's narration went", steps, len(w.ahead))
	}
	// The file on show is used again: it stays; the next one pushes out
	// the third.
	load(b, "narration/1-vi.wav")
	w.current = ""
	load(b, "narration/5-vi.wav")
	if _, ok := w.voices.m[one.sha]; !ok {
		t.Error("the most recently used narration was dropped")
	}
	if len(w.ahead) != 2 {
		t.Errorf("%d screens ahead, want 2 (step 2's narration went)", len(w.ahead))
	}
}

// TestNarrationCachePutsNothingTooLarge: a file larger than the whole
// budget is handed out but not kept, and drops nothing.
func TestNarrationCachePutsNothingTooLarge(t *testing.T) {
	c := narrationCache{max: 100}
	if dropped := c.put("a", make([]byte, 60), ""); len(dropped) != 0 {
		t.Fatal(dropped)
	}
	if dropped := c.put("b", make([]byte, 101), ""); len(dropped) != 0 || c.used != 60 {
		t.Errorf("dropped %v, %d bytes kept", dropped, c.used)
	}
	if dropped := c.put("c", make([]byte, 50), "a"); len(dropped) != 0 || c.used != 60 {
		t.Errorf("with a on show: dropped %v, %d bytes kept", dropped, c.used)
	}
	if _, ok := c.get("c"); ok {
		t.Error("kept c beyond the budget")
	}
}
