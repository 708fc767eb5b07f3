// Package spool keeps a site's report records on disk until the store has
// them: through power cuts, restarts and days without a network.
//
// It is built on go.etcd.io/bbolt, a well-kept embedded B+tree store with
// transactions and fsync on commit, rather than a home-made log: a record
// is on disk once Append returns, a crash leaves the file as of the last
// commit, and a batch moves from open records to sealed batches in one
// transaction.
//
// Records are appended to the open batch. The open batch is sealed (encoded
// as a report.Batch under its deterministic key) when a record of a new day
// (at the site's midnight) arrives, when a day is over (SealBefore), when
// it holds MaxBatch records, or on Seal. Sealed batches
// leave the spool only when Remove is called, after the store confirmed
// them. The spool is bounded: past its limit the oldest records (sealed
// batches first) are dropped and counted, and the count travels in every
// later heartbeat and batch.
//
// bbolt trusts its pages and panics on a damaged one. Every transaction
// runs under recover; a file found damaged, at open or later, is moved
// aside (its name logged) and a new spool started, so a bad sector costs
// the records it held, never the screen.
package spool

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/vnict/kiosk/kiosk/report"
)

var (
	bucketOpen   = []byte("open")
	bucketSealed = []byte("sealed")
	bucketMeta   = []byte("meta")

	keyID      = []byte("id")
	keySince   = []byte("since")
	keyEvicted = []byte("evicted")
	keySkipped = []byte("skipped")
	keyBytes   = []byte("bytes")
	keyRecords = []byte("records")
	keyOpenN   = []byte("open")
	// keyBundle holds the last bundle activated, as JSON, for the header
	// of every batch until the next.
	keyBundle = []byte("bundle")
)

// DefaultMaxBatch is the most records in one batch: a day of heartbeats
// and ten-second plays fits.
const DefaultMaxBatch = 20000

// Options configure a spool.
type Options struct {
	// Site names the site in batches.
	Site string
	// Limit bounds the records and batches held, in bytes.
	Limit int64
	// MaxBatch caps the records in one batch; default DefaultMaxBatch,
	// at most report.MaxBatchRecords (the department refuses more).
	MaxBatch int
	// Now is the clock, for the spool's birth time; default time.Now.
	Now func() time.Time
	// Loc is the site's time zone: the open batch is sealed at its
	// midnight, so yesterday reaches the store just after. Default UTC.
	Loc *time.Location
	Log *slog.Logger
}

// Spool is the on-disk queue of report records. It is safe for concurrent
// use (bbolt serialises writers).
type Spool struct {
	path string
	opts Options

	mu    sync.RWMutex // guards the fields below; held for writing only to swap a damaged file
	db    *bolt.DB
	id    string
	since time.Time
}

// Sealed is a batch ready to upload.
type Sealed struct {
	Key     string
	Data    []byte
	Records int
}

// errDamaged marks a spool file bbolt cannot read: it either says so or
// panics on a damaged page.
var errDamaged = errors.New("damaged spool file")

