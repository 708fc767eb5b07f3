package player

import (
	"io"
	"log/slog"
	"runtime"
	"testing"

	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// TestSourceParsedFromFileOnce: a font source is parsed once per font and
// straight from the font file, so loading the CJK face (16 MB) never holds
// its bytes beside the tables the parser copies; reading the bytes first
// made the load allocate about twice as much.
func TestSourceParsedFromFileOnce(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	chain, err := fonts.NewLoader(log, t.TempDir()).Load(nil, []siteconfig.Font{{Family: "Noto Sans CJK SC"}})
	if err != nil {
		t.Fatal(err)
	}
	d := chain.Faces[0].Bold
	data, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	size := uint64(len(data))
	data = nil

	var cache sourceCache
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	src, err := cache.get(d)
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d-byte face: %d bytes allocated to parse it", size, alloc)
	// The parser's own copies of the tables, their indexes and caches come
	// to about 1.4 times the face; a read of the file on top, to 2.4.
	if alloc > size*17/10 {
		t.Errorf("parsing a %d-byte face allocated %d bytes: its bytes were read into memory as well", size, alloc)
	}
	again, err := cache.get(d)
	if err != nil || again != src {
		t.Errorf("second get: a new source (%v)", err)
	}
}
