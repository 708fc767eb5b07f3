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
	"encoding/json"
	"errors"
	"fmt"
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
	"github.com/vnict/kiosk/sync/agent"
	"github.com/vnict/kiosk/sync/fetch"
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
}

// TargetPath is the TUF target of a bundle's manifest.
func TargetPath(bundleID string) string { return agent.BundlePrefix + bundleID + ".json" }

// Expiry of a publication's targets metadata.
const TargetsExpiry = 90 * 24 * time.Hour

// Approve stages the bundle in dir for the given targeting (unless the same
// manifest and targeting are staged already) and signs the staged
// publication with signer. root is the department's trusted root.json,
// used to read what is published now, which the new publication keeps.
func Approve(ctx context.Context, store Store, root []byte, dir string, to agent.Targeting, signer signature.Signer, now time.Time) (trust.Status, error) {
	b, err := content.LoadDir(dir)
	if err != nil {
		return trust.Status{}, err
	}
	if err := b.Verify(); err != nil {
		return trust.Status{}, fmt.Errorf("bundle %s: %w", dir, err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, content.ManifestName))
	if err != nil {
		return trust.Status{}, err
	}
	custom, err := json.Marshal(to)
	if err != nil {
		return trust.Status{}, err
	}
	path := TargetPath(b.Manifest.ID)
	staged, err := stagedTarget(ctx, store, path)
	if err != nil {
		return trust.Status{}, err
	}
	if staged == nil || !bytes.Equal(staged.data, raw) || !sameJSON(staged.custom, custom) {
		if staged != nil || stagedOther(ctx, store) {
			return trust.Status{}, fmt.Errorf("approve %s: %w: publish it, or discard it with `kioskctl discard`", b.Manifest.ID, trust.ErrStagingExists)
		}
		current, err := Published(ctx, store, root, now)
		if errors.Is(err, fs.ErrNotExist) && !errors.Is(err, trust.ErrInconsistent) {
			current, err = nil, nil // the first publication
		}
		if err != nil {
			return trust.Status{}, err
		}
		next := []trust.Target{{Path: path, Data: raw, Custom: custom}}
		for _, t := range current {
			if t.Path != path {
				next = append(next, t)
			}
		}
		if _, err := trust.Stage(ctx, store, next, now.Add(TargetsExpiry)); err != nil {
			return trust.Status{}, err
		}
	}
	return trust.Approve(ctx, store, signer)
}

type target struct{ data, custom []byte }

