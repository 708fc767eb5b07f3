package s3store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
)

// Version is one stored version of an object in a versioned bucket.
type Version struct {
	Key string
	// ID is the server's version ID; "null" for an object written while
	// the bucket (or its prefix) was not versioned.
	ID       string
	Modified time.Time
	Size     int64
	// Latest: the version a plain Get returns.
	Latest bool
	// DeleteMarker: the object was deleted; the version has no content.
	DeleteMarker bool
}

// Versions lists every version of every object under prefix (a folder,
// as for List), in the server's order: keys ascending, and each key's
// versions newest first (as S3's ListObjectVersions promises). On a bucket
// without versioning each object has one version, "null".
func (s *Store) Versions(ctx context.Context, prefix string) ([]Version, error) {
	return s.VersionsUpTo(ctx, prefix, -1)
}

// ErrTooMany means a listing had more entries than the caller allows.
var ErrTooMany = errors.New("more entries than allowed")

// VersionsUpTo is Versions, failing with ErrTooMany once it has seen more
// than max entries (max < 0: no limit), so a folder someone filled with
// objects cannot exhaust the reader's memory.
func (s *Store) VersionsUpTo(ctx context.Context, prefix string, max int) ([]Version, error) {
	full, err := s.folder("list versions", prefix)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var out []Version
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: full, Recursive: true, WithVersions: true}) {
		if obj.Err != nil {
			return nil, s.wrap("list versions", prefix, obj.Err)
		}
		if max >= 0 && len(out) >= max {
			return nil, &fs.PathError{Op: "list versions", Path: prefix, Err: fmt.Errorf("%w: %d", ErrTooMany, max)}
		}
		key := strings.TrimPrefix(obj.Key, s.prefix)
		if key == "" || strings.HasSuffix(key, "/") {
			continue
		}
		out = append(out, Version{Key: key, ID: obj.VersionID, Modified: obj.LastModified, Size: obj.Size,
			Latest: obj.IsLatest, DeleteMarker: obj.IsDeleteMarker})
	}
	return out, nil
}

// GetVersion returns the content of one version of the object; an empty
// id is the latest, as Get.
func (s *Store) GetVersion(ctx context.Context, key, id string) (io.ReadCloser, error) {
	name, err := s.object("get version", key)
	if err != nil {
		return nil, err
	}
	// Core's GetObject sends the request now, so a missing version is
	// reported here rather than at the first Read (see get).
	core := minio.Core{Client: s.client}
	body, _, _, err := core.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{VersionID: id})
	if err != nil && id == nullVersion && minio.ToErrorResponse(err).Code == "InvalidArgument" {
		// S3 serves version "null" of an unversioned bucket: the object.
		// versitygw without versioning refuses every version ID, "null"
		// too; there the object is the only version, so read it, if
		// the server gives it no other version ID.
		plain, info, _, perr := core.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
		if perr != nil {
			return nil, s.wrap("get version "+id, key, perr)
		}
		if info.VersionID == "" || info.VersionID == nullVersion {
			return plain, nil
		}
		plain.Close()
	}
	if err != nil {
		return nil, s.wrap("get version "+id, key, err)
	}
	return body, nil
}

// nullVersion is the version ID of an object written while its bucket was
// not versioned.
const nullVersion = "null"
