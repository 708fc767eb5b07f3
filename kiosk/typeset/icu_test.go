package typeset

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// minAgreement is the share of word boundaries, ICU's and ours together,
// on which the segmenter must agree with ICU.
const minAgreement = 0.95

// corpus builds the test sentences of a language from testdata/icu
// (LANG-sentences.txt, -places.txt and -phrases.txt): the sentences, the
// place names alone, each phrase before five places, and each sentence run
// on into the next with no space, as text pasted from a document often
// comes.
func corpus(t *testing.T, lang string) []string {
	t.Helper()
	read := func(name string) []string {
		data, err := os.ReadFile(filepath.Join("testdata", "icu", lang+"-"+name+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range strings.Split(string(data), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
		return out
	}
	sentences, places, phrases := read("sentences"), read("places"), read("phrases")
	out := append(append([]string(nil), sentences...), places...)
	for i, p := range phrases {
		for k := range 5 {
			out = append(out, p+places[(i*5+k)%len(places)])
		}
	}
	for i := range sentences {
		out = append(out, sentences[i]+sentences[(i+1)%len(sentences)])
	}
	return out
}

// chromium finds the browser `make deps` installs.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatalf("chromium not found: run `make deps`, which installs it (Debian package chromium); the word breaks are checked against its ICU")
	return ""
}

// icuBoundaries has headless Chromium segment each text of each language
// with Intl.Segmenter (ICU's word break iterator and dictionaries) and
// returns the rune offsets at which its segments start, but 0.
func icuBoundaries(t *testing.T, texts map[string][]string) map[string][][]int {
	t.Helper()
	dir := t.TempDir()
	input, err := json.Marshal(texts)
	if err != nil {
		t.Fatal(err)
	}
	// The page writes the offsets as JSON into the DOM, which
	// --dump-dom prints once the page has loaded.
	page := `<!doctype html><meta charset="utf-8"><pre id="out"></pre><script>
const input = ` + string(input) + `;
const out = {};
for (const lang in input) {
  const seg = new Intl.Segmenter(lang, {granularity: "word"});
  out[lang] = input[lang].map(s => {
    const b = []; let n = 0;
    for (const p of seg.segment(s)) { if (n > 0) b.push(n); n += [...p.segment].length; }
    return b;
  });
}
document.getElementById("out").textContent = JSON.stringify(out);
</script>`
	pagePath := filepath.Join(dir, "segment.html")
	if err := os.WriteFile(pagePath, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium(t), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--dump-dom", "file://"+pagePath)
	cmd.Env = append(os.Environ(), "HOME="+dir) // keep Chromium's caches out of the real home
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Fatalf("chromium did not finish in 60 s:\n%s", stderr.String())
		}
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	const open, end = `<pre id="out">`, `</pre>`
	i := bytes.Index(dom, []byte(open))
	j := bytes.Index(dom, []byte(end))
	if i < 0 || j < i {
		t.Fatalf("chromium's page has no result:\n%.2000s\n%s", dom, stderr.String())
	}
	var out map[string][][]int
	if err := json.Unmarshal([]byte(html.UnescapeString(string(dom[i+len(open):j]))), &out); err != nil {
		t.Fatalf("chromium's result: %v", err)
	}
	for lang := range texts {
		if len(out[lang]) != len(texts[lang]) {
			t.Fatalf("chromium segmented %d %s texts of %d", len(out[lang]), lang, len(texts[lang]))
		}
	}
	return out
}

// TestAgreesWithICU compares the word boundaries the segmenter finds inside
// Khmer and Lao runs with those of ICU, as the browser finds them, on a
// corpus of each language. Only boundaries with a letter of the script on
// both sides count: elsewhere both follow the Unicode rules.
//
// It runs the segmenter twice: on the lists the player ships, and on the
// word lists the browser carries (read from its ICU data file). The two
// are the same words (TestWordListsAreTheBrowsers); should a browser
// update change its lists, the second run still checks the segmenter
// itself against ICU's engines, and the first shows what the change costs.
func TestAgreesWithICU(t *testing.T) {
	texts := map[string][]string{"km": corpus(t, "km"), "lo": corpus(t, "lo")}
	for lang, ts := range texts {
		if len(ts) < 200 {
			t.Fatalf("%s corpus has %d sentences, want at least 200", lang, len(ts))
		}
	}
	icu := icuBoundaries(t, texts)
	browser := map[*script]*dictionary{}
	for sc, item := range map[*script]string{khmer: "brkitr/khmerdict.dict", lao: "brkitr/laodict.dict"} {
		d, err := browserDictionary(icuData(t), item)
		if err != nil {
			t.Fatal(err)
		}
		browser[sc] = d
	}
	for _, lang := range []string{"km", "lo"} {
		t.Run(lang+" shipped lists", func(t *testing.T) {
			agreement(t, lang, texts[lang], icu[lang], minAgreement, func(rs []rune) []int { return wordBreaks(nil, rs) })
		})
		t.Run(lang+" browser lists", func(t *testing.T) {
			agreement(t, lang, texts[lang], icu[lang], minAgreement, func(rs []rune) []int {
				return wordBreaksWith(nil, rs, func(sc *script) *dictionary { return browser[sc] })
			})
		})
	}
}

// agreement compares the boundaries breaks finds in each text with ICU's.
func agreement(t *testing.T, lang string, texts []string, icu [][]int, want float64, breaks func([]rune) []int) {
	t.Helper()
	var agree, onlyICU, onlyOurs int
	for i, text := range texts {
		rs := []rune(text)
		inside := func(b int) bool { return b > 0 && b < len(rs) && scriptOf(rs[b-1]) != nil && scriptOf(rs[b]) != nil }
		theirs := map[int]bool{}
		for _, b := range icu[i] {
			if inside(b) {
				theirs[b] = true
			}
		}
		ours := map[int]bool{}
		for _, b := range breaks(rs) {
			ours[b] = true
		}
		diff := 0
		for b := range theirs {
			if ours[b] {
				agree++
			} else {
				onlyICU++
				diff++
			}
		}
		for b := range ours {
			if !theirs[b] {
				onlyOurs++
				diff++
			}
		}
		if diff > 0 {
			t.Logf("ICU:  %s\nours: %s", join(rs, icu[i]), join(rs, breaks(rs)))
		}
	}
	total := agree + onlyICU + onlyOurs
	share := float64(agree) / float64(total)
	t.Logf("%s: %d sentences, %d boundaries; agree on %d (%.1f%%), ICU alone %d, ours alone %d",
		lang, len(texts), total, agree, 100*share, onlyICU, onlyOurs)
	if share < want {
		t.Errorf("%s: agreement with ICU %.1f%%, want at least %.0f%%", lang, 100*share, 100*want)
	}
}

// join writes rs with a bar at each boundary.
func join(rs []rune, bounds []int) string {
	var b strings.Builder
	last := 0
	for _, p := range bounds {
		b.WriteString(string(rs[last:p]))
		b.WriteByte('|')
		last = p
	}
	b.WriteString(string(rs[last:]))
	return b.String()
}

// icuData finds the ICU data file of the browser chromium runs.
func icuData(t *testing.T) string {
	t.Helper()
	bin, err := filepath.EvalSymlinks(chromium(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{filepath.Dir(bin), "/usr/lib/chromium"} {
		if p := filepath.Join(dir, "icudtl.dat"); fileExists(p) {
			return p
		}
	}
	t.Fatalf("no icudtl.dat beside %s or in /usr/lib/chromium", bin)
	return ""
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
