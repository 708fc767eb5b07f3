package cap

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
)

// FuzzParse: any input is read or refused with field errors naming the
// file, never a panic; what is read has an expiry after now, text and
// targets, unless it is a cancel.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.xml")
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	areas, err := LoadAreas("testdata/areas.yaml")
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 10, 5, 8, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("alert.cap", data, Options{Areas: areas, Now: now, AllowExercise: true})
		if err != nil {
			var fe *content.FieldError
			if !errors.As(err, &fe) || fe.File != "alert.cap" {
				t.Fatalf("error is not a FieldError naming the file: %v", err)
			}
			return
		}
		a := m.Alert
		if !a.Cancel && (a.Expires.IsZero() || !a.Expires.After(now) || len(a.Text) == 0 || a.Targets.IsEmpty()) {
			t.Fatalf("read an alert without expiry, text or targets: %+v", a)
		}
	})
}