// Open opens or creates the spool file at path. A file that is not a
// readable spool (a damaged disk) is moved aside, with its new name in the
// log, and a new spool started; so is a file found damaged later, on any
// read or write: the screen must keep reporting.
func Open(path string, opts Options) (*Spool, error) {
	if opts.Site == "" {
		return nil, errors.New("spool: site missing")
	}
	if opts.Limit <= 0 {
		return nil, fmt.Errorf("spool %s: limit %d: want bytes > 0", path, opts.Limit)
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	opts.MaxBatch = min(opts.MaxBatch, report.MaxBatchRecords)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Loc == nil {
		opts.Loc = time.UTC
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	s := &Spool{path: path, opts: opts}
	err := s.openFile()
	if errors.Is(err, errDamaged) {
		err = s.moveAside(err)
	}
	if err != nil {
		return nil, fmt.Errorf("spool %s: %w", path, err)
	}
	return s, nil
}

// openFile opens the file, creates its buckets and reads its identity.
func (s *Spool) openFile() error {
	db, err := guard(func() (*bolt.DB, error) {
		return bolt.Open(s.path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	})
	if err != nil {
		if errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrChecksum) || errors.Is(err, berrors.ErrVersionMismatch) {
			err = fmt.Errorf("%w: %w", errDamaged, err)
		}
		return err
	}
	var id string
	var since time.Time
	_, err = guard(func() (struct{}, error) {
		return struct{}{}, db.Update(func(tx *bolt.Tx) error {
			for _, b := range [][]byte{bucketOpen, bucketSealed, bucketMeta} {
				if _, err := tx.CreateBucketIfNotExists(b); err != nil {
					return err
				}
			}
			meta := tx.Bucket(bucketMeta)
			if meta.Get(keyID) == nil {
				var b [6]byte
				rand.Read(b[:])
				meta.Put(keyID, []byte(hex.EncodeToString(b[:])))
				meta.Put(keySince, []byte(s.opts.Now().UTC().Format(time.RFC3339Nano)))
			}
			id = string(meta.Get(keyID))
			var err error
			if since, err = time.Parse(time.RFC3339Nano, string(meta.Get(keySince))); err != nil {
				return fmt.Errorf("%w: since: %w", errDamaged, err)
			}
			return nil
		})
	})
	if err != nil {
		db.Close()
		return err
	}
	s.db, s.id, s.since = db, id, since
	return nil
}

// moveAside renames the damaged file and starts a new one. The caller
// holds s.mu for writing, or is Open.
func (s *Spool) moveAside(cause error) error {
	if s.db != nil {
		s.db.Close()
		s.db = nil
	}
	aside := fmt.Sprintf("%s.damaged-%s", s.path, s.opts.Now().UTC().Format("20060102T150405.000"))
	s.opts.Log.Error("report spool damaged; moved aside, starting a new one; what it held is lost",
		"file", s.path, "moved_to", aside, "err", cause)
	if err := os.Rename(s.path, aside); err != nil {
		return fmt.Errorf("%w (and moving it aside: %v)", cause, err)
	}
	return s.openFile()
}

// guard runs fn, turning a panic into errDamaged: bbolt trusts its pages,
// and reading a damaged one panics instead of returning an error.
func guard[T any](fn func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errDamaged, r)
		}
	}()
	return fn()
}

// do runs fn in a transaction. If the file turns out to be damaged it is
// moved aside and a new one started, and the error says so.
func (s *Spool) do(write bool, op string, fn func(*bolt.Tx) error) error {
	s.mu.RLock()
	db := s.db
	var err error
	if db == nil {
		err = errors.New("closed")
	} else {
		_, err = guard(func() (struct{}, error) {
			if write {
				return struct{}{}, db.Update(fn)
			}
			return struct{}{}, db.View(fn)
		})
	}
	s.mu.RUnlock()
	if errors.Is(err, errDamaged) {
		s.mu.Lock()
		if s.db == db { // not already replaced by another caller
			if rerr := s.moveAside(err); rerr != nil {
				err = fmt.Errorf("%w; no new spool: %v", err, rerr)
			}
		}
		s.mu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("spool %s: %s: %w", s.path, op, err)
	}
	return nil
}

// Close closes the file.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	return err
}

// ID names this spool in batch keys, so a new spool (a new disk) never
// reuses an old one's names.
func (s *Spool) ID() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.id
}

// Since is when the spool was made.
func (s *Spool) Since() time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.since
}

// Evicted counts the records dropped so far because the spool was full.
func (s *Spool) Evicted() uint64 { return s.counter(keyEvicted) }

// Backlog counts the records not yet confirmed by the store.
func (s *Spool) Backlog() int { return int(s.counter(keyRecords)) }

func (s *Spool) counter(key []byte) uint64 {
	var v uint64
	s.do(false, "read counter", func(tx *bolt.Tx) error {
		v = getUint(tx.Bucket(bucketMeta), key)
		return nil
	})
	return v
}

// Append writes records to disk, in one transaction, and returns once
// they are synced.
func (s *Spool) Append(recs ...report.Record) error {
	return s.do(true, "append", func(tx *bolt.Tx) error {
		open, meta := tx.Bucket(bucketOpen), tx.Bucket(bucketMeta)
		for _, r := range recs {
			if err := r.Check(); err != nil {
				return fmt.Errorf("record at %v: %w", r.Time(), err)
			}
			if k, v := open.Cursor().First(); k != nil {
				first, err := decodeRecord(v)
				if err != nil || getUint(meta, keyOpenN) >= uint64(s.opts.MaxBatch) || !s.sameDay(first.Time(), r.Time()) {
					if err := s.seal(tx); err != nil {
						return err
					}
				}
			}
			v, err := json.Marshal(r)
			if err != nil {
				return err
			}
			seq, err := open.NextSequence()
			if err != nil {
				return err
			}
			if err := open.Put(seqKey(seq), v); err != nil {
				return err
			}
			addInt(meta, keyBytes, int64(len(v)))
			addInt(meta, keyRecords, 1)
			addInt(meta, keyOpenN, 1)
		}
		return s.evict(tx)
	})
}

