package report

import (
	"bytes"
	"errors"
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
