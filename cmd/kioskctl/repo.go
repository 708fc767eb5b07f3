package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/vnict/kiosk/internal/atomicfile"
	"github.com/vnict/kiosk/sync/dirstore"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish"
	"github.com/vnict/kiosk/sync/s3store"
	"github.com/vnict/kiosk/sync/trust"
)

// storeFlags are the flags that name the publication store.
type storeFlags struct {
	store    string
	endpoint string
	secure   bool
}

// newStoreFlags makes the flag set of a command that works on the store.
func newStoreFlags(name string) (*flag.FlagSet, *storeFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	sf := &storeFlags{}
	sf.register(fs)
	return fs, sf
}

func (s *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.store, "store", os.Getenv("KIOSK_STORE"),
		"the publication store: s3://BUCKET/PREFIX, or a folder (default $KIOSK_STORE)")
	fs.StringVar(&s.endpoint, "endpoint", os.Getenv("KIOSK_S3_ENDPOINT"), "S3 server host:port (default $KIOSK_S3_ENDPOINT)")
	fs.BoolVar(&s.secure, "https", os.Getenv("KIOSK_S3_HTTPS") == "1", "use HTTPS (default $KIOSK_S3_HTTPS=1)")
}

// open returns the store. S3 credentials come from $KIOSK_S3_ACCESS_KEY and
// $KIOSK_S3_SECRET_KEY, never from the command line (where ps shows them).
func (s *storeFlags) open() (publish.Store, error) {
	if s.store == "" {
		return nil, errors.New("no store: give --store s3://BUCKET/PREFIX or a folder")
	}
	rest, ok := strings.CutPrefix(s.store, "s3://")
	if !ok {
		return dirstore.New(s.store), nil
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if s.endpoint == "" {
		return nil, errors.New("no S3 endpoint: give --endpoint or set KIOSK_S3_ENDPOINT")
	}
	return s3store.New(s3store.Config{
		Endpoint: s.endpoint, Secure: s.secure, Bucket: bucket, Prefix: prefix,
		AccessKey: os.Getenv("KIOSK_S3_ACCESS_KEY"), SecretKey: os.Getenv("KIOSK_S3_SECRET_KEY"),
	})
}

// openWithRoot opens the store and reads the department's trusted root.
func (s *storeFlags) openWithRoot(rootPath string) (publish.Store, []byte, error) {
	store, err := s.open()
	if err != nil {
		return nil, nil, err
	}
	root, err := os.ReadFile(rootPath)
	if err != nil {
		return nil, nil, fmt.Errorf("trusted root (--root): %w", err)
	}
	return store, root, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

// parse parses args, allowing positional arguments before the flags.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		pos, args = append(pos, args[0]), args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return append(pos, fs.Args()...), nil
}

func runKeygen(args []string, stdout io.Writer, keys keyLoader) error {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	dir := fs.String("dir", ".", "folder for NAME.key (private, mode 0600) and NAME.pub")
	plain := fs.Bool("no-passphrase", false, "write the private key unencrypted (anyone who copies it can sign)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("keygen: want one key NAME")
	}
	var pass []byte
	if *plain {
		fmt.Fprintf(keys.stderr, "kioskctl: warning: %s.key will not be encrypted; anyone who copies it can sign with it\n", pos[0])
	} else if pass, err = keys.newPassphrase(pos[0]); err != nil {
		return fmt.Errorf("keygen %s: %w; no key was written", pos[0], err)
	}
	err = trust.GenerateKey(*dir, pos[0], pass)
	clear(pass)
	if err != nil {
		return err
	}
	pub, err := trust.LoadPublicKey(fmt.Sprintf("%s/%s.pub", *dir, pos[0]))
	if err != nil {
		return err
	}
	id, err := trust.KeyID(pub)
	if err != nil {
		return err
	}
	sealed := "encrypted with your passphrase"
	if *plain {
		sealed = "NOT encrypted"
	}
	fmt.Fprintf(stdout, "%s/%s.key (%s; keep it offline; never upload it), %s/%s.pub, key ID %s\n", *dir, pos[0], sealed, *dir, pos[0], id)
	return nil
}

func runInitRepo(ctx context.Context, args []string, stdout io.Writer, keys keyLoader) error {
	fs, sf := newStoreFlags("init-repo")
	var rootKeys, approvers multiFlag
	fs.Var(&rootKeys, "root-key", "a root private key (repeat for several)")
	fs.Var(&approvers, "approver", "NAME=PUBLIC-KEY-FILE of an approver (repeat)")
	threshold := fs.Int("threshold", 2, "approvers who must sign a publication")
	var alerters multiFlag
	fs.Var(&alerters, "alert-key", "NAME=PUBLIC-KEY-FILE of a key that may sign emergency alerts (repeat)")
	alertThreshold := fs.Int("alert-threshold", 1, "alert keys that must sign an alert")
	publisher := fs.String("publisher", "", "public key of the publishing tool (signs snapshot and timestamp)")
	rootOut := fs.String("root-out", "root.json", "where to write the trusted root for provisioning sites")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	store, err := sf.open()
	if err != nil {
		return err
	}
	opts := trust.InitOptions{ApprovalThreshold: *threshold, Now: time.Now()}
	if opts.RootSigners, err = keys.signers(rootKeys); err != nil {
		return err
	}
	if opts.Approvers, err = loadApprovers("--approver", approvers); err != nil {
		return err
	}
	if opts.Alerters, err = loadApprovers("--alert-key", alerters); err != nil {
		return err
	}
	if len(opts.Alerters) > 0 {
		opts.AlertThreshold = *alertThreshold
	}
	if *publisher == "" {
		return errors.New("init-repo: give --publisher PUBLIC-KEY-FILE")
	}
	pub, err := trust.LoadPublicKey(*publisher)
	if err != nil {
		return err
	}
	opts.SnapshotKey, opts.TimestampKey = pub, pub
	if err := trust.InitRepository(ctx, store, opts); err != nil {
		return err
	}
	r, err := store.Get(ctx, "tuf/metadata/1.root.json")
	if err != nil {
		return err
	}
	root, err := io.ReadAll(r)
	r.Close()
	if err != nil {
		return err
	}
	if err := os.WriteFile(*rootOut, root, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "repository created; %d of %d approvers must sign; trusted root written to %s\n",
		*threshold, len(opts.Approvers), *rootOut)
	if len(opts.Alerters) > 0 {
		fmt.Fprintf(stdout, "alerts: %d of %d alert keys must sign an alert\n", opts.AlertThreshold, len(opts.Alerters))
	} else {
		fmt.Fprintln(stdout, "no alert keys (--alert-key): sites refuse every alert until rotate-root adds some")
	}
	return nil
}

func rootFlag(fs *flag.FlagSet) *string {
	return fs.String("root", "root.json", "the trusted root.json (from init-repo)")
}

// stateFlag is the folder where approvals keep the newest publication
// they verified; by default beside the root.
func stateFlag(fs *flag.FlagSet) *string {
	return fs.String("state", "", "folder keeping the newest publication verified here, so an older one put back in the store is refused (default: kioskctl-state beside --root)")
}

// department opens the store with the department's root and state folder.
func (s *storeFlags) department(rootPath, state string) (publish.Department, error) {
	store, root, err := s.openWithRoot(rootPath)
	if err != nil {
		return publish.Department{}, err
	}
	if state == "" {
		state = filepath.Join(filepath.Dir(rootPath), "kioskctl-state")
	}
	return publish.Department{Store: store, Root: root, StateDir: state}, nil
}

// approverFlags are the flags of a command one approver signs with.
type approverFlags struct{ key, root, state *string }

func newApproverFlags(fs *flag.FlagSet) approverFlags {
	return approverFlags{key: fs.String("key", "", "this approver's private key"), root: rootFlag(fs), state: stateFlag(fs)}
}

// open returns the department and the approver's signer.
func (a approverFlags) open(sf *storeFlags, keys keyLoader) (publish.Department, signature.Signer, error) {
	dep, err := sf.department(*a.root, *a.state)
	if err != nil {
		return publish.Department{}, nil, err
	}
	signer, err := keys.signer(*a.key)
	if err != nil {
		return publish.Department{}, nil, err
	}
	return dep, signer, nil
}

func runApprove(ctx context.Context, args []string, stdout io.Writer, keys keyLoader) error {
	fs, sf := newStoreFlags("approve")
	af := newApproverFlags(fs)
	sites := fs.String("sites", "", "comma-separated site IDs the bundle is for")
	groups := fs.String("groups", "", "comma-separated site groups the bundle is for (none of both: every site)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *af.key == "" {
		return errors.New("approve: want BUNDLE and --key KEY")
	}
	dep, signer, err := af.open(sf, keys)
	if err != nil {
		return err
	}
	ap, err := dep.Approve(ctx, pos[0], layout.Targeting{Sites: splitList(*sites), Groups: splitList(*groups)}, signer, time.Now())
	if err != nil {
		return err
	}
	printApproval(stdout, ap)
	return nil
}

func runWithdraw(ctx context.Context, args []string, stdout io.Writer, keys keyLoader) error {
	fs, sf := newStoreFlags("withdraw")
	af := newApproverFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *af.key == "" {
		return errors.New("withdraw: want BUNDLE-ID and --key KEY")
	}
	dep, signer, err := af.open(sf, keys)
	if err != nil {
		return err
	}
	ap, err := dep.Withdraw(ctx, pos[0], signer, time.Now())
	if err != nil {
		return err
	}
	printApproval(stdout, ap)
	return nil
}

// printApproval prints every target the approver signed, then the status.
func printApproval(w io.Writer, ap publish.Approval) {
	fmt.Fprintf(w, "you signed publication v%d, expiring %s; it holds:\n", ap.Version, ap.Expires.Format(time.RFC3339))
	for _, c := range ap.Changes {
		fmt.Fprintf(w, "  %-7s %s  for %s\n", c.Kind, c.Path, describeTargeting(c.Targeting))
	}
	printStatus(w, ap.Status)
}

func describeTargeting(t layout.Targeting) string {
	if len(t.Sites) == 0 && len(t.Groups) == 0 {
		return "every site"
	}
	var parts []string
	if len(t.Sites) > 0 {
		parts = append(parts, "sites "+strings.Join(t.Sites, ","))
	}
	if len(t.Groups) > 0 {
		parts = append(parts, "groups "+strings.Join(t.Groups, ","))
	}
	return strings.Join(parts, ", ")
}

func printStatus(w io.Writer, st trust.Status) {
	fmt.Fprintf(w, "publication v%d: signed by %s", st.Version, orNone(st.Signed))
	if st.Ready {
		fmt.Fprintf(w, "; approved (%d needed): ready to publish\n", st.Threshold)
		return
	}
	fmt.Fprintf(w, "; %d of %d signatures; still needed from: %s\n", len(st.Signed), st.Threshold, orNone(st.Missing))
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "nobody"
	}
	return strings.Join(s, ", ")
}

