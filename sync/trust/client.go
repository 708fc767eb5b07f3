package trust

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/config"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"

	"github.com/vnict/kiosk/internal/atomicfile"
)

// The updater asks for URLs; ours name store keys: "store:///" + key.
const (
	storeURLPrefix    = "store:///"
	remoteMetadataURL = storeURLPrefix + "tuf/metadata"
	remoteTargetsURL  = storeURLPrefix + "tuf/targets"
)

// Reader is what a site needs from a store: Get, with a missing key
// reported as an error satisfying errors.Is(err, fs.ErrNotExist).
type Reader interface {
	Get(ctx context.Context, key string) (io.ReadCloser, error)
}

// Release is a verified publication.
type Release struct {
	Version int64                 // the targets metadata version
	Targets map[string]TargetInfo // by target path
}

// TargetInfo is what the approvers signed about one target.
type TargetInfo struct {
	Length int64
	SHA256 string          // hex
	Custom json.RawMessage // the publisher's JSON (targeting), or nil
}

// Client is a site's view of the publications in a store. Its methods are safe
// for concurrent use.
//
// Refresh holds no lock while it talks to the store: it works on a copy of
// the trusted metadata and installs the result only if the folder did not
// change meanwhile. So a store that hangs delays only its own Refresh, not
// a USB import verifying against the same trusted state (WithStore).
type Client struct {
	store    Reader
	bootRoot []byte // the root shipped with the kiosk
	dir      string
	now      func() time.Time
	skew     func() (time.Duration, bool) // see UseClockSkew; may be nil
	local    *sync.Mutex                  // guards the trusted folder; shared by WithStore

	mu      sync.Mutex // guards current
	current *Release
}

// refreshTries bounds how often Refresh starts again because another
// refresh changed the trusted folder while it worked.
const refreshTries = 3

// NewClient returns a client that reads publications from store, trusting
// trustedRoot (a root.json shipped with the kiosk) until the store rotates it,
// keeping trusted metadata in localDir and checking expiry against now.
func NewClient(store Reader, trustedRoot []byte, localDir string, now func() time.Time) (*Client, error) {
	if _, err := parseRoot(trustedRoot); err != nil {
		return nil, fmt.Errorf("trust: new client: trusted root: %w", err)
	}
	if localDir == "" {
		return nil, errors.New("trust: new client: no local folder for trusted metadata")
	}
	// Work folders of refreshes cut short by a power cut.
	if old, err := filepath.Glob(filepath.Join(localDir, workPrefix+"*")); err == nil {
		for _, o := range old {
			os.RemoveAll(o)
		}
	}
	return &Client{store: store, bootRoot: slices.Clone(trustedRoot), dir: localDir, now: now, local: new(sync.Mutex)}, nil
}

// WithStore returns a client reading another store (a USB stick) with the
// same trusted root and the same trusted state: a publication accepted from
// either moves both forward, and an older one is a rollback for both.
func (c *Client) WithStore(store Reader) *Client {
	return &Client{store: store, bootRoot: c.bootRoot, dir: c.dir, now: c.now, skew: c.skew, local: c.local}
}

// workPrefix starts the names of Refresh's work folders inside the trusted
// folder.
const workPrefix = ".refresh-"

// trustedFiles are the files of the trusted folder, in the order they are
// installed: root first, so a cut between two leaves a newer root with
// older metadata (which the next Refresh repairs), never the reverse.
var trustedFiles = []string{"root.json", metadata.TIMESTAMP + ".json", metadata.SNAPSHOT + ".json", metadata.TARGETS + ".json"}

// Current returns the release of the last successful Refresh, or nil.
func (c *Client) Current() *Release {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.current
}

// Refresh runs the TUF client workflow against the store (root rotation,
// timestamp, snapshot, targets) and returns the verified release. On error
// the previous release stays current; the error wraps one of ErrExpired,
// ErrRollback, ErrSignature, ErrTampered, ErrTooLarge or ErrInconsistent
// when the store's content is at fault, or fs.ErrNotExist when nothing is
// published.
func (c *Client) Refresh(ctx context.Context) (*Release, error) {
	for try := 1; ; try++ {
		rel, err := c.refresh(ctx)
		if errors.Is(err, errRaced) && try < refreshTries {
			continue
		}
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.current = rel
		c.mu.Unlock()
		return rel, nil
	}
}

// errRaced: another refresh installed trusted metadata while this one
// worked; its result is discarded and it starts again from the new state.
var errRaced = errors.New("the trusted metadata changed during the refresh")

