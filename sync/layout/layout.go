// Package layout names where things live in the department's store, for
// the department's tools (sync/publish, sync/provision, kioskctl) and for
// the site (sync/agent, sync/fetch, sync/trust) alike: the TUF
// repository's folders, the media, the bundle targets and how a target
// names the sites it is for, and the reports folder. It imports nothing of
// the project, so the department's code never needs the site's agent to
// know a key, and a change of layout is one change here.
//
//	tuf/metadata/            signed TUF metadata (root, timestamp, snapshot, targets), alerts
//	tuf/targets/             bundle manifests as TUF targets, by hash (bundles/<id>.json)
//	tuf/staged/              a publication waiting for its approvals (department only)
//	media/<sha256>           every file of every bundle, named by its content
//	reports/<site>/          what a site reports (see kiosk/report)
package layout

import (
	"slices"
	"strings"
)

// Store prefixes and keys.
const (
	// TUFPrefix holds the whole TUF repository.
	TUFPrefix = "tuf/"
	// MetadataPrefix holds the signed metadata sites read.
	MetadataPrefix = "tuf/metadata/"
	// TargetsPrefix holds the targets (bundle manifests), by hash.
	TargetsPrefix = "tuf/targets/"
	// StagedPrefix holds a staged publication and its approvals.
	StagedPrefix = "tuf/staged/"
	// TimestampKey is the timestamp metadata, the first thing a site reads.
	TimestampKey = MetadataPrefix + "timestamp.json"
	// MediaPrefix holds the files of bundles, each named by its SHA-256.
	MediaPrefix = "media/"
	// ReportsPrefix holds every site's reports.
	ReportsPrefix = "reports/"
	// BundlePrefix is where bundle manifests live among the TUF targets
	// (a target path, not a store key): bundles/<bundle id>.json.
	BundlePrefix = "bundles/"
)

// MediaKey is the store key of the file with the given lower-case hex
// SHA-256.
func MediaKey(sha256 string) string { return MediaPrefix + sha256 }

// BundleTarget is the TUF target path of the bundle with the given ID.
func BundleTarget(bundleID string) string { return BundlePrefix + bundleID + ".json" }

// BundleOf returns the bundle ID of a TUF target path, and whether the
// path is a bundle's.
func BundleOf(target string) (string, bool) {
	rest, ok := strings.CutPrefix(target, BundlePrefix)
	if !ok {
		return "", false
	}
	id, ok := strings.CutSuffix(rest, ".json")
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", false
	}
	return id, true
}

// Targeting is the custom metadata of a bundle target: which sites and
// groups it is for. Both empty means every site.
type Targeting struct {
	Sites  []string `json:"sites,omitempty"`
	Groups []string `json:"groups,omitempty"`
}

// Includes reports whether the target is for the site with the given ID
// and groups (tags).
func (t Targeting) Includes(site string, groups []string) bool {
	return (len(t.Sites) == 0 && len(t.Groups) == 0) || slices.Contains(t.Sites, site) ||
		slices.ContainsFunc(t.Groups, func(g string) bool { return slices.Contains(groups, g) })
}
