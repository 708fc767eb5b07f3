package report

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fuzzBatch is a batch as a spool seals it: heartbeats in every state,
// plays with and without a guide, Vietnamese and Khmer strings.
func fuzzBatch() *Batch {
	t0 := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	b := &Batch{Site: "an-giang-tinh-bien", Spool: "5f0e9a", First: 41, Last: 47, Evicted: 2, Since: t0.Add(-48 * time.Hour), Skipped: 1}
	for i, st := range []State{Content, Standby, OffHours, Error} {
		b.Heartbeats = append(b.Heartbeats, Heartbeat{Time: t0.Add(time.Duration(i) * time.Minute), Interval: time.Minute,
			State: st, Detail: "không có phông chữ Khmer", Bundle: "border@3", Item: "chao-mung", Lang: "km",
			Uptime: 26 * time.Hour, FreeDisk: 12 << 30, RSS: 96 << 20, Unmapped: 3, Evicted: 2, Since: b.Since,
			Sync: SyncResult{Time: t0, Release: "border-5f0e9a", Error: "refused metadata: metadata expired"}})
	}
	b.Plays = []Play{
		{Item: "chao-mung", Lang: "vi", Start: t0, Dur: 8 * time.Second},
		{Item: "chao-mung", Lang: "km", Start: t0.Add(8 * time.Second), Dur: 8500 * time.Millisecond},
		{Item: "dich-vu-cong", Lang: "km", Start: t0.Add(-time.Hour), Dur: 0, Guide: "cap-can-cuoc"},
	}
	return b
}

// fuzzUseBatch is a batch of an interactive site: heartbeats, a play,
// and a resident's uses of two guides in Khmer and Vietnamese.
func fuzzUseBatch() *Batch {
	b := fuzzBatch()
	b.Heartbeats = b.Heartbeats[:1]
	t0 := b.Heartbeats[0].Time
	for i, u := range []Use{
		{Event: UseLanguage, Lang: "km"},
		{Event: UseOpened, Guide: "khai-sinh", Lang: "km"},
		{Event: UseStep, Guide: "khai-sinh", Lang: "km", Step: 1},
		{Event: UseNarration, Guide: "khai-sinh", Lang: "km", Step: 1},
		{Event: UseFinished, Guide: "khai-sinh", Lang: "km", Step: 6},
		{Event: UseOpened, Guide: "vneid", Lang: "vi"},
		{Event: UseIdle, Guide: "vneid", Lang: "vi", Step: 2},
		{Event: UseLeft, Guide: "vneid", Lang: "vi"},
	} {
		u.Time, u.Bundle = t0.Add(time.Duration(i)*7*time.Second), "xa-le-tri@2"
		b.Uses = append(b.Uses, u)
	}
	return b
}

func encodeBatch(t testing.TB, b *Batch) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := b.Encode(&buf); err != nil {
		t.Fatalf("encode: %v", err)
	}
	return buf.Bytes()
}

// FuzzDecodeBatch feeds whole objects to the batch decoders, as the
// department reads batches from the store: every one either decodes, to
// records that encode and decode again to the same, or is refused with
// ErrCorrupt. The seeds in testdata/fuzz/FuzzDecodeBatch are batches made
// by Encode, whole and damaged.
func FuzzDecodeBatch(f *testing.F) {
	f.Add(encodeBatch(f, fuzzBatch()))
	f.Add(encodeBatch(f, &Batch{Site: "x", Spool: "y"}))
	f.Add(encodeBatch(f, fuzzUseBatch()))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecoders(t, data)
	})
}

// FuzzBatchSections builds a well-formed container around fuzzed section
// contents (the summary section before compression, and the heartbeat
// section), so that the fuzzer reaches the header and varint parsers
// instead of stopping at gzip checksums. The seeds in
// testdata/fuzz/FuzzBatchSections are the sections of batches made by
// Encode, and damaged ones.
func FuzzBatchSections(f *testing.F) {
	for _, b := range []*Batch{fuzzBatch(), {Site: "x", Spool: "y"}, fuzzUseBatch()} {
		one, two := splitSections(f, encodeBatch(f, b))
		f.Add(one, two)
	}
	f.Fuzz(func(t *testing.T, one, two []byte) {
		checkDecoders(t, joinSections(t, one, two))
	})
}

