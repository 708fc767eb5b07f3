package lint

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// Thresholds of the guide and interactive-site checks.
const (
	// MinTextContrast is the contrast of the site's text on its background
	// an interactive site needs (WCAG 2 level AAA): residents who read
	// little, and screens in bright rooms.
	MinTextContrast = 7.0
	// MinAccentContrast is the contrast of the accent colour on the
	// background below which a warning says focus rings and buttons in it
	// are hard to see (WCAG 2 non-text contrast).
	MinAccentContrast = 3.0
	// MaxEasyQRBytes is the length of a QR URL above which a warning says
	// the code is dense (version 10 or more at medium error correction)
	// and scans poorly from a phone held at arm's length.
	MaxEasyQRBytes = 200
)

// guideChecks remembers the files already checked in one run, so that a
// picture or narration used twice is decoded once.
type guideChecks struct {
	r     *Report
	b     *content.Bundle
	chain *fonts.Chain
	cfg   *siteconfig.Config
	done  map[string]bool
}

// checkGuide lints a guide the site offers: its title and every step in
// each of the site's languages (text the fonts can draw, steps missing a
// language), narration missing per language (a note: Khmer, Lao and Hmong
// have no speech engine voice, so they take recorded files), narration
// files that decode, pictures that decode, and QR URLs.
func (g *guideChecks) checkGuide(it *content.Item) {
	r, cfg := g.r, g.cfg
	if it.Guide == nil {
		return // Load refused it already
	}
	steps := it.Guide.Steps
	langs := it.Languages(cfg.Languages)
	if len(langs) == 0 {
		r.add(Finding{Item: it.ID, Message: fmt.Sprintf("guide has a title in none of the site's languages %v; the site will not offer it", cfg.Languages)})
	} else if missing := missingFrom(cfg.Languages, langs); len(missing) > 0 {
		r.add(Finding{Item: it.ID, Message: fmt.Sprintf("guide has no title in %v; residents who choose %s will not find it on the menu", missing, strings.Join(missing, " or "))})
	}
	for _, lang := range langs {
		t := it.Text[lang]
		checkText(r, g.chain, it.ID, lang, t.Title+"\n"+t.Body, true)
		var noText, unnarrated []int
		for i := range steps {
			st, ok := steps[i].Text[lang]
			if !ok {
				noText = append(noText, i)
				continue
			}
			checkText(r, g.chain, stepName(it.ID, i), lang, st.Title+"\n"+st.Body, true)
			if p, ok := steps[i].Narration[lang]; ok {
				g.checkAudio(stepName(it.ID, i), lang, p)
			} else {
				unnarrated = append(unnarrated, i)
			}
		}
		if len(noText) > 0 {
			r.add(Finding{Item: it.ID, Lang: lang, Message: fmt.Sprintf(
				"%s of %d %s no %s text, though the guide's title is in %s", StepList(noText), len(steps), has(len(noText)), lang, lang)})
		}
		if len(unnarrated) > 0 {
			// A language espeak-ng speaks is one command away (a
			// warning); the others need recordings (a note).
			if voice, ok := DefaultVoice(lang); ok {
				r.add(Finding{Item: it.ID, Lang: lang, Message: fmt.Sprintf(
					"no narration for %s of %d: run kioskctl narrate (espeak-ng voice %s), or add recorded files", StepList(unnarrated), len(steps), voice)})
			} else {
				r.add(Finding{Info: true, Item: it.ID, Lang: lang, Message: fmt.Sprintf(
					"no narration for %s of %d: espeak-ng has no %s voice, so add recorded files", StepList(unnarrated), len(steps), lang)})
			}
		}
		if p := it.Image(lang); p != "" {
			g.checkPicture(it.ID, p)
		}
	}
	for i := range steps {
		if p := steps[i].Picture; p != "" {
			g.checkPicture(stepName(it.ID, i), p)
		}
		if u := steps[i].QR; u != "" {
			if err := content.CheckQR(u); err != nil {
				r.add(Finding{Error: true, Item: stepName(it.ID, i), Message: "QR code: " + err.Error()})
				continue
			}
			if host := QRHostOutside(u); host != "" {
				r.add(Finding{Item: stepName(it.ID, i), Message: fmt.Sprintf(
					"QR code leads to %s, which is not under .%s: check that residents should go there (a look-alike name can pass for a public service)", host, GovernmentDomain)})
			}
			if len(u) > MaxEasyQRBytes {
				r.add(Finding{Item: stepName(it.ID, i), Message: fmt.Sprintf(
					"QR URL of %d bytes makes a dense code that phones scan poorly; a link of at most %d bytes is easier", len(u), MaxEasyQRBytes)})
			}
		}
	}
}

