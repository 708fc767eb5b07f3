// Package publish is the department's side of sync: it approves bundles
// (staging them as TUF targets and signing as one approver), uploads their
// media, publishes once enough approvers have signed, re-signs the
// timestamp, exports a publication to a folder for a USB stick, and checks a
// publication exactly as a site would before anyone sees it.
//
// The trust rules live in package trust; this package adds the bundle
// layer: a bundle's manifest is the target bundles/<id>.json, its targeting
// (which sites and groups) is the target's signed custom metadata, and its
// media go to media/<sha256> in the store, content-addressed, so a new
// publication uploads and a site downloads only what changed.
package publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/sync/fetch"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/playerbuild"
	"github.com/vnict/kiosk/sync/trust"
)

// Store is the department's read-write access to the publication store;
// *s3store.Store and *dirstore.Store are ones.
type Store interface {
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	GetRange(ctx context.Context, key string, offset int64) (io.ReadCloser, error)
	Stat(ctx context.Context, key string) (int64, error)
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	List(ctx context.Context, prefix string) ([]string, error)
	Delete(ctx context.Context, key string) error
	GetTagged(ctx context.Context, key string, max int64) ([]byte, string, error)
	PutIfMatch(ctx context.Context, key string, data []byte, tag string) error
}

// TargetPath is the TUF target of a bundle's manifest.
func TargetPath(bundleID string) string { return layout.BundleTarget(bundleID) }

// Expiry of a publication's targets metadata.
const TargetsExpiry = 90 * 24 * time.Hour

// Change is one target of a publication as an approver signs it.
type Change struct {
	Path      string
	Kind      string // "added", "changed", "removed" or "kept"
	Targeting layout.Targeting
}

// Approval is what one approver signed: the whole publication, target by
// target, with its version and expiry, and the approval status after it.
type Approval struct {
	trust.Status // with Version and Expires as signed
	Changes      []Change
}

// Approve signs, as one approver, the publication made of the current
// verified publication plus exactly the bundle in dir with the given
// targeting: the next version, expiring TargetsExpiry from now. The first
// approver stages it; later approvers sign the staging only if it is
// exactly that (trust.ErrUnexpectedStaging otherwise, with every
// difference named), so nobody signs a bundle, a targeting or an expiry
// they were not shown. root is the department's trusted root.json.
func Approve(ctx context.Context, store Store, root []byte, dir string, to layout.Targeting, signer signature.Signer, now time.Time) (Approval, error) {
	return Department{Store: store, Root: root}.Approve(ctx, dir, to, signer, now)
}

// Department is the department's side of a store: the store, the root.json
// it trusts, and StateDir, a folder where it keeps the trusted metadata of
// the newest publication it has verified. With StateDir, someone who puts
// an older (validly signed) publication back into the store cannot make
// approvers build on it, bringing a withdrawn bundle back: that is a
// rollback, refused as sites refuse it. With StateDir "" nothing is kept
// between calls.
type Department struct {
	Store    Store
	Root     []byte
	StateDir string
}

// Approve is the package function Approve, for this department.
func (d Department) Approve(ctx context.Context, dir string, to layout.Targeting, signer signature.Signer, now time.Time) (Approval, error) {
	b, err := content.LoadDir(dir)
	if err != nil {
		return Approval{}, err
	}
	if err := b.Verify(); err != nil {
		return Approval{}, fmt.Errorf("bundle %s: %w", dir, err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, content.ManifestName))
	if err != nil {
		return Approval{}, err
	}
	custom, err := json.Marshal(to)
	if err != nil {
		return Approval{}, err
	}
	path := TargetPath(b.Manifest.ID)
	return d.approveChange(ctx, signer, now, func(cur []trust.Target) ([]trust.Target, error) {
		next := []trust.Target{{Path: path, Data: raw, Custom: custom}}
		for _, t := range cur {
			if t.Path != path {
				next = append(next, t)
			}
		}
		return next, nil
	})
}