// splitSections returns the decompressed sections of an encoded batch.
func splitSections(t testing.TB, data []byte) (one, two []byte) {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(data[len(batchMagic):]))
	n, err := binary.ReadUvarint(br)
	if err != nil {
		t.Fatal(err)
	}
	unzip := func(r io.Reader) []byte {
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		zr.Multistream(false)
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return unzip(io.LimitReader(br, int64(n))), unzip(br)
}

// joinSections compresses the two sections into a batch.
func joinSections(t testing.TB, one, two []byte) []byte {
	t.Helper()
	zip := func(b []byte) []byte {
		var buf bytes.Buffer
		// Stored, not compressed: the decoder reads both alike, and the
		// fuzzer runs several times faster.
		zw, err := gzip.NewWriterLevel(&buf, gzip.NoCompression)
		if err != nil {
			t.Fatal(err)
		}
		zw.Write(b)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	z1 := zip(one)
	out := binary.AppendUvarint([]byte(batchMagic), uint64(len(z1)))
	return append(append(out, z1...), zip(two)...)
}

// checkDecoders runs every decoder on data and checks that they agree.
func checkDecoders(t *testing.T, data []byte) {
	t.Helper()
	v := &checkingVisitor{t: t}
	hdr, scanErr := ScanSummary(bytes.NewReader(data), v)
	sum, sumErr := DecodeSummary(bytes.NewReader(data))
	full, fullErr := DecodeBatch(bytes.NewReader(data))
	for _, err := range []error{scanErr, sumErr, fullErr} {
		if err != nil && (!errors.Is(err, ErrCorrupt) || !strings.HasPrefix(err.Error(), ErrCorrupt.Error()+": ")) {
			t.Fatalf("error %q is not ErrCorrupt with a reason", err)
		}
	}
	if (scanErr == nil) != (sumErr == nil) {
		t.Fatalf("ScanSummary error %v, DecodeSummary error %v", scanErr, sumErr)
	}
	if sumErr != nil {
		if fullErr == nil {
			t.Fatalf("DecodeBatch accepts what DecodeSummary refuses: %v", sumErr)
		}
		return
	}
	if !reflect.DeepEqual(header(hdr), header(sum)) || len(hdr.Heartbeats) != 0 || len(hdr.Plays) != 0 || len(hdr.Uses) != 0 {
		t.Fatalf("ScanSummary header %+v, DecodeSummary header %+v", hdr, header(sum))
	}
	if v.heartbeats != len(sum.Heartbeats) || v.plays != len(sum.Plays) || v.uses != len(sum.Uses) {
		t.Fatalf("visited %d heartbeats, %d plays and %d uses, decoded %d, %d and %d",
			v.heartbeats, v.plays, v.uses, len(sum.Heartbeats), len(sum.Plays), len(sum.Uses))
	}
	for i, u := range sum.Uses {
		if err := u.Check(); err != nil {
			t.Fatalf("use %d decoded though Check refuses it: %v", i, err)
		}
	}
	checkRoundTrip(t, sum, DecodeSummary)

	if fullErr != nil {
		return
	}
	if !reflect.DeepEqual(header(full), header(sum)) || !reflect.DeepEqual(full.Plays, sum.Plays) ||
		!reflect.DeepEqual(full.Uses, sum.Uses) || len(full.Heartbeats) != len(sum.Heartbeats) {
		t.Fatalf("DecodeBatch and DecodeSummary disagree:\n%+v\n%+v", full, sum)
	}
	for i := range full.Heartbeats {
		if f, s := full.Heartbeats[i], sum.Heartbeats[i]; f.Time.UnixMilli() != s.Time.UnixMilli() {
			t.Fatalf("heartbeat %d: DecodeBatch time %v, DecodeSummary time %v", i, f.Time, s.Time)
		}
	}
	checkRoundTrip(t, full, DecodeBatch)
}

// checkRoundTrip encodes a decoded batch and decodes it again with decode:
// the records come back the same.
func checkRoundTrip(t *testing.T, b *Batch, decode func(io.Reader) (*Batch, error)) {
	t.Helper()
	var buf bytes.Buffer
	if err := b.Encode(&buf); err != nil {
		// JSON holds years 0 to 9999 only. Section one holds any
		// millisecond, which the heartbeat section cannot carry, and a
		// time read with a zone offset can fall outside once in UTC.
		times := []time.Time{b.Since}
		for _, hb := range b.Heartbeats {
			times = append(times, hb.Time, hb.Since, hb.Sync.Time)
		}
		for _, tm := range times {
			if y := tm.Year(); y < 0 || y > 9999 {
				return
			}
		}
		t.Fatalf("decoded batch does not encode: %v", err)
	}
	again, err := decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("re-encoded batch does not decode: %v", err)
	}
	if !reflect.DeepEqual(header(again), header(b)) || !reflect.DeepEqual(again.Plays, b.Plays) ||
		!reflect.DeepEqual(again.Uses, b.Uses) || len(again.Heartbeats) != len(b.Heartbeats) {
		t.Fatalf("round trip changed the batch:\n%+v\n%+v", b, again)
	}
	for i := range b.Heartbeats {
		w, g := b.Heartbeats[i], again.Heartbeats[i]
		if !w.Time.Equal(g.Time) || w.Interval != g.Interval || w.State != g.State || w.Detail != g.Detail ||
			w.Sync.Release != g.Sync.Release || w.Uptime != g.Uptime {
			t.Fatalf("heartbeat %d: round trip gave %+v, want %+v", i, g, w)
		}
	}
}