// stagedOther reports whether a publication without this bundle is staged.
func stagedOther(ctx context.Context, store Store) bool {
	_, err := trust.StagedTargets(ctx, store)
	return err == nil
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

// stagedTarget returns the staged manifest at path, or nil when nothing
// or something else is staged.
func stagedTarget(ctx context.Context, store Store, path string) (*target, error) {
	targets, err := trust.StagedTargets(ctx, store)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	for _, t := range targets {
		if t.Path == path {
			return &target{data: t.Data, custom: t.Custom}, nil
		}
	}
	return nil, nil
}

// Published returns the targets of the current publication, verified
// against root as a site would.
func Published(ctx context.Context, store Store, root []byte, now time.Time) ([]trust.Target, error) {
	dir, err := os.MkdirTemp("", "kioskctl-tuf-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	c, err := trust.NewClient(store, root, dir, func() time.Time { return now })
	if err != nil {
		return nil, err
	}
	rel, err := c.Refresh(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the current publication: %w", err)
	}
	var out []trust.Target
	for _, p := range slices.Sorted(maps.Keys(rel.Targets)) {
		data, err := c.Fetch(ctx, rel, p)
		if err != nil {
			return nil, fmt.Errorf("read the current publication: %w", err)
		}
		out = append(out, trust.Target{Path: p, Data: data, Custom: rel.Targets[p].Custom})
	}
	return out, nil
}

// UploadMedia puts the bundle's files into the store as media/<sha256>,
// skipping those already there with the right size. It returns the bytes
// uploaded.
func UploadMedia(ctx context.Context, store Store, dir string) (int64, error) {
	b, err := content.LoadDir(dir)
	if err != nil {
		return 0, err
	}
	var sent int64
	done := map[string]bool{}
	for _, f := range b.Manifest.Files {
		if done[f.SHA256] {
			continue
		}
		done[f.SHA256] = true
		key := fetch.MediaKey(f.SHA256)
		if size, err := store.Stat(ctx, key); err == nil && size == f.Size {
			continue
		}
		fh, err := os.Open(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			return sent, fmt.Errorf("upload %s: %w", f.Path, err)
		}
		err = store.Put(ctx, key, fh, f.Size)
		fh.Close()
		if err != nil {
			return sent, fmt.Errorf("upload %s: %w", f.Path, err)
		}
		sent += f.Size
	}
	return sent, nil
}

// Publish uploads the media of the given bundle folders, checks every
// staged bundle has all its media in the store, and publishes the staged
// targets (which trust refuses below the approval threshold).
func Publish(ctx context.Context, store Store, dirs []string, snapshot, timestamp signature.Signer, now time.Time) error {
	for _, d := range dirs {
		if _, err := UploadMedia(ctx, store, d); err != nil {
			return err
		}
	}
	targets, err := trust.StagedTargets(ctx, store)
	if err != nil {
		return err
	}
	for _, t := range targets {
		if !strings.HasPrefix(t.Path, agent.BundlePrefix) {
			continue
		}
		m, err := content.ParseManifest(t.Data)
		if err != nil {
			return fmt.Errorf("staged %s: %w", t.Path, err)
		}
		for _, f := range m.Files {
			size, err := store.Stat(ctx, fetch.MediaKey(f.SHA256))
			if err != nil || size != f.Size {
				return fmt.Errorf("staged %s: %s (%s) is not in the store: give the bundle's folder to publish", t.Path, f.Path, fetch.MediaKey(f.SHA256))
			}
		}
	}
	_, err = trust.Publish(ctx, store, snapshot, timestamp, now)
	return err
}

// Export copies the current publication (its TUF metadata and targets, and
// the media of its bundles) from store to the folder dir, for a site with no
// link to import from a USB stick.
func Export(ctx context.Context, store Store, dest Store, root []byte, now time.Time) (files int, err error) {
	keys, err := store.List(ctx, "tuf/")
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if strings.HasPrefix(k, "tuf/staged/") {
			continue
		}
		if err := copyObject(ctx, store, dest, k); err != nil {
			return files, err
		}
		files++
	}
	targets, err := Published(ctx, store, root, now)
	if err != nil {
		return files, err
	}
	done := map[string]bool{}
	for _, t := range targets {
		if !strings.HasPrefix(t.Path, agent.BundlePrefix) {
			continue
		}
		m, err := content.ParseManifest(t.Data)
		if err != nil {
			return files, fmt.Errorf("%s: %w", t.Path, err)
		}
		for _, f := range m.Files {
			if done[f.SHA256] {
				continue
			}
			done[f.SHA256] = true
			if err := copyObject(ctx, store, dest, fetch.MediaKey(f.SHA256)); err != nil {
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
	Target    string
	Bundle    string
	Version   int64
	Targeting agent.Targeting
	Files     int
	Bytes     int64
	Problems  []string
}

// Verify checks the publication in store as a site would: the TUF metadata
// and every bundle manifest against root, and every medium present in the
// store with its listed size (and, with hashes, its SHA-256).
func Verify(ctx context.Context, store Store, root []byte, now time.Time, hashes bool) ([]Check, error) {
	targets, err := Published(ctx, store, root, now)
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
		m, err := content.ParseManifest(t.Data)
		if err != nil {
			c.Problems = append(c.Problems, err.Error())
			out = append(out, c)
			continue
		}
		c.Bundle, c.Version, c.Files = m.ID, m.Version, len(m.Files)
		for _, f := range m.Files {
			c.Bytes += f.Size
			key := fetch.MediaKey(f.SHA256)
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
