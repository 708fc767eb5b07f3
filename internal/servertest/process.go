package servertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Process runs a server binary for a harness, one run at a time: Start
// again after Stop makes a new run with the command it is given. Every
// line the server writes goes to Out, with the harness's own notes.
type Process struct {
	// Harness names the harness in messages ("miniotest").
	Harness string
	Out     *Output

	mu  sync.Mutex
	run *run // nil while stopped
}

// run is one run of the server binary.
type run struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd.Wait returns
	err  error         // cmd.Wait's result, set before done closes
}

// Start starts cmd, its output going to Out, and returns a channel closed
// when it exits. A command that does not start fails the test.
func (p *Process) Start(t testing.TB, cmd *exec.Cmd) <-chan struct{} {
	t.Helper()
	cmd.Stdout, cmd.Stderr = p.Out, p.Out
	fmt.Fprintf(p.Out, "--- %s: %s\n", p.Harness, strings.Join(cmd.Args, " "))
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: start %s: %v", p.Harness, cmd.Path, err)
	}
	r := &run{cmd: cmd, done: make(chan struct{})}
	go func() {
		r.err = cmd.Wait()
		close(r.done)
	}()
	p.mu.Lock()
	p.run = r
	p.mu.Unlock()
	return r.done
}

// Stop stops the server: SIGTERM, then SIGKILL if it has not exited after
// timeout. Stopping a stopped server does nothing.
func (p *Process) Stop(timeout time.Duration) {
	p.mu.Lock()
	r := p.run
	p.run = nil
	p.mu.Unlock()
	if r == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-r.done:
	case <-timer.C:
		_ = r.cmd.Process.Kill()
		<-r.done
	}
	fmt.Fprintf(p.Out, "--- %s: server stopped (%v)\n", p.Harness, r.err)
}

// Signal sends sig to the running server, if one runs; a failure is
// logged.
func (p *Process) Signal(t testing.TB, sig os.Signal) {
	p.mu.Lock()
	r := p.run
	p.mu.Unlock()
	if r == nil {
		return
	}
	if err := r.cmd.Process.Signal(sig); err != nil {
		t.Logf("%s: signal %v: %v", p.Harness, sig, err)
	}
}

// Client returns a minio-go client for the S3 server at endpoint with the
// given credentials, over HTTPS trusting caFile when it is set.
func Client(t testing.TB, harness, endpoint, accessKey, secretKey, caFile string) *minio.Client {
	t.Helper()
	c, err := minio.New(endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(accessKey, secretKey, ""),
		Secure:    caFile != "",
		Transport: Transport(t, caFile),
	})
	if err != nil {
		t.Fatalf("%s: client for %s: %v", harness, endpoint, err)
	}
	return c
}

// MakeBucket creates the named bucket through c.
func MakeBucket(t testing.TB, harness string, c *minio.Client, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.MakeBucket(ctx, name, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("%s: make bucket %s: %v", harness, name, err)
	}
}
