package s3store_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"
)

// TestGetIfChanged: the first read gets the object and its ETag; asked
// again with that ETag, the store answers "unchanged" without a body; a
// new content gives a new ETag; a missing or oversized object is an error
// naming the key.
func TestGetIfChanged(t *testing.T) {
	st, _ := newStore(t)
	ctx := testContext(t)
	const key = "reports/a/screen-request.json"
	if _, _, err := st.GetIfChanged(ctx, key, "", 64); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing object: %v, want fs.ErrNotExist", err)
	}
	put(t, ctx, st, key, []byte(`{"n":1}`))
	data, tag, err := st.GetIfChanged(ctx, key, "", 64)
	if err != nil || string(data) != `{"n":1}` || tag == "" {
		t.Fatalf("first read: %q, tag %q, %v", data, tag, err)
	}
	data, again, err := st.GetIfChanged(ctx, key, tag, 64)
	if err != nil || data != nil || again != tag {
		t.Fatalf("unchanged: %q, tag %q, %v; want no data and the same tag", data, again, err)
	}
	put(t, ctx, st, key, []byte(`{"n":2}`))
	data, next, err := st.GetIfChanged(ctx, key, tag, 64)
	if err != nil || string(data) != `{"n":2}` || next == tag || next == "" {
		t.Fatalf("changed: %q, tag %q (was %q), %v", data, next, tag, err)
	}
	put(t, ctx, st, key, []byte(strings.Repeat("x", 65)))
	if _, _, err := st.GetIfChanged(ctx, key, next, 64); err == nil || !strings.Contains(err.Error(), key) {
		t.Fatalf("oversized: %v, want an error naming %s", err, key)
	}
}

// TestWatchObject: a subscription to one key signals when it is written,
// and not when another object in the same folder is.
func TestWatchObject(t *testing.T) {
	st, _ := newStore(t)
	ctx := testContext(t)
	ch, err := st.WatchObject(ctx, "reports/a/screen-request.json")
	if err != nil {
		t.Fatal(err)
	}
	// The server registers the listener asynchronously: write until a
	// signal comes.
	deadline := time.Now().Add(10 * time.Second)
	for signalled := false; !signalled; {
		if time.Now().After(deadline) {
			t.Fatal("no signal within 10 s of writing the object")
		}
		put(t, ctx, st, "reports/a/screen-request.json", []byte("{}"))
		select {
		case _, ok := <-ch:
			if !ok {
				t.Fatal("the subscription closed")
			}
			signalled = true
		case <-time.After(200 * time.Millisecond):
		}
	}
	// Let the signals of the earlier writes pass.
	for quiet := false; !quiet; {
		select {
		case <-ch:
		case <-time.After(500 * time.Millisecond):
			quiet = true
		}
	}
	put(t, ctx, st, "reports/a/status.json", []byte("{}"))
	select {
	case <-ch:
		t.Fatal("a write to status.json was signalled")
	case <-time.After(time.Second):
	}
}
