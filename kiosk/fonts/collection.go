package fonts

import (
	"encoding/binary"
	"errors"
	"fmt"
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
	be := binary.BigEndian
	n := int(be.Uint32(data[8:12]))
	if index < 0 || index >= n || len(data) < 12+4*n {
		return nil, fmt.Errorf("no face %d in a collection of %d", index, n)
	}
	off := int(be.Uint32(data[12+4*index:]))
	if off+12 > len(data) {
		return nil, errors.New("collection truncated")
	}
	numTables := int(be.Uint16(data[off+4:]))
	dirLen := 12 + 16*numTables
	if off+dirLen > len(data) {
		return nil, errors.New("collection truncated")
	}
	size := dirLen
	for i := 0; i < numTables; i++ {
		rec := data[off+12+16*i:]
		tOff, tLen := int(be.Uint32(rec[8:])), int(be.Uint32(rec[12:]))
		if tOff < 0 || tLen < 0 || tOff+tLen > len(data) {
			return nil, fmt.Errorf("table %q lies outside the file", rec[:4])
		}
		size += (tLen + 3) &^ 3
	}
	out := make([]byte, dirLen, size)
	copy(out, data[off:off+dirLen])
	for i := 0; i < numTables; i++ {
		src := data[off+12+16*i:]
		tOff, tLen := int(be.Uint32(src[8:])), int(be.Uint32(src[12:]))
		be.PutUint32(out[12+16*i+8:], uint32(len(out)))
		out = append(out, data[tOff:tOff+tLen]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out, nil
}
