package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/vnict/kiosk/internal/atomicfile"
)

// Withdraw makes no release current: the department's signed publication
// no longer has a bundle for this site, so the player shows its standby
// slide. No release is previous either, so nothing falls back to the
// withdrawn one; the next activation's collection removes it. It returns
// the withdrawn release's name, or "" if none was current.
func (c *Cache) Withdraw() (string, error) {
	c.mu.Lock()
	name := c.name
	c.mu.Unlock()
	if name == "" {
		return "", nil
	}
	// Neither pointer may name it any more: Open falls back to previous
	// when current is damaged, and a withdrawn bundle must not come back
	// that way. Current goes first, so a cut between the two leaves no
	// current and a previous Open does not use.
	for _, p := range []string{"current", "previous"} {
		if err := os.Remove(filepath.Join(c.root, p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("withdraw %s: %w", name, err)
		}
	}
	if err := atomicfile.SyncDir(c.root); err != nil {
		return "", fmt.Errorf("withdraw %s: %w", name, err)
	}
	c.mu.Lock()
	c.current, c.name = nil, ""
	c.mu.Unlock()
	select {
	case c.changed <- struct{}{}:
	default:
	}
	c.log.Info("release withdrawn", "release", name)
	return name, nil
}
