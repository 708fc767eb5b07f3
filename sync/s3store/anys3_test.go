package s3store_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/vnict/kiosk/internal/miniotest"
	"github.com/vnict/kiosk/internal/versitygwtest"
	"github.com/vnict/kiosk/sync/s3store"
)

// s3Server is a running S3 server as this suite uses it; the servers of
// internal/miniotest and internal/versitygwtest are both one.
type s3Server interface {
	Client(testing.TB) *minio.Client
	MakeBucket(testing.TB, string)
	Stop()
	Restart(testing.TB)
}

// anyS3 is a server with the store settings to reach it.
type anyS3 struct {
	s3Server
	endpoint, accessKey, secretKey string
}

// store returns a Store on the bucket under prefix, with retries off so
// failures show at once.
func (s anyS3) store(t *testing.T, bucketName, prefix string) *s3store.Store {
	t.Helper()
	st, err := s3store.New(s3store.Config{Endpoint: s.endpoint, AccessKey: s.accessKey, SecretKey: s.secretKey,
		Bucket: bucketName, Prefix: prefix, MaxRetries: 1})
	if err != nil {
		t.Fatalf("new store: %v", err)
	}
	return st
}

// anyS3Servers are the S3 servers the store must work with: MinIO, and
// versitygw (a maintained gateway over a POSIX folder) for every server
// that speaks plain S3.
var anyS3Servers = []struct {
	name  string
	start func(t *testing.T) anyS3
}{
	{"minio", func(t *testing.T) anyS3 {
		s := miniotest.Start(t)
		return anyS3{s, s.Endpoint, s.AccessKey, s.SecretKey}
	}},
	{"versitygw", func(t *testing.T) anyS3 {
		s := versitygwtest.Start(t)
		return anyS3{s, s.Endpoint, s.AccessKey, s.SecretKey}
	}},
}

// TestAnyS3 runs the operations the sync and report paths use against
// each server, with the same expectations: content (whole, from an offset,
// with its ETag, unless unchanged), sizes, listings of folders, conditional
// puts (create once; compare-and-swap), deletes, the single "null" version
// of an unversioned bucket, the server's clock, errors that say a key is
// missing and only then, and recovery after an outage. Each case has its own prefix in one bucket.
func TestAnyS3(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, srv anyS3, st *s3store.Store)
	}{
		{"put and get", testAnyPutGet},
		{"get range", testAnyGetRange},
		{"missing", testAnyMissing},
		{"list and folders", testAnyList},
		{"put new", testAnyPutNew},
		{"compare and swap", testAnyCompareAndSwap},
		{"delete", testAnyDelete},
		{"versions unversioned", testAnyVersions},
		{"get if changed", testAnyGetIfChanged},
		{"clock reading", testAnyClockReading},
		{"outage", testAnyOutage}, // last: it stops the server
	}
	for _, server := range anyS3Servers {
		t.Run(server.name, func(t *testing.T) {
			srv := server.start(t)
			srv.MakeBucket(t, bucket)
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					c.run(t, srv, srv.store(t, bucket, "dept/"+strings.ReplaceAll(c.name, " ", "-")))
				})
			}
		})
	}
}

func testAnyPutGet(t *testing.T, _ anyS3, st *s3store.Store) {
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
		{name: "overwritten", key: "media/a.txt", data: []byte("Chào buổi sáng")},
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
		})
	}
}

func testAnyGetRange(t *testing.T, _ anyS3, st *s3store.Store) {
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
			if got, want := readAll(t, rc, key), data[tt.offset:]; !bytes.Equal(got, want) {
				t.Fatalf("get range %s at %d: got %d bytes, want the %d-byte tail", key, tt.offset, len(got), len(want))
			}
		})
	}
}

