package fetch

import (
	"context"
	"sync"
)

// Claims keeps two fetchers sharing a cache (the network's and a USB
// import's) from writing one partial file at once: a download claims its
// object's SHA-256, and a second download of the same object waits for the
// first, then finds the object in the cache.
type Claims struct {
	mu   sync.Mutex
	held map[string]chan struct{}
}

// NewClaims returns an empty set of claims.
func NewClaims() *Claims { return &Claims{held: map[string]chan struct{}{}} }

// claim waits until no one else holds sha, then holds it until release.
func (c *Claims) claim(ctx context.Context, sha string) (release func(), err error) {
	for {
		c.mu.Lock()
		busy, ok := c.held[sha]
		if !ok {
			done := make(chan struct{})
			c.held[sha] = done
			c.mu.Unlock()
			return func() {
				c.mu.Lock()
				delete(c.held, sha)
				c.mu.Unlock()
				close(done)
			}, nil
		}
		c.mu.Unlock()
		select {
		case <-busy:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
