package fonts

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// Reader is one font opened for reading as a standalone font file, without
// its bytes being read into memory: parsers read only the tables they need.
// A face of a collection reads as a file of its own, its table directory
// rewritten, its tables read from the collection where they lie. Close it
// when done.
type Reader interface {
	io.Reader
	io.ReaderAt
	io.Seeker
	io.Closer
	// Size is the length of the standalone font file.
	Size() int64
}

// sectionReader is a Reader over an io.ReaderAt.
type sectionReader struct {
	*io.SectionReader
	close func() error
}

func (r sectionReader) Close() error {
	if r.close == nil {
		return nil
	}
	return r.close()
}

func newReader(r io.ReaderAt, size int64, close func() error) Reader {
	return sectionReader{SectionReader: io.NewSectionReader(r, 0, size), close: close}
}

// extractFace returns face index of a TrueType/OpenType collection (.ttc) as
// a standalone font file; data that is not a collection is returned as is.
//
// Parsers given a collection parse every face in it: for Noto Sans CJK, ten
// faces and some 185 MB of memory per weight, where a site needs one face.
// The extracted file holds the face's table directory and a copy of each
// table it uses; tables are not modified.
func extractFace(data []byte, index int) ([]byte, error) {
	if len(data) < 12 || string(data[:4]) != "ttcf" {
		if index != 0 {
			return nil, fmt.Errorf("face %d asked of a file that is not a collection", index)
		}
		return data, nil
	}
	v, err := newFaceView(bytes.NewReader(data), int64(len(data)), index)
	if err != nil {
		return nil, err
	}
	out := make([]byte, v.size)
	if _, err := v.ReadAt(out, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// readFace reads face index of the font file at path as a standalone font.
// From a collection it reads only that face's tables, not the whole file.
func readFace(path string, index int) ([]byte, error) {
	r, err := openFace(path, index)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := make([]byte, r.Size())
	if _, err := r.ReadAt(out, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// openFace opens face index of the font file at path as a standalone font,
// reading nothing but the collection's header and the face's directory.
// Noto Sans CJK's collection is 19 MB: reading it, or even the face's
// 16 MB, into memory for each face made the player's memory jump by that
// much whenever a face was loaded, when the parser keeps copies of the
// tables it uses anyway.
func openFace(path string, index int) (Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	var magic [4]byte
	if _, err := f.ReadAt(magic[:], 0); err != nil || string(magic[:]) != "ttcf" {
		if index != 0 {
			f.Close()
			return nil, fmt.Errorf("face %d asked of a file that is not a collection", index)
		}
		return newReader(f, st.Size(), f.Close), nil
	}
	v, err := newFaceView(f, st.Size(), index)
	if err != nil {
		f.Close()
		return nil, err
	}
	return newReader(v, v.size, f.Close), nil
}

// faceView presents one face of a collection as a standalone font file:
// its header and table directory, with table offsets rewritten, held in
// memory, followed by its tables (each padded to four bytes) read from the
// collection on demand.
type faceView struct {
	r      io.ReaderAt
	dir    []byte
	tables []viewTable
	size   int64
}

type viewTable struct {
	at, from, n int64 // offset in the view, offset in the collection, length
}

// newFaceView reads the directory of face index of a collection of size
// bytes read from r.
func newFaceView(r io.ReaderAt, size int64, index int) (*faceView, error) {
	be := binary.BigEndian
	read := func(off int64, n int) ([]byte, error) {
		if off < 0 || n < 0 || off+int64(n) > size {
			return nil, errors.New("collection truncated")
		}
		b := make([]byte, n)
		if _, err := r.ReadAt(b, off); err != nil {
			return nil, fmt.Errorf("collection: %w", err)
		}
		return b, nil
	}
	head, err := read(0, 12)
	if err != nil {
		return nil, err
	}
	n := int(be.Uint32(head[8:12]))
	if index < 0 || index >= n || size < 12+4*int64(n) {
		return nil, fmt.Errorf("no face %d in a collection of %d", index, n)
	}
	offb, err := read(12+4*int64(index), 4)
	if err != nil {
		return nil, err
	}
	off := int64(be.Uint32(offb))
	hdr, err := read(off, 12)
	if err != nil {
		return nil, err
	}
	numTables := int(be.Uint16(hdr[4:]))
	dirLen := 12 + 16*numTables
	dir, err := read(off, dirLen)
	if err != nil {
		return nil, err
	}
	v := &faceView{r: r, dir: dir, tables: make([]viewTable, numTables)}
	at := int64(dirLen)
	for i := range numTables {
		rec := dir[12+16*i:]
		tOff, tLen := int64(be.Uint32(rec[8:])), int64(be.Uint32(rec[12:]))
		if tOff+tLen > size {
			return nil, fmt.Errorf("table %q lies outside the file", rec[:4])
		}
		be.PutUint32(rec[8:], uint32(at))
		v.tables[i] = viewTable{at: at, from: tOff, n: tLen}
		at += (tLen + 3) &^ 3
	}
	v.size = at
	return v, nil
}

// ReadAt reads the standalone file's bytes at off: directory bytes from
// memory, table bytes from the collection, padding as zeros.
func (v *faceView) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	n := 0
	for len(p) > 0 {
		if off >= v.size {
			return n, io.EOF
		}
		k, err := v.readPart(p, off)
		n += k
		if err != nil {
			return n, err
		}
		p, off = p[k:], off+int64(k)
	}
	return n, nil
}

// readPart reads into p from off up to the end of the part off lies in
// (the directory, a table, or a table's padding).
func (v *faceView) readPart(p []byte, off int64) (int, error) {
	if off < int64(len(v.dir)) {
		return copy(p, v.dir[off:]), nil
	}
	for _, t := range v.tables {
		if off < t.at || off >= t.at+((t.n+3)&^3) {
			continue
		}
		if rel := off - t.at; rel < t.n {
			k := min(int64(len(p)), t.n-rel)
			got, err := v.r.ReadAt(p[:k], t.from+rel)
			if err == io.EOF && int64(got) == k {
				err = nil
			}
			return got, err
		}
		k := min(int64(len(p)), t.at+((t.n+3)&^3)-off)
		clear(p[:k])
		return int(k), nil
	}
	// Tables are laid out back to back after the directory: no gaps.
	return 0, fmt.Errorf("offset %d in no table", off)
}
