package trust

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/vnict/kiosk/sync/layout"
)

// Store keys; see the package documentation.
const (
	metadataPrefix   = layout.MetadataPrefix
	targetsPrefix    = layout.TargetsPrefix
	stagedPrefix     = layout.StagedPrefix
	stagedTargetsKey = stagedPrefix + "targets.json"
	stagedFilePrefix = stagedPrefix + "targets/"
	approversKey     = layout.TUFPrefix + "approvers.json"
	timestampKey     = layout.TimestampKey
	alertsPrefix     = metadataPrefix + "alerts/"
	alertIndexKey    = metadataPrefix + "alert-index.json"
)

// AlertKey is the store key of the alert id: tuf/metadata/alerts/<id>.json,
// beside the metadata, where a site may read. id must be a valid alert ID
// (see alert.Alert.Validate); the key of any other is refused by the
// functions that take one.
func AlertKey(id string) string { return alertsPrefix + id + ".json" }

// AlertIndexKey is the store key of the alert index: which alerts are
// stored, for sites, which may read but not list.
const AlertIndexKey = alertIndexKey

// Bounds for what the department tools read back from the store. Sites use
// go-tuf's limits and the signed lengths instead.
const (
	maxMetadataBytes = 5 << 20
	maxTargetBytes   = 16 << 20
)

func versionedKey(role string, version int64) string {
	return fmt.Sprintf("%s%d.%s.json", metadataPrefix, version, role)
}

// targetKey names a target file under prefix the way go-tuf's updater does
// with PrefixTargetsWithHash: the hash goes before the base name, and folders
// in the target path stay folders ("a/b.json" -> "a/<hash>.b.json").
func targetKey(prefix, targetPath string, sha256 []byte) string {
	dir, base := path.Split(targetPath)
	return prefix + dir + hex.EncodeToString(sha256) + "." + base
}

// checkTargetPath accepts target paths that are clean relative paths, so
// their store keys stay inside tuf/targets/.
func checkTargetPath(p string) error {
	if p == "" || p == "." || !fs.ValidPath(p) || strings.Contains(p, `\`) {
		return fmt.Errorf("invalid target path %q: want a clean relative slash-separated path", p)
	}
	return nil
}

// getter is the part of a store every reader needs.
type getter interface {
	Get(ctx context.Context, key string) (io.ReadCloser, error)
}

// readLimited reads key, failing with ErrTooLarge once it has seen more than
// max bytes: a store that streams without end must not exhaust memory.
func readLimited(ctx context.Context, s getter, key string, max int64) ([]byte, error) {
	rc, err := s.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("read %s: more than %d bytes: %w", key, max, ErrTooLarge)
	}
	return data, nil
}

// putter is the part of a store the department tools write with.
type putter interface {
	Put(ctx context.Context, key string, r io.Reader, size int64) error
}

func putBytes(ctx context.Context, s putter, key string, data []byte) error {
	if err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}
