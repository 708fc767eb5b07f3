package publish

import (
	"bytes"
	"context"
	"debug/elf"
	"debug/pe"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/sync/fetch"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/playerbuild"
	"github.com/vnict/kiosk/sync/trust"
)

// PlayerRelease names a player build to release: its platform and version,
// and the program file. Program "" re-approves a build already published,
// with new targeting: a staged rollout widens so, step by step.
type PlayerRelease struct {
	OS, Arch, Version string
	Program           string
}

// ReleasePlayer signs, as one approver, the publication made of the current
// one plus the player build r for the sites and groups in to (all sites if
// both are empty), under the same threshold as content. With a program
// file, it is uploaded as media/<sha256> first (sites download it as they
// download media); the build's target is players/<os>-<arch>/<version>.json.
func (d Department) ReleasePlayer(ctx context.Context, r PlayerRelease, to layout.Targeting, signer signature.Signer, now time.Time) (Approval, error) {
	path := playerbuild.Target(r.OS, r.Arch, r.Version)
	custom, err := json.Marshal(to)
	if err != nil {
		return Approval{}, err
	}
	var doc []byte
	if r.Program != "" {
		b, err := d.uploadProgram(ctx, r)
		if err != nil {
			return Approval{}, err
		}
		if doc, err = b.Marshal(); err != nil {
			return Approval{}, err
		}
	} else if _, _, ok := playerbuild.Of(path); !ok {
		return Approval{}, fmt.Errorf("release: %s: not a build's target (os, arch or version)", path)
	}
	return d.approveChange(ctx, signer, now, func(cur []trust.Target) ([]trust.Target, error) {
		next := []trust.Target{}
		for _, t := range cur {
			if t.Path != path {
				next = append(next, t)
				continue
			}
			if doc == nil {
				doc = t.Data // widening: the build as published
			}
		}
		if doc == nil {
			return nil, fmt.Errorf("release %s: not published yet: give the program file", path)
		}
		return append(next, trust.Target{Path: path, Data: doc, Custom: custom}), nil
	})
}

// uploadProgram hashes the program file and puts it into the store as
// media, unless a file of its size is there already.
func (d Department) uploadProgram(ctx context.Context, r PlayerRelease) (playerbuild.Build, error) {
	b := playerbuild.Build{Version: r.Version, OS: r.OS, Arch: r.Arch}
	fh, err := os.Open(r.Program)
	if err != nil {
		return b, fmt.Errorf("release: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return b, fmt.Errorf("release: %w", err)
	}
	if !st.Mode().IsRegular() {
		return b, fmt.Errorf("release: %s is not a regular file", r.Program)
	}
	if b.SHA256, err = fetch.HashReader(fh); err != nil {
		return b, fmt.Errorf("release: %s: %w", r.Program, err)
	}
	b.Size = st.Size()
	if err := b.Validate(); err != nil {
		return b, fmt.Errorf("release: %s: %w", r.Program, err)
	}
	key := layout.MediaKey(b.SHA256)
	if size, err := d.Store.Stat(ctx, key); err == nil && size == b.Size {
		return b, nil
	}
	if _, err := fh.Seek(0, 0); err != nil {
		return b, fmt.Errorf("release: %s: %w", r.Program, err)
	}
	if err := d.Store.Put(ctx, key, fh, b.Size); err != nil {
		return b, fmt.Errorf("release: upload %s: %w", r.Program, err)
	}
	return b, nil
}

// targetFiles lists the media a target needs in the store: a bundle's
// files, or a player build's program (named after the target). Other
// targets need none.
func targetFiles(t trust.Target) ([]content.File, error) {
	if _, _, ok := playerbuild.Of(t.Path); ok {
		b, err := playerbuild.Parse(t.Path, t.Data)
		if err != nil {
			return nil, err
		}
		return []content.File{{Path: playerbuild.ProgramName(b.OS) + " " + b.Version, SHA256: b.SHA256, Size: b.Size}}, nil
	}
	if _, ok := layout.BundleOf(t.Path); !ok {
		return nil, nil
	}
	m, err := content.ParseManifest(t.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.Path, err)
	}
	return m.Files, nil
}

// CheckProgram checks, before a release, that the program file is one for
// the platform named (an ELF program for linux, a PE one for windows, of
// the architecture) and that it carries the version string it is released
// as (the player's version is set at build time, see packaging/build.sh):
// a typo in --version would otherwise hold every site back, or send them a
// program they cannot run.
func CheckProgram(path, goos, goarch, version string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("release: %w", err)
	}
	if int64(len(data)) > playerbuild.MaxSize {
		return fmt.Errorf("release: %s: %d bytes, more than a site takes (%d)", path, len(data), playerbuild.MaxSize)
	}
	machine, err := programMachine(data, goos)
	if err != nil {
		return fmt.Errorf("release: %s: %w", path, err)
	}
	if want, ok := machines[goos+"/"+goarch]; !ok || machine != want {
		return fmt.Errorf("release: %s is a program for %s, not %s/%s", path, machineName(goos, machine), goos, goarch)
	}
	if !bytes.Contains(data, []byte(version)) {
		return fmt.Errorf("release: %s does not carry the version %q (`kiosk --version` prints the one it was built as)", path, version)
	}
	return nil
}

// machines are the ELF and PE machine numbers of the platforms a site runs.
var machines = map[string]uint32{
	"linux/amd64":   uint32(elf.EM_X86_64),
	"linux/arm64":   uint32(elf.EM_AARCH64),
	"linux/386":     uint32(elf.EM_386),
	"linux/arm":     uint32(elf.EM_ARM),
	"windows/amd64": pe.IMAGE_FILE_MACHINE_AMD64,
	"windows/arm64": pe.IMAGE_FILE_MACHINE_ARM64,
	"windows/386":   pe.IMAGE_FILE_MACHINE_I386,
}

// programMachine reads the machine of an ELF (linux) or PE (windows)
// program.
func programMachine(data []byte, goos string) (uint32, error) {
	switch goos {
	case "linux":
		f, err := elf.NewFile(bytes.NewReader(data))
		if err != nil {
			return 0, fmt.Errorf("not a linux program (ELF): %w", err)
		}
		if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
			return 0, fmt.Errorf("an ELF file of type %v, not a program", f.Type)
		}
		return uint32(f.Machine), nil
	case "windows":
		f, err := pe.NewFile(bytes.NewReader(data))
		if err != nil {
			return 0, fmt.Errorf("not a windows program (PE): %w", err)
		}
		return uint32(f.Machine), nil
	}
	return 0, fmt.Errorf("release-player knows linux and windows programs, not %s", goos)
}

func machineName(goos string, machine uint32) string {
	for p, m := range machines {
		if m == machine && strings.HasPrefix(p, goos+"/") {
			return p
		}
	}
	return fmt.Sprintf("%s machine %#x", goos, machine)
}
