package miniotest

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestRestartKeepsData(t *testing.T) {
	s := Start(t)
	s.MakeBucket(t, "kiosk")

	s.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if resp, err := (&http.Client{Timeout: time.Second}).Get("http://" + s.Endpoint + "/minio/health/live"); err == nil {
		resp.Body.Close()
		t.Fatalf("server on %s still answers after Stop", s.Endpoint)
	}

	s.Restart(t)
	ok, err := s.Client(t).BucketExists(ctx, "kiosk")
	if err != nil {
		t.Fatalf("bucket exists after restart: %v", err)
	}
	if !ok {
		t.Fatalf("bucket kiosk lost across restart on %s", s.Endpoint)
	}
}

func TestStopTwiceIsHarmless(t *testing.T) {
	s := Start(t)
	s.Stop()
	s.Stop()
}
