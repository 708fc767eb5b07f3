package trust

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/vnict/kiosk/sync/dirstore"
)

const manifest = "bundles/manifest.json"

var custom = json.RawMessage(`{"sites":["laocai-1"],"groups":["border"]}`)

// fixture is a department repository in a dirstore, with its keys and an
// injected clock shared by the department tools and the sites.
type fixture struct {
	ctx      context.Context
	store    *dirstore.Store
	keyDir   string
	root     signature.Signer
	editor   signature.Signer
	leader   signature.Signer
	deputy   signature.Signer
	online   signature.Signer // snapshot and timestamp
	rootJSON []byte
	now      time.Time
	want     Expectation // what approvers expect of the latest staging
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{
		ctx:    context.Background(),
		store:  dirstore.New(filepath.Join(t.TempDir(), "bucket")),
		keyDir: t.TempDir(),
		now:    time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC),
	}
	load := func(name string) signature.Signer {
		t.Helper()
		if err := GenerateKey(f.keyDir, name, nil); err != nil {
			t.Fatalf("GenerateKey(%s): %v", name, err)
		}
		s, err := LoadSigner(filepath.Join(f.keyDir, name+".key"))
		if err != nil {
			t.Fatalf("LoadSigner(%s): %v", name, err)
		}
		return s
	}
	pub := func(name string) Approver {
		t.Helper()
		k, err := LoadPublicKey(filepath.Join(f.keyDir, name+".pub"))
		if err != nil {
			t.Fatalf("LoadPublicKey(%s): %v", name, err)
		}
		return Approver{Name: name, Key: k}
	}
	f.root, f.editor, f.leader, f.deputy, f.online = load("root"), load("editor"), load("leader"), load("deputy"), load("online")
	onlineKey := pub("online").Key
	err := InitRepository(f.ctx, f.store, InitOptions{
		RootSigners:       []signature.Signer{f.root},
		Approvers:         []Approver{pub("editor"), pub("leader"), pub("deputy")},
		ApprovalThreshold: 2,
		SnapshotKey:       onlineKey,
		TimestampKey:      onlineKey,
		Now:               f.now,
	})
	if err != nil {
		t.Fatalf("InitRepository: %v", err)
	}
	f.rootJSON = f.read(t, "tuf/metadata/1.root.json")
	return f
}

func (f *fixture) clock() time.Time { return f.now }

func (f *fixture) read(t *testing.T, key string) []byte {
	t.Helper()
	rc, err := f.store.Get(f.ctx, key)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b
}

func (f *fixture) write(t *testing.T, key string, data []byte) {
	t.Helper()
	if err := putBytes(f.ctx, f.store, key, data); err != nil {
		t.Fatalf("write %s: %v", key, err)
	}
}

// stage stages one manifest and gathers the given approvals.
func (f *fixture) stage(t *testing.T, content string, approvers ...signature.Signer) Status {
	t.Helper()
	targets := []Target{{Path: manifest, Data: []byte(content), Custom: custom}}
	st, err := Stage(f.ctx, f.store, f.rootJSON, targets, f.now.Add(DefaultTargetsLifetime))
	if err != nil {
		t.Fatalf("Stage: %v", err)
	}
	f.want = Expectation{Targets: targets, Version: st.Version, ExpiresAfter: f.now, ExpiresBy: f.now.Add(DefaultTargetsLifetime)}
	for _, a := range approvers {
		if st, err = Approve(f.ctx, f.store, f.rootJSON, a, f.want); err != nil {
			t.Fatalf("Approve: %v", err)
		}
	}
	return st
}

// publish stages content, has editor and leader approve it, and publishes.
func (f *fixture) publish(t *testing.T, content string) int64 {
	t.Helper()
	f.stage(t, content, f.editor, f.leader)
	v, err := Publish(f.ctx, f.store, f.rootJSON, f.online, f.online, f.now)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	return v
}

