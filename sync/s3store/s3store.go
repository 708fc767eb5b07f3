// Package s3store is the site's and the department's access to the content
// store: one S3 bucket, optionally under a key prefix.
//
// It builds on github.com/minio/minio-go/v7, a maintained S3 client that
// works with any S3 server (MinIO today; the department must be able to move
// to another S3 server). Every method except Watch uses only plain S3 calls
// (GET with Range, HEAD, PUT/multipart upload, ListObjectsV2, DELETE).
//
// Watch uses MinIO's bucket-notification extension (ListenBucketNotification)
// and is only a hint that something changed: other S3 servers do not offer it,
// events can be missed, and the stream ends on any failure. Callers must not
// depend on it for correctness; they poll with List/Get anyway and use Watch
// to poll sooner.
//
// Keys are slash-separated paths relative to Config.Prefix, in the form
// io/fs accepts (fs.ValidPath): no leading or trailing slash, no "." or ".."
// elements. A missing object is reported as an error for which
// errors.Is(err, fs.ErrNotExist) holds; every error is an *fs.PathError that
// names the operation and the key.
package s3store

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/notification"
)

// Config says where the store is and how to reach it.
type Config struct {
	// Endpoint is the S3 server's host[:port], without scheme.
	Endpoint string
	// AccessKey and SecretKey are the S3 credentials; both empty means
	// anonymous access.
	AccessKey string
	SecretKey string
	// Bucket holds the content.
	Bucket string
	// Prefix is prepended to every key ("kiosk" or "kiosk/" store key
	// "a/b" as object "kiosk/a/b"); empty means the bucket's root.
	Prefix string
	// Secure selects HTTPS.
	Secure bool
	// Region is the bucket's region; empty lets the client look it up.
	Region string
	// MaxRetries is how many times minio-go tries a failing request
	// (with backoff, about 8 s in all for its default of 10); 0 keeps
	// that default, 1 disables retries for callers that run their own
	// backoff.
	MaxRetries int
	// CAFile is a PEM file of the certificate authorities trusted for
	// HTTPS (the department's own CA) instead of the system's; empty for
	// the system's.
	CAFile string
	// HeaderTimeout bounds the wait for a response's headers, and
	// ReadTimeout the wait for each read of a response body, so a server
	// that stops answering fails the call instead of hanging it; 0 means
	// DefaultHeaderTimeout and DefaultReadTimeout.
	HeaderTimeout, ReadTimeout time.Duration
	// Clock is the local clock that ClockReading compares the store's
	// with; nil means time.Now.
	Clock func() time.Time
}

// Defaults for Config's timeouts: long enough for a slow rural link, short
// enough that a hung server costs one sync, not the site's updates.
const (
	DefaultHeaderTimeout = 30 * time.Second
	DefaultReadTimeout   = 60 * time.Second
	dialTimeout          = 15 * time.Second
)

// Store reads and writes objects of one bucket under one prefix. It is safe
// for concurrent use.
type Store struct {
	client      *minio.Client
	bucket      string
	prefix      string // "" or ending in "/"
	readTimeout time.Duration
	clock       *clockWatch
}

// New returns a Store for cfg. It does not contact the server.
func New(cfg Config) (*Store, error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("s3store: config: endpoint is empty")
	}
	if cfg.Bucket == "" {
		return nil, fmt.Errorf("s3store: config for %s: bucket is empty", cfg.Endpoint)
	}
	prefix := strings.Trim(cfg.Prefix, "/")
	if prefix != "" {
		if !fs.ValidPath(prefix) {
			return nil, fmt.Errorf("s3store: config for %s: invalid prefix %q", cfg.Endpoint, cfg.Prefix)
		}
		prefix += "/"
	}
	transport, err := newTransport(cfg)
	if err != nil {
		return nil, fmt.Errorf("s3store: config for %s: %w", cfg.Endpoint, err)
	}
	readTimeout := cfg.ReadTimeout
	if readTimeout <= 0 {
		readTimeout = DefaultReadTimeout
	}
	clock := newClockWatch(transport, cfg.Clock)
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:      credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:     cfg.Secure,
		Region:     cfg.Region,
		MaxRetries: cfg.MaxRetries,
		Transport:  clock,
	})
	if err != nil {
		return nil, fmt.Errorf("s3store: client for %s: %w", cfg.Endpoint, err)
	}
	return &Store{client: client, bucket: cfg.Bucket, prefix: prefix, readTimeout: readTimeout, clock: clock}, nil
}