func (c *Client) refresh(ctx context.Context) (*Release, error) {
	before, err := c.readLocal()
	if err != nil {
		return nil, fmt.Errorf("trust: refresh: %w", err)
	}
	_, trustedBefore := before[metadata.TIMESTAMP+".json"]
	work, err := os.MkdirTemp(c.dir, workPrefix)
	if err != nil {
		return nil, fmt.Errorf("trust: refresh: %w", err)
	}
	defer os.RemoveAll(work)
	for name, data := range before {
		if err := os.WriteFile(filepath.Join(work, name), data, 0o600); err != nil {
			return nil, fmt.Errorf("trust: refresh: %w", err)
		}
	}

	cfg, err := config.New(remoteMetadataURL, c.trustedRoot(before["root.json"]))
	if err != nil {
		return nil, fmt.Errorf("trust: refresh: updater config: %w", err)
	}
	f := &storeFetcher{ctx: ctx, store: c.store}
	cfg.Fetcher = f
	cfg.RemoteTargetsURL = remoteTargetsURL
	cfg.LocalMetadataDir = work
	// The updater creates LocalTargetsDir even though we never let it
	// download targets (Fetch does); point it at the work folder.
	cfg.LocalTargetsDir = work
	cfg.PrefixTargetsWithHash = true

	// A fresh updater each time: go-tuf runs Refresh once per Updater.
	up, err := updater.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("trust: refresh: load trusted root: %w", err)
	}
	// RefTime is fixed when the updater is made; set ours before Refresh
	// reads it for every expiry check.
	ref := c.now()
	up.UnsafeSetRefTime(ref)
	refreshErr := up.Refresh()
	// Whatever the updater accepted before it stopped (a rotated root, a
	// newer timestamp) is trusted from now on, as go-tuf intends: install
	// it even when a later step failed.
	if err := c.install(before, work); err != nil {
		return nil, err
	}
	if refreshErr != nil {
		expired := c.expired(refreshErr, up.GetTrustedMetadataSet(), f.last, ref)
		return nil, classify(refreshErr, f.last, trustedBefore, expired)
	}
	rel, err := release(up.GetTrustedMetadataSet().Targets[metadata.TARGETS])
	if err != nil {
		return nil, fmt.Errorf("trust: refresh: %w", err)
	}
	return rel, nil
}

