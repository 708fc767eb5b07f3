package spool

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/vnict/kiosk/kiosk/report"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func beat(at time.Time) report.Record {
	return report.Record{Heartbeat: &report.Heartbeat{Time: at, Interval: time.Minute, State: report.Content, Item: "welcome"}}
}

func open(t *testing.T, path string, limit int64, log *bytes.Buffer) *Spool {
	t.Helper()
	var l *slog.Logger
	if log != nil {
		l = slog.New(slog.NewTextHandler(log, nil))
	} else {
		l = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	}
	s, err := Open(path, Options{Site: "s1", Limit: limit, MaxBatch: 100, Now: func() time.Time { return t0 }, Log: l})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSpoolKeepsRecordsAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reports.db")
	s := open(t, path, 1<<20, nil)
	id := s.ID()
	for i := range 5 {
		if err := s.Append(beat(t0.Add(time.Duration(i) * time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	s = open(t, path, 1<<20, nil)
	defer s.Close()
	if s.ID() != id || !s.Since().Equal(t0) {
		t.Errorf("reopened spool %s since %v, want %s since %v", s.ID(), s.Since(), id, t0)
	}
	if n := s.Backlog(); n != 5 {
		t.Errorf("backlog %d, want 5", n)
	}
	// A record of the next UTC day seals the first five.
	if err := s.Append(beat(t0.Add(24 * time.Hour))); err != nil {
		t.Fatal(err)
	}
	p, err := s.Pending(10)
	if err != nil || len(p) != 1 || p[0].Records != 5 {
		t.Fatalf("pending %+v, %v", p, err)
	}
	b, err := report.DecodeBatch(bytes.NewReader(p[0].Data))
	if err != nil || len(b.Heartbeats) != 5 || b.First != 1 || b.Last != 5 || b.Spool != id {
		t.Fatalf("batch %+v, %v", b, err)
	}
	if !strings.HasSuffix(p[0].Key, "/20260302/"+id+"-00000000000000000001.krb") {
		t.Errorf("key %s", p[0].Key)
	}
	if err := s.Remove(p[0].Key); err != nil {
		t.Fatal(err)
	}
	if n := s.Backlog(); n != 1 {
		t.Errorf("backlog %d after removing the batch, want 1", n)
	}
	// SealBefore seals a day that is over even with nothing new.
	if err := s.SealBefore(t0.Add(37 * time.Hour)); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Pending(10); len(p) != 0 {
		t.Errorf("sealed a day not over: %v", p)
	}
	if err := s.SealBefore(t0.Add(38 * time.Hour)); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Pending(10); len(p) != 1 {
		t.Errorf("day over but not sealed: %v", p)
	}
}

func TestSpoolEvictsOldestAndCounts(t *testing.T) {
	var log bytes.Buffer
	s := open(t, filepath.Join(t.TempDir(), "reports.db"), 4000, &log)
	defer s.Close()
	for i := range 300 { // three batches of 100, then more
		if err := s.Append(beat(t0.Add(time.Duration(i) * time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	ev := s.Evicted()
	if ev == 0 {
		t.Fatal("nothing evicted past the limit")
	}
	if got := uint64(s.Backlog()) + ev; got != 300 {
		t.Errorf("backlog %d + evicted %d = %d, want 300", s.Backlog(), ev, got)
	}
	if err := s.Seal(); err != nil {
		t.Fatal(err)
	}
	p, _ := s.Pending(100)
	if len(p) == 0 {
		t.Fatal("nothing pending")
	}
	b, err := report.DecodeSummary(bytes.NewReader(p[len(p)-1].Data))
	if err != nil {
		t.Fatal(err)
	}
	// The newest records are kept, and the batch says what was lost.
	if last := b.Heartbeats[len(b.Heartbeats)-1].Time; !last.Equal(t0.Add(299 * time.Second)) {
		t.Errorf("newest kept record %v", last)
	}
	if b.Evicted == 0 {
		t.Error("batch does not report the evicted records")
	}
	if !strings.Contains(log.String(), "spool full") {
		t.Errorf("no log line about the full spool: %s", log.String())
	}
}

func TestSpoolDamage(t *testing.T) {
	t.Run("a damaged file is moved aside", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "reports.db")
		if err := os.WriteFile(path, bytes.Repeat([]byte("not a database "), 2000), 0o600); err != nil {
			t.Fatal(err)
		}
		var log bytes.Buffer
		s := open(t, path, 1<<20, &log)
		defer s.Close()
		if err := s.Append(beat(t0)); err != nil {
			t.Fatal(err)
		}
		aside, _ := filepath.Glob(path + ".damaged-*")
		if len(aside) != 1 || !strings.Contains(log.String(), "moved_to") {
			t.Errorf("moved aside: %v; log: %s", aside, log.String())
		}
	})
	t.Run("an unreadable record is left out and named", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "reports.db")
		var log bytes.Buffer
		s := open(t, path, 1<<20, &log)
		defer s.Close()
		s.Append(beat(t0), beat(t0.Add(time.Minute)))
		s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketOpen).Put(seqKey(2), []byte(`{"heartbeat":{"ti`)) })
		s.Append(beat(t0.Add(2 * time.Minute)))
		if err := s.Seal(); err != nil {
			t.Fatal(err)
		}
		p, _ := s.Pending(10)
		b, err := report.DecodeBatch(bytes.NewReader(p[0].Data))
		if err != nil || len(b.Heartbeats) != 2 || b.Skipped != 1 {
			t.Fatalf("batch %+v, %v", b, err)
		}
		if !strings.Contains(log.String(), "unreadable record") || !strings.Contains(log.String(), "seq=2") {
			t.Errorf("log does not name the record: %s", log.String())
		}
	})
	t.Run("an unreadable batch is dropped and named; the rest goes", func(t *testing.T) {
		var log bytes.Buffer
		s := open(t, filepath.Join(t.TempDir(), "reports.db"), 1<<20, &log)
		defer s.Close()
		s.Append(beat(t0))
		s.Append(beat(t0.Add(24 * time.Hour))) // seals the first day
		s.Append(beat(t0.Add(48 * time.Hour))) // and the second
		s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketSealed).Put(seqKey(1), []byte{0xff}) })
		p, err := s.Pending(10)
		if err != nil || len(p) != 1 || !strings.HasSuffix(p[0].Key, "-00000000000000000002.krb") {
			t.Fatalf("pending %v, %v", p, err)
		}
		if p, _ := s.Pending(10); len(p) != 1 {
			t.Errorf("second look: %d batches", len(p))
		}
		if !strings.Contains(log.String(), "unreadable batch") || !strings.Contains(log.String(), "seq=1") {
			t.Errorf("log: %s", log.String())
		}
	})
	t.Run("an invalid record is refused with its field", func(t *testing.T) {
		s := open(t, filepath.Join(t.TempDir(), "reports.db"), 1<<20, nil)
		defer s.Close()
		err := s.Append(report.Record{Heartbeat: &report.Heartbeat{Time: t0, State: report.Content}})
		if err == nil || !strings.Contains(err.Error(), "interval") {
			t.Errorf("err %v", err)
		}
	})
}
