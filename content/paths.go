package content

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Bounds of a bundle path. 255 bytes is the longest file name ext4 takes;
// a whole path is bounded so that a manifest cannot make a site build
// paths longer than any file system it runs on accepts.
const (
	maxPathElem = 255
	maxPath     = 1024
)

// windowsReserved are names Windows gives to devices in every folder, with
// any extension: "nul.txt" opens the null device, not a file. The
// superscript digits are reserved too.
var windowsReserved = map[string]bool{
	"con": true, "prn": true, "aux": true, "nul": true, "conin$": true, "conout$": true,
	"com0": true, "com1": true, "com2": true, "com3": true, "com4": true,
	"com5": true, "com6": true, "com7": true, "com8": true, "com9": true,
	"com¹": true, "com²": true, "com³": true,
	"lpt0": true, "lpt1": true, "lpt2": true, "lpt3": true, "lpt4": true,
	"lpt5": true, "lpt6": true, "lpt7": true, "lpt8": true, "lpt9": true,
	"lpt¹": true, "lpt²": true, "lpt³": true,
}

// checkPath accepts clean, relative, slash-separated paths inside the
// bundle that name the same file on every file system a site may use:
// Linux, Windows (NTFS and FAT on a USB stick) and macOS.
func checkPath(p string) error {
	switch {
	case p == "":
		return errors.New("empty path")
	case !utf8.ValidString(p):
		return fmt.Errorf("%q: not valid UTF-8", p)
	case strings.Contains(p, `\`):
		return fmt.Errorf("%q: use '/' to separate folders", p)
	case len(p) > maxPath:
		return fmt.Errorf("%q...: longer than %d bytes", p[:32], maxPath)
	case !fs.ValidPath(p) || path.IsAbs(p):
		return fmt.Errorf("%q: want a clean relative path inside the bundle", p)
	case p == ManifestName:
		return fmt.Errorf("%q: the manifest does not list itself", p)
	}
	for _, r := range p {
		if err := checkPathRune(r); err != nil {
			return fmt.Errorf("%q: %w", p, err)
		}
	}
	for elem := range strings.SplitSeq(p, "/") {
		if err := checkPathElem(elem); err != nil {
			return fmt.Errorf("%q: %w", p, err)
		}
	}
	return nil
}

// checkPathRune refuses characters that Windows does not allow in names
// (':' also opens an NTFS alternate data stream, "C:x" is relative to a
// drive), and characters that make a name read differently from what it
// is: control characters and bidirectional formatting, which can show
// "gnp.exe" as "exe.png".
func checkPathRune(r rune) error {
	switch {
	case r == ':':
		return errors.New("':' is not allowed (a drive letter or an NTFS stream on Windows)")
	case strings.ContainsRune(`<>"|?*`, r):
		return fmt.Errorf("%q is not allowed in a Windows file name", r)
	case unicode.IsControl(r):
		return fmt.Errorf("control character %U is not allowed", r)
	case isBidiControl(r):
		return fmt.Errorf("bidirectional formatting character %U is not allowed", r)
	}
	return nil
}

func isBidiControl(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, // LRE, RLE, PDF, LRO, RLO
		r >= 0x2066 && r <= 0x2069,            // LRI, RLI, FSI, PDI
		r == 0x200E, r == 0x200F, r == 0x061C: // LRM, RLM, ALM
		return true
	}
	return false
}

func checkPathElem(elem string) error {
	if len(elem) > maxPathElem {
		return fmt.Errorf("name %q...: longer than %d bytes", elem[:32], maxPathElem)
	}
	if strings.HasSuffix(elem, ".") || strings.HasSuffix(elem, " ") {
		// Windows drops them: "map.png." and "map.png" are one file.
		return fmt.Errorf("name %q ends with a dot or a space", elem)
	}
	base, _, _ := strings.Cut(elem, ".")
	if windowsReserved[strings.ToLower(strings.TrimRight(base, " "))] {
		return fmt.Errorf("name %q is a device name on Windows", elem)
	}
	return nil
}

// FoldPath returns the form under which two bundle paths name the same
// file on a file system that ignores case (Windows, macOS) or Unicode
// normalisation (macOS): "Images/Map.png" and "images/map.png" fold alike.
// Full case folding catches pairs that a plain ToLower misses, such as
// "K" and the Kelvin sign.
func FoldPath(p string) string {
	return norm.NFC.String(cases.Fold().String(norm.NFC.String(p)))
}

// checkCollisions refuses files whose paths fold alike (two files on
// Windows become one), and a file whose path, folded, is also a folder of
// another file's path ("a" and "A/b": a folder and a file cannot share a
// name). It reports each problem through bad.
func (m *Manifest) checkCollisions(bad func(field, format string, args ...any)) {
	files := make(map[string]int, len(m.Files))
	dirs := map[string]int{}
	for i, f := range m.Files {
		if checkPath(f.Path) != nil {
			continue // reported already
		}
		key := FoldPath(f.Path)
		if j, ok := files[key]; ok {
			if m.Files[j].Path != f.Path {
				bad(fmt.Sprintf("files[%d].path", i), "%q and files[%d] %q are one file where case is ignored (Windows)",
					f.Path, j, m.Files[j].Path)
			}
			continue
		}
		files[key] = i
		for d := path.Dir(key); d != "."; d = path.Dir(d) {
			if _, ok := dirs[d]; ok {
				break
			}
			dirs[d] = i
		}
	}
	for i, f := range m.Files {
		key := FoldPath(f.Path)
		if j, ok := files[key]; !ok || j != i || checkPath(f.Path) != nil {
			continue
		}
		if j, ok := dirs[key]; ok {
			bad(fmt.Sprintf("files[%d].path", i), "%q is also a folder of files[%d] %q", f.Path, j, m.Files[j].Path)
		}
	}
}
