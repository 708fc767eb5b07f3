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
// for concurrent use; Refresh calls run one at a time.
type Client struct {
	store    Reader
	bootRoot []byte // the root shipped with the kiosk
	dir      string
	now      func() time.Time

	mu      sync.Mutex // serializes Refresh: the local folder is shared
	current *Release
}

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
	return &Client{store: store, bootRoot: slices.Clone(trustedRoot), dir: localDir, now: now}, nil
}

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
	c.mu.Lock()
	defer c.mu.Unlock()

	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return nil, fmt.Errorf("trust: refresh: %w", err)
	}
	c.dropCorruptLocal()
	_, err := os.Stat(filepath.Join(c.dir, metadata.TIMESTAMP+".json"))
	trustedBefore := err == nil

	cfg, err := config.New(remoteMetadataURL, c.trustedRoot())
	if err != nil {
		return nil, fmt.Errorf("trust: refresh: updater config: %w", err)
	}
	f := &storeFetcher{ctx: ctx, store: c.store}
	cfg.Fetcher = f
	cfg.RemoteTargetsURL = remoteTargetsURL
	cfg.LocalMetadataDir = c.dir
	// The updater creates LocalTargetsDir even though we never let it
	// download targets (Fetch does); point it at the metadata folder.
	cfg.LocalTargetsDir = c.dir
	cfg.PrefixTargetsWithHash = true

	// A fresh updater each time: go-tuf runs Refresh once per Updater.
	up, err := updater.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("trust: refresh: load trusted root: %w", err)
	}
	// RefTime is fixed when the updater is made; set ours before Refresh
	// reads it for every expiry check.
	up.UnsafeSetRefTime(c.now())
	if err := up.Refresh(); err != nil {
		return nil, classify(err, f.last, trustedBefore)
	}

	rel, err := release(up.GetTrustedMetadataSet().Targets[metadata.TARGETS])
	if err != nil {
		return nil, fmt.Errorf("trust: refresh: %w", err)
	}
	c.current = rel
	return rel, nil
}

// trustedRoot picks the root to start from: the newest of the shipped root
// and the one go-tuf saved in the local folder after a rotation. go-tuf
// overwrites root.json with whatever root it is given, so passing the
// shipped root every time would forget rotations.
func (c *Client) trustedRoot() []byte {
	local, err := os.ReadFile(filepath.Join(c.dir, "root.json"))
	if err != nil {
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
