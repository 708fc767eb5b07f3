package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnict/kiosk/content/contenttest"
)

func TestLintCommand(t *testing.T) {
	dir := contenttest.CopyDemo(t)
	site := "../../configs/tinh-bien-gate.yaml"
	var out, errOut bytes.Buffer

	// The demo passes, with warnings.
	if err := run(context.Background(), []string{"lint", dir, "--site", site, "--font-cache", t.TempDir()}, &out, &errOut); err != nil {
		t.Fatalf("lint of the demo: %v\n%s%s", err, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "no errors") {
		t.Errorf("output does not say 'no errors':\n%s", out.String())
	}

	// An altered image fails it, naming the file.
	img := filepath.Join(dir, "images", "rice-fields.jpg")
	if err := os.WriteFile(img, []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err := run(context.Background(), []string{"lint", "--site", site, "--font-cache", t.TempDir(), dir}, &out, &errOut)
	if !errors.Is(err, errFindings) {
		t.Fatalf("lint of a tampered bundle = %v, want errFindings\n%s", err, out.String())
	}
	for _, want := range []string{"images/rice-fields.jpg", "do not approve"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output does not contain %q:\n%s", want, out.String())
		}
	}

	// Re-indexing records the new bytes; lint then fails on the image
	// itself, which no longer decodes.
	out.Reset()
	if err := run(context.Background(), []string{"index", dir}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(context.Background(), []string{"lint", dir, "--site", site, "--font-cache", t.TempDir()}, &out, &errOut)
	if !errors.Is(err, errFindings) || !strings.Contains(out.String(), "not a readable image") {
		t.Errorf("lint after re-index = %v:\n%s", err, out.String())
	}
}

// An item for another site is a note, not a warning, in lint's count, as
// are the demo's guides, which a wall leaves out.
func TestLintCountsNotesApart(t *testing.T) {
	dir := contenttest.CopyDemo(t)
	wantNotes := 1
	contenttest.EditManifest(t, dir, func(m map[string]any) {
		req, _ := m["requires"].([]any)
		m["requires"] = append(req, "schedule")
		m["items"].([]any)[0].(map[string]any)["targets"] = map[string]any{"sites": []any{"lao-cai-kim-thanh"}}
		for _, it := range m["items"].([]any) {
			if it.(map[string]any)["kind"] == "guide" {
				wantNotes = 2
			}
		}
	})
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"index", dir}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"lint", dir, "--site", "../../configs/tinh-bien-gate.yaml", "--font-cache", t.TempDir()}, &out, &errOut); err != nil {
		t.Fatalf("lint: %v\n%s", err, out.String())
	}
	warnings, notes := 0, 0
	for _, l := range strings.Split(out.String(), "\n") {
		switch {
		case strings.Contains(l, "warning:"):
			warnings++
		case strings.Contains(l, "info:"):
			notes++
		}
	}
	if notes != wantNotes {
		t.Errorf("%d notes, want %d (the item for another site, the guides):\n%s", notes, wantNotes, out.String())
	}
	if want := fmt.Sprintf("no errors, %d warnings, %d notes for site an-giang-tinh-bien", warnings, wantNotes); !strings.Contains(out.String(), want) {
		t.Errorf("summary lacks %q:\n%s", want, out.String())
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"lint", "bundle"}, {"index"}} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, &out, &errOut); err == nil {
			t.Errorf("kioskctl %v succeeded, want a usage error", args)
		}
	}
}
