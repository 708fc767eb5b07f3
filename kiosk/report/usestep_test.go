package report

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/vnict/kiosk/content"
)

// TestUseStepBound: a use's step is bounded by the most steps a guide may
// have, in Use.Check, in Encode and in every decoder, so a damaged or
// hostile batch cannot name a step no guide has.
func TestUseStepBound(t *testing.T) {
	if MaxUseStep != content.MaxGuideSteps {
		t.Fatalf("MaxUseStep %d, content.MaxGuideSteps %d", MaxUseStep, content.MaxGuideSteps)
	}
	at := fuzzUseBatch().Uses[0].Time
	for _, tc := range []struct {
		step int
		ok   bool
	}{{0, true}, {1, true}, {content.MaxGuideSteps, true}, {content.MaxGuideSteps + 1, false}, {1000, false}, {-1, false}} {
		u := Use{Time: at, Event: UseFinished, Guide: "khai-sinh", Lang: "km", Step: tc.step}
		if err := u.Check(); (err == nil) != tc.ok {
			t.Errorf("Check of a use at step %d: %v, want ok %v", tc.step, err, tc.ok)
		}
		b := fuzzUseBatch()
		b.Uses[len(b.Uses)-1].Step = tc.step
		if err := b.Encode(&bytes.Buffer{}); (err == nil) != tc.ok {
			t.Errorf("Encode of a use at step %d: %v, want ok %v", tc.step, err, tc.ok)
		}
	}

	for _, step := range []uint64{content.MaxGuideSteps + 1, 1000, 1 << 40} {
		one, two := stepSections(t, step)
		data := joinSections(t, one, two)
		for name, decode := range map[string]func() error{
			"DecodeSummary": func() error { _, err := DecodeSummary(bytes.NewReader(data)); return err },
			"DecodeBatch":   func() error { _, err := DecodeBatch(bytes.NewReader(data)); return err },
			"ScanSummary":   func() error { _, err := ScanSummary(bytes.NewReader(data), &collector{}); return err },
		} {
			err := decode()
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "use 7: step ") ||
				!strings.Contains(err.Error(), "past the 50 steps a guide may have") {
				t.Errorf("%s of a use at step %d: %v, want ErrCorrupt naming use 7 and its step", name, step, err)
			}
		}
	}
	// The same batch at the last step a guide may have decodes.
	one, two := stepSections(t, content.MaxGuideSteps)
	b, err := DecodeSummary(bytes.NewReader(joinSections(t, one, two)))
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Uses[len(b.Uses)-1].Step; got != content.MaxGuideSteps {
		t.Errorf("last use at step %d, want %d", got, content.MaxGuideSteps)
	}
}

// stepSections are the sections of fuzzUseBatch with its last use's step
// (at step 0, the last byte of section one) replaced by step, as a
// damaged or hostile site could write it.
func stepSections(t *testing.T, step uint64) (one, two []byte) {
	t.Helper()
	one, two = splitSections(t, encodeBatch(t, fuzzUseBatch()))
	if one[len(one)-1] != 0 {
		t.Fatalf("section one ends in %#x, want the last use's step 0", one[len(one)-1])
	}
	return binary.AppendUvarint(one[:len(one)-1:len(one)-1], step), two
}