// Withdraw signs, as one approver, the publication made of the current
// one without the bundle bundleID: sites it targeted stop showing it once
// the withdrawal is published.
func Withdraw(ctx context.Context, store Store, root []byte, bundleID string, signer signature.Signer, now time.Time) (Approval, error) {
	return Department{Store: store, Root: root}.Withdraw(ctx, bundleID, signer, now)
}

// Withdraw is the package function Withdraw, for this department.
func (d Department) Withdraw(ctx context.Context, bundleID string, signer signature.Signer, now time.Time) (Approval, error) {
	path := TargetPath(bundleID)
	return d.approveChange(ctx, signer, now, func(cur []trust.Target) ([]trust.Target, error) {
		next := slices.DeleteFunc(slices.Clone(cur), func(t trust.Target) bool { return t.Path == path })
		if len(next) == len(cur) {
			return nil, fmt.Errorf("withdraw %s: the current publication has no %s", bundleID, path)
		}
		return next, nil
	})
}

// Reaffirm signs, as one approver, the current publication again as the
// next version with a fresh expiry: before the approval expires (every
// TargetsExpiry), and after a root rotation changed the approvers, whose
// old signatures then no longer count.
func Reaffirm(ctx context.Context, store Store, root []byte, signer signature.Signer, now time.Time) (Approval, error) {
	return Department{Store: store, Root: root}.Reaffirm(ctx, signer, now)
}

// Reaffirm is the package function Reaffirm, for this department.
func (d Department) Reaffirm(ctx context.Context, signer signature.Signer, now time.Time) (Approval, error) {
	return d.approveChange(ctx, signer, now, func(cur []trust.Target) ([]trust.Target, error) {
		if len(cur) == 0 {
			return nil, errors.New("reaffirm: nothing is published yet")
		}
		return slices.Clone(cur), nil
	})
}

// approveChange rebuilds the expected publication from the verified
// current one and the change, stages it if nothing is staged, and signs.
func (d Department) approveChange(ctx context.Context, signer signature.Signer, now time.Time,
	change func(cur []trust.Target) ([]trust.Target, error)) (Approval, error) {
	store, root := d.Store, d.Root
	cur, err := d.Current(ctx, now)
	if err != nil {
		return Approval{}, err
	}
	next, err := change(cur.Targets)
	if err != nil {
		return Approval{}, err
	}
	slices.SortFunc(next, func(a, b trust.Target) int { return strings.Compare(a.Path, b.Path) })
	want := trust.Expectation{
		Targets:      next,
		Version:      cur.Version + 1,
		ExpiresAfter: now.Add(TargetsExpiry - MaxApprovalSpan),
		ExpiresBy:    now.Add(TargetsExpiry + time.Hour),
	}
	st, err := trust.Approve(ctx, store, root, signer, want)
	if errors.Is(err, trust.ErrNothingStaged) {
		if _, err = trust.Stage(ctx, store, root, next, now.Add(TargetsExpiry)); err != nil {
			return Approval{}, err
		}
		st, err = trust.Approve(ctx, store, root, signer, want)
	}
	if errors.Is(err, trust.ErrUnexpectedStaging) {
		return Approval{}, fmt.Errorf("%w\nnothing was signed; if you did not expect this, the store may be tampered with: tell the other approvers, and discard it with `kioskctl discard`", err)
	}
	if err != nil {
		return Approval{}, err
	}
	// The expiry shown is the one signed, which the first approver set.
	return Approval{Status: st, Changes: changes(cur.Targets, next)}, nil
}

// MaxApprovalSpan is how long after the first approver the last may still
// sign: the staged expiry must be within it of a fresh one.
const MaxApprovalSpan = 30 * 24 * time.Hour