func (f *fixture) site(t *testing.T) *Client {
	t.Helper()
	c, err := NewClient(f.store, f.rootJSON, filepath.Join(t.TempDir(), "trusted"), f.clock)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func refresh(t *testing.T, c *Client) *Release {
	t.Helper()
	rel, err := c.Refresh(context.Background())
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	return rel
}

func fetch(t *testing.T, c *Client, rel *Release) string {
	t.Helper()
	data, err := c.Fetch(context.Background(), rel, manifest)
	if err != nil {
		t.Fatalf("Fetch(v%d): %v", rel.Version, err)
	}
	return string(data)
}

func TestPublishTwoOfThreeAndFetch(t *testing.T) {
	f := newFixture(t)
	site := f.site(t)
	if _, err := site.Refresh(f.ctx); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Refresh before the first publication = %v, want fs.ErrNotExist", err)
	}

	st := f.stage(t, "manifest v1", f.editor)
	if st.Ready || st.Threshold != 2 || len(st.Signed) != 1 || len(st.Missing) != 2 || !strings.HasPrefix(st.Signed[0], "editor (") {
		t.Errorf("status after one approval = %+v, want editor signed, 2 missing, not ready", st)
	}
	if _, err := Approve(f.ctx, f.store, f.rootJSON, f.online, f.want); !errors.Is(err, ErrNotApprover) {
		t.Errorf("Approve with the online key = %v, want ErrNotApprover", err)
	}
	if _, err := Approve(f.ctx, f.store, f.rootJSON, f.leader, f.want); err != nil {
		t.Fatalf("Approve(leader): %v", err)
	}
	st, err := StagedStatus(f.ctx, f.store, f.rootJSON)
	if err != nil || !st.Ready || st.Version != 1 || len(st.Signed) != 2 {
		t.Fatalf("StagedStatus = %+v, %v; want version 1 ready with 2 signatures", st, err)
	}
	if v, err := Publish(f.ctx, f.store, f.rootJSON, f.online, f.online, f.now); err != nil || v != 1 {
		t.Fatalf("Publish = %d, %v; want 1", v, err)
	}
	if _, err := StagedStatus(f.ctx, f.store, f.rootJSON); !errors.Is(err, ErrNothingStaged) {
		t.Errorf("StagedStatus after Publish = %v, want ErrNothingStaged", err)
	}

	rel := refresh(t, site)
	if rel.Version != 1 || len(rel.Targets) != 1 {
		t.Fatalf("release = %+v, want version 1 with one target", rel)
	}
	if got := rel.Targets[manifest]; got.Length != int64(len("manifest v1")) || !bytes.Equal(got.Custom, custom) {
		t.Errorf("target info = %+v, want length %d and custom %s", got, len("manifest v1"), custom)
	}
	if got := fetch(t, site, rel); got != "manifest v1" {
		t.Errorf("Fetch = %q, want %q", got, "manifest v1")
	}

	// A second publication replaces the first; the same client follows.
	f.now = f.now.Add(time.Hour)
	f.publish(t, "manifest v2")
	if rel := refresh(t, site); rel.Version != 2 || fetch(t, site, rel) != "manifest v2" {
		t.Errorf("after second publication got version %d, want 2 with manifest v2", rel.Version)
	}
}

func TestPublishBelowThresholdIsRefused(t *testing.T) {
	f := newFixture(t)
	f.publish(t, "manifest v1")
	site := f.site(t)
	refresh(t, site)

	f.stage(t, "manifest v2", f.editor)
	if _, err := Publish(f.ctx, f.store, f.rootJSON, f.online, f.online, f.now); !errors.Is(err, ErrSignature) {
		t.Fatalf("Publish with 1 of 2 approvals = %v, want ErrSignature", err)
	}
	if _, err := Stage(f.ctx, f.store, f.rootJSON, nil, f.now.Add(time.Hour)); !errors.Is(err, ErrStagingExists) {
		t.Errorf("Stage over a pending staging = %v, want ErrStagingExists", err)
	}
	rel := refresh(t, site)
	if rel.Version != 1 || fetch(t, site, rel) != "manifest v1" {
		t.Errorf("site sees version %d, want the previous release 1", rel.Version)
	}
	if err := DiscardStaged(f.ctx, f.store); err != nil {
		t.Fatalf("DiscardStaged: %v", err)
	}
	if keys, _ := f.store.List(f.ctx, "tuf/staged/"); len(keys) != 0 {
		t.Errorf("staging left after DiscardStaged: %q", keys)
	}
}

func TestInitRefusesExistingRepository(t *testing.T) {
	f := newFixture(t)
	err := InitRepository(f.ctx, f.store, InitOptions{
		RootSigners: []signature.Signer{f.root}, Approvers: []Approver{{Name: "x", Key: mustPub(t, f.editor)}},
		ApprovalThreshold: 1, SnapshotKey: mustPub(t, f.online), Now: f.now,
	})
	if !errors.Is(err, ErrRepositoryExists) {
		t.Fatalf("second InitRepository = %v, want ErrRepositoryExists", err)
	}
}

