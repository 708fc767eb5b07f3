package fleet

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"testing"

	"github.com/vnict/kiosk/kiosk/report"
)

// craftBatch writes a batch by hand, as a hostile site could, with beats
// heartbeats all at one moment, a string table of strs entries and plays
// plays cycling through every item and language pair. Such a batch is a
// few kilobytes of gzip.
func craftBatch(beats, strs, plays int) []byte {
	const at = 1772409600000 // 2026-03-02, in the period read
	var sec bytes.Buffer
	fmt.Fprintf(&sec, `{"format":1,"site":"s1","spool":"aa","heartbeats":%d,"plays":%d}`+"\n", beats, plays)
	for i := range beats {
		if i == 0 {
			sec.Write(binary.AppendVarint(nil, at))
		} else {
			sec.WriteByte(0) // no time between beats
		}
		sec.Write([]byte{1, byte(report.Content)}) // a 1 ms interval
	}
	sec.Write(binary.AppendUvarint(nil, uint64(strs)))
	for i := range strs {
		s := fmt.Sprintf("item-%07d", i)
		sec.Write(binary.AppendUvarint(nil, uint64(len(s))))
		sec.WriteString(s)
	}
	for i := range plays {
		if i == 0 {
			sec.Write(binary.AppendVarint(nil, at))
		} else {
			sec.WriteByte(0)
		}
		sec.WriteByte(1)
		sec.Write(binary.AppendUvarint(nil, uint64(i%strs)))
		sec.Write(binary.AppendUvarint(nil, uint64(i/strs%strs)))
		sec.WriteByte(0)
	}
	var one, two bytes.Buffer
	zw := gzip.NewWriter(&one)
	zw.Write(sec.Bytes())
	zw.Close()
	gzip.NewWriter(&two).Close()
	out := binary.AppendUvarint([]byte("KRB1"), uint64(one.Len()))
	out = append(out, one.Bytes()...)
	return append(out, two.Bytes()...)
}

// TestCraftedBatchMemory decodes crafted batches the way Load does and
// bounds what each costs. Before the limits, the first (15 KB of gzip
// claiming five million heartbeats) allocated 436 MiB; the second 63 MiB.
func TestCraftedBatchMemory(t *testing.T) {
	tests := []struct {
		name               string
		beats, strs, plays int
		wantErr            error // nil: read
		maxAlloc           uint64
	}{
		{"five million heartbeats", 5_000_000, 0, 0, report.ErrTooLarge, 12 << 20},
		{"150 thousand heartbeats", 150_000, 0, 0, report.ErrTooLarge, 4 << 20},
		{"a million strings", 0, 1 << 20, 0, report.ErrTooLarge, 12 << 20},
		{"long string table", 0, report.MaxStrings + 1, 0, report.ErrTooLarge, 4 << 20},
		{"a million and a half plays", 0, 300, 1_500_000, report.ErrTooLarge, 12 << 20},
		{"at the limits: heartbeats", report.MaxBatchRecords, 0, 0, nil, 12 << 20},
		{"at the limits: plays", 0, report.MaxStrings, report.MaxBatchRecords, nil, 12 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := craftBatch(tc.beats, tc.strs, tc.plays)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			v := &batchReader{in: func(int64) bool { return true }, lo: 0, hi: 1 << 62}
			_, err := report.ScanSummary(bytes.NewReader(data), v)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d bytes of batch: %v; %.1f MiB allocated", len(data), err, float64(alloc)/(1<<20))
			if tc.wantErr == nil && err != nil {
				t.Fatalf("err = %v, want the batch read", err)
			}
			if tc.wantErr != nil && (!errors.Is(err, tc.wantErr) || !errors.Is(err, report.ErrCorrupt)) {
				t.Fatalf("err = %v, want %v (and ErrCorrupt)", err, tc.wantErr)
			}
			if alloc > tc.maxAlloc && !raceEnabled {
				t.Errorf("allocated %d MiB, want at most %d MiB", alloc>>20, tc.maxAlloc>>20)
			}
		})
	}
}
