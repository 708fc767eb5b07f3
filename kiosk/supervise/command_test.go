package supervise

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/vnict/kiosk/internal/servertest"
)

// TestLineLog writes a player's output in pieces: each line is one record,
// whatever the pieces, with a carriage return dropped, blank lines
// skipped, and a line longer than maxLine cut.
func TestLineLog(t *testing.T) {
	long := strings.Repeat("k", maxLine+10)
	tests := []struct {
		name   string
		writes []string
		want   []string // the records' lines, the last flushed at exit
	}{
		{"whole lines", []string{"one\ntwo\n"}, []string{"one", "two"}},
		{"a line in pieces", []string{"o", "n", "e\ntw", "o\n"}, []string{"one", "two"}},
		{"CRLF", []string{"one\r\ntwo\r\n"}, []string{"one", "two"}},
		{"blank lines", []string{"\n\none\n\n"}, []string{"one"}},
		{"no last newline", []string{"one\ntwo"}, []string{"one", "two"}},
		{"a long line", []string{long + "\nnext\n"}, []string{long[:maxLine], long[maxLine:], "next"}},
		{"a long line in pieces", []string{long[:100], long[100:] + "\n"}, []string{long[:maxLine], long[maxLine:]}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			w := &lineLog{log: slog.New(slog.NewJSONHandler(&out, nil)).With("start", 1), stream: "stderr"}
			for _, s := range tc.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write: %d, %v; want %d, nil", n, err, len(s))
				}
			}
			w.flush()
			var got []string
			for dec := json.NewDecoder(&out); dec.More(); {
				var r struct{ Line string }
				if err := dec.Decode(&r); err != nil {
					t.Fatal(err)
				}
				got = append(got, r.Line)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("records %q, want %q", got, tc.want)
			}
		})
	}
}

// TestLineLogRecord: a line's record names the start and the stream.
func TestLineLogRecord(t *testing.T) {
	var out servertest.Output
	w := &lineLog{log: slog.New(slog.NewTextHandler(&out, nil)).With("start", 3), stream: "stdout"}
	if _, err := w.Write([]byte("level=INFO msg=\"playing\"\n")); err != nil {
		t.Fatal(err)
	}
	want := `level=INFO msg="player output" start=3 stream=stdout line="level=INFO msg=\"playing\""`
	if !strings.Contains(out.String(), want) {
		t.Errorf("record %q, want it to hold %q", out.String(), want)
	}
}
