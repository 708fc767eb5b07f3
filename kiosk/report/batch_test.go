package report

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func sampleBatch() *Batch {
	t0 := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	b := &Batch{Site: "an-giang-tinh-bien", Spool: "a1b2c3", First: 7, Last: 9, Evicted: 3, Since: t0.Add(-time.Hour)}
	for i := range 3 {
		b.Heartbeats = append(b.Heartbeats, Heartbeat{Time: t0.Add(time.Duration(i) * time.Minute), Interval: time.Minute,
			State: Content, Bundle: "border@3", Item: "welcome", Lang: "km", Uptime: time.Hour, FreeDisk: 1 << 30,
			RSS: 80 << 20, Sync: SyncResult{Time: t0, Release: "r1", Error: "dial tcp: refused"}, Unmapped: 2, Since: b.Since})
	}
	b.Plays = []Play{
		{Item: "welcome", Lang: "vi", Start: t0, Dur: 10 * time.Second},
		{Item: "welcome", Lang: "km", Start: t0.Add(10 * time.Second), Dur: 10500 * time.Millisecond},
		{Item: "guide-dvc", Lang: "km", Start: t0.Add(time.Minute), Dur: 95 * time.Second, Guide: "dich-vu-cong"},
	}
	return b
}

func TestBatchRoundTrip(t *testing.T) {
	b := sampleBatch()
	var buf bytes.Buffer
	if err := b.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	full, err := DecodeBatch(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if full.Site != b.Site || full.First != 7 || full.Last != 9 || full.Evicted != 3 || !full.Since.Equal(b.Since) {
		t.Errorf("header %+v", full)
	}
	if len(full.Heartbeats) != 3 || full.Heartbeats[2].Sync.Error != "dial tcp: refused" || full.Heartbeats[1].Lang != "km" {
		t.Errorf("heartbeats %+v", full.Heartbeats)
	}
	sum, err := DecodeSummary(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for i, hb := range sum.Heartbeats {
		w := b.Heartbeats[i]
		if !hb.Time.Equal(w.Time) || hb.Interval != w.Interval || hb.State != w.State {
			t.Errorf("summary heartbeat %d: %+v", i, hb)
		}
	}
	for i, p := range sum.Plays {
		w := b.Plays[i]
		if p.Item != w.Item || p.Lang != w.Lang || p.Guide != w.Guide || !p.Start.Equal(w.Start) || p.Dur != w.Dur {
			t.Errorf("play %d: %+v, want %+v", i, p, w)
		}
	}
	key := b.Key(buf.Bytes())
	if !strings.HasPrefix(key, "reports/an-giang-tinh-bien/batches/20260302/a1b2c3-00000000000000000007-") || !strings.HasSuffix(key, ".krb") {
		t.Errorf("key %s", key)
	}
	if other := b.Key(append(bytes.Clone(buf.Bytes()), 0)); other == key {
		t.Errorf("other bytes, same key %s", key)
	}
	if d, ok := KeyDay(key); !ok || !d.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("KeyDay %v %v", d, ok)
	}
}

func TestBatchCorrupt(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleBatch().Encode(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	flip := bytes.Clone(good)
	flip[len(batchMagic)+20] ^= 0xff
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"not a batch", []byte("<html>error</html>")},
		{"truncated in the summary", good[:30]},
		{"a flipped byte", flip},
		{"truncated in the details", good[:len(good)-10]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeBatch(bytes.NewReader(tt.data)); !errors.Is(err, ErrCorrupt) {
				t.Errorf("DecodeBatch: %v, want ErrCorrupt", err)
			}
		})
	}
	// The summary does not read the details section.
	if _, err := DecodeSummary(bytes.NewReader(good[:len(good)-10])); err != nil {
		t.Errorf("summary of a batch cut in its details: %v", err)
	}
}

