package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/internal/atomicfile"
	"github.com/vnict/kiosk/kiosk/lint"
)

// Defaults of kioskctl narrate.
const (
	// narrateSpeed is espeak-ng's speed in words a minute: slower than its
	// 175, for listeners who follow a step while they read it or do it.
	narrateSpeed = 140
	// narrateTimeout bounds one espeak-ng run; a step of the longest text
	// allowed renders in well under a second.
	narrateTimeout = time.Minute
	// maxEspeakStderr bounds what is kept of espeak-ng's messages.
	maxEspeakStderr = 4 << 10
)

// voicePattern is an espeak-ng voice name as given to -v ("vi", "cmn",
// "en-us", "gmw/en"): never an option, never a path outside its data.
var voicePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_+-]{0,31}(/[a-zA-Z0-9][a-zA-Z0-9_+-]{0,31})?$`)

// narration is one step's narration in one language to render.
type narration struct {
	item, step    int // indexes in the manifest
	guide         string
	lang, voice   string
	text          string
	path          string // bundle path of the WAV file
	replaces      string // the narration --force replaces, if any
	rendered      []byte
	renderedAudio lint.Audio
}

// runNarrate renders, with espeak-ng, the narration of every guide step
// and language that has text but no narration, into
// narration/<guide>/<step>-<lang>.wav in the bundle, and records the files
// (re-indexing the bundle as kioskctl index does) and each step's
// narration in the manifest. Languages without a voice are listed as
// skipped. Nothing is written unless every file renders and decodes.
func runNarrate(ctx context.Context, args []string, stdout io.Writer) error {
	fset := flag.NewFlagSet("narrate", flag.ContinueOnError)
	langsFlag := fset.String("lang", "", "only these languages, comma-separated (default: every language of the guides)")
	var voiceFlags []string
	fset.Func("voice", "LANG=VOICE: the espeak-ng voice for a language (default vi=vi, zh=cmn, en=en); repeat or separate with commas", func(s string) error {
		voiceFlags = append(voiceFlags, strings.Split(s, ",")...)
		return nil
	})
	force := fset.Bool("force", false, "render again the narration steps already have")
	speed := fset.Int("speed", narrateSpeed, "words a minute (espeak-ng -s)")
	espeak := fset.String("espeak", "espeak-ng", "the espeak-ng program")
	timeout := fset.Duration("timeout", narrateTimeout, "the longest one step may take to render")
	bundle, err := parseWithBundle(fset, args)
	if err != nil {
		return err
	}
	if bundle == "" || fset.NArg() > 1 {
		return errors.New("narrate: want one bundle folder")
	}
	if *speed < 80 || *speed > 450 {
		return fmt.Errorf("narrate: --speed %d: want 80 to 450 words a minute", *speed)
	}
	if *timeout <= 0 {
		return fmt.Errorf("narrate: --timeout %v: want a positive duration", *timeout)
	}
	voices, err := parseVoices(voiceFlags)
	if err != nil {
		return fmt.Errorf("narrate: %w", err)
	}
	var only []string
	if *langsFlag != "" {
		for _, l := range strings.Split(*langsFlag, ",") {
			l = strings.TrimSpace(l)
			if err := checkTag(l); err != nil {
				return fmt.Errorf("narrate: --lang: %w", err)
			}
			only = append(only, l)
		}
	}
	if st, err := os.Stat(bundle); err != nil || !st.IsDir() {
		return fmt.Errorf("narrate: %s is not a bundle folder", bundle)
	}
	if _, err := os.Stat(filepath.Join(bundle, content.ManifestName)); err != nil {
		return fmt.Errorf("narrate: %s is not a bundle: %w", bundle, err)
	}
	b, err := content.LoadDir(bundle)
	if err != nil {
		return fmt.Errorf("narrate: %w", err)
	}

	todo, skipped := planNarration(&b.Manifest, only, voices, *force)
	for _, lang := range slices.Sorted(maps.Keys(skipped)) {
		fmt.Fprintf(stdout, "skipped %s: espeak-ng has no %s voice; record narration for %s\n", lang, lang, strings.Join(skipped[lang], "; "))
	}
	if len(todo) == 0 {
		fmt.Fprintf(stdout, "%s: nothing to render\n", bundle)
		return nil
	}

	known, err := espeakVoices(ctx, *espeak, *timeout)
	if err != nil {
		return fmt.Errorf("narrate: %w", err)
	}
	for _, n := range todo {
		// espeak-ng reads an unknown "xx-yy" as voice xx with variant
		// yy, and falls back to its default voice for others: check
		// first, so that a language is never read in another's voice.
		if v, _, _ := strings.Cut(n.voice, "+"); !known[v] {
			return fmt.Errorf("narrate: espeak-ng has no voice %q (for %s); espeak-ng --voices lists them", n.voice, n.lang)
		}
	}

	tmp, err := os.MkdirTemp("", "kioskctl-narrate-")
	if err != nil {
		return fmt.Errorf("narrate: %w", err)
	}
	defer os.RemoveAll(tmp)
	for i := range todo {
		if err := renderNarration(ctx, *espeak, tmp, *speed, *timeout, &todo[i]); err != nil {
			return fmt.Errorf("narrate: %s step %d %s (voice %s): %w; the bundle is unchanged", todo[i].guide, todo[i].step+1, todo[i].lang, todo[i].voice, err)
		}
	}

	for _, n := range todo {
		p := filepath.Join(bundle, filepath.FromSlash(n.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("narrate: %w", err)
		}
		if err := atomicfile.Write(p, n.rendered); err != nil {
			return fmt.Errorf("narrate: %w", err)
		}
	}
	m, err := content.IndexDirWith(bundle, content.IndexOptions{Edit: func(m *content.Manifest) error {
		for _, n := range todo {
			if n.item >= len(m.Items) || m.Items[n.item].ID != n.guide || m.Items[n.item].Guide == nil || n.step >= len(m.Items[n.item].Guide.Steps) {
				return fmt.Errorf("guide %s changed while its narration was rendered", n.guide)
			}
			st := &m.Items[n.item].Guide.Steps[n.step]
			if st.Narration == nil {
				st.Narration = map[string]string{}
			}
			st.Narration[n.lang] = n.path
		}
		return nil
	}})
	if err != nil {
		return fmt.Errorf("narrate: %w", err)
	}
	used := map[string]string{}
	for _, n := range todo {
		line := fmt.Sprintf("%s: %s step %d %s, voice %s, %.1f s", n.path, n.guide, n.step+1, n.lang, n.voice, n.renderedAudio.Duration.Seconds())
		if n.replaces != "" && n.replaces != n.path {
			line += ", replaces " + n.replaces
		}
		fmt.Fprintln(stdout, line)
		used[n.lang] = n.voice
	}
	var vs []string
	for _, l := range slices.Sorted(maps.Keys(used)) {
		vs = append(vs, l+"="+used[l])
	}
	fmt.Fprintf(stdout, "%s: %d narration files rendered with espeak-ng at %d words a minute (voices %s); %d files indexed\n",
		bundle, len(todo), *speed, strings.Join(vs, ", "), len(m.Files))
	return nil
}

// parseVoices reads --voice LANG=VOICE values.
func parseVoices(flags []string) (map[string]string, error) {
	voices := map[string]string{}
	for _, f := range flags {
		lang, voice, ok := strings.Cut(strings.TrimSpace(f), "=")
		if !ok {
			return nil, fmt.Errorf("--voice %q: want LANG=VOICE, such as zh=cmn", f)
		}
		if err := checkTag(lang); err != nil {
			return nil, fmt.Errorf("--voice %q: %w", f, err)
		}
		if !voicePattern.MatchString(voice) {
			return nil, fmt.Errorf("--voice %q: %q is not an espeak-ng voice name (espeak-ng --voices lists them)", f, voice)
		}
		voices[lang] = voice
	}
	return voices, nil
}

// checkTag refuses a language that is not a canonical BCP 47 tag, as a
// manifest writes it.
func checkTag(tag string) error {
	t, err := language.Parse(tag)
	if err != nil {
		return fmt.Errorf("%q is not a language tag: %w", tag, err)
	}
	if t.String() != tag {
		return fmt.Errorf("%q: write the language as %q", tag, t.String())
	}
	return nil
}

// voiceFor returns the voice for lang: --voice's for the tag or its base
// language, else kioskctl's default.
func voiceFor(lang string, voices map[string]string) (string, bool) {
	if v, ok := voices[lang]; ok {
		return v, true
	}
	base, _, _ := strings.Cut(lang, "-")
	if v, ok := voices[base]; ok {
		return v, true
	}
	return lint.DefaultVoice(lang)
}

// planNarration lists the narration to render (each step and language
// with text, no narration or force, and a voice) and, per language
// without a voice, the guides and steps skipped.
func planNarration(m *content.Manifest, only []string, voices map[string]string, force bool) (todo []narration, skipped map[string][]string) {
	skipped = map[string][]string{}
	for i := range m.Items {
		it := &m.Items[i]
		if it.Kind != content.KindGuide || it.Guide == nil {
			continue
		}
		noVoice := map[string][]int{}
		for s, st := range it.Guide.Steps {
			for _, lang := range slices.Sorted(maps.Keys(st.Text)) {
				if len(only) > 0 && !slices.Contains(only, lang) {
					continue
				}
				had, has := st.Narration[lang]
				if has && !force {
					continue
				}
				voice, ok := voiceFor(lang, voices)
				if !ok {
					if !has {
						noVoice[lang] = append(noVoice[lang], s)
					}
					continue
				}
				todo = append(todo, narration{
					item: i, step: s, guide: it.ID, lang: lang, voice: voice,
					text:     spokenText(st.Text[lang]),
					path:     path.Join("narration", it.ID, strconv.Itoa(s+1)+"-"+lang+".wav"),
					replaces: had,
				})
			}
		}
		for lang, steps := range noVoice {
			skipped[lang] = append(skipped[lang], it.ID+" "+lint.StepList(steps))
		}
	}
	return todo, skipped
}

// spokenText is what the voice reads for a step: its title, ended as a
// sentence so that the voice pauses, then its body, as plain text (see
// plainSpeech).
func spokenText(t content.Text) string {
	title, body := strings.TrimSpace(plainSpeech(t.Title)), strings.TrimSpace(plainSpeech(t.Body))
	if title != "" && body != "" {
		if r, _ := utf8.DecodeLastRuneInString(title); !strings.ContainsRune(".!?:;。！？：；…", r) {
			title += "."
		}
	}
	return strings.TrimSpace(title + "\n" + body)
}

// plainSpeech keeps espeak-ng from reading anything in s but words, as
// the screen shows them: "[[" starts phoneme input (which it reads as
// sounds, not words) and "]]" ends it, so a run of brackets becomes one
// bracket, which it reads as punctuation; control characters, some of
// which it obeys as commands (U+0001 sequences set speed and volume),
// become spaces. A validated bundle has no control characters but "\n";
// this holds for any text.
func plainSpeech(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	var last rune
	for _, r := range s {
		switch {
		case (r == '[' || r == ']') && r == last:
			continue
		case r != '\n' && unicode.IsControl(r):
			r = ' '
		}
		b.WriteRune(r)
		last = r
	}
	return b.String()
}

// espeakVoices returns the voice names espeak-ng accepts, from
// `espeak-ng --voices`: each voice's language, its file ("gmw/en") and the
// file's base name ("en"), and its other languages.
func espeakVoices(ctx context.Context, espeak string, timeout time.Duration) (map[string]bool, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, espeak, "--voices")
	out := &boundedBuffer{max: 1 << 20}
	cmd.Stdout, cmd.Stderr = out, io.Discard
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s not found: install Debian's espeak-ng (apt-get install espeak-ng)", espeak)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s --voices took longer than %v", espeak, timeout)
		}
		return nil, fmt.Errorf("%s --voices: %w", espeak, err)
	}
	known := map[string]bool{}
	lines := strings.Split(out.String(), "\n")
	for _, line := range lines[min(1, len(lines)):] { // the first is the header
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		known[f[1]] = true
		known[f[4]] = true
		known[path.Base(f[4])] = true
		for _, o := range f[5:] {
			if l, ok := strings.CutPrefix(o, "("); ok {
				known[l] = true
			}
		}
	}
	if len(known) == 0 {
		return nil, fmt.Errorf("%s --voices lists no voice", espeak)
	}
	return known, nil
}

// renderNarration runs espeak-ng on n's text into a WAV file in tmp, bounded
// in time, and keeps its bytes once they decode as a narration the player
// and lint accept.
func renderNarration(ctx context.Context, espeak, tmp string, speed int, timeout time.Duration, n *narration) error {
	if c := utf8.RuneCountInString(n.text); c > content.MaxTitleRunes+content.MaxBodyRunes+2 {
		return fmt.Errorf("%d characters of text; at most %d are read aloud", c, content.MaxTitleRunes+content.MaxBodyRunes)
	}
	base := filepath.Join(tmp, fmt.Sprintf("%d-%d-%s", n.item, n.step, n.lang))
	if err := os.WriteFile(base+".txt", []byte(n.text), 0o600); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// -b 1: the text file is UTF-8; -f: the text never reaches the
	// command line, where a leading '-' would read as an option.
	cmd := exec.CommandContext(ctx, espeak, "-b", "1", "-v", n.voice, "-s", strconv.Itoa(speed), "-w", base+".wav", "-f", base+".txt")
	stderr := &boundedBuffer{max: maxEspeakStderr}
	cmd.Stdout, cmd.Stderr = io.Discard, stderr
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("espeak-ng took longer than %v", timeout)
		}
		return fmt.Errorf("espeak-ng: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	f, err := os.Open(base + ".wav")
	if err != nil {
		return fmt.Errorf("espeak-ng wrote no file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, content.MaxNarrationBytes+1))
	if err != nil {
		return err
	}
	a, err := lint.CheckNarration(n.path, data)
	if err != nil {
		return fmt.Errorf("espeak-ng's file: %w (shorten the step's text)", err)
	}
	n.rendered, n.renderedAudio = data, a
	return nil
}

// boundedBuffer keeps the first max bytes written to it.
type boundedBuffer struct {
	bytes.Buffer
	max int
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
