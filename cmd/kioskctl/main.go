// Command kioskctl is the department's tool: it prepares bundles (index,
// lint, schedule, narrate, add-video), keeps the signed repository (init-repo, approve,
// withdraw, release-player, reaffirm, publish, refresh, rotate-root, status
// of approvals), issues emergency alerts (alert), provisions sites
// (provision), and reads what sites report (status, report). `kioskctl`
// with no arguments prints every command with its flags. The work is done
// in packages; this file and its neighbours only parse flags and print.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/lint"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/kiosk/typeset"
)

// errFindings means lint found errors; the message is already printed.
var errFindings = errors.New("the bundle has errors")

const usage = `usage:
  kioskctl index BUNDLE [--insert-breaks]
                                        record every file's size and SHA-256 in BUNDLE/manifest.json;
                                        --insert-breaks also writes U+200B between Khmer and Lao words
  kioskctl lint BUNDLE --site CONFIG    check that the site can play the bundle, and what of it plays there
  kioskctl schedule BUNDLE --site CONFIG --day YYYY-MM-DD
                                        what the site plays that day, hour by hour
  kioskctl narrate BUNDLE [--lang vi,en] [--voice zh=cmn] [--force]
                                        render the guides' missing narration with espeak-ng (voices
                                        vi, cmn for zh, en) into BUNDLE/narration, and re-index it
  kioskctl add-video BUNDLE FILE --site CONFIG... [--id ID] [--sound|--no-sound] [--fit fit|fill] [--ffmpeg PATH]
                                        transcode a clip with FFmpeg for each site's screen geometry
                                        (kioskctl add-video -h: settings and why) and add the video item
  kioskctl keygen NAME [--dir DIR] [--no-passphrase]
                                        make a signing key pair (NAME.key mode 0600, encrypted with a
                                        passphrase asked twice; NAME.pub). Commands that sign ask for
                                        the passphrase, or read it as one line from stdin when stdin is
                                        not a terminal
  kioskctl init-repo --root-key K --approver NAME=PUB... --threshold N --publisher PUB
        [--alert-key NAME=PUB... [--alert-threshold N]]
                                        create the TUF repository in the store
  kioskctl approve BUNDLE --key K [--sites IDS] [--groups GROUPS]
                                        stage the bundle and sign it as one approver
  kioskctl withdraw BUNDLE-ID --key K   sign, as one approver, the publication without that bundle
  kioskctl release-player [FILE] --version V --key K [--os OS] [--arch ARCH] [--sites IDS] [--groups GROUPS]
                                        sign, as one approver, a player build for those sites (FILE left
                                        out: the published build, for more sites); sites install it
  kioskctl reaffirm --key K             sign, as one approver, the current publication again (renews its expiry)
  kioskctl rotate-root --root-key K... [--add-approver NAME=PUB] [--revoke-approver ID|PUB]
        [--add-root-key PUB] [--revoke-root-key ID|PUB] [--root-threshold N] [--threshold N]
        [--add-alert-key NAME=PUB] [--revoke-alert-key ID|PUB] [--alert-threshold N]
        [--publisher PUB] [--days N]    sign the next root version: keys, thresholds, expiry
  kioskctl publish [BUNDLE...] --key K  upload media and publish the approved staging
  kioskctl discard                      drop the staged publication and its approvals
  kioskctl refresh --key K              re-sign timestamp (and snapshot near expiry); daily, from cron
  kioskctl export FOLDER                copy the publication to a folder for a USB stick
  kioskctl verify [--hashes]            check the publication as a site would
  kioskctl provision SITE --name NAME --root ROOT [--groups G] --template CONFIG --out DIR [--secure]
                                        give a site its S3 user and write its config, secret and root
  kioskctl status [--offline] [--version V] [--root ROOT] [--screens DIR]
                                        the fleet table and the player rollout; with --version, only
                                        the sites not yet at player V; with --root, when signatures
                                        expire; with --screens, each site's latest screenshot saved in DIR
  kioskctl screenshot SITE...           ask sites for a screenshot of their screen now
  kioskctl alert --key K --id ID --severity S --headline LANG=TEXT... (--expires TIME | --for D)
        (--tags T,... | --sites ID,... | --all-sites)
  kioskctl alert --key K --cap FILE --areas AREAS.yaml
  kioskctl alert --key K --cancel ID    sign and publish an emergency alert, or cancel one (kioskctl alert -h)
  kioskctl report --from DAY [--to DAY] [--sites DIR] [--out DIR]
                                        uptime and proof-of-play per site, day and month: CSV and HTML
  kioskctl studio --workspace DIR --sites DIR [--key K] [--publisher-key K] [--listen ADDR --users FILE]
                                        the department's studio in the browser: write, preview, lint,
                                        approve and publish bundles, watch the fleet (kioskctl studio -h)
The store is --store s3://BUCKET/PREFIX (with --endpoint, credentials in
$KIOSK_S3_ACCESS_KEY and $KIOSK_S3_SECRET_KEY) or --store FOLDER.
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errFindings) {
			fmt.Fprintln(os.Stderr, "kioskctl:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runWithInput(ctx, args, os.Stdin, stdout, stderr)
}

// runWithInput runs the command in args; stdin gives the passphrases of
// encrypted keys when it is not a terminal (see keyLoader).
func runWithInput(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	keys := keyLoader{stdin: stdin, stderr: stderr}
	switch args[0] {
	case "index":
		return runIndex(args[1:], stdout)
	case "lint":
		return runLint(args[1:], stdout, log)
	case "schedule":
		return runSchedule(args[1:], stdout)
	case "narrate":
		return runNarrate(ctx, args[1:], stdout)
	case "add-video":
		return runAddVideo(ctx, args[1:], stdout, stderr)
	case "keygen":
		return runKeygen(args[1:], stdout, keys)
	case "init-repo":
		return runInitRepo(ctx, args[1:], stdout, keys)
	case "approve":
		return runApprove(ctx, args[1:], stdout, keys)
	case "withdraw":
		return runWithdraw(ctx, args[1:], stdout, keys)
	case "release-player":
		return runReleasePlayer(ctx, args[1:], stdout, keys)
	case "reaffirm":
		return runReaffirm(ctx, args[1:], stdout, keys)
	case "rotate-root":
		return runRotateRoot(ctx, args[1:], stdout, keys)
	case "publish":
		return runPublish(ctx, args[1:], stdout, keys)
	case "refresh":
		return runRefresh(ctx, args[1:], stdout, keys)
	case "discard":
		return runDiscard(ctx, args[1:], stdout)
	case "export":
		return runExport(ctx, args[1:], stdout)
	case "verify":
		return runVerify(ctx, args[1:], stdout)
	case "provision":
		return runProvision(ctx, args[1:], stdout)
	case "status":
		return runStatus(ctx, args[1:], stdout)
	case "screenshot":
		return runScreenshot(ctx, args[1:], stdout)
	case "report":
		return runReport(ctx, args[1:], stdout, stderr)
	case "studio":
		return runStudio(ctx, args[1:], stdout, stderr, keys)
	case "alert":
		return runAlert(ctx, args[1:], stdout, stderr, keys)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func runIndex(args []string, stdout io.Writer) error {
	fset := flag.NewFlagSet("index", flag.ContinueOnError)
	insertBreaks := fset.Bool("insert-breaks", false, "write U+200B between the words of Khmer and Lao texts, as the player breaks them")
	bundle, err := parseWithBundle(fset, args)
	if err != nil {
		return err
	}
	if bundle == "" || fset.NArg() > 1 {
		return errors.New("index: want one bundle folder")
	}
	var opts content.IndexOptions
	if *insertBreaks {
		opts.Text = func(lang, s string) string {
			if base, _, _ := strings.Cut(lang, "-"); base == "km" || base == "lo" {
				return typeset.InsertBreaks(s)
			}
			return s
		}
	}
	m, err := content.IndexDirWith(bundle, opts)
	if err != nil {
		return err
	}
	var total int64
	for _, f := range m.Files {
		total += f.Size
	}
	fmt.Fprintf(stdout, "%s: %d files, %d bytes\n", bundle, len(m.Files), total)
	return nil
}

// parseWithBundle parses a command's flags with its one BUNDLE argument
// before or after them, and returns the bundle ("" when none was given).
func parseWithBundle(fset *flag.FlagSet, args []string) (string, error) {
	var bundle string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		bundle, args = args[0], args[1:]
	}
	if err := fset.Parse(args); err != nil {
		return "", err
	}
	if bundle == "" && fset.NArg() == 1 {
		bundle = fset.Arg(0)
	}
	return bundle, nil
}

func runLint(args []string, stdout io.Writer, log *slog.Logger) error {
	fset := flag.NewFlagSet("lint", flag.ContinueOnError)
	site := fset.String("site", "", "site config (YAML)")
	fontCache := fset.String("font-cache", "", "folder for the system font index (default: the user cache)")
	bundle, err := parseWithBundle(fset, args)
	if err != nil {
		return err
	}
	if bundle == "" || *site == "" {
		return errors.New("lint: want BUNDLE and --site CONFIG")
	}
	cfg, err := siteconfig.Load(*site)
	if err != nil {
		return err
	}
	r := lint.Bundle(os.DirFS(bundle), bundle, cfg, fonts.NewLoader(log, *fontCache))
	for _, f := range r.Findings {
		fmt.Fprintln(stdout, f)
	}
	notes := len(r.Findings) - r.Errors() - r.Warnings()
	if n := r.Errors(); n > 0 {
		fmt.Fprintf(stdout, "%s: %d errors, %d warnings, %d notes for site %s: do not approve\n", bundle, n, r.Warnings(), notes, cfg.Site.ID)
		return errFindings
	}
	fmt.Fprintf(stdout, "%s: no errors, %d warnings, %d notes for site %s\n", bundle, r.Warnings(), notes, cfg.Site.ID)
	return nil
}
