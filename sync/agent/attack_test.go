package agent_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/sync/agent"
	"github.com/vnict/kiosk/sync/cache"
	"github.com/vnict/kiosk/sync/dirstore"
	"github.com/vnict/kiosk/sync/fetch"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/provision"
	"github.com/vnict/kiosk/sync/publish"
	"github.com/vnict/kiosk/sync/publish/publishtest"
	"github.com/vnict/kiosk/sync/s3store"
	"github.com/vnict/kiosk/sync/trust"
)

// The attacker of these tests holds the bucket: the MinIO root
// credentials (the department's store, d.Store), and in some cases the
// publishing tool's key, which signs snapshot and timestamp. They never
// hold a root key, nor more than one approver's key. The site syncs
// through the sync agent as its own provisioned MinIO user.

// attackSite is a provisioned site syncing from a department's store, on
// a clock the test moves.
type attackSite struct {
	d      *publishtest.Department
	id     string
	now    time.Time // the site's clock
	agent  *agent.Agent
	cache  *cache.Cache
	bundle string // the department's bundle folder

	// What the attacker kept of publication 1: its timestamp, and an
	// export of it on a USB stick.
	oldTimestamp []byte
	oldStick     string
}

func newAttackSite(t *testing.T, d *publishtest.Department) *attackSite {
	t.Helper()
	ctx := context.Background()
	s := &attackSite{d: d, id: "an-giang-tinh-bien", now: d.Now}
	prov, err := provision.New(provision.Config{Endpoint: d.Server.Endpoint, AccessKey: d.Server.AccessKey,
		SecretKey: d.Server.SecretKey, Bucket: d.Bucket, Prefix: d.Prefix})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := prov.Provision(ctx, s.id)
	if err != nil {
		t.Fatal(err)
	}
	store, err := s3store.New(s3store.Config{Endpoint: d.Server.Endpoint, AccessKey: creds.AccessKey,
		SecretKey: creds.SecretKey, Bucket: d.Bucket, Prefix: d.Prefix})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	if s.cache, err = cache.Open(filepath.Join(dir, "cache"), log); err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return s.now }
	tufDir := filepath.Join(dir, "tuf")
	client, err := trust.NewClient(store, d.Root, tufDir, clock)
	if err != nil {
		t.Fatal(err)
	}
	s.agent = &agent.Agent{
		Site:  s.id,
		Trust: client,
		TrustFor: func(st trust.Reader) (agent.Verifier, error) {
			return trust.NewClient(st, d.Root, tufDir, clock)
		},
		Fetch:  &fetch.Fetcher{Source: store, Objects: s.cache},
		Cache:  s.cache,
		Report: &agent.StoreReporter{Store: store, Site: s.id, Now: clock},
		Log:    log,
	}
	s.bundle = attackBundle(t)
	return s
}

