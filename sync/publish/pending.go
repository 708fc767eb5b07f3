package publish

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/trust"
)

// Bundle is one bundle of a publication, published or staged: its
// manifest as signed (Raw, and parsed), the sites and groups it is for,
// and the targets version of the publication holding it.
type Bundle struct {
	Manifest  *content.Manifest
	Raw       []byte
	Targeting layout.Targeting
	Version   int64
}

// PublishedBundle returns the bundle bundleID as the current publication
// holds it, verified against the department's root as a site would (and,
// with a StateDir, refusing a publication put back). Before the first
// publication, or when the publication does not hold the bundle, the
// error satisfies errors.Is(err, fs.ErrNotExist): an approver then sees
// everything in the bundle as new (content.Diff(nil, ...)).
func (d Department) PublishedBundle(ctx context.Context, bundleID string, now time.Time) (Bundle, error) {
	pub, err := d.Current(ctx, now)
	if err != nil {
		return Bundle{}, err
	}
	path := TargetPath(bundleID)
	for _, t := range pub.Targets {
		if t.Path == path {
			return bundleOf(t, pub.Version, "published")
		}
	}
	if pub.Version == 0 {
		return Bundle{}, fmt.Errorf("published bundle %s: nothing published yet: %w", bundleID, fs.ErrNotExist)
	}
	return Bundle{}, fmt.Errorf("published bundle %s: publication v%d does not hold %s: %w", bundleID, pub.Version, path, fs.ErrNotExist)
}

// StagedBundle returns the bundle bundleID as the staged publication
// holds it, each file checked against the staged metadata's hashes. The
// staging is not approved yet: show it, never trust it (Approve and
// Publish check it again). With nothing staged the error satisfies
// errors.Is(err, trust.ErrNothingStaged); when the staging does not hold
// the bundle, errors.Is(err, fs.ErrNotExist).
func (d Department) StagedBundle(ctx context.Context, bundleID string) (Bundle, error) {
	targets, err := trust.StagedTargets(ctx, d.Store)
	if err != nil {
		return Bundle{}, fmt.Errorf("staged bundle %s: %w", bundleID, err)
	}
	st, err := d.StagedStatus(ctx)
	if err != nil {
		return Bundle{}, err
	}
	path := TargetPath(bundleID)
	for _, t := range targets {
		if t.Path == path {
			return bundleOf(t, st.Version, "staged")
		}
	}
	return Bundle{}, fmt.Errorf("staged bundle %s: the staged publication v%d does not hold %s: %w", bundleID, st.Version, path, fs.ErrNotExist)
}

// StagedStatus says who has signed the staged publication and who is
// still needed (by name from the store's approvers.json, with the key ID
// beside it, as trust.StagedStatus gives them), against the department's
// root. With nothing staged the error satisfies errors.Is(err,
// trust.ErrNothingStaged).
func (d Department) StagedStatus(ctx context.Context) (trust.Status, error) {
	return trust.StagedStatus(ctx, d.Store, d.Root)
}

// bundleOf parses a bundle target of a publication (where: "published"
// or "staged", for errors).
func bundleOf(t trust.Target, version int64, where string) (Bundle, error) {
	m, err := content.ParseManifest(t.Data)
	if err != nil {
		return Bundle{}, fmt.Errorf("%s target %s: %w", where, t.Path, err)
	}
	b := Bundle{Manifest: m, Raw: t.Data, Version: version}
	if len(t.Custom) > 0 {
		if err := json.Unmarshal(t.Custom, &b.Targeting); err != nil {
			return Bundle{}, fmt.Errorf("%s target %s: targeting: %w", where, t.Path, err)
		}
	}
	return b, nil
}
