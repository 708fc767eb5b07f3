package report

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
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
//
// A batch with uses (proof of use at interactive sites) is format 2: its
// header counts them, and section one ends with them after the plays, each
// as a time (a varint of milliseconds from the use before, the first from
// the epoch), the event's code as one byte (1 to 7: language, opened,
// step, narration, finished, left, idle), then the string indexes of
// guide, language and bundle and the step (0 to MaxUseStep) as uvarints.
// Their strings share the plays' table. A batch without uses is format 1,
// as before uses existed, so walls write what older department tools
// read; those refuse a format 2 batch by its format.
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
	Skipped int `json:"skipped,omitempty"`
	// Bundles are the bundles the site had published to it while the
	// batch's records were made: the one active at its first record,
	// then each activated after, oldest first. Reports list their items,
	// so one that never played shows with no plays.
	Bundles    []BundleItems `json:"bundles,omitempty"`
	Heartbeats []Heartbeat   `json:"-"`
	Plays      []Play        `json:"-"`
	// Uses are what residents did at an interactive site.
	Uses []Use `json:"-"`
}

type batchHeader struct {
	Format int `json:"format"`
	Batch
	Heartbeats int `json:"heartbeats"`
	Plays      int `json:"plays"`
	Uses       int `json:"uses,omitempty"`
}

const batchMagic = "KRB1"

// ErrCorrupt marks a batch that cannot be decoded.
var ErrCorrupt = errors.New("corrupt report batch")

// ErrTooLarge marks a batch over the limits below; errors.Is also holds
// for ErrCorrupt, as the batch is not read either way. A site writes its
// own batches, so the department reads them as hostile: a few kilobytes of
// gzip can claim millions of records.
var ErrTooLarge = errors.New("report batch over the limits")

// Limits of one batch, as the department reads it. A site's spool seals a
// batch at DefaultMaxBatch (20,000) records, so honest batches are far
// below each.
const (
	// MaxBatchRecords bounds a batch's heartbeats, plays and uses.
	MaxBatchRecords = 100_000
	// MaxStrings bounds the string table (item IDs, languages, guides)
	// and, separately, the bundle item IDs of the header.
	MaxStrings = 4096
	// MaxStringLen bounds one string of the table or the header (content
	// IDs are at most 64 characters).
	MaxStringLen = 256
	// MaxBundles bounds the bundles a batch names.
	MaxBundles = 64
	// maxSection bounds section one once decompressed: a full batch of
	// the spool takes well under a megabyte.
	maxSection = 4 << 20
	// maxHeader bounds the JSON header, bundles included.
	maxHeader = 2 << 20
)