func (g *guideChecks) checkPicture(item, p string) {
	if g.done[p] {
		return
	}
	g.done[p] = true
	data, err := g.b.ReadFile(p)
	if err != nil {
		return // Verify already reported it
	}
	if _, err := decodeImage(data); err != nil {
		g.r.add(Finding{Error: true, Item: item, File: p, Message: "not a readable image: " + err.Error()})
	}
}

func (g *guideChecks) checkAudio(item, lang, p string) {
	if g.done[p] {
		return
	}
	g.done[p] = true
	// Load refused a narration that is not WAV or is listed larger than
	// content.MaxNarrationBytes, and ReadFile reads no more than listed.
	data, err := g.b.ReadFile(p)
	if err != nil {
		return // Verify already reported it
	}
	if _, err := CheckNarration(p, data); err != nil {
		g.r.add(Finding{Error: true, Item: item, Lang: lang, File: p, Message: "narration the site cannot play: " + err.Error()})
	}
}

// GovernmentDomain is the domain under which the QR codes of guides are
// expected to lead: Vietnam's public services (dichvucong.gov.vn,
// vneid.gov.vn, the provinces' portals).
const GovernmentDomain = "gov.vn"

// QRHostOutside returns the host of a QR URL when it is not
// GovernmentDomain or a name under it, and "" otherwise. A look-alike
// such as dichvucong.gov.vn.example is outside.
func QRHostOutside(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	host := strings.ToLower(strings.TrimSuffix(p.Hostname(), "."))
	if host == GovernmentDomain || strings.HasSuffix(host, "."+GovernmentDomain) {
		return ""
	}
	return host
}

// DefaultVoice returns the espeak-ng voice that kioskctl narrate reads
// lang with, matching the language's base ("vi-VN" reads as "vi"):
// Vietnamese (vi), Mandarin Chinese (cmn) and English (en). Khmer, Lao and
// Hmong have no voice in espeak-ng; their narration is recorded.
func DefaultVoice(lang string) (voice string, ok bool) {
	base, _, _ := strings.Cut(lang, "-")
	switch base {
	case "vi":
		return "vi", true
	case "zh", "cmn":
		return "cmn", true
	case "en":
		return "en", true
	}
	return "", false
}

// checkInteractiveSite checks what an interactive site's config must give
// for residents to read and touch the screen: text contrast, and the
// screen's size for touch targets.
func checkInteractiveSite(r *Report, cfg *siteconfig.Config) {
	d := cfg.Display
	if c := siteconfig.Contrast(d.Foreground, d.Background); c < MinTextContrast {
		r.add(Finding{Error: true, File: cfg.Path, Message: fmt.Sprintf(
			"display.foreground %s on display.background %s has a contrast of %.1f:1; an interactive site needs at least %.0f:1",
			hexColor(d.Foreground), hexColor(d.Background), c, MinTextContrast)})
	}
	if c := siteconfig.Contrast(d.Accent, d.Background); c < MinAccentContrast {
		r.add(Finding{File: cfg.Path, Message: fmt.Sprintf(
			"display.accent %s on display.background %s has a contrast of %.1f:1; focus rings and buttons need at least %.0f:1",
			hexColor(d.Accent), hexColor(d.Background), c, MinAccentContrast)})
	}
	if _, known := d.PixelsPerMM(); !known {
		r.add(Finding{File: cfg.Path, Message: fmt.Sprintf(
			"the config gives no screen size (display.diagonal_inches, display.dpi or display.reading.pixel_pitch); touch targets of %d mm are sized for a desktop monitor, %.0f pixels, which may be too small on this screen",
			siteconfig.MinTouchTargetMM, d.TouchTarget())})
	}
}

func hexColor(c siteconfig.Color) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// stepName locates step i (from 0) of a guide in a finding: "birth step 2".
func stepName(guide string, i int) string { return guide + " step " + strconv.Itoa(i+1) }

// StepList names steps (indexes from 0) for people, counting from 1 and
// joining runs: "steps 1-3, 5", "step 2".
func StepList(idx []int) string {
	idx = slices.Clone(idx)
	slices.Sort(idx)
	var parts []string
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(idx[i]+1))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", idx[i]+1, idx[j]+1))
		}
		i = j + 1
	}
	word := "steps "
	if len(idx) == 1 {
		word = "step "
	}
	return word + strings.Join(parts, ", ")
}

func has(n int) string {
	if n == 1 {
		return "has"
	}
	return "have"
}
