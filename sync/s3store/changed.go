package s3store

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"

	"github.com/minio/minio-go/v7"
)

// GetIfChanged reads the whole object, at most max bytes, unless its ETag
// is still etag: a conditional GET (If-None-Match), whose answer when
// nothing changed is a bodiless 304. It returns the content and its ETag,
// or, unchanged, nil and etag itself; with etag "" it always reads. An
// object larger than max is an error naming the key.
func (s *Store) GetIfChanged(ctx context.Context, key, etag string, max int64) ([]byte, string, error) {
	name, err := s.object("get if changed", key)
	if err != nil {
		return nil, "", err
	}
	var opts minio.GetObjectOptions
	if etag != "" {
		if err := opts.SetMatchETagExcept(etag); err != nil {
			return nil, "", &fs.PathError{Op: "get if changed", Path: key, Err: err}
		}
	}
	getCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	body, info, _, err := minio.Core{Client: s.client}.GetObject(getCtx, s.bucket, name, opts)
	if err != nil {
		if minio.ToErrorResponse(err).StatusCode == http.StatusNotModified {
			return nil, etag, nil
		}
		return nil, "", s.wrap("get if changed", key, err)
	}
	defer body.Close()
	if info.Size > max {
		return nil, "", &fs.PathError{Op: "get if changed", Path: key, Err: fmt.Errorf("%d bytes, more than the %d read", info.Size, max)}
	}
	data, err := io.ReadAll(io.LimitReader(newIdleReader(body, s.readTimeout, cancel, key), max+1))
	if err != nil {
		return nil, "", s.wrap("get if changed", key, err)
	}
	if int64(len(data)) > max {
		return nil, "", &fs.PathError{Op: "get if changed", Path: key, Err: fmt.Errorf("more than the %d bytes read", max)}
	}
	return data, info.ETag, nil
}

// WatchObject is Watch for the one object key: it signals when key (or an
// object whose name starts with it) is created or removed. Like Watch it is
// a hint only.
func (s *Store) WatchObject(ctx context.Context, key string) (<-chan struct{}, error) {
	name, err := s.object("watch", key)
	if err != nil {
		return nil, err
	}
	return s.listen(ctx, name), nil
}
