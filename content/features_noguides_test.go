//go:build noguides

package content

import (
	"errors"
	"testing"
)

// TestPlayerWithoutGuides checks that the package built as a player was
// before guides (and video) refuses a bundle that requires them, naming
// the field.
func TestPlayerWithoutGuides(t *testing.T) {
	_, err := ParseManifest(mustJSON(t, guideManifest()))
	if !errors.Is(err, ErrUnsupportedFeature) {
		t.Fatalf("guide bundle: error %v, want %v", err, ErrUnsupportedFeature)
	}
	if !hasField(err, "requires[0]") {
		t.Errorf("error %q does not name requires[0]", err)
	}
	_, err = ParseManifest(mustJSON(t, videoManifest()))
	if !errors.Is(err, ErrUnsupportedFeature) || !hasField(err, "requires[0]") {
		t.Fatalf("video bundle: error %v, want %v naming requires[0]", err, ErrUnsupportedFeature)
	}
	m := validManifest()
	if _, err := ParseManifest(mustJSON(t, m)); err != nil {
		t.Errorf("bundle without guides refused: %v", err)
	}
}