// changes lists every target of next against cur, and those removed.
func changes(cur, next []trust.Target) []Change {
	old := map[string]trust.Target{}
	for _, t := range cur {
		old[t.Path] = t
	}
	var out []Change
	for _, t := range next {
		c := Change{Path: t.Path, Kind: "added"}
		if o, ok := old[t.Path]; ok {
			c.Kind = "kept"
			if !bytes.Equal(o.Data, t.Data) || !sameJSON(o.Custom, t.Custom) {
				c.Kind = "changed"
			}
			delete(old, t.Path)
		}
		_ = json.Unmarshal(t.Custom, &c.Targeting)
		out = append(out, c)
	}
	for _, p := range slices.Sorted(maps.Keys(old)) {
		c := Change{Path: p, Kind: "removed"}
		_ = json.Unmarshal(old[p].Custom, &c.Targeting)
		out = append(out, c)
	}
	return out
}

// sameJSON compares two JSON values by meaning, not layout.
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// Publication is a verified publication: its targets version and targets.
type Publication struct {
	Version int64
	Targets []trust.Target // by path
}

// Current returns the current publication, verified against root as a site
// would; before the first publication, version 0 and no targets.
func Current(ctx context.Context, store Store, root []byte, now time.Time) (Publication, error) {
	return Department{Store: store, Root: root}.Current(ctx, now)
}

// Current is the package function Current, for this department: with a
// StateDir, a publication older than one verified before is ErrRollback.
func (d Department) Current(ctx context.Context, now time.Time) (Publication, error) {
	store := d.Store
	dir := d.StateDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "kioskctl-tuf-")
		if err != nil {
			return Publication{}, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	// The store's newest root the department's own root leads to, so a
	// rotated root is followed and a planted one refused.
	latest, _, err := trust.LatestRoot(ctx, store, d.Root)
	if err != nil {
		return Publication{}, err
	}
	c, err := trust.NewClient(store, latest, dir, func() time.Time { return now })
	if err != nil {
		return Publication{}, err
	}
	rel, err := c.Refresh(ctx)
	if errors.Is(err, fs.ErrNotExist) && !errors.Is(err, trust.ErrInconsistent) {
		return Publication{}, nil // nothing published yet
	}
	if err != nil {
		return Publication{}, fmt.Errorf("read the current publication: %w", err)
	}
	pub := Publication{Version: rel.Version}
	for _, p := range slices.Sorted(maps.Keys(rel.Targets)) {
		data, err := c.Fetch(ctx, rel, p)
		if err != nil {
			return Publication{}, fmt.Errorf("read the current publication: %w", err)
		}
		pub.Targets = append(pub.Targets, trust.Target{Path: p, Data: data, Custom: rel.Targets[p].Custom})
	}
	return pub, nil
}

// Published returns the targets of the current publication, verified
// against root as a site would; fs.ErrNotExist before the first.
func Published(ctx context.Context, store Store, root []byte, now time.Time) ([]trust.Target, error) {
	return Department{Store: store, Root: root}.Published(ctx, now)
}

// Published is the package function Published, for this department.
func (d Department) Published(ctx context.Context, now time.Time) ([]trust.Target, error) {
	pub, err := d.Current(ctx, now)
	if err != nil {
		return nil, err
	}
	if pub.Version == 0 {
		return nil, fmt.Errorf("read the current publication: nothing published yet: %w", fs.ErrNotExist)
	}
	return pub.Targets, nil
}

// UploadMedia puts the bundle's files into the store as media/<sha256>,
// skipping those already there with the right size. It returns the bytes
// uploaded. Each file is read through an os.Root of dir (no link leads
// out of the bundle), must be, once opened, a regular file of the listed
// size, and is hashed as it streams: a file whose bytes are not the
// listed ones fails its upload before the store completes it.
func UploadMedia(ctx context.Context, store Store, dir string) (int64, error) {
	b, err := content.LoadDir(dir)
	if err != nil {
		return 0, err
	}
	return uploadFiles(ctx, store, dir, b.Manifest.Files)
}

// uploadFiles puts the files listed, read from the bundle folder dir as
// UploadMedia reads them, into the store as media/<sha256>.
func uploadFiles(ctx context.Context, store Store, dir string, files []content.File) (int64, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return 0, err
	}
	defer root.Close()
	var sent int64
	done := map[string]bool{}
	for _, f := range files {
		if done[f.SHA256] {
			continue
		}
		done[f.SHA256] = true
		key := layout.MediaKey(f.SHA256)
		if size, err := store.Stat(ctx, key); err == nil && size == f.Size {
			continue
		}
		if err := uploadFile(ctx, store, root, key, f); err != nil {
			return sent, fmt.Errorf("upload %s: %s: %w", dir, f.Path, err)
		}
		sent += f.Size
	}
	return sent, nil
}

