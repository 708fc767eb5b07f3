package s3store_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/vnict/kiosk/internal/miniotest"
	"github.com/vnict/kiosk/sync/s3store"
)

const bucket = "kiosk"

// newStore starts a MinIO server with a bucket and returns a Store on it
// under prefix "dept/", with retries off so failures show at once.
func newStore(t *testing.T) (*s3store.Store, *miniotest.Server) {
	t.Helper()
	srv := miniotest.Start(t)
	srv.MakeBucket(t, bucket)
	return storeOn(t, srv, bucket), srv
}

func storeOn(t *testing.T, srv *miniotest.Server, bucketName string) *s3store.Store {
	t.Helper()
	st, err := s3store.New(s3store.Config{
		Endpoint:   srv.Endpoint,
		AccessKey:  srv.AccessKey,
		SecretKey:  srv.SecretKey,
		Bucket:     bucketName,
		Prefix:     "dept/",
		MaxRetries: 1,
	})
	if err != nil {
		t.Fatalf("new store: %v", err)
	}
	return st
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func put(t *testing.T, ctx context.Context, st *s3store.Store, key string, data []byte) {
	t.Helper()
	if err := st.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func readAll(t *testing.T, rc io.ReadCloser, key string) []byte {
	t.Helper()
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b
}

// payload returns n bytes that differ at every offset of interest, so a
// wrong range shows as a content mismatch, not only a length one.
func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestPutGetRoundTrip(t *testing.T) {
	st, srv := newStore(t)
	ctx := testContext(t)
	tests := []struct {
		name string
		key  string
		data []byte
		size int64 // -1: unknown size
	}{
		{name: "empty", key: "empty.bin", data: nil},
		{name: "small", key: "media/a.txt", data: []byte("Xin chào Hà Nội")},
		{name: "deep key", key: "bundles/2026/11/manifest.json", data: []byte(`{"v":1}`)},
		{name: "unknown size", key: "media/stream.bin", data: payload(100_000), size: -1},
		{name: "multipart", key: "media/big.mp4", data: payload(17 << 20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			size := int64(len(tt.data))
			if tt.size < 0 {
				size = -1
			}
			if err := st.Put(ctx, tt.key, bytes.NewReader(tt.data), size); err != nil {
				t.Fatalf("put %s: %v", tt.key, err)
			}
			rc, err := st.Get(ctx, tt.key)
			if err != nil {
				t.Fatalf("get %s: %v", tt.key, err)
			}
			if got := readAll(t, rc, tt.key); !bytes.Equal(got, tt.data) {
				t.Fatalf("get %s: %d bytes differ from the %d put", tt.key, len(got), len(tt.data))
			}
			n, err := st.Stat(ctx, tt.key)
			if err != nil {
				t.Fatalf("stat %s: %v", tt.key, err)
			}
			if n != int64(len(tt.data)) {
				t.Fatalf("stat %s: size %d, want %d", tt.key, n, len(tt.data))
			}
			// The key lands under the prefix in the bucket.
			if _, err := srv.Client(t).StatObject(ctx, bucket, "dept/"+tt.key, minio.StatObjectOptions{}); err != nil {
				t.Fatalf("object dept/%s not in bucket: %v", tt.key, err)
			}
		})
	}
}

func TestGetRange(t *testing.T) {
	st, _ := newStore(t)
	ctx := testContext(t)
	data := payload(1 << 20)
	const key = "media/clip.mp4"
	put(t, ctx, st, key, data)
	size := int64(len(data))

	tests := []struct {
		name    string
		offset  int64
		wantErr bool
	}{
		{name: "from start", offset: 0},
		{name: "from one", offset: 1},
		{name: "middle", offset: 123_457},
		{name: "last byte", offset: size - 1},
		{name: "at end", offset: size},
		{name: "past end", offset: size + 1, wantErr: true},
		{name: "negative", offset: -1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, err := st.GetRange(ctx, key, tt.offset)
			if tt.wantErr {
				if err == nil {
					rc.Close()
					t.Fatalf("get range %s at %d: no error", key, tt.offset)
				}
				if errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("get range %s at %d: %v is fs.ErrNotExist", key, tt.offset, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("get range %s at %d: %v", key, tt.offset, err)
			}
			got := readAll(t, rc, key)
			if want := data[tt.offset:]; !bytes.Equal(got, want) {
				t.Fatalf("get range %s at %d: got %d bytes, want the %d-byte tail", key, tt.offset, len(got), len(want))
			}
		})
	}
}

func TestList(t *testing.T) {
	st, srv := newStore(t)
	ctx := testContext(t)
	for _, k := range []string{
		"media/b.png", "media/a.mp4", "media/sub/deep/c.txt", "media2/x", "manifest.json",
	} {
		put(t, ctx, st, k, []byte(k))
	}
	// Outside the store's prefix, and a folder placeholder: neither listed.
	admin := srv.Client(t)
	for _, name := range []string{"other/media/z", "dept/media/folder/"} {
		if _, err := admin.PutObject(ctx, bucket, name, strings.NewReader(""), 0, minio.PutObjectOptions{}); err != nil {
			t.Fatalf("put %s: %v", name, err)
		}
	}

	tests := []struct {
		name   string
		prefix string
		want   []string
	}{
		{name: "folder", prefix: "media", want: []string{"media/a.mp4", "media/b.png", "media/sub/deep/c.txt"}},
		{name: "folder with slash", prefix: "media/", want: []string{"media/a.mp4", "media/b.png", "media/sub/deep/c.txt"}},
		{name: "nested", prefix: "media/sub", want: []string{"media/sub/deep/c.txt"}},
		{name: "all", prefix: "", want: []string{"manifest.json", "media/a.mp4", "media/b.png", "media/sub/deep/c.txt", "media2/x"}},
		{name: "empty folder", prefix: "nothing", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := st.List(ctx, tt.prefix)
			if err != nil {
				t.Fatalf("list %q: %v", tt.prefix, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("list %q = %q, want %q", tt.prefix, got, tt.want)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	st, _ := newStore(t)
	ctx := testContext(t)
	const key = "media/old.png"
	put(t, ctx, st, key, []byte("old"))

	if err := st.Delete(ctx, key); err != nil {
		t.Fatalf("delete %s: %v", key, err)
	}
	if _, err := st.Stat(ctx, key); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stat %s after delete: %v, want fs.ErrNotExist", key, err)
	}
	keys, err := st.List(ctx, "media")
	if err != nil {
		t.Fatalf("list after delete: %v", err)
	}
	if len(keys) != 0 {
		t.Fatalf("list after delete = %q, want none", keys)
	}
	if err := st.Delete(ctx, key); err != nil {
		t.Fatalf("delete missing %s: %v, want no error", key, err)
	}
}

func TestNotFound(t *testing.T) {
	st, srv := newStore(t)
	ctx := testContext(t)
	const key = "media/missing.mp4"
	ops := []struct {
		name string
		call func() error
	}{
		{name: "get", call: func() error {
			rc, err := st.Get(ctx, key)
			if err == nil {
				rc.Close()
			}
			return err
		}},
		{name: "get range", call: func() error {
			rc, err := st.GetRange(ctx, key, 10)
			if err == nil {
				rc.Close()
			}
			return err
		}},
		{name: "stat", call: func() error {
			_, err := st.Stat(ctx, key)
			return err
		}},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			err := op.call()
			if !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("%s %s: %v, want fs.ErrNotExist", op.name, key, err)
			}
			if !strings.Contains(err.Error(), key) {
				t.Fatalf("%s %s: error %q does not name the key", op.name, key, err)
			}
		})
	}

	// A missing bucket is a configuration error, not a missing object.
	t.Run("missing bucket", func(t *testing.T) {
		other := storeOn(t, srv, "no-such-bucket")
		_, err := other.Stat(ctx, key)
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("stat in missing bucket: %v, want an error that is not fs.ErrNotExist", err)
		}
	})
}

func TestInvalidKeys(t *testing.T) {
	st, err := s3store.New(s3store.Config{Endpoint: "127.0.0.1:1", Bucket: bucket})
	if err != nil {
		t.Fatalf("new store: %v", err)
	}
	ctx := testContext(t)
	for _, key := range []string{"", ".", "/abs", "a/../b", "a//b", "trailing/"} {
		t.Run(key, func(t *testing.T) {
			_, err := st.Stat(ctx, key)
			if !errors.Is(err, fs.ErrInvalid) {
				t.Fatalf("stat %q: %v, want fs.ErrInvalid", key, err)
			}
		})
	}
}

// waitClosed waits until ch is closed, discarding signals.
func waitClosed(t *testing.T, ch <-chan struct{}, d time.Duration) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timer.C:
			t.Fatalf("watch channel still open after %v", d)
		}
	}
}