func runPublish(ctx context.Context, args []string, stdout io.Writer, keys keyLoader) error {
	fs, sf := newStoreFlags("publish")
	key := fs.String("key", "", "the publishing tool's private key (snapshot and timestamp)")
	rootPath := rootFlag(fs)
	state := stateFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *key == "" {
		return errors.New("publish: want --key KEY and the folders of the bundles being published")
	}
	dep, err := sf.department(*rootPath, *state)
	if err != nil {
		return err
	}
	signer, err := keys.signer(*key)
	if err != nil {
		return err
	}
	if err := dep.Publish(ctx, pos, signer, signer, time.Now()); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "published")
	return nil
}

func runDiscard(ctx context.Context, args []string, stdout io.Writer) error {
	fs, sf := newStoreFlags("discard")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	store, err := sf.open()
	if err != nil {
		return err
	}
	if err := trust.DiscardStaged(ctx, store); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "staged publication discarded; its approvals are gone")
	return nil
}

func runRefresh(ctx context.Context, args []string, stdout io.Writer, keys keyLoader) error {
	fs, sf := newStoreFlags("refresh")
	key := fs.String("key", "", "the publishing tool's private key (snapshot and timestamp)")
	rootPath := rootFlag(fs)
	state := stateFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	dep, err := sf.department(*rootPath, *state)
	if err != nil {
		return err
	}
	signer, err := keys.signer(*key)
	if err != nil {
		return err
	}
	if err := dep.Refresh(ctx, signer, signer, time.Now()); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "timestamp re-signed (and the snapshot, when it neared its expiry)")
	return nil
}