// newTransport is an HTTP transport with a deadline on every step a server
// could stall: dialling, the TLS handshake, the response headers.
func newTransport(cfg Config) (*http.Transport, error) {
	headers := cfg.HeaderTimeout
	if headers <= 0 {
		headers = DefaultHeaderTimeout
	}
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   dialTimeout,
		ResponseHeaderTimeout: headers,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   16,
		// minio-go checks content itself; compressed responses would
		// hide the real lengths.
		DisableCompression: true,
		TLSClientConfig:    &tls.Config{MinVersion: tls.VersionTLS12},
	}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file %s: no PEM certificate in it", cfg.CAFile)
		}
		t.TLSClientConfig.RootCAs = pool
	}
	return t, nil
}

// Get returns the object's content. A missing object is reported by Get
// itself, not by the first Read.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	return s.get(ctx, "get", key, 0)
}

// GetRange returns the object's bytes from offset to the end, with a ranged
// GET; it is how interrupted downloads resume. An offset equal to the size
// gives an empty reader (the download was already complete); a larger one
// is an error.
func (s *Store) GetRange(ctx context.Context, key string, offset int64) (io.ReadCloser, error) {
	if offset < 0 {
		return nil, &fs.PathError{Op: "get range", Path: key, Err: fmt.Errorf("negative offset %d: %w", offset, fs.ErrInvalid)}
	}
	return s.get(ctx, "get range", key, offset)
}

func (s *Store) get(ctx context.Context, op, key string, offset int64) (io.ReadCloser, error) {
	name, err := s.object(op, key)
	if err != nil {
		return nil, err
	}
	var opts minio.GetObjectOptions
	// Only set a range for offset > 0: SetRange(0, 0) means "bytes=0-0",
	// the first byte only, not "from 0 to the end".
	if offset > 0 {
		if err := opts.SetRange(offset, 0); err != nil {
			return nil, &fs.PathError{Op: op, Path: key, Err: err}
		}
	}
	// Client.GetObject is lazy: it sends nothing until the first Read or
	// Stat, so a missing object would surface as a Read error. Core's
	// GetObject sends the request now, in one round trip.
	getCtx, cancel := context.WithCancel(ctx)
	body, _, _, err := minio.Core{Client: s.client}.GetObject(getCtx, s.bucket, name, opts)
	if err == nil {
		return newIdleReader(body, s.readTimeout, cancel, key), nil
	}
	cancel()
	if offset > 0 && minio.ToErrorResponse(err).Code == minio.InvalidRange {
		size, serr := s.Stat(ctx, key)
		if serr != nil {
			return nil, serr
		}
		if size == offset {
			return io.NopCloser(strings.NewReader("")), nil
		}
		return nil, &fs.PathError{Op: op, Path: key, Err: fmt.Errorf("offset %d beyond size %d: %w", offset, size, err)}
	}
	return nil, s.wrap(op, key, err)
}

// Stat returns the object's size in bytes.
func (s *Store) Stat(ctx context.Context, key string) (size int64, err error) {
	name, err := s.object("stat", key)
	if err != nil {
		return 0, err
	}
	info, err := s.client.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{})
	if err != nil {
		return 0, s.wrap("stat", key, err)
	}
	return info.Size, nil
}

// unknownSizePart is the multipart part size Put uses when the size is
// unknown.
const unknownSizePart = 16 << 20

// Put stores size bytes from r as the object key, replacing any object
// there. A size of -1 means unknown: the upload is then multipart, buffers
// 16 MiB parts in memory and is limited to about 156 GiB.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	name, err := s.object("put", key)
	if err != nil {
		return err
	}
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream"}
	if size < 0 {
		// minio-go sizes parts for unknown lengths as if the object
		// could be 5 TiB: about 537 MiB of buffer per part. Parts of
		// 16 MiB (the least it accepts) allow objects up to about
		// 156 GiB, far beyond any bundle, in memory a kiosk has.
		opts.PartSize = unknownSizePart
	}
	_, err = s.client.PutObject(ctx, s.bucket, name, r, size, opts)
	if err != nil {
		return s.wrap("put", key, err)
	}
	return nil
}

// PutNew stores the object only if no object key exists yet, with a
// conditional PUT (If-None-Match: *): of two writers, or of a write and
// its retry, one wins. An existing object gives an error for which
// errors.Is(err, fs.ErrExist) holds; its content is then unknown to the
// caller, so keys written this way must name their content.
func (s *Store) PutNew(ctx context.Context, key string, r io.Reader, size int64) error {
	name, err := s.object("put new", key)
	if err != nil {
		return err
	}
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream"}
	opts.SetMatchETagExcept("*")
	if _, err = s.client.PutObject(ctx, s.bucket, name, r, size, opts); err != nil {
		if resp := minio.ToErrorResponse(err); resp.StatusCode == http.StatusPreconditionFailed || resp.Code == "PreconditionFailed" {
			return &fs.PathError{Op: "put new", Path: key, Err: fmt.Errorf("%w: %w", fs.ErrExist, err)}
		}
		return s.wrap("put new", key, err)
	}
	return nil
}

