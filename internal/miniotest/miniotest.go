// Package miniotest starts a real MinIO server for tests.
//
// Tests of the S3 path run against the MinIO binary that `make deps` builds
// into bin/minio (or the one named by KIOSK_MINIO_BIN) instead of a fake S3:
// a fake would agree with our own reading of S3 and so hide exactly the
// mistakes these tests are there to catch (lazy errors, ranges, 404 codes,
// notification streams). The server starts in about a second on a free
// loopback port with its data in t.TempDir(), and can be stopped and started
// again on the same port and data to simulate an outage. Clients are built
// with github.com/minio/minio-go/v7, the S3 client the kiosk itself uses.
package miniotest

import (
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/vnict/kiosk/internal/servertest"
)

const (
	// startTimeout bounds how long Start and Restart wait for the server
	// to answer its health check.
	startTimeout = 30 * time.Second
	// stopTimeout is how long Stop waits after SIGTERM before SIGKILL.
	stopTimeout = 10 * time.Second
	// binEnv names an explicit MinIO binary, overriding bin/minio.
	binEnv = "KIOSK_MINIO_BIN"
)

// Server is a MinIO server run by a test. Its fields are read-only.
type Server struct {
	// Endpoint is host:port of the S3 API, e.g. "127.0.0.1:38123".
	Endpoint string
	// AccessKey and SecretKey are the root credentials.
	AccessKey string
	SecretKey string

	// CAFile, for a server from StartTLS, is the PEM certificate a
	// client must trust; "" for a plain HTTP server.
	CAFile string

	bin         string
	dataDir     string
	certsDir    string
	consoleAddr string

	proc servertest.Process
}

// Start starts a MinIO server on a free loopback port with an empty data
// directory, waits until it is ready, and stops it when the test ends. The
// server's output is logged if the test fails.
func Start(t testing.TB) *Server {
	t.Helper()
	return startServer(t, false)
}

// StartTLS is Start with HTTPS: a certificate for 127.0.0.1, signed by
// itself, in the server's certs folder, and its PEM in CAFile for clients
// to trust, as a department's own CA would be.
func StartTLS(t testing.TB) *Server {
	t.Helper()
	return startServer(t, true)
}

func startServer(t testing.TB, withTLS bool) *Server {
	t.Helper()
	bin := servertest.Binary(t, "miniotest", "minio", binEnv)
	// Directories first: cleanups run last-in first-out, so the server is
	// stopped before its data directory is removed.
	dataDir := t.TempDir()
	certsDir := t.TempDir()
	s := &Server{
		Endpoint:    "127.0.0.1:" + strconv.Itoa(servertest.FreePort(t)),
		AccessKey:   "kiosktest",
		SecretKey:   servertest.RandomHex(t, 16),
		bin:         bin,
		dataDir:     dataDir,
		certsDir:    certsDir,
		consoleAddr: "127.0.0.1:" + strconv.Itoa(servertest.FreePort(t)),
		proc:        servertest.Process{Harness: "miniotest", Out: &servertest.Output{}},
	}
	if withTLS {
		s.CAFile = filepath.Join(certsDir, "public.crt")
		servertest.WriteCert(t, s.CAFile, filepath.Join(certsDir, "private.key"))
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("minio output (%s):\n%s", s.Endpoint, s.proc.Out.String())
		}
	})
	s.start(t)
	return s
}

// Restart starts the server again after Stop, on the same port and data
// directory, and waits until it is ready. If the server is running it is
// stopped first.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	s.start(t)
}

// Stop stops the server: SIGTERM, then SIGKILL if it has not exited after
// 10 seconds. Stopping a stopped server does nothing.
func (s *Server) Stop() { s.proc.Stop(stopTimeout) }

// Client returns a minio-go client with the root credentials.
func (s *Server) Client(t testing.TB) *minio.Client {
	t.Helper()
	return servertest.Client(t, "miniotest", s.Endpoint, s.AccessKey, s.SecretKey, s.CAFile)
}

// MakeBucket creates the named bucket.
func (s *Server) MakeBucket(t testing.TB, name string) {
	t.Helper()
	servertest.MakeBucket(t, "miniotest", s.Client(t), name)
}

// start runs the binary and waits until the S3 API is ready.
func (s *Server) start(t testing.TB) {
	t.Helper()
	cmd := exec.Command(s.bin, "server",
		"--address", s.Endpoint,
		"--console-address", s.consoleAddr,
		// An explicit certs dir keeps a developer's ~/.minio/certs from
		// silently switching the test server to TLS.
		"--certs-dir", s.certsDir,
		s.dataDir,
	)
	cmd.Env = append(environWithoutMinIO(),
		"MINIO_ROOT_USER="+s.AccessKey,
		"MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
	)
	done := s.proc.Start(t, cmd)

	if err := servertest.WaitReady(s.scheme()+"://"+s.Endpoint+"/minio/health/live", servertest.Transport(t, s.CAFile), done, startTimeout, minioReady); err != nil {
		s.Stop()
		t.Fatalf("miniotest: server on %s: %v\nminio output:\n%s", s.Endpoint, err, s.proc.Out.String())
	}
}

// minioReady accepts a liveness answer without the "offline" status
// header: MinIO answers liveness 200 before its object layer is
// initialised and marks that only by the header.
func minioReady(resp *http.Response) error {
	if st := resp.Header.Get("X-Minio-Server-Status"); st != "" {
		return fmt.Errorf("server status %q", st)
	}
	return nil
}

// environWithoutMinIO is the test's environment without MINIO_* variables,
// so settings from a developer's shell do not change the test server.
func environWithoutMinIO() []string {
	return servertest.Environ(func(name string) bool { return strings.HasPrefix(name, "MINIO_") })
}

func (s *Server) scheme() string {
	if s.CAFile != "" {
		return "https"
	}
	return "http"
}
