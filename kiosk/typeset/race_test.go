package typeset

import (
	"strings"
	"sync"
	"testing"
)

// TestConcurrentFirstUse: the word lists are indexed once, however many
// goroutines set Khmer and Lao text at the same time, and every goroutine
// gets the same lines (run with -race, as make test does).
func TestConcurrentFirstUse(t *testing.T) {
	text := paragraphs[1].text + " " + paragraphs[2].text
	got := make([]string, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i] = strings.Join(Wrap(text, 20, clusters), "|") })
	}
	wg.Wait()
	for i, g := range got {
		if g != got[0] || !strings.Contains(g, "|") {
			t.Errorf("goroutine %d: %q, goroutine 0: %q", i, g, got[0])
		}
	}
}
