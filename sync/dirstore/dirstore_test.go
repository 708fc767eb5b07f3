package dirstore

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func put(t *testing.T, s *Store, key, data string) {
	t.Helper()
	if err := s.Put(context.Background(), key, strings.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func read(t *testing.T, rc io.ReadCloser, err error) string {
	t.Helper()
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

func TestPutGet(t *testing.T) {
	ctx := context.Background()
	s := New(filepath.Join(t.TempDir(), "not-yet-created"))
	put(t, s, "tuf/metadata/1.root.json", "root v1")
	put(t, s, "tuf/metadata/1.root.json", "root v1, replaced")

	tests := []struct {
		name   string
		key    string
		offset int64
		want   string
	}{
		{"whole object", "tuf/metadata/1.root.json", 0, "root v1, replaced"},
		{"from offset", "tuf/metadata/1.root.json", 9, "replaced"},
		{"offset at end", "tuf/metadata/1.root.json", 17, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, err := s.GetRange(ctx, tt.key, tt.offset)
			if got := read(t, rc, err); got != tt.want {
				t.Errorf("GetRange(%q, %d) = %q, want %q", tt.key, tt.offset, got, tt.want)
			}
		})
	}
	if n, err := s.Stat(ctx, "tuf/metadata/1.root.json"); err != nil || n != 17 {
		t.Errorf("Stat = %d, %v; want 17, nil", n, err)
	}
}

func TestMissingKeys(t *testing.T) {
	ctx := context.Background()
	s := New(t.TempDir())
	put(t, s, "tuf/metadata/1.root.json", "x")

	tests := []struct {
		name string
		op   func(key string) error
	}{
		{"Get", func(k string) error { _, err := s.Get(ctx, k); return err }},
		{"GetRange", func(k string) error { _, err := s.GetRange(ctx, k, 1); return err }},
		{"Stat", func(k string) error { _, err := s.Stat(ctx, k); return err }},
		{"Delete", func(k string) error { return s.Delete(ctx, k) }},
	}
	for _, tt := range tests {
		for _, key := range []string{"tuf/metadata/2.root.json", "nothing/here", "tuf/metadata"} {
			t.Run(tt.name+" "+key, func(t *testing.T) {
				if err := tt.op(key); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s(%q) = %v, want fs.ErrNotExist", tt.name, key, err)
				}
			})
		}
	}
}

func TestInvalidKeys(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	outside := filepath.Join(dir, "secret")
	if err := os.WriteFile(outside, []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "store")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	s := New(root)

	tests := []struct {
		name string
		key  string
		want error // nil: any error will do
		// putOK: Put may succeed because its rename replaces the link
		// itself, never the file it points to.
		putOK bool
	}{
		{"empty", "", ErrInvalidKey, false},
		{"dot", ".", ErrInvalidKey, false},
		{"parent", "../secret", ErrInvalidKey, false},
		{"parent inside", "tuf/../../secret", ErrInvalidKey, false},
		{"absolute", "/etc/passwd", ErrInvalidKey, false},
		{"double slash", "tuf//x", ErrInvalidKey, false},
		{"trailing slash", "tuf/", ErrInvalidKey, false},
		{"backslash", `tuf\x`, ErrInvalidKey, false},
		{"temporary file name", "tuf/.tmp-x", ErrInvalidKey, false},
		{"symlink out of the root", "link", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Get(ctx, tt.key)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("Get(%q) = %v, want %v", tt.key, err, tt.want)
			}
			err = s.Put(ctx, tt.key, strings.NewReader("x"), 1)
			if tt.putOK {
				return
			}
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("Put(%q) = %v, want %v", tt.key, err, tt.want)
			}
		})
	}
	if b, _ := os.ReadFile(outside); string(b) != "outside" {
		t.Errorf("file outside the root changed to %q", b)
	}
}

func TestPutSizeMismatchKeepsOldObject(t *testing.T) {
	ctx := context.Background()
	s := New(t.TempDir())
	put(t, s, "a/b", "old")

	tests := []struct {
		name string
		data string
		size int64
	}{
		{"short reader", "ne", 3},
		{"long reader", "newer", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.Put(ctx, "a/b", strings.NewReader(tt.data), tt.size); err == nil {
				t.Fatalf("Put(%q, size %d) succeeded", tt.data, tt.size)
			}
			rc, err := s.Get(ctx, "a/b")
			if got := read(t, rc, err); got != "old" {
				t.Errorf("after failed Put, Get = %q, want %q", got, "old")
			}
		})
	}
	keys, err := s.List(ctx, "")
	if err != nil || !slices.Equal(keys, []string{"a/b"}) {
		t.Errorf("List = %q, %v; want only a/b (no temporary files left)", keys, err)
	}
}

func TestListAndDelete(t *testing.T) {
	ctx := context.Background()
	s := New(t.TempDir())
	for _, k := range []string{"a/b", "a.b", "tuf/metadata/1.root.json", "tuf/metadata/timestamp.json", "tuf/targets/x/y"} {
		put(t, s, k, k)
	}

	tests := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"a.b", "a/b", "tuf/metadata/1.root.json", "tuf/metadata/timestamp.json", "tuf/targets/x/y"}},
		{"a", []string{"a.b", "a/b"}},
		{"tuf/meta", []string{"tuf/metadata/1.root.json", "tuf/metadata/timestamp.json"}},
		{"tuf/metadata/t", []string{"tuf/metadata/timestamp.json"}},
		{"tuf/targets/", []string{"tuf/targets/x/y"}},
		{"missing/", nil},
	}
	for _, tt := range tests {
		t.Run("prefix "+tt.prefix, func(t *testing.T) {
			got, err := s.List(ctx, tt.prefix)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("List(%q) = %q, %v; want %q", tt.prefix, got, err, tt.want)
			}
		})
	}

	if err := s.Delete(ctx, "tuf/targets/x/y"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if got, _ := s.List(ctx, "tuf/targets/"); len(got) != 0 {
		t.Errorf("after Delete, List = %q, want none", got)
	}
	if _, err := New(filepath.Join(t.TempDir(), "none")).List(ctx, ""); err != nil {
		t.Errorf("List on a missing folder = %v, want no error", err)
	}
}
