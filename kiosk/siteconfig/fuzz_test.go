package siteconfig

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vnict/kiosk/content"
)

// fuzzPath names the fuzzed config in errors.
const fuzzPath = "/etc/kiosk/fuzz-site.yaml"

// FuzzParse feeds config bytes to Parse, as a site reads its kiosk.yaml. A
// config that parses has its defaults applied, validates again and parses
// the same twice; one that does not is refused with *content.FieldError
// values naming the file. The seeds in testdata/fuzz/FuzzParse are the
// example configs and damaged ones.
func FuzzParse(f *testing.F) {
	paths, err := filepath.Glob("../../configs/*.yaml")
	if err != nil || len(paths) == 0 {
		f.Fatalf("example configs: %v %v", paths, err)
	}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := Parse(raw, fuzzPath)
		if err != nil {
			if c != nil {
				t.Fatalf("Parse returned a config with error %v", err)
			}
			checkFieldErrors(t, err)
			return
		}
		if c.Path != fuzzPath {
			t.Fatalf("Path = %q, want %q", c.Path, fuzzPath)
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted config does not validate: %v", err)
		}
		// Defaults are applied once: applying them again changes nothing.
		again := *c
		if c.Sync != nil {
			s := *c.Sync
			again.Sync = &s
		}
		again.applyDefaults()
		if !reflect.DeepEqual(&again, c) {
			t.Fatalf("defaults applied twice differ:\n%+v\n%+v", again, *c)
		}
		if w, h := c.Display.OutputSize(); w < 120 || h < 120 {
			t.Fatalf("output size %dx%d of an accepted config", w, h)
		}
		if c.Location() == nil {
			t.Fatal("no location")
		}
		c2, err := Parse(raw, fuzzPath)
		if err != nil || !reflect.DeepEqual(c, c2) {
			t.Fatalf("second parse differs: %v\n%+v\n%+v", err, c, c2)
		}
	})
}

// checkFieldErrors checks that err is a *content.FieldError, or several
// joined, each naming the fuzzed file.
func checkFieldErrors(t *testing.T, err error) {
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
		if !errors.As(e, &fe) || fe.File != fuzzPath {
			t.Fatalf("error %q (%T) is not a *content.FieldError naming %s", e, e, fuzzPath)
		}
		if !strings.HasPrefix(e.Error(), fuzzPath+": ") {
			t.Fatalf("error %q does not start with %s", e, fuzzPath)
		}
	}
}
