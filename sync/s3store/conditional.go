package s3store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"

	"github.com/minio/minio-go/v7"
)

// GetTagged reads the whole object, at most max bytes, and returns it with
// its ETag, for a later PutIfMatch. An object larger than max is an error.
func (s *Store) GetTagged(ctx context.Context, key string, max int64) ([]byte, string, error) {
	name, err := s.object("get", key)
	if err != nil {
		return nil, "", err
	}
	body, info, _, err := minio.Core{Client: s.client}.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return nil, "", s.wrap("get", key, err)
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, max+1))
	if err != nil {
		return nil, "", s.wrap("get", key, err)
	}
	if int64(len(data)) > max {
		return nil, "", &fs.PathError{Op: "get", Path: key, Err: fmt.Errorf("more than %d bytes", max)}
	}
	return data, info.ETag, nil
}

// PutIfMatch replaces the object only if its ETag is still tag (If-Match),
// or, with tag "", creates it only if it does not exist (If-None-Match: *).
// When the object changed meanwhile, the error satisfies
// errors.Is(err, fs.ErrExist): read it again and retry.
func (s *Store) PutIfMatch(ctx context.Context, key string, data []byte, tag string) error {
	if tag == "" {
		return s.PutNew(ctx, key, bytes.NewReader(data), int64(len(data)))
	}
	name, err := s.object("put if match", key)
	if err != nil {
		return err
	}
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream"}
	opts.SetMatchETag(tag)
	if _, err := s.client.PutObject(ctx, s.bucket, name, bytes.NewReader(data), int64(len(data)), opts); err != nil {
		resp := minio.ToErrorResponse(err)
		if resp.StatusCode == http.StatusPreconditionFailed || resp.Code == "PreconditionFailed" ||
			resp.Code == minio.NoSuchKey {
			return &fs.PathError{Op: "put if match", Path: key, Err: fmt.Errorf("%w: changed since read: %w", fs.ErrExist, err)}
		}
		return s.wrap("put if match", key, err)
	}
	return nil
}
