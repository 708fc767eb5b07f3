package supervise

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

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

// TestStopOnStdinEOF: told by its environment, a player's context ends
// when its stdin does (not at a line), with a cause that says so.
func TestStopOnStdinEOF(t *testing.T) {
	r, w := io.Pipe()
	getenv := func(k string) string {
		if k == StdinStopEnv {
			return "1"
		}
		return ""
	}
	ctx, cancel := StopOnStdinEOF(context.Background(), r, getenv)
	defer cancel()
	if _, err := w.Write([]byte("a line is no request to stop\n")); err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatalf("the context ended before stdin did: %v", context.Cause(ctx))
	}
	w.Close()
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the context did not end with stdin")
	}
	if cause := context.Cause(ctx); !errors.Is(cause, io.EOF) || !strings.Contains(cause.Error(), "the supervisor asked the player to stop") {
		t.Errorf("cause %v", cause)
	}
}

// TestStopOnStdinEOFNotTold: a player not told by its environment does not
// read its stdin (a console, perhaps), whose end does not stop it.
func TestStopOnStdinEOFNotTold(t *testing.T) {
	read := make(chan struct{}, 1)
	ctx, cancel := StopOnStdinEOF(context.Background(), eofReader{read}, func(string) string { return "" })
	defer cancel()
	select {
	case <-read:
		t.Error("stdin was read")
	case <-ctx.Done():
		t.Errorf("the context ended: %v", context.Cause(ctx))
	case <-time.After(200 * time.Millisecond):
	}
	cancel()
	if ctx.Err() == nil {
		t.Error("the context did not end when cancelled")
	}
}

// eofReader is a stdin that has ended; it says when it is read.
type eofReader struct{ read chan<- struct{} }

func (r eofReader) Read([]byte) (int, error) {
	select {
	case r.read <- struct{}{}:
	default:
	}
	return 0, io.EOF
}