// TestWatchSubscribesAndCloses checks that a subscription is accepted and
// that its channel closes when the caller stops watching. Delivery is
// asserted in sync/agent (TestNotificationsArriveWithinASecond), against
// the MinIO that make deps builds with build/minio-flush.patch: without
// that patch the pinned version never flushes the notification stream.
// Sites do not depend on delivery: they check after each subscription and
// poll.
func TestWatchSubscribesAndCloses(t *testing.T) {
	st, _ := newStore(t)
	ctx := testContext(t)
	wctx, cancel := context.WithCancel(ctx)
	ch, err := st.Watch(wctx, "media")
	if err != nil {
		t.Fatalf("watch media: %v", err)
	}
	put(t, ctx, st, "media/new.png", []byte("x"))
	cancel()
	waitClosed(t, ch, 10*time.Second)
}

func TestWatchClosesWhenServerStops(t *testing.T) {
	st, srv := newStore(t)
	ctx := testContext(t)
	ch, err := st.Watch(ctx, "")
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	srv.Stop()
	waitClosed(t, ch, 30*time.Second)
}

func TestOutageAndRecovery(t *testing.T) {
	st, srv := newStore(t)
	ctx := testContext(t)
	const key = "bundles/current.json"
	want := []byte(`{"bundle":"2026-11-23"}`)
	put(t, ctx, st, key, want)

	srv.Stop()
	rc, err := st.Get(ctx, key)
	if err == nil {
		rc.Close()
		t.Fatalf("get %s with the server stopped: no error", key)
	}
	if errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("get %s with the server stopped: %v is fs.ErrNotExist; an outage must not look like a missing object", key, err)
	}
	t.Logf("get with the server stopped: %v", err)
	if !strings.Contains(err.Error(), key) {
		t.Fatalf("get %s with the server stopped: error %q does not name the key", key, err)
	}

	srv.Restart(t)
	rc, err = st.Get(ctx, key)
	if err != nil {
		t.Fatalf("get %s after restart: %v", key, err)
	}
	if got := readAll(t, rc, key); !bytes.Equal(got, want) {
		t.Fatalf("get %s after restart = %q, want %q", key, got, want)
	}
}
