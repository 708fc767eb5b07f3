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
// slide. The withdrawn release becomes the previous one (kept, not played:
// Open falls back to previous only when current is damaged, and there is
// no current now). It returns the withdrawn release's name, or "" if none
// was current.
func (c *Cache) Withdraw() (string, error) {
	c.mu.Lock()
	name := c.name
	c.mu.Unlock()
	if name == "" {
		return "", nil
	}
	if err := c.writePointer("previous", name); err != nil {
		return "", fmt.Errorf("withdraw %s: %w", name, err)
	}
	if err := os.Remove(filepath.Join(c.root, "current")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("withdraw %s: %w", name, err)
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
