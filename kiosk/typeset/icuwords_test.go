package typeset

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "write dict/khmerdict.txt from the word list in the browser's ICU data file")

// A word list the player ships, and the ICU data item of the browser's
// list it must hold.
type shippedList struct {
	lang, item, file string
	text             string // the embedded list
	// generated lists are written by -update from the browser's data;
	// the others are kept as ICU publishes them, headers included.
	generated bool
	header    string // the licence lines a generated list starts with
}

var shippedLists = []shippedList{
	{lang: "km", item: "brkitr/khmerdict.dict", file: "dict/khmerdict.txt", text: khmerWords, generated: true,
		header: `# Copyright (C) 2016 and later: Unicode, Inc. and others.
# License & terms of use: http://www.unicode.org/copyright.html
# Derived from ICU's Khmer word list, Copyright (c) 2011-2015
# International Business Machines Corporation and others.
# All Rights Reserved.
#
# The abridged Khmer word list of Chromium's ICU (third_party/icu,
# source/data/brkitr/dictionaries/khmerdict.txt), as compiled into the
# browser's ICU data. See README.md beside this file.
`},
	{lang: "lo", item: "brkitr/laodict.dict", file: "dict/laodict.txt", text: laoWords},
}

// TestWordListsAreTheBrowsers: the word lists the player ships hold the
// same words as those of the browser the agreement test runs, read from
// its ICU data file. With -update it writes the Khmer list from that file
// instead (go generate does this; dict/README.md says from which package
// the shipped one came); the Lao list is ICU's published file, the same
// words as the browser's, and is only checked.
// maxListDrift is the share of words by which a shipped list may differ
// from the installed browser's before the test fails.
const maxListDrift = 0.02

func TestWordListsAreTheBrowsers(t *testing.T) {
	dat := icuData(t)
	for _, l := range shippedLists {
		t.Run(l.lang, func(t *testing.T) {
			browser, name, err := browserWords(dat, l.item)
			if err != nil {
				t.Fatal(err)
			}
			if *update && l.generated {
				text, err := listText(l, dat, name, browser)
				if err != nil {
					t.Fatal(err)
				}
				if err := writeFileAtomic(l.file, text); err != nil {
					t.Fatal(err)
				}
				t.Logf("wrote %s: %d words from %s in %s", l.file, len(browser), name, dat)
				return
			}
			shipped := newDictionary(l.text)
			ours := make([]string, len(shipped.words))
			for i := range shipped.words {
				ours[i] = shipped.word(i)
			}
			missing, extra := setDiff(browser, ours)
			// A browser update may change a few words; the agreement test
			// says whether breaking still matches. A different list is an
			// error.
			if n := len(missing) + len(extra); n > 0 && float64(n) <= maxListDrift*float64(len(browser)) {
				t.Logf("%s: %d of the browser's %d words missing (%q), %d not the browser's (%q): within %.0f%%",
					l.file, len(missing), len(browser), first(missing, 10), len(extra), first(extra, 10), 100*maxListDrift)
				return
			}
			if len(missing)+len(extra) > 0 {
				t.Errorf("%s: %d words, %s in %s: %d words; %d of the browser's missing (%q), %d not the browser's (%q)\n"+
					"go test ./kiosk/typeset/ -run TestWordListsAreTheBrowsers -update takes the browser's Khmer list (update dict/README.md to match)",
					l.file, len(ours), name, dat, len(browser), len(missing), first(missing, 10), len(extra), first(extra, 10))
				return
			}
			t.Logf("%s: the %d words of %s", l.file, len(ours), name)
		})
	}
}

// listText is the text of a generated list: its licence header, where its
// words came from, and the words, one a line, in code point order.
func listText(l shippedList, dat, name string, words []string) ([]byte, error) {
	sum, err := fileSHA256(dat)
	if err != nil {
		return nil, err
	}
	words = slices.Clone(words)
	slices.Sort(words)
	words = slices.Compact(words)
	var b bytes.Buffer
	b.WriteString(l.header)
	fmt.Fprintf(&b, "#\n# Read from the ICU data item %s of %s\n", name, filepath.Base(dat))
	fmt.Fprintf(&b, "# (SHA-256 %s),\n", sum)
	if pkg := debianPackage(dat); pkg != "" {
		fmt.Fprintf(&b, "# as Debian's package %s\n# installs it at %s.\n", pkg, dat)
	} else {
		fmt.Fprintf(&b, "# found at %s.\n", dat)
	}
	fmt.Fprintf(&b, "# %d words, one a line, in code point order. To read it again:\n", len(words))
	b.WriteString("# go test ./kiosk/typeset/ -run TestWordListsAreTheBrowsers -update\n")
	for _, w := range words {
		if w == "" || strings.ContainsAny(w, "\n\r#") || strings.TrimSpace(w) != w {
			return nil, fmt.Errorf("%s %s: word %q cannot be a line of the list", dat, name, w)
		}
		b.WriteString(w)
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// debianPackage names the Debian package and version that installed path
// ("chromium-common 156.0.8078.114-1~deb12u1"), or "" where dpkg does not
// know it.
func debianPackage(path string) string {
	out, err := exec.Command("dpkg-query", "-S", path).Output()
	if err != nil {
		return ""
	}
	pkg, _, ok := strings.Cut(strings.TrimSpace(string(out)), ":")
	if !ok || strings.ContainsAny(pkg, " ,\n") {
		return ""
	}
	ver, err := exec.Command("dpkg-query", "-W", "-f", "${Version}", pkg).Output()
	if err != nil || len(ver) == 0 {
		return ""
	}
	return pkg + " " + strings.TrimSpace(string(ver))
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(f, maxICUData+1)); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}

// writeFileAtomic replaces path with data, so that an interrupted run
// leaves the old list whole.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	return os.Rename(tmp.Name(), path)
}

// setDiff returns the words of want not in got and those of got not in
// want.
func setDiff(want, got []string) (missing, extra []string) {
	in := func(ws []string) map[string]bool {
		m := make(map[string]bool, len(ws))
		for _, w := range ws {
			m[w] = true
		}
		return m
	}
	wantSet, gotSet := in(want), in(got)
	for _, w := range want {
		if !gotSet[w] {
			missing = append(missing, w)
		}
	}
	for _, w := range got {
		if !wantSet[w] {
			extra = append(extra, w)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	return slices.Compact(missing), slices.Compact(extra)
}

func first(ws []string, n int) []string { return ws[:min(n, len(ws))] }
