package s3store_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/internal/miniotest"
	"github.com/vnict/kiosk/sync/s3store"
)

// TestHTTPSWithTheDepartmentsCA: a site trusts the department's own CA
// through ca_file; without it, or over plain HTTP, it does not talk to the
// server at all.
func TestHTTPSWithTheDepartmentsCA(t *testing.T) {
	srv := miniotest.StartTLS(t)
	srv.MakeBucket(t, "an-giang")
	ctx := testContext(t)
	tests := []struct {
		name    string
		cfg     func(*s3store.Config)
		wantErr string
	}{
		{"HTTPS with ca_file", func(c *s3store.Config) { c.Secure, c.CAFile = true, srv.CAFile }, ""},
		{"HTTPS with the system's CAs only", func(c *s3store.Config) { c.Secure = true }, "certificate"},
		{"plain HTTP to an HTTPS server", func(c *s3store.Config) { c.Secure = false }, "HTTP"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
				Bucket: "an-giang", MaxRetries: 1, HeaderTimeout: 10 * time.Second}
			tc.cfg(&cfg)
			st, err := s3store.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = st.Put(ctx, "tuf/metadata/x.json", bytes.NewReader([]byte("x")), 1)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Put: %v", err)
				}
				if got := readAll(t, must(st.Get(ctx, "tuf/metadata/x.json")), "x"); string(got) != "x" {
					t.Errorf("Get = %q", got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Put = %v, want an error mentioning %q", err, tc.wantErr)
			}
		})
	}
	if _, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, Bucket: "b", Secure: true, CAFile: srv.CAFile + ".missing"}); err == nil ||
		!strings.Contains(err.Error(), "ca_file") {
		t.Errorf("a missing ca_file: %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestStalledBodyFails: the server stops in the middle of a response body;
// the read fails after ReadTimeout instead of hanging.
func TestStalledBodyFails(t *testing.T) {
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "an-giang")
	ctx := testContext(t)
	st, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: "an-giang", MaxRetries: 1, ReadTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	data := payload(32 << 20)
	put(t, ctx, st, "media/big", data)
	rc, err := st.Get(ctx, "media/big")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	buf := make([]byte, 64<<10)
	if _, err := rc.Read(buf); err != nil {
		t.Fatal(err)
	}
	srv.Freeze(t)
	start := time.Now()
	var n int64
	for {
		k, err := rc.Read(buf)
		n += int64(k)
		if err != nil {
			if !errors.Is(err, s3store.ErrStalled) {
				t.Fatalf("read after %d more bytes: %v, want ErrStalled", n, err)
			}
			break
		}
		if n >= int64(len(data)) {
			t.Fatal("the whole body arrived from a frozen server")
		}
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("the stalled read took %s to fail, want about 1 s", took)
	}
}