func testAnyMissing(t *testing.T, srv anyS3, st *s3store.Store) {
	ctx := testContext(t)
	const key = "media/missing.mp4"
	closeIf := func(rc io.ReadCloser, err error) error {
		if err == nil {
			rc.Close()
		}
		return err
	}
	ops := []struct {
		name string
		call func() error
	}{
		{"get", func() error { return closeIf(st.Get(ctx, key)) }},
		{"get range", func() error { return closeIf(st.GetRange(ctx, key, 10)) }},
		{"stat", func() error { _, err := st.Stat(ctx, key); return err }},
		{"get tagged", func() error { _, _, err := st.GetTagged(ctx, key, 1<<10); return err }},
		{"get version", func() error { return closeIf(st.GetVersion(ctx, key, "")) }},
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
	t.Run("missing bucket", func(t *testing.T) {
		_, err := srv.store(t, "no-such-bucket", "dept").Stat(ctx, key)
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("stat in a missing bucket: %v, want an error that is not fs.ErrNotExist", err)
		}
	})
}

func testAnyList(t *testing.T, srv anyS3, st *s3store.Store) {
	ctx := testContext(t)
	for _, k := range []string{
		"media/b.png", "media/a.mp4", "media/sub/deep/c.txt", "media2/x", "manifest.json",
		"reports/an-giang-tinh-bien/status.json", "reports/lao-cai-muong-khuong/batches/20260302/s-1-ab.krb",
	} {
		put(t, ctx, st, k, []byte(k))
	}
	tests := []struct {
		name   string
		prefix string
		want   []string
	}{
		{name: "folder", prefix: "media", want: []string{"media/a.mp4", "media/b.png", "media/sub/deep/c.txt"}},
		{name: "folder with slash", prefix: "media/", want: []string{"media/a.mp4", "media/b.png", "media/sub/deep/c.txt"}},
		{name: "nested", prefix: "media/sub", want: []string{"media/sub/deep/c.txt"}},
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
	t.Run("folders", func(t *testing.T) {
		got, err := st.Folders(ctx, "reports")
		if want := []string{"an-giang-tinh-bien", "lao-cai-muong-khuong"}; err != nil || !slices.Equal(got, want) {
			t.Fatalf("folders of reports = %q, %v; want %q", got, err, want)
		}
	})
}

func testAnyPutNew(t *testing.T, _ anyS3, st *s3store.Store) {
	ctx := testContext(t)
	const key = "reports/an-giang-tinh-bien/batches/20260302/s-1-ab.krb"
	first, second := []byte("the first try"), []byte("a retry with other bytes")
	if err := st.PutNew(ctx, key, bytes.NewReader(first), int64(len(first))); err != nil {
		t.Fatalf("first put new %s: %v", key, err)
	}
	err := st.PutNew(ctx, key, bytes.NewReader(second), int64(len(second)))
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second put new %s: %v, want fs.ErrExist", key, err)
	}
	rc, err := st.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, rc, key); !bytes.Equal(got, first) {
		t.Fatalf("%s = %q after the second put new, want the first %q", key, got, first)
	}
}

func testAnyCompareAndSwap(t *testing.T, _ anyS3, st *s3store.Store) {
	ctx := testContext(t)
	const key = "tuf/metadata/alert-index.json"
	v1, v2, v3 := []byte(`{"v":1}`), []byte(`{"v":2}`), []byte(`{"v":3,"late":true}`)
	if err := st.PutIfMatch(ctx, key, v1, ""); err != nil {
		t.Fatalf("create %s: %v", key, err)
	}
	if err := st.PutIfMatch(ctx, key, v1, ""); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("create %s again: %v, want fs.ErrExist", key, err)
	}
	got, tag, err := st.GetTagged(ctx, key, 1<<10)
	if err != nil || !bytes.Equal(got, v1) || tag == "" {
		t.Fatalf("get tagged %s = %q, tag %q, %v; want %q with a tag", key, got, tag, err, v1)
	}
	if err := st.PutIfMatch(ctx, key, v2, tag); err != nil {
		t.Fatalf("put %s if it still has tag %s: %v", key, tag, err)
	}
	// A writer still holding the first tag lost the race.
	if err := st.PutIfMatch(ctx, key, v3, tag); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("put %s with a stale tag: %v, want fs.ErrExist", key, err)
	}
	got, tag2, err := st.GetTagged(ctx, key, 1<<10)
	if err != nil || !bytes.Equal(got, v2) {
		t.Fatalf("%s = %q, %v; want the winner %q", key, got, err, v2)
	}
	if tag2 == tag {
		t.Fatalf("%s kept tag %s across a change", key, tag)
	}
	if _, _, err := st.GetTagged(ctx, key, 3); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("get tagged %s of at most 3 bytes: %v, want a size error", key, err)
	}
	// Removed meanwhile: a compare-and-swap on it fails the same way.
	if err := st.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := st.PutIfMatch(ctx, key, v3, tag2); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("put %s if match after it was deleted: %v, want fs.ErrExist", key, err)
	}
}

