package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"testing"
)

var updateGolden = flag.Bool("update", false, "write the golden files in testdata")

// TestSchedule prints a commune's Wednesday: closed outside 07:00-17:00,
// its weekday service windows, a province campaign that takes the loop
// from 09:00 and expires at 09:17:52, and the items for other sites.
func TestSchedule(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"schedule", "testdata/schedule/bundle",
		"--site", "testdata/schedule/le-tri.yaml", "--day", "2026-03-04"}, &out, &errOut)
	if err != nil {
		t.Fatalf("schedule: %v\n%s", err, errOut.String())
	}
	const golden = "testdata/schedule/le-tri-2026-03-04.golden"
	if *updateGolden {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if out.String() != string(want) {
		t.Errorf("schedule printed:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestScheduleRefusesABadDay(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"schedule", "testdata/schedule/bundle",
		"--site", "testdata/schedule/le-tri.yaml", "--day", "04/03/2026"}, &out, &errOut)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte(`--day "04/03/2026"`)) {
		t.Errorf("error %v, want one naming --day", err)
	}
}