func runExport(ctx context.Context, args []string, stdout io.Writer) error {
	fs, sf := newStoreFlags("export")
	rootPath := rootFlag(fs)
	state := stateFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("export: want the destination FOLDER")
	}
	dep, err := sf.department(*rootPath, *state)
	if err != nil {
		return err
	}
	n, err := dep.Export(ctx, dirstore.New(pos[0]), time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d files; copy the folder onto a USB stick for the site's import folder\n", pos[0], n)
	return nil
}

func runVerify(ctx context.Context, args []string, stdout io.Writer) error {
	fs, sf := newStoreFlags("verify")
	rootPath := rootFlag(fs)
	state := stateFlag(fs)
	hashes := fs.Bool("hashes", false, "download every medium and check its SHA-256 (slow)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	dep, err := sf.department(*rootPath, *state)
	if err != nil {
		return err
	}
	checks, err := dep.Verify(ctx, time.Now(), *hashes)
	if err != nil {
		return err
	}
	if err := printExpiries(ctx, stdout, dep.Store, dep.Root, time.Now()); err != nil {
		return err
	}
	bad := 0
	for _, c := range checks {
		if c.Player != "" {
			fmt.Fprintf(stdout, "%s: player %s, %d bytes, for sites %v groups %v\n",
				c.Target, c.Player, c.Bytes, c.Targeting.Sites, c.Targeting.Groups)
		} else {
			fmt.Fprintf(stdout, "%s: bundle %s v%d, %d files, %d bytes, for sites %v groups %v\n",
				c.Target, c.Bundle, c.Version, c.Files, c.Bytes, c.Targeting.Sites, c.Targeting.Groups)
		}
		for _, p := range c.Problems {
			fmt.Fprintf(stdout, "  problem: %s\n", p)
			bad++
		}
	}
	if bad > 0 {
		fmt.Fprintf(stdout, "%d problems: sites would refuse or fail this publication\n", bad)
		return errFindings
	}
	fmt.Fprintln(stdout, "the publication verifies as a site would see it")
	return nil
}

func runReaffirm(ctx context.Context, args []string, stdout io.Writer, keys keyLoader) error {
	fs, sf := newStoreFlags("reaffirm")
	af := newApproverFlags(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *af.key == "" {
		return errors.New("reaffirm: want --key KEY")
	}
	dep, signer, err := af.open(sf, keys)
	if err != nil {
		return err
	}
	ap, err := dep.Reaffirm(ctx, signer, time.Now())
	if err != nil {
		return err
	}
	printApproval(stdout, ap)
	return nil
}

// runRotateRoot signs the next root version: keys added or revoked,
// thresholds, a new expiry.
func runRotateRoot(ctx context.Context, args []string, stdout io.Writer, keys keyLoader) error {
	fs, sf := newStoreFlags("rotate-root")
	rootPath := rootFlag(fs)
	var rootKeys, addRoot, revokeRoot, addApprovers, revokeApprovers multiFlag
	fs.Var(&rootKeys, "root-key", "a private root key to sign with, of the current or the new root (repeat)")
	fs.Var(&addRoot, "add-root-key", "PUBLIC-KEY-FILE of a root key to add (repeat)")
	fs.Var(&revokeRoot, "revoke-root-key", "KEY-ID or PUBLIC-KEY-FILE of a root key to revoke (repeat)")
	fs.Var(&addApprovers, "add-approver", "NAME=PUBLIC-KEY-FILE of an approver to add (repeat)")
	fs.Var(&revokeApprovers, "revoke-approver", "KEY-ID or PUBLIC-KEY-FILE of an approver to revoke (repeat)")
	rootThreshold := fs.Int("root-threshold", 0, "root keys that must sign a future root (0: unchanged)")
	threshold := fs.Int("threshold", 0, "approvers who must sign a publication (0: unchanged)")
	publisher := fs.String("publisher", "", "PUBLIC-KEY-FILE of a new publishing key (snapshot and timestamp)")
	var addAlerters, revokeAlerters multiFlag
	fs.Var(&addAlerters, "add-alert-key", "NAME=PUBLIC-KEY-FILE of an alert key to add (repeat; makes the alerts role if root has none)")
	fs.Var(&revokeAlerters, "revoke-alert-key", "KEY-ID or PUBLIC-KEY-FILE of an alert key to revoke (repeat)")
	alertThreshold := fs.Int("alert-threshold", 0, "alert keys that must sign an alert (0: unchanged)")
	days := fs.Int("days", 365, "days until the new root expires")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	store, root, err := sf.openWithRoot(*rootPath)
	if err != nil {
		return err
	}
	rc := trust.RootChange{RootThreshold: *rootThreshold, ApprovalThreshold: *threshold, AlertThreshold: *alertThreshold,
		Now: time.Now(), Lifetime: time.Duration(*days) * 24 * time.Hour}
	signers, err := keys.signers(rootKeys)
	if err != nil {
		return err
	}
	for _, p := range addRoot {
		pub, err := trust.LoadPublicKey(p)
		if err != nil {
			return err
		}
		rc.AddRootKeys = append(rc.AddRootKeys, pub)
	}
	if rc.AddApprovers, err = loadApprovers("--add-approver", addApprovers); err != nil {
		return err
	}
	if rc.RevokeRootKeys, err = keyIDs(revokeRoot); err != nil {
		return err
	}
	if rc.RevokeApprovers, err = keyIDs(revokeApprovers); err != nil {
		return err
	}
	if rc.AddAlerters, err = loadApprovers("--add-alert-key", addAlerters); err != nil {
		return err
	}
	if rc.RevokeAlerters, err = keyIDs(revokeAlerters); err != nil {
		return err
	}
	if *publisher != "" {
		pub, err := trust.LoadPublicKey(*publisher)
		if err != nil {
			return err
		}
		rc.SnapshotKey, rc.TimestampKey = pub, pub
	}
	data, err := trust.RotateRoot(ctx, store, root, rc, signers)
	if err != nil {
		return err
	}
	// The department's trusted root moves forward too: later commands
	// start from the new version.
	if err := atomicfile.Write(*rootPath, data); err != nil {
		return fmt.Errorf("rotate-root: the new root is in the store, but %s was not updated: %w", *rootPath, err)
	}
	fmt.Fprintf(stdout, "new root signed and stored; %s updated. Sites take it at their next sync (network or USB).\n", *rootPath)
	fmt.Fprintln(stdout, "If approvers or the publishing key changed, approve the current publication again (kioskctl reaffirm) and publish it: sites refuse signatures from revoked keys.")
	return nil
}

// keyIDs turns each argument, a key ID or a public key file, into a key ID.
func keyIDs(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		if _, err := os.Stat(a); err != nil {
			out = append(out, a)
			continue
		}
		pub, err := trust.LoadPublicKey(a)
		if err != nil {
			return nil, err
		}
		id, err := trust.KeyID(pub)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// printExpiries prints when each role of the publication expires, with a
// warning for those that expire soon or no longer verify.
func printExpiries(ctx context.Context, w io.Writer, store publish.Store, root []byte, now time.Time) error {
	exps, err := trust.Expiries(ctx, store, root, now)
	if err != nil {
		return err
	}
	for _, e := range exps {
		left := e.Expires.Sub(now).Round(time.Hour)
		line := fmt.Sprintf("%s v%d expires %s (in %s)", e.Role, e.Version, e.Expires.Format(time.RFC3339), left)
		switch {
		case e.Problem != "":
			line = "WARNING: " + line + ": " + e.Problem
		case e.Warn:
			line = "WARNING: " + line + ": " + renewal[e.Role]
		}
		fmt.Fprintln(w, line)
	}
	return nil
}

// renewal says how to renew each role before sites refuse it.
var renewal = map[string]string{
	"root":      "sign a new root with kioskctl rotate-root before it expires, or every site freezes",
	"targets":   "approve the publication again (kioskctl reaffirm, by enough approvers) and publish",
	"snapshot":  "run kioskctl refresh (daily, from cron) or publish",
	"timestamp": "run kioskctl refresh (daily, from cron)",
}

// loadApprovers reads each NAME=PUBLIC-KEY-FILE given to flag.
func loadApprovers(flag string, args []string) ([]trust.Approver, error) {
	var out []trust.Approver
	for _, a := range args {
		name, path, ok := strings.Cut(a, "=")
		if !ok {
			return nil, fmt.Errorf("%s %q: want NAME=PUBLIC-KEY-FILE", flag, a)
		}
		pub, err := trust.LoadPublicKey(path)
		if err != nil {
			return nil, err
		}
		out = append(out, trust.Approver{Name: name, Key: pub})
	}
	return out, nil
}
