package versitygwtest

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func TestRestartKeepsData(t *testing.T) {
	s := Start(t)
	s.MakeBucket(t, "kiosk")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const body = "Xin chào"
	if _, err := s.Client(t).PutObject(ctx, "kiosk", "a/b.txt", strings.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("put a/b.txt: %v", err)
	}

	s.Stop()
	if resp, err := (&http.Client{Timeout: time.Second}).Get("http://" + s.Endpoint + healthPath); err == nil {
		resp.Body.Close()
		t.Fatalf("server on %s still answers after Stop", s.Endpoint)
	}

	s.Restart(t)
	info, err := s.Client(t).StatObject(ctx, "kiosk", "a/b.txt", minio.StatObjectOptions{})
	if err != nil {
		t.Fatalf("stat a/b.txt after restart: %v", err)
	}
	if info.Size != int64(len(body)) {
		t.Fatalf("a/b.txt after restart: %d bytes, want %d", info.Size, len(body))
	}
}

func TestStopTwiceIsHarmless(t *testing.T) {
	s := Start(t)
	s.Stop()
	s.Stop()
}

func TestWrongSecretRefused(t *testing.T) {
	s := Start(t)
	s.MakeBucket(t, "kiosk")
	other, err := minio.New(s.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s.AccessKey, "not-the-secret", "")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := other.BucketExists(ctx, "kiosk"); err == nil {
		t.Fatal("a client with a wrong secret was let in")
	}
}

// TestSidecarMetadata: on a filesystem without user xattrs the server
// keeps object metadata in a sidecar folder; ETags and conditional puts
// work the same.
func TestSidecarMetadata(t *testing.T) {
	s := startServer(t, options{sidecar: true})
	if !s.Sidecar {
		t.Fatal("server started without its sidecar folder")
	}
	s.MakeBucket(t, "kiosk")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := s.Client(t)
	const body = "Xin chào"
	info, err := c.PutObject(ctx, "kiosk", "a.txt", strings.NewReader(body), int64(len(body)), minio.PutObjectOptions{})
	if err != nil {
		t.Fatalf("put a.txt: %v", err)
	}
	st, err := c.StatObject(ctx, "kiosk", "a.txt", minio.StatObjectOptions{})
	if err != nil || st.ETag == "" || st.ETag != info.ETag {
		t.Fatalf("stat a.txt: ETag %q, %v; want the put's %q", st.ETag, err, info.ETag)
	}
	opts := minio.PutObjectOptions{}
	opts.SetMatchETagExcept("*")
	if _, err := c.PutObject(ctx, "kiosk", "a.txt", strings.NewReader(body), int64(len(body)), opts); err == nil {
		t.Fatal("a conditional put over an existing object succeeded")
	}
	if entries, err := os.ReadDir(s.sidecarDir); err != nil || len(entries) == 0 {
		t.Fatalf("sidecar folder %s: %d entries, %v; want the metadata there", s.sidecarDir, len(entries), err)
	}
}
