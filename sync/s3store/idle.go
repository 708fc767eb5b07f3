package s3store

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// ErrStalled means the server sent no bytes of a response body for longer
// than the read timeout.
var ErrStalled = fmt.Errorf("server stopped sending")

// idleReader fails a body read that waits longer than timeout for the
// server, by cancelling the request's context. It measures only the time
// spent inside Read, so a slow consumer (a rate limiter) is not the
// server's fault.
type idleReader struct {
	r       io.ReadCloser
	timeout time.Duration
	cancel  context.CancelFunc
	key     string

	mu      sync.Mutex
	timer   *time.Timer
	stalled bool
}

func newIdleReader(r io.ReadCloser, timeout time.Duration, cancel context.CancelFunc, key string) *idleReader {
	ir := &idleReader{r: r, timeout: timeout, cancel: cancel, key: key}
	ir.timer = time.AfterFunc(timeout, ir.fire)
	ir.timer.Stop()
	return ir
}

func (ir *idleReader) fire() {
	ir.mu.Lock()
	ir.stalled = true
	ir.mu.Unlock()
	ir.cancel()
}

func (ir *idleReader) Read(p []byte) (int, error) {
	ir.timer.Reset(ir.timeout)
	n, err := ir.r.Read(p)
	ir.timer.Stop()
	if err != nil && err != io.EOF {
		ir.mu.Lock()
		stalled := ir.stalled
		ir.mu.Unlock()
		if stalled {
			return n, fmt.Errorf("read %s: %w for %s: %w", ir.key, ErrStalled, ir.timeout, err)
		}
	}
	return n, err
}

func (ir *idleReader) Close() error {
	ir.timer.Stop()
	err := ir.r.Close()
	ir.cancel()
	return err
}
