package main

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish"
)

// runReleasePlayer is `kioskctl release-player [FILE] --os OS --arch ARCH
// --version V --key K [--sites IDS] [--groups GROUPS]`.
func runReleasePlayer(ctx context.Context, args []string, stdout io.Writer, keys keyLoader) error {
	fs, sf := newStoreFlags("release-player")
	af := newApproverFlags(fs)
	goos := fs.String("os", "linux", "the build's operating system, as GOOS")
	goarch := fs.String("arch", "amd64", "the build's architecture, as GOARCH")
	version := fs.String("version", "", "the build's version, as its package carries it (packaging/version.sh)")
	sites := fs.String("sites", "", "comma-separated site IDs to update")
	groups := fs.String("groups", "", "comma-separated site groups to update (none of both: every site)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 || *af.key == "" || *version == "" {
		return errors.New("release-player: want [FILE] --version V --key KEY (FILE may be left out to widen the rollout of a published build)")
	}
	r := publish.PlayerRelease{OS: *goos, Arch: *goarch, Version: *version}
	if len(pos) == 1 {
		r.Program = pos[0]
		if err := publish.CheckProgram(r.Program, r.OS, r.Arch, r.Version); err != nil {
			return err
		}
	}
	dep, signer, err := af.open(sf, keys)
	if err != nil {
		return err
	}
	ap, err := dep.ReleasePlayer(ctx, r, layout.Targeting{Sites: splitList(*sites), Groups: splitList(*groups)}, signer, time.Now())
	if err != nil {
		return err
	}
	printApproval(stdout, ap)
	return nil
}