// uploadFile puts the bundle file f, read from root, into the store as key.
func uploadFile(ctx context.Context, store Store, root *os.Root, key string, f content.File) error {
	fh, err := root.Open(filepath.FromSlash(f.Path))
	if err != nil {
		return err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return errors.New("not a regular file")
	}
	if st.Size() != f.Size {
		return fmt.Errorf("%d bytes, the manifest lists %d", st.Size(), f.Size)
	}
	return store.Put(ctx, key, &verifyingReader{r: fh, want: f, h: sha256.New()}, f.Size)
}

// verifyingReader reads a bundle file, failing instead of giving its last
// bytes when what it read is not the file's listed size and SHA-256: a
// store reads exactly the size it was given and may never ask for EOF.
type verifyingReader struct {
	r    io.Reader
	want content.File
	h    hash.Hash
	n    int64
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	if left := v.want.Size - v.n; int64(len(p)) > left {
		p = p[:left]
	}
	if len(p) == 0 {
		if v.n == 0 && hex.EncodeToString(v.h.Sum(nil)) != v.want.SHA256 {
			return 0, fmt.Errorf("%s: SHA-256 does not match the manifest", v.want.Path)
		}
		return 0, io.EOF
	}
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if v.n == v.want.Size && hex.EncodeToString(v.h.Sum(nil)) != v.want.SHA256 {
		return 0, fmt.Errorf("%s: SHA-256 does not match the manifest (changed while uploading?)", v.want.Path)
	}
	if err == io.EOF && v.n < v.want.Size {
		return n, fmt.Errorf("%s: %d bytes, the manifest lists %d", v.want.Path, v.n, v.want.Size)
	}
	return n, err
}

// Publish uploads, from the given bundle folders, the files their staged
// (signed) manifests list, checks every staged bundle has all its media
// in the store, and publishes the staged targets (which trust refuses
// below the approval threshold).
func Publish(ctx context.Context, store Store, root []byte, dirs []string, snapshot, timestamp signature.Signer, now time.Time) error {
	return Department{Store: store, Root: root}.Publish(ctx, dirs, snapshot, timestamp, now)
}

// Publish is the package function Publish, for this department: it also
// refuses a store whose publication is older than the newest one this
// department verified, and records the new one.
func (d Department) Publish(ctx context.Context, dirs []string, snapshot, timestamp signature.Signer, now time.Time) error {
	store, root := d.Store, d.Root
	if err := d.checkNotRolledBack(ctx); err != nil {
		return err
	}
	// Nothing of the staging is read, nor anything uploaded, before the
	// approvers' threshold is met: until then it is anyone's.
	st, err := trust.StagedStatus(ctx, store, root)
	if err != nil {
		return err
	}
	if !st.Ready {
		return fmt.Errorf("publish: %w: targets version %d has %d of %d approvals (still needed from %s)",
			trust.ErrSignature, st.Version, len(st.Signed), st.Threshold, strings.Join(st.Missing, ", "))
	}
	targets, err := trust.StagedTargets(ctx, store)
	if err != nil {
		return err
	}
	// What goes up from a folder is the files the signed manifest lists,
	// each checked against it as it streams; the folder's own manifest,
	// which may have changed since it was signed, only names its bundle.
	staged := map[string][]content.File{}
	for _, t := range targets {
		if id, ok := layout.BundleOf(t.Path); ok {
			files, err := targetFiles(t)
			if err != nil {
				return fmt.Errorf("staged: %w", err)
			}
			staged[id] = files
		}
	}
	for _, dir := range dirs {
		id := filepath.Base(dir)
		if _, ok := staged[id]; !ok {
			b, err := content.LoadDir(dir)
			if err != nil {
				return err
			}
			id = b.Manifest.ID
		}
		files, ok := staged[id]
		if !ok {
			return fmt.Errorf("publish: %s: bundle %s is not staged", dir, id)
		}
		if _, err := uploadFiles(ctx, store, dir, files); err != nil {
			return fmt.Errorf("upload %s: %w", dir, err)
		}
	}
	for _, t := range targets {
		files, err := targetFiles(t)
		if err != nil {
			return fmt.Errorf("staged: %w", err)
		}
		for _, f := range files {
			size, err := store.Stat(ctx, layout.MediaKey(f.SHA256))
			if err != nil || size != f.Size {
				return fmt.Errorf("staged %s: %s (%s) is not in the store: give the bundle's folder to publish (or, for a player build, its program to release-player)", t.Path, f.Path, layout.MediaKey(f.SHA256))
			}
		}
	}
	if _, err := trust.Publish(ctx, store, root, snapshot, timestamp, now); err != nil {
		return err
	}
	return d.remember(ctx, now)
}

