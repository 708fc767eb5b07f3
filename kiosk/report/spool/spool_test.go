package spool

import (
	"bytes"
	"fmt"
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
	if !strings.Contains(p[0].Key, "/20260302/"+id+"-00000000000000000001-") {
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
		if err != nil || len(p) != 1 || !strings.Contains(p[0].Key, "-00000000000000000002-") {
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

// TestSpoolDamagedPage: a page damaged in the middle of the file (a bad
// sector) makes bbolt panic when it reads it. The spool moves the file
// aside and goes on with a new one; nothing panics.
func TestSpoolDamagedPage(t *testing.T) {
	detected := 0
	for _, page := range []int64{3, 5, 8, 12, 20} {
		t.Run(fmt.Sprint("page ", page), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "reports.db")
			s := open(t, path, 1<<24, nil)
			for i := range 30 {
				var recs []report.Record
				for j := range 100 {
					recs = append(recs, beat(t0.Add(time.Duration(i*100+j)*time.Second)))
				}
				if err := s.Append(recs...); err != nil {
					t.Fatal(err)
				}
			}
			oldID := s.ID()
			s.Close()
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			junk := make([]byte, 4096)
			for i := range junk {
				junk[i] = byte(i * 7)
			}
			f.WriteAt(junk, page*4096)
			f.Close()

			var log bytes.Buffer
			s = open(t, path, 1<<24, &log)
			defer s.Close()
			// Whatever first touches the damage reports it, once; then
			// the spool works again.
			errs := 0
			for i := range 3 {
				if err := s.Append(beat(t0.Add(24*time.Hour + time.Duration(i)*time.Minute))); err != nil {
					errs++
				}
				if _, err := s.Pending(100); err != nil {
					errs++
				}
			}
			if errs > 1 {
				t.Errorf("%d errors after the damage, want at most 1", errs)
			}
			if err := s.Append(beat(t0.Add(25 * time.Hour))); err != nil {
				t.Fatalf("append after recovery: %v", err)
			}
			if strings.Contains(log.String(), "damaged") {
				detected++
				if s.ID() == oldID {
					t.Error("damaged file reported but the spool kept its ID")
				}
				if aside, _ := filepath.Glob(path + ".damaged-*"); len(aside) != 1 {
					t.Errorf("moved aside: %v", aside)
				}
			}
		})
	}
	if detected < 2 {
		t.Errorf("damage seen in %d of 5 files; the test no longer damages what it reads", detected)
	}
}

// TestSpoolSealsAtLocalMidnight: batches end at the site's midnight.
func TestSpoolSealsAtLocalMidnight(t *testing.T) {
	hcm, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	s, err := Open(filepath.Join(t.TempDir(), "reports.db"), Options{Site: "s1", Limit: 1 << 20, Loc: hcm,
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	late := time.Date(2026, 3, 2, 23, 30, 0, 0, hcm) // 16:30 UTC
	s.Append(beat(late))
	if err := s.SealBefore(time.Date(2026, 3, 2, 23, 59, 0, 0, hcm)); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Pending(10); len(p) != 0 {
		t.Fatalf("sealed before local midnight: %v", p)
	}
	if err := s.SealBefore(time.Date(2026, 3, 3, 0, 1, 0, 0, hcm)); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Pending(10); len(p) != 1 {
		t.Fatalf("not sealed after local midnight: %d", len(p))
	}
}

// TestSpoolBundles: a batch's header names the bundle active at its first
// record and those activated during it; a later batch carries the last
// one on; bundle records add nothing to the backlog once sealed.
func TestSpoolBundles(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "reports.db"), 1<<20, nil)
	defer s.Close()
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	bundle := func(name string, from time.Time, items ...string) report.Record {
		return report.Record{Bundle: &report.BundleItems{Bundle: name, From: from, Items: items}}
	}
	sealed := func() *report.Batch {
		t.Helper()
		if err := s.Seal(); err != nil {
			t.Fatal(err)
		}
		p, err := s.Pending(1)
		if err != nil || len(p) != 1 {
			t.Fatalf("pending %v, %v", p, err)
		}
		b, err := report.DecodeBatch(bytes.NewReader(p[0].Data))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Remove(p[0].Key); err != nil {
			t.Fatal(err)
		}
		return b
	}
	names := func(b *report.Batch) string {
		var out []string
		for _, x := range b.Bundles {
			out = append(out, fmt.Sprintf("%s%v", x.Bundle, x.Items))
		}
		return strings.Join(out, " ")
	}
	if err := s.Append(bundle("border@3", at, "welcome", "customs"), beat(at), bundle("border@3", at.Add(time.Minute), "welcome", "customs"),
		beat(at.Add(time.Minute)), bundle("border@4", at.Add(2*time.Minute), "welcome", "broken-clip"), beat(at.Add(2*time.Minute))); err != nil {
		t.Fatal(err)
	}
	if got, want := names(sealed()), "border@3[welcome customs] border@4[welcome broken-clip]"; got != want {
		t.Errorf("first batch's bundles %q, want %q", got, want)
	}
	if err := s.Append(beat(at.Add(3 * time.Minute))); err != nil {
		t.Fatal(err)
	}
	if got, want := names(sealed()), "border@4[welcome broken-clip]"; got != want {
		t.Errorf("second batch's bundles %q, want the one still active, %q", got, want)
	}
	if n := s.Backlog(); n != 0 {
		t.Errorf("backlog %d after every batch was removed, want 0", n)
	}
	if err := s.Append(report.Record{Bundle: &report.BundleItems{Bundle: "x@1", From: at, Items: make([]string, report.MaxStrings+1)}}); err == nil {
		t.Error("a bundle over the batch limits was spooled")
	}
}