// sameDay reports whether a and b fall on the same day in the site's zone.
func (s *Spool) sameDay(a, b time.Time) bool {
	a, b = a.In(s.opts.Loc), b.In(s.opts.Loc)
	return a.YearDay() == b.YearDay() && a.Year() == b.Year()
}

// SealBefore seals the open batch if its first record is from a day (in
// the site's zone) before t's: a site that records nothing new still
// sends yesterday.
func (s *Spool) SealBefore(t time.Time) error {
	return s.do(true, "seal", func(tx *bolt.Tx) error {
		k, v := tx.Bucket(bucketOpen).Cursor().First()
		if k == nil {
			return nil
		}
		first, err := decodeRecord(v)
		if err == nil && (s.sameDay(first.Time(), t) || first.Time().After(t)) {
			return nil
		}
		return s.seal(tx)
	})
}

// Seal seals the open batch now, whatever its size.
func (s *Spool) Seal() error {
	return s.do(true, "seal", func(tx *bolt.Tx) error { return s.seal(tx) })
}

// seal turns the open records into one sealed batch. A record that cannot
// be read back is left out with a log line naming it, and counted. The
// bundle active at the first record and those activated since go into the
// batch's header; bundle records are then done with.
func (s *Spool) seal(tx *bolt.Tx) error {
	open, sealed, meta := tx.Bucket(bucketOpen), tx.Bucket(bucketSealed), tx.Bucket(bucketMeta)
	b := report.Batch{Site: s.opts.Site, Spool: s.id, Since: s.since, Evicted: getUint(meta, keyEvicted)}
	if v := meta.Get(keyBundle); v != nil {
		var cur report.BundleItems
		if err := json.Unmarshal(v, &cur); err == nil {
			b.Bundles = append(b.Bundles, cur)
		}
	}
	bundles := 0
	var keys [][]byte
	var size int64
	c := open.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		seq := binary.BigEndian.Uint64(k)
		if b.First == 0 {
			b.First = seq
		}
		b.Last = seq
		keys = append(keys, k)
		size += int64(len(v))
		r, err := decodeRecord(v)
		if err != nil {
			s.opts.Log.Error("unreadable record in the report spool; left out", "file", s.path, "seq", seq, "err", err)
			b.Skipped++
			continue
		}
		switch {
		case r.Heartbeat != nil:
			b.Heartbeats = append(b.Heartbeats, *r.Heartbeat)
		case r.Play != nil:
			b.Plays = append(b.Plays, *r.Play)
		case r.Use != nil:
			b.Uses = append(b.Uses, *r.Use)
		default:
			bundles++
			b.Bundles = appendBundle(b.Bundles, *r.Bundle)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	if n := len(b.Bundles); n > 0 {
		v, err := json.Marshal(b.Bundles[n-1])
		if err != nil {
			return err
		}
		if err := meta.Put(keyBundle, v); err != nil {
			return err
		}
	}
	addInt(meta, keyRecords, -int64(bundles))
	for _, k := range keys {
		if err := open.Delete(k); err != nil {
			return err
		}
	}
	addInt(meta, keyOpenN, -int64(len(keys)))
	addInt(meta, keySkipped, int64(b.Skipped))
	addInt(meta, keyRecords, -int64(b.Skipped))
	addInt(meta, keyBytes, -size)
	n := len(b.Heartbeats) + len(b.Plays) + len(b.Uses)
	if n == 0 {
		return nil
	}
	var buf bytes.Buffer
	if err := b.Encode(&buf); err != nil {
		return err
	}
	v := encodeSealed(b.Key(buf.Bytes()), n, buf.Bytes())
	addInt(meta, keyBytes, int64(len(v)))
	return sealed.Put(seqKey(b.First), v)
}

// appendBundle adds an activation to a batch's bundles: the same bundle
// again (a restart announces it anew) is not a change, and past
// report.MaxBundles the one before is replaced, keeping the first (active
// at the batch's start) and the latest.
func appendBundle(bs []report.BundleItems, b report.BundleItems) []report.BundleItems {
	if n := len(bs); n > 0 && bs[n-1].Bundle == b.Bundle {
		return bs
	}
	if len(bs) >= report.MaxBundles {
		bs = bs[:len(bs)-1]
	}
	return append(bs, b)
}

// evict drops the oldest records until the spool fits its limit.
func (s *Spool) evict(tx *bolt.Tx) error {
	sealed, open, meta := tx.Bucket(bucketSealed), tx.Bucket(bucketOpen), tx.Bucket(bucketMeta)
	batches, records := 0, 0
	defer func() {
		if records > 0 {
			s.opts.Log.Warn("report spool full; oldest records dropped", "file", s.path,
				"batches", batches, "records", records, "limit_bytes", s.opts.Limit)
		}
	}()
	for int64(getUint(meta, keyBytes)) > s.opts.Limit {
		if k, v := sealed.Cursor().First(); k != nil {
			_, n, _, err := decodeSealed(v)
			if err != nil {
				n = 0
			}
			if err := sealed.Delete(k); err != nil {
				return err
			}
			addInt(meta, keyBytes, -int64(len(v)))
			addInt(meta, keyRecords, -int64(n))
			addInt(meta, keyEvicted, int64(n))
			batches++
			records += n
			continue
		}
		k, v := open.Cursor().First()
		if k == nil {
			return nil // a limit smaller than one record
		}
		if err := open.Delete(k); err != nil {
			return err
		}
		addInt(meta, keyBytes, -int64(len(v)))
		addInt(meta, keyRecords, -1)
		addInt(meta, keyOpenN, -1)
		addInt(meta, keyEvicted, 1)
		records++
	}
	return nil
}

// Pending returns up to n sealed batches, oldest first. An entry that
// cannot be read back (a damaged disk) is dropped with a log line naming
// it, and counted as skipped.
func (s *Spool) Pending(n int) ([]Sealed, error) {
	var out []Sealed
	var damaged [][]byte
	err := s.do(false, "pending", func(tx *bolt.Tx) error {
		out, damaged = out[:0], damaged[:0]
		c := tx.Bucket(bucketSealed).Cursor()
		for k, v := c.First(); k != nil && len(out) < n; k, v = c.Next() {
			key, recs, data, err := decodeSealed(v)
			if err != nil {
				s.opts.Log.Error("unreadable batch in the report spool; dropped", "file", s.path,
					"seq", binary.BigEndian.Uint64(k), "err", err)
				damaged = append(damaged, bytes.Clone(k))
				continue
			}
			out = append(out, Sealed{Key: key, Data: bytes.Clone(data), Records: recs})
		}
		return nil
	})
	if err == nil && len(damaged) > 0 {
		err = s.do(true, "drop unreadable batches", func(tx *bolt.Tx) error {
			sealed, meta := tx.Bucket(bucketSealed), tx.Bucket(bucketMeta)
			for _, k := range damaged {
				addInt(meta, keyBytes, -int64(len(sealed.Get(k))))
				addInt(meta, keySkipped, 1)
				if err := sealed.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Remove drops a sealed batch the store has confirmed.
func (s *Spool) Remove(key string) error {
	return s.do(true, "remove "+key, func(tx *bolt.Tx) error {
		sealed, meta := tx.Bucket(bucketSealed), tx.Bucket(bucketMeta)
		c := sealed.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			name, n, _, err := decodeSealed(v)
			if err != nil || name != key {
				continue
			}
			addInt(meta, keyBytes, -int64(len(v)))
			addInt(meta, keyRecords, -int64(n))
			return sealed.Delete(k)
		}
		return nil
	})
}

func decodeRecord(v []byte) (report.Record, error) {
	var r report.Record
	if err := json.Unmarshal(v, &r); err != nil {
		return r, err
	}
	return r, r.Check()
}

func encodeSealed(key string, records int, data []byte) []byte {
	v := binary.AppendUvarint(nil, uint64(records))
	v = binary.AppendUvarint(v, uint64(len(key)))
	v = append(v, key...)
	return append(v, data...)
}

func decodeSealed(v []byte) (key string, records int, data []byte, err error) {
	n, a := binary.Uvarint(v)
	l, b := binary.Uvarint(v[max(a, 0):])
	if a <= 0 || b <= 0 || uint64(len(v)-a-b) < l {
		return "", 0, nil, errors.New("bad sealed batch entry")
	}
	v = v[a+b:]
	return string(v[:l]), int(n), v[l:], nil
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

func getUint(b *bolt.Bucket, key []byte) uint64 {
	v := b.Get(key)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func addInt(b *bolt.Bucket, key []byte, d int64) {
	v := max(int64(getUint(b, key))+d, 0)
	b.Put(key, binary.BigEndian.AppendUint64(nil, uint64(v)))
}

// FreeDisk is the free space, in bytes, on the spool's disk.
func (s *Spool) FreeDisk() uint64 { return freeBytes(filepath.Dir(s.path)) }
