package trust_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/vnict/kiosk/sync/dirstore"
	"github.com/vnict/kiosk/sync/trust"
)

// fuzzNow is the site's clock while fuzzing: an hour after the seed root
// was made, well inside its lifetime.
var fuzzNow = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// FuzzNewClient feeds trusted root bytes to NewClient, as a site reads the
// root.json it was provisioned with. A root it accepts parses with go-tuf
// and carries the threshold of its own root keys' signatures; against a
// store with nothing published, a client built on it refreshes to "nothing
// published" (or an expired root), never to a release. A root it refuses
// is named in the error. The seeds in testdata/fuzz/FuzzNewClient are a
// root made by InitRepository and damaged copies of it.
func FuzzNewClient(f *testing.F) {
	f.Add(fuzzRoot(f))
	// Never written: every Get finds nothing.
	empty := dirstore.New(filepath.Join(f.TempDir(), "empty"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		clock := func() time.Time { return fuzzNow }
		// NewClient does not touch its folder; Refresh below gets its own.
		c, err := trust.NewClient(empty, raw, "unused", clock)
		md, perr := metadata.Root().FromBytes(raw)
		if perr == nil {
			perr = md.VerifyDelegate(metadata.ROOT, md)
		}
		if err != nil {
			if c != nil {
				t.Fatalf("NewClient returned a client with error %v", err)
			}
			if !strings.HasPrefix(err.Error(), "trust: new client: trusted root: ") {
				t.Fatalf("error %q does not name the trusted root", err)
			}
			if perr == nil {
				t.Fatalf("NewClient refused a root that go-tuf parses and that verifies itself: %v", err)
			}
			return
		}
		if perr != nil {
			t.Fatalf("NewClient accepted a root go-tuf refuses: %v", perr)
		}
		if md.Signed.Type != metadata.ROOT || md.Signed.Roles[metadata.ROOT] == nil || md.Signed.Roles[metadata.ROOT].Threshold < 1 {
			t.Fatalf("accepted root: type %q, root role %+v", md.Signed.Type, md.Signed.Roles[metadata.ROOT])
		}
		if c.Current() != nil {
			t.Fatal("a new client has a current release")
		}
		if c, err = trust.NewClient(empty, raw, filepath.Join(t.TempDir(), "trusted"), clock); err != nil {
			t.Fatalf("NewClient accepted the root once, then refused it: %v", err)
		}
		rel, err := c.Refresh(context.Background())
		if err == nil || rel != nil {
			t.Fatalf("Refresh of an empty store = %+v, %v", rel, err)
		}
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, trust.ErrExpired) {
			t.Fatalf("Refresh of an empty store = %v, want nothing published (fs.ErrNotExist) or ErrExpired", err)
		}
		if c.Current() != nil {
			t.Fatal("a failed Refresh set a current release")
		}
	})
}

// fuzzRoot makes a repository as the department does (one root key, two of
// three approvers, a publishing key) and returns its 1.root.json.
func fuzzRoot(t testing.TB) []byte {
	t.Helper()
	ctx := context.Background()
	keys := t.TempDir()
	signer := func(name string) signature.Signer {
		t.Helper()
		if err := trust.GenerateKey(keys, name, nil); err != nil {
			t.Fatal(err)
		}
		s, err := trust.LoadSigner(filepath.Join(keys, name+".key"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	pub := func(name string) any {
		t.Helper()
		k, err := trust.LoadPublicKey(filepath.Join(keys, name+".pub"))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	root := signer("root")
	opts := trust.InitOptions{RootSigners: []signature.Signer{root}, ApprovalThreshold: 2, Now: fuzzNow.Add(-time.Hour)}
	for _, name := range []string{"editor", "leader", "deputy"} {
		signer(name)
		opts.Approvers = append(opts.Approvers, trust.Approver{Name: name, Key: pub(name)})
	}
	signer("publisher")
	opts.SnapshotKey = pub("publisher")
	store := dirstore.New(filepath.Join(t.TempDir(), "bucket"))
	if err := trust.InitRepository(ctx, store, opts); err != nil {
		t.Fatal(err)
	}
	rc, err := store.Get(ctx, "tuf/metadata/1.root.json")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	raw, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
