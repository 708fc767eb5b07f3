package studio

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/vnict/kiosk/content"
)

// errNoRev is a sign request without the manifest hash of the page it
// came from: without it nobody can say what the approver saw.
var errNoRev = errors.New("yêu cầu ký thiếu mã của bản tin đã xem (rev): tải lại trang duyệt rồi ký lại; chưa ký gì (the sign form names no manifest: nothing was signed)")

// shownDraft reads the manifest of the bundle in dir once and returns it
// with its bytes, provided those bytes hash to rev, the SHA-256 the page
// the approver read was made from (errBundleChanged otherwise).
func shownDraft(dir, rev string) (*draft, []byte, error) {
	if rev == "" {
		return nil, nil, errNoRev
	}
	p := filepath.Join(dir, content.ManifestName)
	raw, err := readBounded(p, content.MaxManifestSize)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", p, err)
	}
	sum := sha256.Sum256(raw)
	if hex.EncodeToString(sum[:]) != rev {
		return nil, nil, errBundleChanged
	}
	d := &draft{dir: dir, rev: rev}
	if err := json.Unmarshal(raw, &d.m); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", p, err)
	}
	if err := checkDraft(p, &d.m); err != nil {
		return nil, nil, err
	}
	return d, raw, nil
}

// snapshotBundle copies the bundle in dir, exactly as raw (its
// manifest's bytes, parsed as m) describes it, into the empty folder
// into: raw as manifest.json, then each listed file, read through an
// os.Root of dir (no path leaves the bundle, whatever links it holds),
// refused unless the file opened is a regular file, not reached through a
// link at its name, of the listed size and SHA-256. What is then signed from into is what the approver saw,
// whatever changes in dir meanwhile.
func snapshotBundle(dir string, raw []byte, m *content.Manifest, into string) error {
	src, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenRoot(into)
	if err != nil {
		return err
	}
	defer dst.Close()
	if err := dst.WriteFile(content.ManifestName, raw, 0o600); err != nil {
		return err
	}
	for _, f := range m.Files {
		if err := copyVerified(src, dst, f); err != nil {
			return fmt.Errorf("%s: files: %s: %w: tải lại trang (reload) rồi ký lại; chưa ký gì", content.ManifestName, f.Path, err)
		}
	}
	return nil
}

// copyVerified copies the bundle file f from src to dst, checking its
// type, size and hash as it reads.
func copyVerified(src, dst *os.Root, f content.File) error {
	name := filepath.FromSlash(f.Path)
	if !filepath.IsLocal(name) || f.Size < 0 {
		return errors.New("không phải đường dẫn trong bản tin (not a path inside the bundle)")
	}
	in, err := src.Open(name)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return errors.New("không phải tệp thường (not a regular file)")
	}
	// os.Root follows links that stay inside the bundle; what was opened
	// must be the file the name itself is, not a link's target.
	if lst, err := src.Lstat(name); err != nil || lst.Mode()&fs.ModeSymlink != 0 || !os.SameFile(st, lst) {
		return errors.New("là liên kết hoặc vừa bị thay (a link, or replaced while read): từ chối (refused)")
	}
	if st.Size() != f.Size {
		return fmt.Errorf("cỡ %d byte, bản tin ghi %d (the file changed since the page was shown)", st.Size(), f.Size)
	}
	if dir := path.Dir(f.Path); dir != "." {
		if err := dst.MkdirAll(filepath.FromSlash(dir), 0o700); err != nil {
			return err
		}
	}
	out, err := dst.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), io.LimitReader(in, f.Size+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if n != f.Size || hex.EncodeToString(h.Sum(nil)) != f.SHA256 {
		return errors.New("nội dung khác với bản tin đã xem (the file changed since the page was shown)")
	}
	return nil
}
