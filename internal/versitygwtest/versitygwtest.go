// Package versitygwtest starts a real versitygw S3 gateway for tests.
//
// versitygw (github.com/versity/versitygw, pinned in the Makefile) is a
// maintained S3 server over a POSIX folder. The sync and report paths must
// work on any S3 server, not only MinIO, so their tests also run against
// it: the binary `make deps` installs into bin/versitygw (or the one named
// by KIOSK_VERSITYGW_BIN), with its posix backend, on a free loopback port
// and a folder in t.TempDir(), as internal/miniotest starts MinIO. It has
// no MinIO admin API and no bucket notifications: tests use its root
// credentials, and sites poll.
//
// The posix backend keeps object metadata (ETags, content types) in
// extended attributes of the files; on a filesystem without user xattrs
// (tmpfs before Linux 6.6, for one) the server is started with a sidecar
// folder for them instead, which it supports for that case.
package versitygwtest

import (
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
	// binEnv names an explicit versitygw binary, overriding bin/versitygw.
	binEnv = "KIOSK_VERSITYGW_BIN"
	// healthPath is the unauthenticated health check the server is
	// started with.
	healthPath = "/health"
)

// Server is a versitygw gateway run by a test. Its fields are read-only.
type Server struct {
	// Endpoint is host:port of the S3 API, e.g. "127.0.0.1:38123".
	Endpoint string
	// AccessKey and SecretKey are the root credentials.
	AccessKey string
	SecretKey string

	// CAFile, for a server from StartTLS, is the PEM certificate a
	// client must trust; "" for a plain HTTP server.
	CAFile string

	// Sidecar is true when object metadata is kept in a sidecar folder
	// because the data folder's filesystem has no user xattrs.
	Sidecar bool

	bin        string
	rootDir    string // the posix backend's folder: a folder per bucket
	sidecarDir string
	keyFile    string // with CAFile, for StartTLS

	proc servertest.Process
}

// Start starts versitygw with its posix backend on a free loopback port
// with an empty data folder, waits until it is ready, and stops it when the
// test ends. The server's output is logged if the test fails.
func Start(t testing.TB) *Server {
	t.Helper()
	return startServer(t, options{})
}

// StartTLS is Start with HTTPS: a certificate for 127.0.0.1, signed by
// itself, and its PEM in CAFile for clients to trust, as a department's
// own CA would be.
func StartTLS(t testing.TB) *Server {
	t.Helper()
	return startServer(t, options{tls: true})
}

// options are how a test server is started.
type options struct {
	tls bool
	// sidecar keeps metadata in a sidecar folder even where xattrs work.
	sidecar bool
}

func startServer(t testing.TB, opts options) *Server {
	t.Helper()
	bin := servertest.Binary(t, "versitygwtest", "versitygw", binEnv)
	// Folders first: cleanups run last-in first-out, so the server is
	// stopped before its folders are removed.
	rootDir := t.TempDir()
	s := &Server{
		Endpoint:  "127.0.0.1:" + strconv.Itoa(servertest.FreePort(t)),
		AccessKey: "kiosktest",
		SecretKey: servertest.RandomHex(t, 16),
		bin:       bin,
		rootDir:   rootDir,
		proc:      servertest.Process{Harness: "versitygwtest", Out: &servertest.Output{}},
	}
	if opts.sidecar || !xattrSupported(rootDir) {
		s.Sidecar = true
		s.sidecarDir = t.TempDir()
	}
	if opts.tls {
		dir := t.TempDir()
		s.CAFile, s.keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
		servertest.WriteCert(t, s.CAFile, s.keyFile)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("versitygw output (%s):\n%s", s.Endpoint, s.proc.Out.String())
		}
	})
	s.start(t)
	return s
}

// Restart starts the server again after Stop, on the same port and data
// folder, and waits until it is ready. If the server is running it is
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
	return servertest.Client(t, "versitygwtest", s.Endpoint, s.AccessKey, s.SecretKey, s.CAFile)
}

// MakeBucket creates the named bucket.
func (s *Server) MakeBucket(t testing.TB, name string) {
	t.Helper()
	servertest.MakeBucket(t, "versitygwtest", s.Client(t), name)
}

// start runs the binary and waits until the S3 API is ready.
func (s *Server) start(t testing.TB) {
	t.Helper()
	args := []string{
		"--port", s.Endpoint,
		"--access", s.AccessKey,
		"--secret", s.SecretKey,
		"--health", healthPath,
		"--quiet",
	}
	if s.CAFile != "" {
		args = append(args, "--cert", s.CAFile, "--key", s.keyFile)
	}
	args = append(args, "posix")
	if s.Sidecar {
		args = append(args, "--sidecar", s.sidecarDir)
	}
	args = append(args, s.rootDir)
	cmd := exec.Command(s.bin, args...)
	cmd.Env = environWithoutGateway()
	done := s.proc.Start(t, cmd)

	if err := servertest.WaitReady(s.scheme()+"://"+s.Endpoint+healthPath, servertest.Transport(t, s.CAFile), done, startTimeout, nil); err != nil {
		s.Stop()
		t.Fatalf("versitygwtest: server on %s: %v\nversitygw output:\n%s", s.Endpoint, err, s.proc.Out.String())
	}
}

// environWithoutGateway is the test's environment without the variables
// versitygw reads as settings (VGW_*, ROOT_*, AWS_*, LOGFILE, WEBHOOK), so
// settings from a developer's shell do not change the test server.
func environWithoutGateway() []string {
	return servertest.Environ(func(name string) bool {
		return strings.HasPrefix(name, "VGW_") || strings.HasPrefix(name, "ROOT_") || strings.HasPrefix(name, "AWS_") ||
			name == "LOGFILE" || name == "WEBHOOK"
	})
}

func (s *Server) scheme() string {
	if s.CAFile != "" {
		return "https"
	}
	return "http"
}