// readLocal reads the trusted folder's files, after dropping any that do
// not parse.
func (c *Client) readLocal() (map[string][]byte, error) {
	c.local.Lock()
	defer c.local.Unlock()
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return nil, err
	}
	c.dropCorruptLocal()
	files := map[string][]byte{}
	for _, name := range trustedFiles {
		data, err := os.ReadFile(filepath.Join(c.dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		files[name] = data
	}
	return files, nil
}

// install copies the work folder's files into the trusted folder, each
// written atomically and synced, if the trusted folder still holds what
// the refresh started from (errRaced otherwise).
func (c *Client) install(before map[string][]byte, work string) error {
	c.local.Lock()
	defer c.local.Unlock()
	for _, name := range trustedFiles {
		data, err := os.ReadFile(filepath.Join(c.dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			data = nil
		} else if err != nil {
			return fmt.Errorf("trust: refresh: %w", err)
		}
		if !bytes.Equal(data, before[name]) {
			return errRaced
		}
	}
	for _, name := range trustedFiles {
		data, err := os.ReadFile(filepath.Join(work, name))
		if errors.Is(err, fs.ErrNotExist) {
			// go-tuf drops a timestamp or snapshot whose keys a new
			// root rotated away.
			if before[name] != nil {
				if err := os.Remove(filepath.Join(c.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("trust: refresh: drop trusted %s: %w", name, err)
				}
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("trust: refresh: %w", err)
		}
		if bytes.Equal(data, before[name]) {
			continue
		}
		if err := atomicfile.Write(filepath.Join(c.dir, name), data); err != nil {
			return fmt.Errorf("trust: refresh: save trusted %s: %w", name, err)
		}
	}
	return nil
}

// trustedRoot picks the root to start from: the newest of the shipped root
// and local, the one go-tuf saved in the trusted folder after a rotation.
// go-tuf overwrites root.json with whatever root it is given, so passing
// the shipped root every time would forget rotations.
func (c *Client) trustedRoot(local []byte) []byte {
	if local == nil {
		return c.bootRoot
	}
	lr, err := parseRoot(local)
	if err != nil {
		return c.bootRoot
	}
	br, _ := parseRoot(c.bootRoot) // checked in NewClient
	if lr.Signed.Version < br.Signed.Version {
		return c.bootRoot
	}
	return local
}

// dropCorruptLocal removes local metadata files that do not even parse. The
// updater treats a local file that fails verification as stale and fetches a
// new one, but one that fails to parse (a torn write: go-tuf does not fsync)
// stops every Refresh for good.
func (c *Client) dropCorruptLocal() {
	parse := map[string]func([]byte) error{
		metadata.TIMESTAMP: func(b []byte) error { _, err := metadata.Timestamp().FromBytes(b); return err },
		metadata.SNAPSHOT:  func(b []byte) error { _, err := metadata.Snapshot().FromBytes(b); return err },
		metadata.TARGETS:   func(b []byte) error { _, err := metadata.Targets().FromBytes(b); return err },
	}
	for role, p := range parse {
		name := filepath.Join(c.dir, role+".json")
		data, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		if p(data) != nil {
			os.Remove(name)
		}
	}
}

func parseRoot(data []byte) (*metadata.Metadata[metadata.RootType], error) {
	root, err := metadata.Root().FromBytes(data)
	if err != nil {
		return nil, err
	}
	if err := root.VerifyDelegate(metadata.ROOT, root); err != nil {
		return nil, err
	}
	return root, nil
}

func release(targets *metadata.Metadata[metadata.TargetsType]) (*Release, error) {
	if targets == nil {
		return nil, errors.New("updater returned no targets")
	}
	rel := &Release{Version: targets.Signed.Version, Targets: map[string]TargetInfo{}}
	for p, tf := range targets.Signed.Targets {
		sum, ok := tf.Hashes["sha256"]
		if !ok {
			return nil, fmt.Errorf("targets version %d: target %s has no sha256 hash", rel.Version, p)
		}
		info := TargetInfo{Length: tf.Length, SHA256: hex.EncodeToString(sum)}
		if tf.Custom != nil {
			// Pretty-printed metadata indents the custom JSON; hand it
			// back compact.
			var buf bytes.Buffer
			if err := json.Compact(&buf, *tf.Custom); err != nil {
				return nil, fmt.Errorf("targets version %d: target %s: custom: %w", rel.Version, p, err)
			}
			info.Custom = buf.Bytes()
		}
		rel.Targets[p] = info
	}
	return rel, nil
}

// Fetch downloads target p of rel and verifies it against the signed length
// and hash. It reads at most the signed length plus one byte (ErrTooLarge);
// a mismatch is ErrTampered, a missing file ErrInconsistent.
//
// We do not use the updater's DownloadTarget: it keeps the file in memory
// anyway and writes it to disk without a temporary file or fsync. Targets
// are small manifests; the caller stores them.
func (c *Client) Fetch(ctx context.Context, rel *Release, p string) ([]byte, error) {
	info, ok := rel.Targets[p]
	if !ok {
		return nil, fmt.Errorf("trust: fetch %s: not in release %d: %w", p, rel.Version, fs.ErrNotExist)
	}
	sum, err := hex.DecodeString(info.SHA256)
	if err != nil {
		return nil, fmt.Errorf("trust: fetch %s: sha256 %q: %w", p, info.SHA256, err)
	}
	key := targetKey(targetsPrefix, p, sum)
	data, err := readLimited(ctx, c.store, key, info.Length)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("trust: fetch %s: %w: %w", p, ErrInconsistent, err)
	case err != nil:
		return nil, fmt.Errorf("trust: fetch %s: %w", p, err)
	}
	tf := &metadata.TargetFiles{Length: info.Length, Hashes: metadata.Hashes{"sha256": sum}, Path: p}
	if err := tf.VerifyLengthHashes(data); err != nil {
		return nil, fmt.Errorf("trust: fetch %s (%s): %w: %w", p, key, ErrTampered, err)
	}
	return data, nil
}

// storeFetcher is go-tuf's fetcher.Fetcher over a store's Get. One serves a
// single Refresh.
type storeFetcher struct {
	// ctx is the Refresh's context: fetcher.Fetcher's DownloadFile takes
	// none, so the fetcher carries it for the one Refresh it serves.
	ctx   context.Context
	store Reader
	last  lastDownload
}

// DownloadFile reads the key named by urlPath, at most maxLength bytes.
func (f *storeFetcher) DownloadFile(urlPath string, maxLength int64, _ time.Duration) ([]byte, error) {
	key, ok := strings.CutPrefix(urlPath, storeURLPrefix)
	if !ok {
		return nil, &metadata.ErrDownload{Msg: fmt.Sprintf("unexpected URL %q, want %s<key>", urlPath, storeURLPrefix)}
	}
	f.last = lastDownload{key: key}
	data, err := readLimited(f.ctx, f.store, key, maxLength)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// The updater ends root rotation at the first missing N.root.json,
		// recognised as an HTTP 404; keep fs.ErrNotExist for our callers.
		return nil, fmt.Errorf("%w: %w", &metadata.ErrDownloadHTTP{StatusCode: 404, URL: urlPath}, err)
	case errors.Is(err, ErrTooLarge):
		return nil, &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("%s: more than %d bytes", key, maxLength)}
	case err != nil:
		return nil, err
	}
	f.last.data = data
	return data, nil
}
