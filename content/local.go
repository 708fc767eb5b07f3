package content

import (
	"io/fs"
	"path/filepath"
)

// LocalPath returns where the bundle file p is on this computer's file
// system, for a program that must open it by name (the video decoder):
// only a bundle loaded from a folder (LoadDir) has one, and only for a
// listed file. The file is not read; the caller checks it (Verify).
func (b *Bundle) LocalPath(p string) (string, bool) {
	if b.dir == "" || !fs.ValidPath(p) {
		return "", false
	}
	if _, ok := b.files[p]; !ok {
		return "", false
	}
	return filepath.Join(b.dir, filepath.FromSlash(p)), true
}

// VerifyFile hashes the bundle file p, streaming it, and reports a missing,
// altered or truncated file as VerifyFile's error (wrapping
// ErrSizeMismatch or ErrHashMismatch); it suits large media, which
// ReadFile would hold in memory.
func (b *Bundle) VerifyFile(p string) error {
	f, ok := b.files[p]
	if !ok {
		return &FieldError{File: p, Err: ErrNotListed}
	}
	return b.verifyFile(f)
}