// Key is the batch's object name, given its encoding: the UTC day of its
// first record, the spool, the first sequence number and a hash of the
// bytes. The spool fixes it when it seals the batch, so a retry sends the
// same name; the hash keeps a spool restored from an old copy, which
// numbers other records the same, from reusing a name for other content.
func (b *Batch) Key(encoded []byte) string {
	var day time.Time
	if len(b.Heartbeats) > 0 {
		day = b.Heartbeats[0].Time
	}
	if len(b.Plays) > 0 && (day.IsZero() || b.Plays[0].Start.Before(day)) {
		day = b.Plays[0].Start
	}
	if len(b.Uses) > 0 && (day.IsZero() || b.Uses[0].Time.Before(day)) {
		day = b.Uses[0].Time
	}
	sum := sha256.Sum256(encoded)
	return fmt.Sprintf("%s%s/%s-%020d-%x.krb", BatchPrefix(b.Site), day.UTC().Format("20060102"), b.Spool, b.First, sum[:4])
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

// Encode writes the batch. It refuses a use that Use.Check refuses, as the
// department would refuse the batch.
func (b *Batch) Encode(w io.Writer) error {
	format := 1
	if len(b.Uses) > 0 {
		format = 2
	}
	for i, u := range b.Uses {
		if err := u.Check(); err != nil {
			return fmt.Errorf("batch uses[%d]: %w", i, err)
		}
	}
	var one bytes.Buffer
	zw := gzip.NewWriter(&one)
	h := batchHeader{Format: format, Batch: *b, Heartbeats: len(b.Heartbeats), Plays: len(b.Plays), Uses: len(b.Uses)}
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
	uidx := make([][3]uint64, len(b.Uses))
	for i, u := range b.Uses {
		uidx[i] = [3]uint64{index(u.Guide), index(u.Lang), index(u.Bundle)}
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
	prev = 0
	for i, u := range b.Uses {
		ms := u.Time.UnixMilli()
		putS(ms - prev)
		prev = ms
		bw.WriteByte(useEventCode(u.Event))
		putU(uidx[i][0])
		putU(uidx[i][1])
		putU(uidx[i][2])
		putU(uint64(u.Step))
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
// times, intervals and states (other heartbeat fields are left empty), the
// plays and the uses. It does not read the rest of r.
func DecodeSummary(r io.Reader) (*Batch, error) {
	var c collector
	b, err := ScanSummary(r, &c)
	if err != nil {
		return nil, err
	}
	b.Heartbeats, b.Plays, b.Uses = c.hbs, c.plays, c.uses
	return b, nil
}

// SummaryVisitor receives section one of a batch record by record, with
// nothing allocated per record: a year of a hundred sites is hundreds of
// millions of plays. Times are unix milliseconds; plays name their item,
// language and guide by index into the string table, given first.
type SummaryVisitor interface {
	Heartbeat(atMs, intervalMs int64, st State)
	Strings(table []string)
	Play(startMs, durMs int64, item, lang, guide int)
}

// UseVisitor is a SummaryVisitor that also receives the uses, after the
// plays: event is one of the Use events (UseOpened...); guide, lang and
// bundle index the string table. ScanSummary hands uses only to a visitor that has this
// method, and checks them either way.
type UseVisitor interface {
	Use(atMs int64, event string, guide, lang, bundle, step int)
}

// ScanSummary reads section one of a batch into v and returns the header
// (without records). It does not read the rest of r.
func ScanSummary(r io.Reader, v SummaryVisitor) (*Batch, error) {
	b, _, err := decodeOne(bufio.NewReaderSize(r, 64<<10), v)
	return b, err
}

type collector struct {
	hbs   []Heartbeat
	plays []Play
	uses  []Use
	table []string
}

func (c *collector) Use(at int64, event string, guide, lang, bundle, step int) {
	c.uses = append(c.uses, Use{Time: time.UnixMilli(at).UTC(), Event: event, Guide: c.table[guide], Lang: c.table[lang],
		Bundle: c.table[bundle], Step: step})
}

func (c *collector) Heartbeat(at, iv int64, st State) {
	c.hbs = append(c.hbs, Heartbeat{Time: time.UnixMilli(at).UTC(), Interval: time.Duration(iv) * time.Millisecond, State: st})
}

func (c *collector) Strings(t []string) { c.table = t }

func (c *collector) Play(start, dur int64, item, lang, guide int) {
	c.plays = append(c.plays, Play{Start: time.UnixMilli(start).UTC(), Dur: time.Duration(dur) * time.Millisecond,
		Item: c.table[item], Lang: c.table[lang], Guide: c.table[guide]})
}

// DecodeBatch reads a whole batch, heartbeats in full.
func DecodeBatch(r io.Reader) (*Batch, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var c collector
	b, _, err := decodeOne(br, &c)
	if err != nil {
		return nil, err
	}
	b.Heartbeats, b.Plays, b.Uses = c.hbs, c.plays, c.uses
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
		got := b.Heartbeats[i]
		if (!got.Time.Equal(core.Time) && got.Time.UnixMilli() != core.Time.UnixMilli()) ||
			got.Interval.Milliseconds() != core.Interval.Milliseconds() || got.State != core.State {
			// What the department adds up is the summary; the full
			// heartbeat may not say otherwise.
			return nil, fmt.Errorf("%w: heartbeat %d: sections disagree", ErrCorrupt, i)
		}
	}
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return nil, fmt.Errorf("%w: heartbeat section: %v", ErrCorrupt, err)
	}
	return b, nil
}

func decodeOne(br *bufio.Reader, v SummaryVisitor) (*Batch, int, error) {
	corrupt := func(what string, err error) (*Batch, int, error) {
		if err == nil {
			return nil, 0, fmt.Errorf("%w: %s", ErrCorrupt, what)
		}
		return nil, 0, fmt.Errorf("%w: %s: %v", ErrCorrupt, what, err)
	}
	tooLarge := func(format string, args ...any) (*Batch, int, error) {
		return nil, 0, fmt.Errorf("%w: %w: %s", ErrCorrupt, ErrTooLarge, fmt.Sprintf(format, args...))
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
	// Read to the end of the gzip stream, so its checksum is checked,
	// then parse from memory.
	sec, err := io.ReadAll(io.LimitReader(zr, maxSection+1))
	if err != nil {
		return corrupt("summary section", err)
	}
	if len(sec) > maxSection {
		return tooLarge("summary section over %d bytes decompressed", maxSection)
	}
	nl := bytes.IndexByte(sec, '\n')
	if nl < 0 {
		return corrupt("header", nil)
	}
	if nl > maxHeader {
		return tooLarge("header of %d bytes, more than %d", nl, maxHeader)
	}
	var h batchHeader
	if err := json.Unmarshal(sec[:nl], &h); err != nil {
		return corrupt("header", err)
	}
	if h.Format != 1 && h.Format != 2 {
		return corrupt(fmt.Sprintf("format %d", h.Format), nil)
	}
	if h.Heartbeats < 0 || h.Plays < 0 || h.Uses < 0 {
		return corrupt("record counts", nil)
	}
	if h.Format == 1 && h.Uses != 0 {
		return corrupt("header: uses in a format 1 batch", nil)
	}
	if h.Heartbeats > MaxBatchRecords || h.Plays > MaxBatchRecords || h.Uses > MaxBatchRecords ||
		h.Heartbeats+h.Plays+h.Uses > MaxBatchRecords {
		return tooLarge("%d heartbeats, %d plays and %d uses, more than %d records", h.Heartbeats, h.Plays, h.Uses, MaxBatchRecords)
	}
	if err := checkBundles(h.Bundles); err != nil {
		return tooLarge("header: %v", err)
	}
	p := sec[nl+1:]
	bad := false
	uvarint := func() uint64 {
		x, k := binary.Uvarint(p)
		if k <= 0 {
			bad = true
			return 0
		}
		p = p[k:]
		return x
	}
	varint := func() int64 {
		x, k := binary.Varint(p)
		if k <= 0 {
			bad = true
			return 0
		}
		p = p[k:]
		return x
	}
	var prev int64
	for i := range h.Heartbeats {
		prev += varint()
		iv := uvarint()
		if bad || len(p) == 0 {
			return corrupt(fmt.Sprintf("heartbeat %d", i), io.ErrUnexpectedEOF)
		}
		st := State(p[0])
		p = p[1:]
		if st < Content || st > Error || iv == 0 || iv >= 1<<31 {
			return corrupt(fmt.Sprintf("heartbeat %d: state %d, interval %d ms", i, st, iv), nil)
		}
		v.Heartbeat(prev, int64(iv), st)
	}
	ns := uvarint()
	if bad {
		return corrupt("string table", io.ErrUnexpectedEOF)
	}
	if ns > MaxStrings {
		return tooLarge("string table of %d entries, more than %d", ns, MaxStrings)
	}
	// The table's strings share one allocation: the bytes of the
	// table, lengths and all, as one string sliced for each entry.
	table := make([]string, ns)
	start, all := p, ""
	for i := range table {
		l := uvarint()
		if bad || l > uint64(len(p)) {
			return corrupt("string table", io.ErrUnexpectedEOF)
		}
		if l > MaxStringLen {
			return tooLarge("string table entry %d: %d bytes, more than %d", i, l, MaxStringLen)
		}
		p = p[l:]
	}
	if ns > 0 {
		all = string(start[:len(start)-len(p)])
	}
	for i, q := 0, all; i < len(table); i++ {
		l, k := uvarintString(q)
		table[i] = q[k : k+int(l)]
		q = q[k+int(l):]
	}
	v.Strings(table)
	prev = 0
	for i := range h.Plays {
		prev += varint()
		dur, item, lang, guide := uvarint(), uvarint(), uvarint(), uvarint()
		if bad {
			return corrupt(fmt.Sprintf("play %d", i), io.ErrUnexpectedEOF)
		}
		if item >= ns || lang >= ns || guide >= ns || dur > 1<<40 {
			return corrupt(fmt.Sprintf("play %d: string index", i), nil)
		}
		v.Play(prev, int64(dur), int(item), int(lang), int(guide))
	}
	uv, _ := v.(UseVisitor)
	prev = 0
	for i := range h.Uses {
		prev += varint()
		if bad || len(p) == 0 {
			return corrupt(fmt.Sprintf("use %d", i), io.ErrUnexpectedEOF)
		}
		code := p[0]
		p = p[1:]
		guide, lang, bundle, step := uvarint(), uvarint(), uvarint(), uvarint()
		if bad {
			return corrupt(fmt.Sprintf("use %d", i), io.ErrUnexpectedEOF)
		}
		if guide >= ns || lang >= ns || bundle >= ns {
			return corrupt(fmt.Sprintf("use %d: string index", i), nil)
		}
		if code == 0 || int(code) > len(useEvents) {
			return corrupt(fmt.Sprintf("use %d: event code %d unknown", i, code), nil)
		}
		if step > MaxUseStep {
			return corrupt(fmt.Sprintf("use %d: step %d, past the %d steps a guide may have", i, step, MaxUseStep), nil)
		}
		u := Use{Time: time.UnixMilli(prev), Event: useEvents[code-1], Guide: table[guide], Lang: table[lang],
			Bundle: table[bundle], Step: int(step)}
		if err := u.Check(); err != nil {
			return corrupt(fmt.Sprintf("use %d", i), err)
		}
		if uv != nil {
			uv.Use(prev, u.Event, int(guide), int(lang), int(bundle), u.Step)
		}
	}
	if len(p) != 0 {
		return corrupt("summary section: trailing data", nil)
	}
	b := h.Batch
	return &b, int(n), nil
}

// uvarintString is binary.Uvarint over a string already checked to hold
// one.
func uvarintString(s string) (uint64, int) {
	var x uint64
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		c := s[i]
		x |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return x, i + 1
		}
	}
	return 0, 0
}

// BundleItems names a bundle published to a site and the items it holds.
type BundleItems struct {
	// Bundle is "id@version", as in heartbeats.
	Bundle string `json:"bundle"`
	// From is when the site activated it.
	From time.Time `json:"from"`
	// Items are the IDs of the bundle's items.
	Items []string `json:"items"`
}

// checkBundles applies the batch limits to a header's bundles.
func checkBundles(bs []BundleItems) error {
	if len(bs) > MaxBundles {
		return fmt.Errorf("%d bundles, more than %d", len(bs), MaxBundles)
	}
	n := 0
	for i, b := range bs {
		n += len(b.Items)
		if n > MaxStrings {
			return fmt.Errorf("bundles: more than %d items", MaxStrings)
		}
		if len(b.Bundle) > MaxStringLen {
			return fmt.Errorf("bundles[%d]: name of %d bytes, more than %d", i, len(b.Bundle), MaxStringLen)
		}
		for j, it := range b.Items {
			if len(it) > MaxStringLen {
				return fmt.Errorf("bundles[%d].items[%d]: %d bytes, more than %d", i, j, len(it), MaxStringLen)
			}
		}
	}
	return nil
}