// Folders returns the names of the folders directly under prefix (a
// folder, as for List), sorted: Folders("reports") gives the site IDs of
// reports/<site>/..., with one listing call per thousand.
func (s *Store) Folders(ctx context.Context, prefix string) ([]string, error) {
	full, err := s.folder("list folders", prefix)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var names []string
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: full}) {
		if obj.Err != nil {
			return nil, s.wrap("list folders", prefix, obj.Err)
		}
		if name, ok := strings.CutSuffix(strings.TrimPrefix(obj.Key, full), "/"); ok && name != "" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}

// List returns the keys under prefix, recursively and sorted. prefix is a
// folder: "media" and "media/" both list "media/..." and not "media2/...";
// "" lists the whole store. Folder placeholder objects (keys ending in "/",
// made by some S3 tools) are skipped.
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	full, err := s.folder("list", prefix)
	if err != nil {
		return nil, err
	}
	// Cancelling on return stops minio-go's listing goroutine if we leave
	// early on an error.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var keys []string
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: full, Recursive: true}) {
		if obj.Err != nil {
			return nil, s.wrap("list", prefix, obj.Err)
		}
		key := strings.TrimPrefix(obj.Key, s.prefix)
		if key == "" || strings.HasSuffix(key, "/") {
			continue
		}
		keys = append(keys, key)
	}
	slices.Sort(keys)
	return keys, nil
}

// Delete removes the object. Deleting a missing object is not an error
// (S3 answers both the same way).
func (s *Store) Delete(ctx context.Context, key string) error {
	name, err := s.object("delete", key)
	if err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{}); err != nil {
		return s.wrap("delete", key, err)
	}
	return nil
}

// Watch signals on the returned channel when an object under prefix (a
// folder, as for List) is created or removed. Signals coalesce: the channel
// holds at most one, so a burst of changes may give one signal. The channel
// closes when ctx ends or the notification stream fails; callers then
// subscribe again with backoff.
//
// Watch is a hint built on MinIO's ListenBucketNotification extension, not
// plain S3: on other servers the channel closes at once, and changes made
// while the stream is being set up or re-established are not signalled.
// Callers must poll List anyway (in particular once after subscribing) and
// use Watch only to poll sooner.
func (s *Store) Watch(ctx context.Context, prefix string) (<-chan struct{}, error) {
	full, err := s.folder("watch", prefix)
	if err != nil {
		return nil, err
	}
	return s.listen(ctx, full), nil
}

// listen turns the bucket's notifications for objects whose names start
// with full into signals, as Watch describes.
func (s *Store) listen(ctx context.Context, full string) <-chan struct{} {
	events := []string{
		string(notification.ObjectCreatedAll),
		string(notification.ObjectRemovedAll),
	}
	listenCtx, cancel := context.WithCancel(ctx)
	infos := s.client.ListenBucketNotification(listenCtx, s.bucket, full, "", events)
	out := make(chan struct{}, 1)
	go func() {
		// Cancelling stops minio-go's stream goroutine, which would
		// otherwise reconnect after an error we have already acted on.
		defer cancel()
		defer close(out)
		for info := range infos {
			if info.Err != nil {
				return
			}
			select {
			case out <- struct{}{}:
			default:
			}
		}
	}()
	return out
}

// object returns the object name of key, or an error if key is not a valid
// store key.
func (s *Store) object(op, key string) (string, error) {
	if key == "." || !fs.ValidPath(key) {
		return "", &fs.PathError{Op: op, Path: key, Err: fmt.Errorf("invalid key: %w", fs.ErrInvalid)}
	}
	return s.prefix + key, nil
}

// folder returns the object-name prefix of the folder prefix.
func (s *Store) folder(op, prefix string) (string, error) {
	p := strings.TrimSuffix(prefix, "/")
	if p == "" {
		return s.prefix, nil
	}
	if p == "." || !fs.ValidPath(p) {
		return "", &fs.PathError{Op: op, Path: prefix, Err: fmt.Errorf("invalid prefix: %w", fs.ErrInvalid)}
	}
	return s.prefix + p + "/", nil
}

// wrap turns a minio-go error into an *fs.PathError naming op and key; a
// missing object also matches fs.ErrNotExist. A missing bucket does not:
// that is a configuration error, not an absent object.
func (s *Store) wrap(op, key string, err error) error {
	resp := minio.ToErrorResponse(err)
	if resp.Code == minio.NoSuchKey || (resp.StatusCode == http.StatusNotFound && resp.Code == "NotFound") {
		err = fmt.Errorf("%w (bucket %s, object %s): %w", fs.ErrNotExist, s.bucket, s.prefix+key, err)
	} else if resp.Code == minio.NoSuchBucket {
		err = fmt.Errorf("bucket %s: %w", s.bucket, err)
	}
	return &fs.PathError{Op: op, Path: key, Err: err}
}