func testAnyDelete(t *testing.T, _ anyS3, st *s3store.Store) {
	ctx := testContext(t)
	const key = "media/old.png"
	put(t, ctx, st, key, []byte("old"))
	if err := st.Delete(ctx, key); err != nil {
		t.Fatalf("delete %s: %v", key, err)
	}
	if _, err := st.Stat(ctx, key); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stat %s after delete: %v, want fs.ErrNotExist", key, err)
	}
	if keys, err := st.List(ctx, "media"); err != nil || len(keys) != 0 {
		t.Fatalf("list after delete = %q, %v; want none", keys, err)
	}
	if err := st.Delete(ctx, key); err != nil {
		t.Fatalf("delete missing %s: %v, want no error", key, err)
	}
}

// testAnyVersions: the department reads report batches by version; on a
// bucket without versioning every object is its one version.
func testAnyVersions(t *testing.T, _ anyS3, st *s3store.Store) {
	ctx := testContext(t)
	keys := []string{"reports/a/batches/20260302/s-1-aa.krb", "reports/a/batches/20260302/s-9-bb.krb"}
	for _, k := range keys {
		put(t, ctx, st, k, []byte(k))
	}
	vs, err := st.Versions(ctx, "reports/a/batches")
	if err != nil {
		t.Fatalf("versions: %v", err)
	}
	if len(vs) != len(keys) {
		t.Fatalf("versions = %+v, want one for each of %q", vs, keys)
	}
	for i, v := range vs {
		if v.Key != keys[i] || !v.Latest || v.DeleteMarker || v.Size != int64(len(keys[i])) {
			t.Errorf("version %d = %+v, want the latest of %s, %d bytes", i, v, keys[i], len(keys[i]))
		}
		rc, err := st.GetVersion(ctx, v.Key, v.ID)
		if err != nil {
			t.Fatalf("get %s version %q: %v", v.Key, v.ID, err)
		}
		if got := readAll(t, rc, v.Key); string(got) != v.Key {
			t.Errorf("get %s version %q = %q", v.Key, v.ID, got)
		}
	}
	// Only "null" names the object itself; a version the bucket never had
	// is refused.
	if rc, err := st.GetVersion(ctx, keys[0], "01ARZ3NDEKTSV4RRFFQ69G5FAV"); err == nil {
		rc.Close()
		t.Errorf("get %s of a version it never had: no error", keys[0])
	}
	if _, err := st.VersionsUpTo(ctx, "reports/a/batches", 1); !errors.Is(err, s3store.ErrTooMany) {
		t.Errorf("versions up to 1 of 2: %v, want ErrTooMany", err)
	}
}

