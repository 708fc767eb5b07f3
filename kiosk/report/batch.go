package report

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Batch is a run of one spool's records, uploaded as one object.
//
// Encoded, it is the magic "KRB1", the length of section one as a uvarint,
// then two gzip streams. Section one is a JSON header line followed by the
// heartbeats' times, intervals and states and the plays (a string table,
// then start, duration and string indexes), as varints. Section two is the
// heartbeats in full, one JSON object per line. Reports need only section
// one (DecodeSummary).
type Batch struct {
	Site  string `json:"site"`
	Spool string `json:"spool"`
	// First and Last are the spool sequence numbers of the records.
	First uint64 `json:"first"`
	Last  uint64 `json:"last"`
	// Evicted is how many records the spool had dropped when it sealed
	// the batch.
	Evicted uint64 `json:"evicted"`
	// Since is when the spool was made.
	Since time.Time `json:"since"`
	// Skipped is how many records of the spool could not be read back
	// (a damaged disk) and are not in the batch.
	Skipped    int         `json:"skipped,omitempty"`
	Heartbeats []Heartbeat `json:"-"`
	Plays      []Play      `json:"-"`
}

type batchHeader struct {
	Format int `json:"format"`
	Batch
	Heartbeats int `json:"heartbeats"`
	Plays      int `json:"plays"`
}

const batchMagic = "KRB1"

// ErrCorrupt marks a batch that cannot be decoded.
var ErrCorrupt = errors.New("corrupt report batch")

// Key is the batch's object name: the UTC day of its first record, the
// spool and the first sequence number, so the same records always get the
// same name.
func (b *Batch) Key() string {
	var day time.Time
	if len(b.Heartbeats) > 0 {
		day = b.Heartbeats[0].Time
	}
	if len(b.Plays) > 0 && (day.IsZero() || b.Plays[0].Start.Before(day)) {
		day = b.Plays[0].Start
	}
	return fmt.Sprintf("%s%s/%s-%020d.krb", BatchPrefix(b.Site), day.UTC().Format("20060102"), b.Spool, b.First)
}

// KeyDay returns the UTC day in a batch key, and whether it has one.
func KeyDay(key string) (time.Time, bool) {
	i := strings.Index(key, "/batches/")
	if i < 0 || len(key) < i+9+8 {
		return time.Time{}, false
	}
	d, err := time.Parse("20060102", key[i+9:i+17])
	return d, err == nil
}

// Encode writes the batch.
func (b *Batch) Encode(w io.Writer) error {
	var one bytes.Buffer
	zw := gzip.NewWriter(&one)
	h := batchHeader{Format: 1, Batch: *b, Heartbeats: len(b.Heartbeats), Plays: len(b.Plays)}
	hj, err := json.Marshal(h)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(zw)
	bw.Write(hj)
	bw.WriteByte('\n')
	var buf [binary.MaxVarintLen64]byte
	putU := func(v uint64) { bw.Write(buf[:binary.PutUvarint(buf[:], v)]) }
	putS := func(v int64) { bw.Write(buf[:binary.PutVarint(buf[:], v)]) }
	var prev int64
	for i := range b.Heartbeats {
		hb := &b.Heartbeats[i]
		ms := hb.Time.UnixMilli()
		putS(ms - prev)
		prev = ms
		putU(uint64(hb.Interval.Milliseconds()))
		bw.WriteByte(byte(hb.State))
	}
	strs := map[string]uint64{}
	var table []string
	index := func(s string) uint64 {
		i, ok := strs[s]
		if !ok {
			i = uint64(len(table))
			strs[s] = i
			table = append(table, s)
		}
		return i
	}
	idx := make([][3]uint64, len(b.Plays))
	for i, p := range b.Plays {
		idx[i] = [3]uint64{index(p.Item), index(p.Lang), index(p.Guide)}
	}
	putU(uint64(len(table)))
	for _, s := range table {
		putU(uint64(len(s)))
		bw.WriteString(s)
	}
	prev = 0
	for i, p := range b.Plays {
		ms := p.Start.UnixMilli()
		putS(ms - prev)
		prev = ms
		putU(uint64(max(p.Dur.Milliseconds(), 0)))
		putU(idx[i][0])
		putU(idx[i][1])
		putU(idx[i][2])
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}

	if _, err := io.WriteString(w, batchMagic); err != nil {
		return err
	}
	if _, err := w.Write(buf[:binary.PutUvarint(buf[:], uint64(one.Len()))]); err != nil {
		return err
	}
	if _, err := w.Write(one.Bytes()); err != nil {
		return err
	}
	zw = gzip.NewWriter(w)
	enc := json.NewEncoder(zw)
	for i := range b.Heartbeats {
		if err := enc.Encode(&b.Heartbeats[i]); err != nil {
			return err
		}
	}
	return zw.Close()
}

