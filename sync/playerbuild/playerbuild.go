// Package playerbuild is the signed description of a player build, shared
// by the department's tools (which publish builds) and the site (which
// installs them): where a build lives among the TUF targets, what its
// target file says, and how versions compare.
//
// A build is published as the TUF target players/<os>-<arch>/<version>.json,
// a small JSON document naming the program's SHA-256 and size; the program
// itself is stored as media, media/<sha256>, and downloaded as media are.
// The target's signed custom metadata is a layout.Targeting, so a rollout
// widens by approving the same target again for more groups.
//
// Versions are Debian versions, as the packages carry them
// (packaging/version.sh): 1.2.0, 1.2.0+3.gabc1234, 1.3.0~rc1. They compare
// by dpkg's rules through pault.ag/go/debian/version, a small, well-kept
// implementation of exactly those rules. A version is accepted only in the
// forms version.sh makes, so it can name a folder on any file system and
// one build has one name: a digit first, then lower-case letters, digits
// and . + ~ (no epoch, no revision "-", no slash), no trailing dot, and no
// number with a leading zero (1.3.00 would equal 1.3.0).
package playerbuild

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	debversion "pault.ag/go/debian/version"
)

// Prefix is where player builds live among the TUF targets.
const Prefix = "players/"

// MaxSize is the largest program a site accepts.
const MaxSize = 512 << 20

// MaxDocument is the largest build document a site reads.
const MaxDocument = 4 << 10

// ProgramName is the program's file name on a platform.
func ProgramName(goos string) string {
	if goos == "windows" {
		return "kiosk.exe"
	}
	return "kiosk"
}

var (
	versionRE  = regexp.MustCompile(`^[0-9][a-z0-9.+~]{0,63}$`)
	numberRE   = regexp.MustCompile(`[0-9]+`)
	platformRE = regexp.MustCompile(`^[a-z0-9]{1,16}$`)
	shaRE      = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// CheckVersion reports whether v is a version a build may carry.
func CheckVersion(v string) error {
	if !versionRE.MatchString(v) || strings.HasSuffix(v, ".") {
		return fmt.Errorf("version %q: want a version as packaging/version.sh makes it: a digit, then lower-case letters, digits and . + ~ (a pre-release after ~, as 1.3.0~rc1), at most 64, not ending in a dot", v)
	}
	for _, n := range numberRE.FindAllStringIndex(v, -1) {
		// A number standing alone between separators, as 00 in 1.00.
		alone := (n[0] == 0 || strings.ContainsRune(".+~", rune(v[n[0]-1]))) &&
			(n[1] == len(v) || strings.ContainsRune(".+~", rune(v[n[1]])))
		if alone && n[1]-n[0] > 1 && v[n[0]] == '0' {
			return fmt.Errorf("version %q: %s has a leading zero (it would equal another version)", v, v[n[0]:n[1]])
		}
	}
	if _, err := debversion.Parse(v); err != nil {
		return fmt.Errorf("version %q: %w", v, err)
	}
	return nil
}

// Compare compares two versions by dpkg's rules: negative if a is older
// than b, zero if equal, positive if newer. Both must pass CheckVersion.
func Compare(a, b string) int {
	va, errA := debversion.Parse(a)
	vb, errB := debversion.Parse(b)
	if errA != nil || errB != nil {
		// Unparsable versions sort first, so nothing installs over a
		// build on their account.
		switch {
		case errA != nil && errB != nil:
			return strings.Compare(a, b)
		case errA != nil:
			return -1
		default:
			return 1
		}
	}
	return debversion.Compare(va, vb)
}

// Newer reports whether version a is newer than b; a version that fails
// CheckVersion is never newer, and any valid version is newer than one
// that fails it (a development build, "dev").
func Newer(a, b string) bool {
	if CheckVersion(a) != nil {
		return false
	}
	if CheckVersion(b) != nil {
		return true
	}
	return Compare(a, b) > 0
}

// Target is the TUF target path of a build.
func Target(goos, goarch, version string) string {
	return Prefix + goos + "-" + goarch + "/" + version + ".json"
}

// Platform is "<os>-<arch>".
func Platform(goos, goarch string) string { return goos + "-" + goarch }

// Of returns the platform ("linux-amd64") and version a target path names,
// and whether it is a build's path at all.
func Of(target string) (platform, version string, ok bool) {
	rest, ok := strings.CutPrefix(target, Prefix)
	if !ok {
		return "", "", false
	}
	platform, file, ok := strings.Cut(rest, "/")
	if !ok {
		return "", "", false
	}
	version, ok = strings.CutSuffix(file, ".json")
	if !ok || CheckVersion(version) != nil {
		return "", "", false
	}
	goos, goarch, ok := strings.Cut(platform, "-")
	if !ok || !platformRE.MatchString(goos) || !platformRE.MatchString(goarch) {
		return "", "", false
	}
	return platform, version, true
}

// Build is the target file of a player build.
type Build struct {
	Version string `json:"version"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
	// SHA256 and Size are the program's, stored as media/<SHA256>.
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Validate checks every field.
func (b Build) Validate() error {
	if err := CheckVersion(b.Version); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	if !platformRE.MatchString(b.OS) {
		return fmt.Errorf("build: os %q: want lower-case letters and digits, as GOOS", b.OS)
	}
	if !platformRE.MatchString(b.Arch) {
		return fmt.Errorf("build: arch %q: want lower-case letters and digits, as GOARCH", b.Arch)
	}
	if err := CheckProgram(b.SHA256, b.Size); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	return nil
}

// CheckProgram reports whether sha256 and size can describe a program.
func CheckProgram(sha256 string, size int64) error {
	if !shaRE.MatchString(sha256) {
		return fmt.Errorf("sha256 %q: want 64 lower-case hex digits", sha256)
	}
	if size <= 0 || size > MaxSize {
		return fmt.Errorf("size %d: want 1 to %d bytes", size, MaxSize)
	}
	return nil
}

// Target is the build's TUF target path.
func (b Build) Target() string { return Target(b.OS, b.Arch, b.Version) }

// Marshal encodes a valid build as its target file.
func (b Build) Marshal() ([]byte, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	return json.MarshalIndent(b, "", "  ")
}

// Parse decodes and checks the target file at path: every field valid,
// no unknown field, and the platform and version the path names.
func Parse(path string, data []byte) (Build, error) {
	var b Build
	if len(data) > MaxDocument {
		return b, fmt.Errorf("%s: %d bytes, more than a build document's %d", path, len(data), MaxDocument)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return b, fmt.Errorf("%s: %w", path, err)
	}
	if dec.More() {
		return b, fmt.Errorf("%s: %w", path, errors.New("data after the build document"))
	}
	if err := b.Validate(); err != nil {
		return b, fmt.Errorf("%s: %w", path, err)
	}
	if b.Target() != path {
		return b, fmt.Errorf("%s: the document is for %s", path, b.Target())
	}
	return b, nil
}
