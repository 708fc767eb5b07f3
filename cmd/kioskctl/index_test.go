package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/kiosk/typeset"
)

// TestIndexInsertBreaks: `index --insert-breaks` writes U+200B between the
// words of the Khmer and Lao texts only, keeps the manifest valid and every
// other byte as plain `index` writes it, and changes nothing when run again.
func TestIndexInsertBreaks(t *testing.T) {
	plain, broken := contenttest.CopyDemo(t), contenttest.CopyDemo(t)
	var out, errOut bytes.Buffer
	for _, args := range [][]string{{"index", plain}, {"index", broken, "--insert-breaks"}} {
		if err := run(context.Background(), args, &out, &errOut); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut.String())
		}
	}
	read := func(dir string) []byte {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(dir, content.ManifestName))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	before, after := read(plain), read(broken)
	if bytes.Equal(before, after) {
		t.Fatal("--insert-breaks wrote the same manifest as plain index")
	}
	// Without U+200B the two manifests are the same bytes.
	zwsp := []byte(string(typeset.ZWSP))
	if !bytes.Equal(bytes.ReplaceAll(before, zwsp, nil), bytes.ReplaceAll(after, zwsp, nil)) {
		t.Error("--insert-breaks changed more than U+200B")
	}
	b, err := content.Load(os.DirFS(broken), broken)
	if err != nil {
		t.Fatalf("manifest after --insert-breaks does not load: %v", err)
	}
	if err := b.Verify(); err != nil {
		t.Fatal(err)
	}
	p, err := content.Load(os.DirFS(plain), plain)
	if err != nil {
		t.Fatal(err)
	}
	inserted := 0
	for i, it := range b.Manifest.Items {
		for lang, txt := range it.Text {
			was := p.Manifest.Items[i].Text[lang]
			for _, pair := range [][2]string{{was.Title, txt.Title}, {was.Body, txt.Body}} {
				switch lang {
				case "km", "lo":
					if want := typeset.InsertBreaks(pair[0]); pair[1] != want {
						t.Errorf("item %s %s: %q, want %q", it.ID, lang, pair[1], want)
					}
					inserted += strings.Count(pair[1], string(typeset.ZWSP)) - strings.Count(pair[0], string(typeset.ZWSP))
				default:
					if pair[0] != pair[1] {
						t.Errorf("item %s %s changed: %q to %q", it.ID, lang, pair[0], pair[1])
					}
				}
			}
		}
	}
	if inserted == 0 {
		t.Error("no U+200B inserted into the demo's Khmer and Lao")
	}
	// The demo's Khmer title, typed without U+200B, now has one between
	// each of its words, as the browser divides them.
	for _, it := range b.Manifest.Items {
		if it.ID == "welcome" {
			if got, want := it.Text["km"].Title, "សូម\u200bស្វាគមន៍មក\u200bកាន់\u200bប្រទេសវៀតណាម"; got != want {
				t.Errorf("welcome title %q, want %q", got, want)
			}
		}
	}
	if err := run(context.Background(), []string{"index", "--insert-breaks", broken}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if again := read(broken); !bytes.Equal(again, after) {
		t.Errorf("a second --insert-breaks changed the manifest:\n%s", again)
	}
}