// Refresh re-signs the timestamp, and the snapshot near its expiry
// (trust.Refresh), after checking that the store's publication is not older
// than the newest this department verified: re-signing a publication put
// back by someone with write access would make it current again, withdrawn
// bundles and all.
func (d Department) Refresh(ctx context.Context, snapshot, timestamp signature.Signer, now time.Time) error {
	if err := d.checkNotRolledBack(ctx); err != nil {
		return err
	}
	if err := trust.Refresh(ctx, d.Store, d.Root, snapshot, timestamp, now); err != nil {
		return err
	}
	return d.remember(ctx, now)
}

// remember verifies the store's publication as a site would, which records
// it in StateDir.
func (d Department) remember(ctx context.Context, now time.Time) error {
	if d.StateDir == "" {
		return nil
	}
	if _, err := d.Current(ctx, now); err != nil {
		return fmt.Errorf("the publication was signed, but checking it afterwards failed: %w", err)
	}
	return nil
}

// checkNotRolledBack compares the versions of the store's publication
// (signatures checked, expiry not: a refresh is what renews it) with those
// of the newest this department verified, in StateDir.
func (d Department) checkNotRolledBack(ctx context.Context) error {
	if d.StateDir == "" {
		return nil
	}
	pub, err := trust.PublishedVersions(ctx, d.Store, d.Root)
	if err != nil {
		return err
	}
	for _, role := range []struct {
		name  string
		store int64
	}{{"timestamp", pub.Timestamp}, {"snapshot", pub.Snapshot}, {"targets", pub.Targets}} {
		seen, err := localVersion(filepath.Join(d.StateDir, role.name+".json"))
		if err != nil {
			return err
		}
		if role.store < seen {
			return fmt.Errorf("%w: the store's %s is version %d, but version %d was verified here (%s): someone put an older publication back; find out who before signing anything",
				trust.ErrRollback, role.name, role.store, seen, d.StateDir)
		}
	}
	return nil
}

