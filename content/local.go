package content

import (
	"errors"
	"io"
	"io/fs"
	"os"
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

// OpenVerified opens the bundle file p of a bundle loaded from a folder
// and checks its bytes against the manifest through the file it returns,
// positioned back at its start: a program handed that open file (the
// video decoder) reads the very bytes checked, even if the name is given
// to other bytes after the check. The caller closes it. An altered or
// truncated file is an error wrapping ErrSizeMismatch or ErrHashMismatch.
func (b *Bundle) OpenVerified(p string) (*os.File, error) {
	_, ok := b.LocalPath(p)
	if !ok {
		if _, listed := b.files[p]; !listed {
			return nil, &FieldError{File: p, Err: ErrNotListed}
		}
		return nil, &FieldError{File: p, Err: errors.New("the bundle is not in a folder")}
	}
	// Through the folder, as LoadDir reads: a symbolic link out of the
	// bundle, a FIFO or a device is refused, not handed to the decoder.
	f, err := openInFolder(b.dir, p)
	if err != nil {
		return nil, &FieldError{File: p, Err: err}
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, &FieldError{File: p, Err: errors.New("not a regular file")}
	}
	if err := checkBytes(b.files[p], f); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, &FieldError{File: p, Err: err}
	}
	return f, nil
}