// attackBundle writes a small valid bundle, version 1: a text item and an
// image.
func attackBundle(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	m := content.Manifest{Format: content.FormatVersion, ID: "border-news", Version: 1,
		Created: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC),
		Items: []content.Item{
			{ID: "chao-mung", Kind: content.KindText, Text: map[string]content.Text{"vi": {Title: "Xin chào"}, "km": {Title: "សូមស្វាគមន៍"}}},
			{ID: "ban-do", Kind: content.KindImage, Images: map[string]string{content.AnyLanguage: "media/map.png"}},
		}}
	os.MkdirAll(filepath.Join(dir, "media"), 0o755)
	// Not decoded on the way: bytes the manifest lists by hash.
	if err := os.WriteFile(filepath.Join(dir, "media", "map.png"), bytes.Repeat([]byte("cửa khẩu "), 500), 0o644); err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, content.ManifestName), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := content.IndexDir(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// setBundleVersion gives the bundle a new version and new media, as the
// department's next edition.
func (s *attackSite) setBundleVersion(t *testing.T, v int64) {
	t.Helper()
	media := filepath.Join(s.bundle, "media", "map.png")
	os.Chmod(media, 0o644)
	if err := os.WriteFile(media, bytes.Repeat(fmt.Appendf(nil, "ấn bản %d ", v), 400), 0o644); err != nil {
		t.Fatal(err)
	}
	contenttest.EditManifest(t, s.bundle, func(m map[string]any) { m["version"] = v })
	if _, err := content.IndexDir(s.bundle); err != nil {
		t.Fatal(err)
	}
}

// release has the department approve (editor and leader) and publish the
// bundle at version v, and the site sync it.
func (s *attackSite) release(t *testing.T, v int64) {
	t.Helper()
	if v > 1 {
		s.setBundleVersion(t, v)
	}
	s.d.Release(t, s.bundle, layout.Targeting{})
	s.sync(t, v)
}

// sync has the site sync and checks that it plays version v.
func (s *attackSite) sync(t *testing.T, v int64) {
	t.Helper()
	if _, err := s.agent.Sync(context.Background()); err != nil {
		t.Fatalf("sync of version %d: %v", v, err)
	}
	if b := s.cache.Current(); b == nil || b.Manifest.Version != v {
		t.Fatalf("site plays %+v, want version %d", b, v)
	}
}

// read and write are the attacker's, with the bucket's root credentials.
func (s *attackSite) read(t *testing.T, key string) []byte {
	t.Helper()
	rc, err := s.d.Store.Get(context.Background(), key)
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

func (s *attackSite) write(t *testing.T, key string, data []byte) {
	t.Helper()
	if err := s.d.Store.Put(context.Background(), key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("write %s: %v", key, err)
	}
}

func metadataKey(version int64, role string) string {
	return fmt.Sprintf("tuf/metadata/%d.%s.json", version, role)
}

const timestampKey = "tuf/metadata/timestamp.json"

// published returns the versions the store's timestamp names: its own, the
// snapshot's, and the targets' the snapshot names.
func (s *attackSite) published(t *testing.T) (ts, sn, tg int64) {
	t.Helper()
	tsm, err := metadata.Timestamp().FromBytes(s.read(t, timestampKey))
	if err != nil {
		t.Fatal(err)
	}
	sn = tsm.Signed.Meta["snapshot.json"].Version
	snm, err := metadata.Snapshot().FromBytes(s.read(t, metadataKey(sn, metadata.SNAPSHOT)))
	if err != nil {
		t.Fatal(err)
	}
	return tsm.Signed.Version, sn, snm.Signed.Meta["targets.json"].Version
}

// sign signs md with each signer and returns its bytes.
func sign[T metadata.Roles](t *testing.T, md *metadata.Metadata[T], signers ...signature.Signer) []byte {
	t.Helper()
	for _, s := range signers {
		if _, err := md.Sign(s); err != nil {
			t.Fatal(err)
		}
	}
	b, err := md.ToBytes(true)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// meta describes a metadata file as its parent lists it: version, length
// and hash.
func meta(version int64, data []byte) *metadata.MetaFiles {
	sum := sha256.Sum256(data)
	return &metadata.MetaFiles{Version: version, Length: int64(len(data)), Hashes: metadata.Hashes{"sha256": sum[:]}}
}

func (s *attackSite) keys(names ...string) []signature.Signer {
	var out []signature.Signer
	for _, n := range names {
		out = append(out, s.d.Keys[n])
	}
	return out
}

// forgeTargets writes targets metadata version v, signed by the named
// keys, listing the bundle folder's manifest for every site, with its
// media and manifest in the store.
func (s *attackSite) forgeTargets(t *testing.T, v int64, expires time.Time, signers ...string) []byte {
	t.Helper()
	if _, err := publish.UploadMedia(context.Background(), s.d.Store, s.bundle); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(s.bundle, content.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	m, err := content.ParseManifest(raw)
	if err != nil {
		t.Fatal(err)
	}
	p := publish.TargetPath(m.ID)
	tf, err := metadata.TargetFile().FromBytes(p, raw, "sha256")
	if err != nil {
		t.Fatal(err)
	}
	custom := json.RawMessage(`{}`)
	tf.Custom = &custom
	dir, base := path.Split(p)
	s.write(t, "tuf/targets/"+dir+hex.EncodeToString(tf.Hashes["sha256"])+"."+base, raw)
	tg := metadata.Targets(expires.UTC().Truncate(time.Second))
	tg.Signed.Version = v
	tg.Signed.Targets[p] = tf
	b := sign(t, tg, s.keys(signers...)...)
	s.write(t, metadataKey(v, metadata.TARGETS), b)
	return b
}

// forgeSnapshot writes snapshot version v naming targets version tv,
// signed with the stolen publishing key.
func (s *attackSite) forgeSnapshot(t *testing.T, v int64, expires time.Time, tv int64, targets []byte) []byte {
	t.Helper()
	sn := metadata.Snapshot(expires.UTC().Truncate(time.Second))
	sn.Signed.Version = v
	sn.Signed.Meta["targets.json"] = meta(tv, targets)
	b := sign(t, sn, s.keys("publisher")...)
	s.write(t, metadataKey(v, metadata.SNAPSHOT), b)
	return b
}

// forgeTimestamp writes timestamp version v naming snapshot version sv,
// signed with the stolen publishing key.
func (s *attackSite) forgeTimestamp(t *testing.T, v int64, expires time.Time, sv int64, snapshot []byte) {
	t.Helper()
	ts := metadata.Timestamp(expires.UTC().Truncate(time.Second))
	ts.Signed.Version = v
	ts.Signed.Meta["snapshot.json"] = meta(sv, snapshot)
	s.write(t, timestampKey, sign(t, ts, s.keys("publisher")...))
}

// forgePublication publishes the bundle folder at its current version as
// the next publication: targets signed by the named keys, snapshot and
// timestamp by the stolen publishing key, all fresh on the site's clock.
func (s *attackSite) forgePublication(t *testing.T, signers ...string) {
	t.Helper()
	ts, sn, tg := s.published(t)
	targets := s.forgeTargets(t, tg+1, s.now.Add(trust.DefaultTargetsLifetime), signers...)
	snapshot := s.forgeSnapshot(t, sn+1, s.now.Add(trust.DefaultSnapshotLifetime), tg+1, targets)
	s.forgeTimestamp(t, ts+1, s.now.Add(trust.DefaultTimestampLifetime), sn+1, snapshot)
}

// reissue re-signs, with the stolen publishing key, the parts of the
// current publication above the targets (roles "snapshot" and
// "timestamp") or the timestamp alone, fresh on the site's clock, over the
// same targets and snapshot files.
func (s *attackSite) reissue(t *testing.T, from string) {
	t.Helper()
	ts, sn, tg := s.published(t)
	snapshot := s.read(t, metadataKey(sn, metadata.SNAPSHOT))
	if from == metadata.SNAPSHOT {
		targets := s.read(t, metadataKey(tg, metadata.TARGETS))
		sn++
		snapshot = s.forgeSnapshot(t, sn, s.now.Add(trust.DefaultSnapshotLifetime), tg, targets)
	}
	s.forgeTimestamp(t, ts+1, s.now.Add(trust.DefaultTimestampLifetime), sn, snapshot)
}

// events returns the site's event reports in the store, oldest first.
func (s *attackSite) events(t *testing.T) []string {
	t.Helper()
	keys, err := s.d.Store.List(context.Background(), "reports/"+s.id+"/events/")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	return keys
}

// TestAttacksThroughTheAgent attacks a provisioned site through its sync
// agent and a real MinIO store. Each attack must be refused with the
// trust layer's reason, leave the site playing its last good release, and
// be reported under reports/<site>/events/ in the store.
func TestAttacksThroughTheAgent(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		name string
		// before runs after version 1 is published and played; it may
		// publish more, as long as the site ends up playing it.
		before func(t *testing.T, s *attackSite)
		// attack changes the store, or the site's clock; stick, if it
		// returns a folder, is imported instead of a network sync.
		attack func(t *testing.T, s *attackSite) (stick string)
		// want is nil for the control: a publication the threshold of
		// approvers signed, made with the same tools, is accepted.
		want error
		// role is the metadata file the refusal must name.
		role string
	}{
		{
			name: "control: both approvers' signatures and the publishing key",
			attack: func(t *testing.T, s *attackSite) string {
				s.setBundleVersion(t, 2)
				s.forgePublication(t, "editor", "leader")
				return ""
			},
		},
		{
			name: "one approver's signature and a stolen publishing key",
			attack: func(t *testing.T, s *attackSite) string {
				s.setBundleVersion(t, 2)
				s.forgePublication(t, "editor")
				return ""
			},
			want: trust.ErrSignature,
			role: "targets",
		},
		{
			name: "publishing key signs targets itself",
			attack: func(t *testing.T, s *attackSite) string {
				s.setBundleVersion(t, 2)
				s.forgePublication(t, "publisher")
				return ""
			},
			want: trust.ErrSignature,
			role: "targets",
		},
		{
			name:   "older timestamp replayed",
			before: func(t *testing.T, s *attackSite) { s.release(t, 2) },
			attack: func(t *testing.T, s *attackSite) string {
				// The attacker kept version 1's timestamp; it is still
				// within its lifetime.
				s.write(t, timestampKey, s.oldTimestamp)
				return ""
			},
			want: trust.ErrRollback,
			role: "timestamp",
		},
		{
			name:   "older snapshot replayed under a new timestamp (stolen publishing key)",
			before: func(t *testing.T, s *attackSite) { s.release(t, 2) },
			attack: func(t *testing.T, s *attackSite) string {
				ts, _, _ := s.published(t)
				s.forgeTimestamp(t, ts+1, s.now.Add(day), 1, s.read(t, metadataKey(1, metadata.SNAPSHOT)))
				return ""
			},
			want: trust.ErrRollback,
			role: "snapshot",
		},
		{
			name:   "older approved targets replayed under a new snapshot (stolen publishing key)",
			before: func(t *testing.T, s *attackSite) { s.release(t, 2) },
			attack: func(t *testing.T, s *attackSite) string {
				ts, sn, _ := s.published(t)
				snapshot := s.forgeSnapshot(t, sn+1, s.now.Add(30*day), 1, s.read(t, metadataKey(1, metadata.TARGETS)))
				s.forgeTimestamp(t, ts+1, s.now.Add(day), sn+1, snapshot)
				return ""
			},
			want: trust.ErrRollback,
			role: "targets",
		},
		{
			name: "timestamp expired: a frozen feed",
			attack: func(t *testing.T, s *attackSite) string {
				s.now = s.now.Add(trust.DefaultTimestampLifetime + time.Hour)
				return ""
			},
			want: trust.ErrExpired,
			role: "timestamp",
		},
		{
			name: "snapshot expired under a fresh timestamp (stolen publishing key)",
			attack: func(t *testing.T, s *attackSite) string {
				s.now = s.now.Add(trust.DefaultSnapshotLifetime + day)
				s.reissue(t, metadata.TIMESTAMP)
				return ""
			},
			want: trust.ErrExpired,
			role: "snapshot",
		},
		{
			name: "targets expired under a fresh snapshot and timestamp (stolen publishing key)",
			attack: func(t *testing.T, s *attackSite) string {
				s.now = s.now.Add(trust.DefaultTargetsLifetime + day)
				s.reissue(t, metadata.SNAPSHOT)
				return ""
			},
			want: trust.ErrExpired,
			role: "targets",
		},
		{
			name: "root expired, under a fresh approved publication",
			attack: func(t *testing.T, s *attackSite) string {
				s.now = s.now.Add(trust.DefaultRootLifetime + day)
				s.setBundleVersion(t, 2)
				s.forgePublication(t, "editor", "leader")
				return ""
			},
			want: trust.ErrExpired,
			role: "root",
		},
		{
			name: "snapshot 2 with the targets of publication 1",
			attack: func(t *testing.T, s *attackSite) string {
				s.setBundleVersion(t, 2)
				s.d.Release(t, s.bundle, layout.Targeting{})
				s.write(t, metadataKey(2, metadata.TARGETS), s.read(t, metadataKey(1, metadata.TARGETS)))
				return ""
			},
			want: trust.ErrInconsistent,
			role: "2.targets.json",
		},
		{
			name: "timestamp 2 with the snapshot of publication 1",
			attack: func(t *testing.T, s *attackSite) string {
				s.setBundleVersion(t, 2)
				s.d.Release(t, s.bundle, layout.Targeting{})
				s.write(t, metadataKey(2, metadata.SNAPSHOT), s.read(t, metadataKey(1, metadata.SNAPSHOT)))
				return ""
			},
			want: trust.ErrInconsistent,
			role: "2.snapshot.json",
		},
		{
			name: "timestamp of several megabytes",
			attack: func(t *testing.T, s *attackSite) string {
				big := append([]byte(`{"signatures":[],"signed":{"_type":"timestamp","x":"`), bytes.Repeat([]byte("A"), 8<<20)...)
				s.write(t, timestampKey, append(big, `"}}`...))
				return ""
			},
			want: trust.ErrTooLarge,
			role: "timestamp.json",
		},
		{
			name: "next root of several megabytes",
			attack: func(t *testing.T, s *attackSite) string {
				s.write(t, metadataKey(2, metadata.ROOT), bytes.Repeat([]byte(" "), 6<<20))
				return ""
			},
			want: trust.ErrTooLarge,
			role: "2.root.json",
		},
		{
			// What a planted root would give, if sites trusted the store's
			// roots: a whole publication under the attacker's own keys.
			name: "next root self-signed by the attacker, with a publication under it",
			attack: func(t *testing.T, s *attackSite) string {
				dir := t.TempDir()
				if err := trust.GenerateKey(dir, "attacker", nil); err != nil {
					t.Fatal(err)
				}
				attacker, err := trust.LoadSigner(filepath.Join(dir, "attacker.key"))
				if err != nil {
					t.Fatal(err)
				}
				pub, _ := attacker.PublicKey()
				key, err := metadata.KeyFromPublicKey(pub)
				if err != nil {
					t.Fatal(err)
				}
				root := metadata.Root(s.d.Now.Add(365 * 24 * time.Hour))
				root.Signed.Version = 2
				for _, role := range []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP} {
					if err := root.Signed.AddKey(key, role); err != nil {
						t.Fatal(err)
					}
				}
				s.write(t, metadataKey(2, metadata.ROOT), sign(t, root, attacker))
				return ""
			},
			want: trust.ErrSignature,
			role: "2.root.json",
		},
		{
			name:   "old USB stick on a site that has a newer release",
			before: func(t *testing.T, s *attackSite) { s.release(t, 2) },
			attack: func(t *testing.T, s *attackSite) string { return s.oldStick },
			want:   trust.ErrRollback,
			role:   "timestamp",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := newAttackSite(t, publishtest.New(t))
			s.release(t, 1)
			s.oldTimestamp = s.read(t, timestampKey)
			s.oldStick = filepath.Join(t.TempDir(), "usb")
			if _, err := publish.Export(ctx, s.d.Store, dirstore.New(s.oldStick), s.d.Root, s.d.Now); err != nil {
				t.Fatal(err)
			}
			if tc.before != nil {
				tc.before(t, s)
			}
			prev, prevVersion := s.cache.CurrentName(), s.cache.Current().Manifest.Version
			before := s.events(t)

			var res agent.Result
			var err error
			if stick := tc.attack(t, s); stick != "" {
				res, err = s.agent.Import(ctx, stick)
			} else {
				res, err = s.agent.Sync(ctx)
			}

			if tc.want == nil {
				if err != nil || !res.Activated || s.cache.Current().Manifest.Version != prevVersion+1 {
					t.Fatalf("control publication: sync = %+v, %v; plays %s", res, err, s.cache.CurrentName())
				}
				if got := s.events(t); len(got) != len(before) {
					t.Errorf("control publication reported: %v", got)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("sync = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.role) {
				t.Errorf("refusal %q does not name %s", err, tc.role)
			}
			t.Logf("site refuses: %v", err)
			if res.Activated {
				t.Errorf("sync result %+v says activated", res)
			}
			if got := s.cache.CurrentName(); got != prev {
				t.Errorf("current release %s, want the last good %s", got, prev)
			}
			if b := s.cache.Current(); b == nil || b.Manifest.Version != prevVersion {
				t.Errorf("site plays %+v, want version %d", b, prevVersion)
			} else if err := b.Verify(); err != nil {
				t.Errorf("last good release damaged: %v", err)
			}
			s.checkReported(t, before, prev, tc.want)
		})
	}
}

// checkReported checks that one new event in the store reports the
// refusal: its kind, the release that keeps playing, and the reason.
func (s *attackSite) checkReported(t *testing.T, before []string, current string, want error) {
	t.Helper()
	after := s.events(t)
	var added []string
	for _, k := range after {
		if !slices.Contains(before, k) {
			added = append(added, k)
		}
	}
	if len(added) != 1 {
		t.Fatalf("events before %v, after %v: want one new refusal", before, after)
	}
	var ev struct {
		Site   string            `json:"site"`
		Kind   string            `json:"kind"`
		Detail map[string]string `json:"detail"`
	}
	if err := json.Unmarshal(s.read(t, added[0]), &ev); err != nil {
		t.Fatalf("event %s: %v", added[0], err)
	}
	// An expired approval is a frozen feed: reported as such.
	kind := "refused"
	if errors.Is(want, trust.ErrExpired) {
		kind = "frozen"
	}
	if ev.Site != s.id || ev.Kind != kind || ev.Detail["current"] != current ||
		!strings.Contains(ev.Detail["error"], want.Error()) {
		t.Errorf("event %s = %+v, want a refusal naming %q and current %s", added[0], ev, want, current)
	}
}