// header is a batch without its records, times compared as instants.
func header(b *Batch) Batch {
	h := *b
	h.Heartbeats, h.Plays, h.Uses = nil, nil, nil
	h.Since = h.Since.UTC()
	return h
}

// checkingVisitor checks the order and bounds of what ScanSummary hands
// a visitor: heartbeats, then the string table once, then plays whose
// indexes fall inside it.
type checkingVisitor struct {
	t                 *testing.T
	table             []string
	tableSeen         bool
	heartbeats, plays int
	uses              int
}

func (v *checkingVisitor) Heartbeat(atMs, intervalMs int64, st State) {
	if v.tableSeen {
		v.t.Fatal("heartbeat after the string table")
	}
	if st < Content || st > Error || intervalMs <= 0 {
		v.t.Fatalf("heartbeat %d: state %d, interval %d ms passed to the visitor", v.heartbeats, st, intervalMs)
	}
	v.heartbeats++
}

func (v *checkingVisitor) Strings(table []string) {
	if v.tableSeen {
		v.t.Fatal("string table given twice")
	}
	v.table, v.tableSeen = table, true
}

func (v *checkingVisitor) Play(startMs, durMs int64, item, lang, guide int) {
	if !v.tableSeen || v.uses > 0 {
		v.t.Fatal("play before the string table or after a use")
	}
	for _, i := range []int{item, lang, guide} {
		if i < 0 || i >= len(v.table) {
			v.t.Fatalf("play %d: string index %d of %d", v.plays, i, len(v.table))
		}
	}
	if durMs < 0 {
		v.t.Fatalf("play %d: duration %d ms", v.plays, durMs)
	}
	v.plays++
}

func (v *checkingVisitor) Use(atMs int64, event string, guide, lang, bundle, step int) {
	if !v.tableSeen {
		v.t.Fatal("use before the string table")
	}
	for _, i := range []int{guide, lang, bundle} {
		if i < 0 || i >= len(v.table) {
			v.t.Fatalf("use %d: string index %d of %d", v.uses, i, len(v.table))
		}
	}
	if useEventCode(event) == 0 || step < 0 || step > MaxUseStep {
		v.t.Fatalf("use %d: event %q, step %d passed to the visitor", v.uses, event, step)
	}
	v.uses++
}