// localVersion is the version of a metadata file the department verified
// before, or 0 if there is none.
func localVersion(path string) (int64, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var m struct {
		Signed struct {
			Version int64 `json:"version"`
		} `json:"signed"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return m.Signed.Version, nil
}

// Export copies the current publication (its TUF metadata and targets, and
// the media of its bundles) from store to the folder dir, for a site with no
// link to import from a USB stick. Player builds' programs are not copied:
// sites install them over the network only.
func Export(ctx context.Context, store Store, dest Store, root []byte, now time.Time) (files int, err error) {
	return Department{Store: store, Root: root}.Export(ctx, dest, now)
}

// Export is the package function Export, for this department: a
// publication older than one verified here is not exported.
func (d Department) Export(ctx context.Context, dest Store, now time.Time) (files int, err error) {
	store := d.Store
	// Checked first: the copy below takes the store's files as they are.
	if _, err := d.Current(ctx, now); err != nil {
		return 0, err
	}
	keys, err := store.List(ctx, layout.TUFPrefix)
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if strings.HasPrefix(k, layout.StagedPrefix) {
			continue
		}
		if err := copyObject(ctx, store, dest, k); err != nil {
			return files, err
		}
		files++
	}
	targets, err := d.Published(ctx, now)
	if err != nil {
		return files, err
	}
	done := map[string]bool{}
	for _, t := range targets {
		if _, _, ok := playerbuild.Of(t.Path); ok {
			continue // player builds travel over the network only
		}
		media, err := targetFiles(t)
		if err != nil {
			return files, err
		}
		for _, f := range media {
			if done[f.SHA256] {
				continue
			}
			done[f.SHA256] = true
			if err := copyObject(ctx, store, dest, layout.MediaKey(f.SHA256)); err != nil {
				return files, err
			}
			files++
		}
	}
	return files, nil
}

func copyObject(ctx context.Context, from, to Store, key string) error {
	size, err := from.Stat(ctx, key)
	if err != nil {
		return fmt.Errorf("export %s: %w", key, err)
	}
	r, err := from.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("export %s: %w", key, err)
	}
	defer r.Close()
	if err := to.Put(ctx, key, r, size); err != nil {
		return fmt.Errorf("export %s: %w", key, err)
	}
	return nil
}

// Check is what Verify found for one bundle.
type Check struct {
	Target string
	// Bundle is the bundle's ID, or Player the player build's version.
	Bundle    string
	Player    string
	Version   int64
	Targeting layout.Targeting
	Files     int
	Bytes     int64
	Problems  []string
}

// Verify checks the publication in store as a site would: the TUF metadata
// and every bundle manifest against root, and every medium present in the
// store with its listed size (and, with hashes, its SHA-256).
func Verify(ctx context.Context, store Store, root []byte, now time.Time, hashes bool) ([]Check, error) {
	return Department{Store: store, Root: root}.Verify(ctx, now, hashes)
}

// Verify is the package function Verify, for this department: a
// publication older than one verified here is ErrRollback.
func (d Department) Verify(ctx context.Context, now time.Time, hashes bool) ([]Check, error) {
	store := d.Store
	targets, err := d.Published(ctx, now)
	if err != nil {
		return nil, err
	}
	var out []Check
	for _, t := range targets {
		c := Check{Target: t.Path}
		if len(t.Custom) > 0 {
			if err := json.Unmarshal(t.Custom, &c.Targeting); err != nil {
				c.Problems = append(c.Problems, "targeting: "+err.Error())
			}
		}
		files, err := targetFiles(t)
		if err != nil {
			c.Problems = append(c.Problems, err.Error())
			out = append(out, c)
			continue
		}
		if _, ok := layout.BundleOf(t.Path); ok {
			m, _ := content.ParseManifest(t.Data) // parsed by targetFiles
			c.Bundle, c.Version = m.ID, m.Version
		} else if _, v, ok := playerbuild.Of(t.Path); ok {
			c.Player = v
		}
		c.Files = len(files)
		for _, f := range files {
			c.Bytes += f.Size
			key := layout.MediaKey(f.SHA256)
			size, err := store.Stat(ctx, key)
			switch {
			case err != nil:
				c.Problems = append(c.Problems, fmt.Sprintf("%s (%s): %v", f.Path, key, err))
			case size != f.Size:
				c.Problems = append(c.Problems, fmt.Sprintf("%s (%s): %d bytes, manifest lists %d", f.Path, key, size, f.Size))
			case hashes:
				if err := hashCheck(ctx, store, key, f); err != nil {
					c.Problems = append(c.Problems, err.Error())
				}
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func hashCheck(ctx context.Context, store Store, key string, f content.File) error {
	r, err := store.Get(ctx, key)
	if err != nil {
		return err
	}
	defer r.Close()
	got, err := fetch.HashReader(r)
	if err != nil {
		return fmt.Errorf("%s (%s): %w", f.Path, key, err)
	}
	if got != f.SHA256 {
		return fmt.Errorf("%s (%s): %w", f.Path, key, fetch.ErrTampered)
	}
	return nil
}
