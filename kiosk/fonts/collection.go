package fonts

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

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
	return extractFaceAt(bytes.NewReader(data), int64(len(data)), index)
}

// readFace reads face index of the font file at path as a standalone font.
// From a collection it reads only that face's tables, not the whole file:
// Noto Sans CJK's collection is 19 MB, and reading it whole for each face
// made the player's memory jump by that much whenever a face was loaded.
func readFace(path string, index int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	var magic [4]byte
	if _, err := f.ReadAt(magic[:], 0); err != nil || string(magic[:]) != "ttcf" {
		if index != 0 {
			return nil, fmt.Errorf("face %d asked of a file that is not a collection", index)
		}
		return os.ReadFile(path)
	}
	return extractFaceAt(f, st.Size(), index)
}

// extractFaceAt is extractFace over a collection of size bytes read from r.
func extractFaceAt(r io.ReaderAt, size int64, index int) ([]byte, error) {
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
	total := int64(dirLen)
	for i := 0; i < numTables; i++ {
		rec := dir[12+16*i:]
		tOff, tLen := int64(be.Uint32(rec[8:])), int64(be.Uint32(rec[12:]))
		if tOff+tLen > size {
			return nil, fmt.Errorf("table %q lies outside the file", rec[:4])
		}
		total += (tLen + 3) &^ 3
	}
	out := make([]byte, dirLen, total)
	copy(out, dir)
	for i := 0; i < numTables; i++ {
		rec := dir[12+16*i:]
		tOff, tLen := int64(be.Uint32(rec[8:])), int(be.Uint32(rec[12:]))
		be.PutUint32(out[12+16*i+8:], uint32(len(out)))
		at := len(out)
		out = out[:at+tLen]
		if _, err := r.ReadAt(out[at:], tOff); err != nil {
			return nil, fmt.Errorf("collection: table %q: %w", rec[:4], err)
		}
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out, nil
}
