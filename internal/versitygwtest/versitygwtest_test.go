package versitygwtest

import (
	"context"
	"net/http"
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
	if err := probe(ctx, &http.Client{Timeout: time.Second}, "http://"+s.Endpoint+healthPath); err == nil {
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
