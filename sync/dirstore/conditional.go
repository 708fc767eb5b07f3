package dirstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// GetTagged reads the whole object, at most max bytes, and returns it with
// a tag (its SHA-256) for a later PutIfMatch.
func (s *Store) GetTagged(ctx context.Context, key string, max int64) ([]byte, string, error) {
	r, err := s.Get(ctx, key)
	if err != nil {
		return nil, "", err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, "", fmt.Errorf("dirstore: get %s: %w", key, err)
	}
	if int64(len(data)) > max {
		return nil, "", fmt.Errorf("dirstore: get %s: more than %d bytes", key, max)
	}
	return data, tagOf(data), nil
}

// PutIfMatch replaces the object only if its content still has tag, or,
// with tag "", creates it only if it does not exist. A changed object gives
// an error satisfying errors.Is(err, fs.ErrExist).
//
// A folder store has no server to arbitrate: the check and the rename are
// two steps, so two processes writing at the same instant can still both
// win. A folder is one person's store (a USB stick, a test); shared
// approval goes through S3, where the server makes the check atomic.
func (s *Store) PutIfMatch(ctx context.Context, key string, data []byte, tag string) error {
	_, curTag, err := s.GetTagged(ctx, key, 64<<20)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if tag != "" {
			return fmt.Errorf("dirstore: put %s: %w: gone since read", key, fs.ErrExist)
		}
	case err != nil:
		return err
	case tag == "" || curTag != tag:
		return fmt.Errorf("dirstore: put %s: %w: changed since read", key, fs.ErrExist)
	}
	return s.Put(ctx, key, bytes.NewReader(data), int64(len(data)))
}

func tagOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