// DecodeSummary reads section one of a batch: the header, the heartbeats'
// times, intervals and states (other heartbeat fields are left empty) and
// the plays. It does not read the rest of r.
func DecodeSummary(r io.Reader) (*Batch, error) {
	b, _, err := decodeOne(bufio.NewReaderSize(r, 64<<10))
	return b, err
}

// DecodeBatch reads a whole batch, heartbeats in full.
func DecodeBatch(r io.Reader) (*Batch, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	b, _, err := decodeOne(br)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("%w: heartbeat section: %v", ErrCorrupt, err)
	}
	dec := json.NewDecoder(zr)
	for i := range b.Heartbeats {
		core := b.Heartbeats[i]
		if err := dec.Decode(&b.Heartbeats[i]); err != nil {
			return nil, fmt.Errorf("%w: heartbeat %d: %v", ErrCorrupt, i, err)
		}
		if got := b.Heartbeats[i]; !got.Time.Equal(core.Time) && got.Time.UnixMilli() != core.Time.UnixMilli() {
			return nil, fmt.Errorf("%w: heartbeat %d: sections disagree", ErrCorrupt, i)
		}
	}
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return nil, fmt.Errorf("%w: heartbeat section: %v", ErrCorrupt, err)
	}
	return b, nil
}

func decodeOne(br *bufio.Reader) (*Batch, int, error) {
	corrupt := func(what string, err error) (*Batch, int, error) {
		if err == nil {
			return nil, 0, fmt.Errorf("%w: %s", ErrCorrupt, what)
		}
		return nil, 0, fmt.Errorf("%w: %s: %v", ErrCorrupt, what, err)
	}
	magic := make([]byte, len(batchMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != batchMagic {
		return corrupt("not a report batch (bad magic)", err)
	}
	n, err := binary.ReadUvarint(br)
	if err != nil || n > 1<<30 {
		return corrupt("section length", err)
	}
	zr, err := gzip.NewReader(io.LimitReader(br, int64(n)))
	if err != nil {
		return corrupt("summary section", err)
	}
	zr.Multistream(false)
	sr := bufio.NewReaderSize(zr, 64<<10)
	line, err := sr.ReadBytes('\n')
	if err != nil {
		return corrupt("header", err)
	}
	var h batchHeader
	if err := json.Unmarshal(line, &h); err != nil {
		return corrupt("header", err)
	}
	if h.Format != 1 {
		return corrupt(fmt.Sprintf("format %d", h.Format), nil)
	}
	if h.Heartbeats < 0 || h.Plays < 0 || h.Heartbeats > 10_000_000 || h.Plays > 10_000_000 {
		return corrupt("record counts", nil)
	}
	b := h.Batch
	b.Heartbeats = make([]Heartbeat, h.Heartbeats)
	var prev int64
	for i := range b.Heartbeats {
		d, err := binary.ReadVarint(sr)
		if err != nil {
			return corrupt(fmt.Sprintf("heartbeat %d", i), err)
		}
		iv, err := binary.ReadUvarint(sr)
		if err != nil {
			return corrupt(fmt.Sprintf("heartbeat %d", i), err)
		}
		st, err := sr.ReadByte()
		if err != nil {
			return corrupt(fmt.Sprintf("heartbeat %d", i), err)
		}
		prev += d
		if State(st) < Content || State(st) > Error || iv == 0 {
			return corrupt(fmt.Sprintf("heartbeat %d: state %d, interval %d ms", i, st, iv), nil)
		}
		b.Heartbeats[i] = Heartbeat{Time: time.UnixMilli(prev).UTC(), Interval: time.Duration(iv) * time.Millisecond, State: State(st)}
	}
	ns, err := binary.ReadUvarint(sr)
	if err != nil || ns > 1<<20 {
		return corrupt("string table", err)
	}
	table := make([]string, ns)
	for i := range table {
		l, err := binary.ReadUvarint(sr)
		if err != nil || l > 1<<16 {
			return corrupt("string table", err)
		}
		s := make([]byte, l)
		if _, err := io.ReadFull(sr, s); err != nil {
			return corrupt("string table", err)
		}
		table[i] = string(s)
	}
	b.Plays = make([]Play, h.Plays)
	prev = 0
	for i := range b.Plays {
		var v [5]uint64
		d, err := binary.ReadVarint(sr)
		for j := 1; j < 5 && err == nil; j++ {
			v[j], err = binary.ReadUvarint(sr)
		}
		if err != nil {
			return corrupt(fmt.Sprintf("play %d", i), err)
		}
		if v[2] >= ns || v[3] >= ns || v[4] >= ns {
			return corrupt(fmt.Sprintf("play %d: string index", i), nil)
		}
		prev += d
		b.Plays[i] = Play{Start: time.UnixMilli(prev).UTC(), Dur: time.Duration(v[1]) * time.Millisecond,
			Item: table[v[2]], Lang: table[v[3]], Guide: table[v[4]]}
	}
	// The gzip stream must end here, checksum and all.
	if _, err := sr.ReadByte(); err != io.EOF {
		return corrupt("summary section: trailing data or bad checksum", err)
	}
	return &b, int(n), nil
}