// testAnyGetIfChanged: a site polls an object with a conditional GET; the
// server answers 304 while it is unchanged.
func testAnyGetIfChanged(t *testing.T, _ anyS3, st *s3store.Store) {
	ctx := testContext(t)
	const key = "reports/a/screen-request.json"
	if _, _, err := st.GetIfChanged(ctx, key, "", 64); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("get if changed of a missing %s: %v, want fs.ErrNotExist", key, err)
	}
	put(t, ctx, st, key, []byte(`{"n":1}`))
	data, tag, err := st.GetIfChanged(ctx, key, "", 64)
	if err != nil || string(data) != `{"n":1}` || tag == "" {
		t.Fatalf("first read of %s: %q, tag %q, %v", key, data, tag, err)
	}
	data, again, err := st.GetIfChanged(ctx, key, tag, 64)
	if err != nil || data != nil || again != tag {
		t.Fatalf("unchanged %s: %q, tag %q, %v; want no data and tag %q", key, data, again, err, tag)
	}
	put(t, ctx, st, key, []byte(`{"n":2}`))
	data, next, err := st.GetIfChanged(ctx, key, tag, 64)
	if err != nil || string(data) != `{"n":2}` || next == tag || next == "" {
		t.Fatalf("changed %s: %q, tag %q (was %q), %v", key, data, next, tag, err)
	}
}

// testAnyClockReading: a site measures its clock against the store's Date
// header; the server runs on this machine's clock.
func testAnyClockReading(t *testing.T, _ anyS3, st *s3store.Store) {
	ctx := testContext(t)
	put(t, ctx, st, "a", []byte("x"))
	for range 3 {
		if _, err := st.Stat(ctx, "a"); err != nil {
			t.Fatal(err)
		}
	}
	r, ok := st.ClockReading()
	if !ok {
		t.Fatal("no clock reading after three requests")
	}
	if s := r.Skew(); s < -2*time.Second || s > 2*time.Second {
		t.Errorf("skew %v against a server on the same clock, want within 2 s of 0", s)
	}
}

func testAnyOutage(t *testing.T, srv anyS3, st *s3store.Store) {
	ctx := testContext(t)
	const key = "tuf/metadata/timestamp.json"
	want := []byte(`{"version":7}`)
	put(t, ctx, st, key, want)
	srv.Stop()
	rc, err := st.Get(ctx, key)
	if err == nil {
		rc.Close()
		t.Fatalf("get %s with the server stopped: no error", key)
	}
	if errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), key) {
		t.Fatalf("get %s with the server stopped: %v; want an error naming the key that is not fs.ErrNotExist", key, err)
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

// TestWatchEndsOnPlainS3: a server without MinIO's notification extension
// ends the subscription at once, which the site agent takes as "no
// notifications" and so relies on its poll.
func TestWatchEndsOnPlainS3(t *testing.T) {
	srv := versitygwtest.Start(t)
	srv.MakeBucket(t, bucket)
	st := anyS3{srv, srv.Endpoint, srv.AccessKey, srv.SecretKey}.store(t, bucket, "dept")
	ch, err := st.Watch(testContext(t), "tuf")
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	waitClosed(t, ch, 10*time.Second)
}

// TestHTTPSOnVersitygw: over HTTPS, a site trusts the department's own CA
// through ca_file, and without it does not talk to the server at all, on
// versitygw as on MinIO (TestHTTPSWithTheDepartmentsCA).
func TestHTTPSOnVersitygw(t *testing.T) {
	srv := versitygwtest.StartTLS(t)
	srv.MakeBucket(t, bucket)
	ctx := testContext(t)
	const key = "tuf/metadata/timestamp.json"
	tests := []struct {
		name    string
		caFile  string
		wantErr string
	}{
		{"with ca_file", srv.CAFile, ""},
		{"with the system's CAs only", "", "certificate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
				Bucket: bucket, Secure: true, CAFile: tc.caFile, MaxRetries: 1, HeaderTimeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			err = st.Put(ctx, key, strings.NewReader("{}"), 2)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("put %s: %v", key, err)
				}
				if got := readAll(t, must(st.GetRange(ctx, key, 1)), key); string(got) != "}" {
					t.Errorf("get range %s from 1 = %q, want %q", key, got, "}")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("put %s = %v, want an error mentioning %q", key, err, tc.wantErr)
			}
		})
	}
}