// TestBatchUses round-trips a batch with uses, and shows that a batch
// without uses is still written as format 1, as before uses existed.
func TestBatchUses(t *testing.T) {
	b := sampleBatch()
	t0 := b.Heartbeats[0].Time
	b.Uses = []Use{
		{Time: t0.Add(-time.Minute), Event: UseLanguage, Lang: "km", Bundle: "xa-le-tri@2"},
		{Time: t0.Add(2 * time.Second), Event: UseOpened, Guide: "khai-sinh", Lang: "km", Bundle: "xa-le-tri@2"},
		{Time: t0.Add(9 * time.Second), Event: UseNarration, Guide: "khai-sinh", Lang: "km", Step: 4, Bundle: "xa-le-tri@2"},
		{Time: t0.Add(40 * time.Second), Event: UseIdle, Guide: "khai-sinh", Lang: "km", Step: 4, Bundle: "xa-le-tri@2"},
	}
	var buf bytes.Buffer
	if err := b.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	for name, decode := range map[string]func(io.Reader) (*Batch, error){"DecodeBatch": DecodeBatch, "DecodeSummary": DecodeSummary} {
		got, err := decode(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got.Uses) != len(b.Uses) || len(got.Plays) != len(b.Plays) {
			t.Fatalf("%s: uses %+v, plays %+v", name, got.Uses, got.Plays)
		}
		for i, u := range got.Uses {
			if w := b.Uses[i]; !u.Time.Equal(w.Time) || u.Event != w.Event || u.Guide != w.Guide || u.Lang != w.Lang ||
				u.Step != w.Step || u.Bundle != w.Bundle {
				t.Errorf("%s: use %d: %+v, want %+v", name, i, u, w)
			}
		}
	}
	// The key's day is the earliest record's, here the language choice.
	if key := b.Key(buf.Bytes()); !strings.Contains(key, "/batches/20260302/") {
		t.Errorf("key %s", key)
	}
	one, _ := sections(t, buf.Bytes())
	if !bytes.HasPrefix(one, []byte(`{"format":2,`)) || !bytes.Contains(one, []byte(`"uses":4`)) {
		t.Errorf("header of a batch with uses: %s", one[:bytes.IndexByte(one, '\n')])
	}
	buf.Reset()
	b.Uses = nil
	if err := b.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	if one, _ := sections(t, buf.Bytes()); !bytes.HasPrefix(one, []byte(`{"format":1,`)) || bytes.Contains(one, []byte(`"uses"`)) {
		t.Errorf("header of a batch without uses: %s", one[:bytes.IndexByte(one, '\n')])
	}
}

// sections is splitSections for tests outside the fuzz targets.
func sections(t *testing.T, data []byte) (one, two []byte) { return splitSections(t, data) }

// TestBatchUsesRefused damages the uses of a well-formed batch, one way
// at a time: each is refused as ErrCorrupt with a reason naming the use.
func TestBatchUsesRefused(t *testing.T) {
	b := fuzzUseBatch()
	one, two := splitSections(t, encodeBatch(t, b))
	nl := bytes.IndexByte(one, '\n')
	hdr, body := string(one[:nl]), one[nl+1:]
	// The uses are the tail of section one; with a table this small each
	// is its time's varint and five bytes (event, three indexes, step).
	usesLen, prev := 0, int64(0)
	var at []int // where each use's event byte is, from the start of the uses
	for _, u := range b.Uses {
		usesLen += len(binary.AppendVarint(nil, u.Time.UnixMilli()-prev))
		at = append(at, usesLen)
		usesLen += 5
		prev = u.Time.UnixMilli()
	}
	usesAt := len(body) - usesLen
	// field returns the offset in body of use i's field f: 0 the event,
	// 1 guide, 2 lang, 3 bundle, 4 step.
	field := func(i, f int) int { return usesAt + at[i] + f }
	if b.Uses[1].Event != UseOpened || b.Uses[2].Event != UseStep {
		t.Fatal("fuzzUseBatch changed: update the cases")
	}
	empty := slices.Index(tableOf(t, b), "")
	with := func(h string, b []byte) []byte { return append([]byte(h+"\n"), b...) }
	set := func(i int, c byte) []byte { p := bytes.Clone(body); p[i] = c; return p }
	tests := []struct {
		name, hdr string
		body      []byte
		want      string
	}{
		{"uses in a format 1 batch", strings.Replace(hdr, `"format":2`, `"format":1`, 1), body, "uses in a format 1 batch"},
		{"more uses than written", strings.Replace(hdr, `"uses":8`, `"uses":9`, 1), body, "use 8"},
		{"negative count", strings.Replace(hdr, `"uses":8`, `"uses":-1`, 1), body, "record counts"},
		{"a count past the limit", strings.Replace(hdr, `"uses":8`, `"uses":100001`, 1), body, "more than 100000 records"},
		{"fewer uses than written", strings.Replace(hdr, `"uses":8`, `"uses":7`, 1), body, "trailing data"},
		{"unknown event", hdr, set(field(0, 0), 99), "use 0: event code 99 unknown"},
		{"event code zero", hdr, set(field(0, 0), 0), "use 0: event code 0 unknown"},
		{"string index past the table", hdr, set(field(0, 1), 0x7f), "use 0: string index"},
		{"guide missing", hdr, set(field(1, 1), byte(empty)), "use 1: use opened: guide missing"},
		{"step missing", hdr, set(field(2, 4), 0), "use 2: use step: step missing"},
		{"truncated", hdr, body[:len(body)-2], "use 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := joinSections(t, with(tt.hdr, tt.body), two)
			_, err := DecodeSummary(bytes.NewReader(data))
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodeSummary: %v, want ErrCorrupt saying %q", err, tt.want)
			}
		})
	}
}

// tableOf is the string table Encode writes for b: the plays' strings,
// then the uses', in order of first use.
func tableOf(t *testing.T, b *Batch) []string {
	t.Helper()
	var c collector
	if _, err := ScanSummary(bytes.NewReader(encodeBatch(t, b)), &c); err != nil {
		t.Fatal(err)
	}
	return c.table
}