func mustPub(t testing.TB, s signature.Signer) any {
	t.Helper()
	k, err := s.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// forge writes a publication signed with the given keys: targets version v
// (with its target file), snapshot version v and timestamp version v.
func (f *fixture) forge(t *testing.T, v int64, content string, targetsKey, onlineKey signature.Signer) {
	t.Helper()
	tg := metadata.Targets(f.now.Add(DefaultTargetsLifetime).UTC().Truncate(time.Second))
	tg.Signed.Version = v
	tf, err := metadata.TargetFile().FromBytes(manifest, []byte(content), "sha256")
	if err != nil {
		t.Fatal(err)
	}
	tg.Signed.Targets[manifest] = tf
	f.write(t, targetKey(targetsPrefix, manifest, tf.Hashes["sha256"]), []byte(content))
	tgBytes := signed(t, tg, targetsKey)
	f.write(t, versionedKey(metadata.TARGETS, v), tgBytes)

	sn := metadata.Snapshot(f.now.Add(DefaultSnapshotLifetime).UTC().Truncate(time.Second))
	sn.Signed.Version = v
	sn.Signed.Meta["targets.json"] = metaFile(v, tgBytes)
	snBytes := signed(t, sn, onlineKey)
	f.write(t, versionedKey(metadata.SNAPSHOT, v), snBytes)

	ts := metadata.Timestamp(f.now.Add(DefaultTimestampLifetime).UTC().Truncate(time.Second))
	ts.Signed.Version = v
	ts.Signed.Meta["snapshot.json"] = metaFile(v, snBytes)
	f.write(t, timestampKey, signed(t, ts, onlineKey))
}

func signed[T metadata.Roles](t *testing.T, md *metadata.Metadata[T], s signature.Signer) []byte {
	t.Helper()
	if _, err := md.Sign(s); err != nil {
		t.Fatal(err)
	}
	b, err := md.ToBytes(false)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newSigner(t testing.TB, dir, name string) signature.Signer {
	t.Helper()
	if err := GenerateKey(dir, name, nil); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSigner(filepath.Join(dir, name+".key"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSiteKeepsPreviousRelease attacks a repository in which the site trusts
// a release, and checks that the site reports the right sentinel and can
// still fetch its previous release's manifest.
func TestSiteKeepsPreviousRelease(t *testing.T) {
	tests := []struct {
		name string
		// attack runs after version 1 is published and the site trusts it;
		// it may publish and refresh the site further.
		attack func(t *testing.T, f *fixture, site *Client)
		// fetchFails: the metadata still verifies, the target file does not.
		fetchFails bool
		want       error
		// repair, if set, fixes the store; the site must then refresh.
		repair func(t *testing.T, f *fixture)
	}{
		{
			name: "target file altered in the store",
			attack: func(t *testing.T, f *fixture, site *Client) {
				f.publish(t, "manifest v2")
				key := targetKey(targetsPrefix, manifest, sha(t, "manifest v2"))
				f.write(t, key, []byte("MANIFEST v2")) // same length
			},
			fetchFails: true,
			want:       ErrTampered,
		},
		{
			name: "target file longer than its signed length",
			attack: func(t *testing.T, f *fixture, site *Client) {
				f.publish(t, "manifest v2")
				key := targetKey(targetsPrefix, manifest, sha(t, "manifest v2"))
				f.write(t, key, []byte("manifest v2 and then some endless data"))
			},
			fetchFails: true,
			want:       ErrTooLarge,
		},
		{
			name: "publication forged with the attacker's own keys",
			attack: func(t *testing.T, f *fixture, site *Client) {
				evil := newSigner(t, t.TempDir(), "evil")
				f.forge(t, 2, "evil manifest", evil, evil)
			},
			want: ErrSignature, // go-tuf: ErrUnsignedMetadata on timestamp.json
		},
		{
			name: "online key stolen, targets signed by an unknown key",
			attack: func(t *testing.T, f *fixture, site *Client) {
				evil := newSigner(t, t.TempDir(), "evil")
				f.forge(t, 2, "evil manifest", evil, f.online)
			},
			want: ErrSignature, // go-tuf: ErrUnsignedMetadata on 2.targets.json
		},
		{
			name: "older publication replayed",
			attack: func(t *testing.T, f *fixture, site *Client) {
				old := map[string][]byte{
					timestampKey:                       f.read(t, timestampKey),
					versionedKey(metadata.SNAPSHOT, 2): f.read(t, versionedKey(metadata.SNAPSHOT, 1)),
					versionedKey(metadata.TARGETS, 2):  f.read(t, versionedKey(metadata.TARGETS, 1)),
				}
				f.publish(t, "manifest v2")
				refresh(t, site) // the site now trusts version 2
				for k, v := range old {
					f.write(t, k, v)
				}
			},
			want: ErrRollback, // go-tuf: ErrBadVersionNumber, timestamp 1 < 2
		},
		{
			name: "online key stolen, older approved targets replayed in a new snapshot",
			attack: func(t *testing.T, f *fixture, site *Client) {
				f.publish(t, "manifest v2")
				refresh(t, site)
				// Snapshot 3 and timestamp 3, validly signed, point back at
				// the approvers' targets version 1.
				tg1 := f.read(t, versionedKey(metadata.TARGETS, 1))
				sn := metadata.Snapshot(f.now.Add(DefaultSnapshotLifetime).UTC().Truncate(time.Second))
				sn.Signed.Version = 3
				sn.Signed.Meta["targets.json"] = metaFile(1, tg1)
				snBytes := signed(t, sn, f.online)
				f.write(t, versionedKey(metadata.SNAPSHOT, 3), snBytes)
				ts := metadata.Timestamp(f.now.Add(DefaultTimestampLifetime).UTC().Truncate(time.Second))
				ts.Signed.Version = 3
				ts.Signed.Meta["snapshot.json"] = metaFile(3, snBytes)
				f.write(t, timestampKey, signed(t, ts, f.online))
			},
			want: ErrRollback, // go-tuf: ErrBadVersionNumber, snapshot lists targets 1 < 2
		},
		{
			name: "timestamp past its expiry: a frozen feed",
			attack: func(t *testing.T, f *fixture, site *Client) {
				f.now = f.now.Add(DefaultTimestampLifetime + time.Minute)
			},
			want: ErrExpired, // go-tuf: ErrExpiredMetadata "timestamp.json is expired"
			repair: func(t *testing.T, f *fixture) {
				if err := RefreshTimestamp(f.ctx, f.store, f.rootJSON, f.online, f.now); err != nil {
					t.Fatalf("RefreshTimestamp: %v", err)
				}
			},
		},
		{
			// Our snapshot lists the length and hash of targets.json, so
			// go-tuf reports ErrLengthOrHashMismatch before it compares
			// versions; the file holds targets version 1 under the name
			// 2.targets.json, which classify reports as ErrInconsistent.
			name: "snapshot 2 with targets from publication 1",
			attack: func(t *testing.T, f *fixture, site *Client) {
				f.publish(t, "manifest v2")
				f.write(t, versionedKey(metadata.TARGETS, 2), f.read(t, versionedKey(metadata.TARGETS, 1)))
			},
			want: ErrInconsistent,
		},
		{
			// Likewise via the timestamp's hash of snapshot.json.
			name: "timestamp 2 with snapshot from publication 1",
			attack: func(t *testing.T, f *fixture, site *Client) {
				f.publish(t, "manifest v2")
				f.write(t, versionedKey(metadata.SNAPSHOT, 2), f.read(t, versionedKey(metadata.SNAPSHOT, 1)))
			},
			want: ErrInconsistent,
		},
		{
			name: "timestamp deleted from the store",
			attack: func(t *testing.T, f *fixture, site *Client) {
				if err := f.store.Delete(f.ctx, timestampKey); err != nil {
					t.Fatal(err)
				}
			},
			want: ErrInconsistent,
		},
		{
			name: "half-copied publication: targets metadata missing",
			attack: func(t *testing.T, f *fixture, site *Client) {
				f.publish(t, "manifest v2")
				if err := f.store.Delete(f.ctx, versionedKey(metadata.TARGETS, 2)); err != nil {
					t.Fatal(err)
				}
			},
			want: ErrInconsistent,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.publish(t, "manifest v1")
			site := f.site(t)
			refresh(t, site)

			tt.attack(t, f, site)
			prev := site.Current()
			want := fetch(t, site, prev)

			rel, err := site.Refresh(f.ctx)
			if tt.fetchFails {
				if err != nil {
					t.Fatalf("Refresh = %v, want success (only the target file is bad)", err)
				}
				var data []byte
				data, err = site.Fetch(f.ctx, rel, manifest)
				if data != nil {
					t.Errorf("Fetch returned %q with error %v", data, err)
				}
			} else {
				if rel != nil {
					t.Errorf("Refresh returned release %d with error %v", rel.Version, err)
				}
				if site.Current() != prev {
					t.Errorf("current release changed from %d to %d", prev.Version, site.Current().Version)
				}
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
			t.Logf("site reports: %v", err)
			// The site can still fetch and show what it had.
			if got := fetch(t, site, prev); got != want {
				t.Errorf("previous release's manifest = %q, want %q", got, want)
			}

			if tt.repair != nil {
				tt.repair(t, f)
				if rel := refresh(t, site); rel.Version != prev.Version {
					t.Errorf("after repair got version %d, want %d", rel.Version, prev.Version)
				}
			}
		})
	}
}

func sha(t *testing.T, content string) []byte {
	t.Helper()
	tf, err := metadata.TargetFile().FromBytes("x", []byte(content), "sha256")
	if err != nil {
		t.Fatal(err)
	}
	return tf.Hashes["sha256"]
}

func TestCorruptLocalMetadataIsRefetched(t *testing.T) {
	f := newFixture(t)
	f.publish(t, "manifest v1")
	dir := filepath.Join(t.TempDir(), "trusted")
	site, err := NewClient(f.store, f.rootJSON, dir, f.clock)
	if err != nil {
		t.Fatal(err)
	}
	refresh(t, site)
	// A torn write after a power cut: go-tuf does not fsync its cache.
	for _, name := range []string{"timestamp.json", "snapshot.json", "targets.json"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if rel := refresh(t, site); rel.Version != 1 {
		t.Errorf("version %d, want 1", rel.Version)
	}
}

func TestStageRejects(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name    string
		targets []Target
	}{
		{"path escaping tuf/targets", []Target{{Path: "../x", Data: []byte("x")}}},
		{"absolute path", []Target{{Path: "/x", Data: []byte("x")}}},
		{"duplicate path", []Target{{Path: "a", Data: []byte("x")}, {Path: "a", Data: []byte("y")}}},
		{"custom not JSON", []Target{{Path: "a", Data: []byte("x"), Custom: json.RawMessage("{")}}},
		{"custom with a float", []Target{{Path: "a", Data: []byte("x"), Custom: json.RawMessage(`{"w":1.5}`)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Stage(f.ctx, f.store, f.rootJSON, tt.targets, f.now.Add(time.Hour)); err == nil {
				t.Errorf("Stage succeeded")
			}
			if keys, _ := f.store.List(f.ctx, "tuf/staged/"); len(keys) != 0 {
				t.Errorf("Stage left %q", keys)
			}
		})
	}
}

func TestKeys(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateKey(dir, "editor", nil); err != nil {
		t.Fatal(err)
	}
	if err := GenerateKey(dir, "editor", nil); err == nil {
		t.Error("GenerateKey overwrote an existing key")
	}
	fi, err := os.Stat(filepath.Join(dir, "editor.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("editor.key mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	s, err := LoadSigner(filepath.Join(dir, "editor.key"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := LoadPublicKey(filepath.Join(dir, "editor.pub"))
	if err != nil {
		t.Fatal(err)
	}
	id, err := KeyID(pub)
	if err != nil {
		t.Fatal(err)
	}
	// The ID must be the one go-tuf puts in a signature.
	md := metadata.Targets(time.Now())
	sig, err := md.Sign(s)
	if err != nil || sig.KeyID != id {
		t.Errorf("signature key ID = %v (%v), KeyID = %s", sig, err, id)
	}
	if _, err := LoadPublicKey(filepath.Join(dir, "editor.key")); err == nil {
		t.Error("LoadPublicKey accepted a private key file")
	}
}

// TestRefreshKeepsAQuietFeedValid: with no publication for 60 days, a daily
// Refresh keeps the site's view valid; without it the snapshot expires.
func TestRefreshKeepsAQuietFeedValid(t *testing.T) {
	f := newFixture(t)
	f.publish(t, `{"v":1}`)
	quiet := f.site(t)
	if _, err := quiet.Refresh(f.ctx); err != nil {
		t.Fatal(err)
	}
	for day := 1; day <= 60; day++ {
		f.now = f.now.Add(24 * time.Hour)
		if err := Refresh(f.ctx, f.store, f.rootJSON, f.online, f.online, f.now); err != nil {
			t.Fatalf("day %d: Refresh: %v", day, err)
		}
		if _, err := quiet.Refresh(f.ctx); err != nil {
			t.Fatalf("day %d: site refresh after a daily Refresh: %v", day, err)
		}
	}
	// Timestamp alone would not have done: the snapshot would have expired
	// on day 30. Check the renewal happened by its version.
	snapshots, err := f.store.List(f.ctx, "tuf/metadata/")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, k := range snapshots {
		if strings.HasSuffix(k, ".snapshot.json") {
			n++
		}
	}
	if n < 3 {
		t.Errorf("%d snapshot versions after 60 quiet days, want renewals", n)
	}
}
