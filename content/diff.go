package content

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
)

// Kinds of Change.
const (
	ChangeAdded   = "added"
	ChangeRemoved = "removed"
	ChangeEdited  = "edited"
	ChangeMoved   = "moved"
)

// Change is one difference between two versions of a bundle, as an
// approver reviews it: what changed (Field) of which item (Item; "" for
// the bundle itself and its ticker) in which language (Lang; "" where the
// field has none, "*" for an image shown in every language), and the
// value before and after ("" when there was none).
//
// Fields: "item" (Old or New is the item's kind), "position" (1-based),
// "kind", "duration" (a Go duration; "" is the site's default), "layout",
// "fit", "title", "body", "image", "schedule" and "targets" (as JSON);
// a guide's steps field by field, numbered from 0 as in the manifest:
// "guide.steps[N].title" and "guide.steps[N].body" (per language),
// "guide.steps[N].picture", "guide.steps[N].qr" and
// "guide.steps[N].narration" (per language); a video's "video.duration",
// "video.sound" ("with sound" or "silent") and each rendition's
// "video.renditions[N].file" and "video.renditions[N].geometry" (as
// Rendition.Geometry); and for the bundle: "bundle-title", "font",
// "requires", "bundle-targets", "ticker" (one message in one language)
// and "file" (a listed file nothing names). A field naming a bundle file
// shows it with its hash and size where the files list has it, and is
// "edited" when only the file's bytes changed.
type Change struct {
	Item, Lang, Field, Kind, Old, New string
}

func (c Change) String() string {
	where := c.Field
	if c.Item != "" {
		where = c.Item + "." + where
	}
	if c.Lang != "" {
		where += "[" + c.Lang + "]"
	}
	return fmt.Sprintf("%s %s: %q -> %q", c.Kind, where, c.Old, c.New)
}

// Diff lists what changed from old to new: the bundle's own fields, then
// each item of new in its order (added, moved or edited), then the items
// old had and new has not, then the ticker. An added item is listed with
// everything it holds, a removed one with everything it held. old may be
// nil: a first publication, where everything is added. The manifests are
// not changed.
func Diff(old, new *Manifest) []Change {
	if old == nil {
		old = &Manifest{}
	}
	if new == nil {
		new = &Manifest{}
	}
	d := differ{oldFiles: filesByPath(old), newFiles: filesByPath(new)}

	d.value("", "", "bundle-title", old.Title, new.Title)
	d.files("", "font", fontPaths(old.Fonts), fontPaths(new.Fonts))
	d.value("", "", "requires", jsonOf(old.Requires), jsonOf(new.Requires))
	d.value("", "", "bundle-targets", jsonOf(old.Targets), jsonOf(new.Targets))

	oldAt := map[string]int{}
	for i, it := range old.Items {
		oldAt[it.ID] = i
	}
	newAt := map[string]int{}
	for i, it := range new.Items {
		newAt[it.ID] = i
	}
	// Items kept in the same relative order are the longest common
	// subsequence of the IDs both versions have; the others moved.
	var oldKept, newKept []string
	for _, it := range old.Items {
		if _, ok := newAt[it.ID]; ok {
			oldKept = append(oldKept, it.ID)
		}
	}
	for _, it := range new.Items {
		if _, ok := oldAt[it.ID]; ok {
			newKept = append(newKept, it.ID)
		}
	}
	inOrder := map[string]bool{}
	for _, p := range lcs(oldKept, newKept) {
		inOrder[oldKept[p[0]]] = true
	}

	for i, it := range new.Items {
		j, ok := oldAt[it.ID]
		if !ok {
			d.add(Change{Item: it.ID, Field: "item", Kind: ChangeAdded, New: it.Kind})
			d.item(&Item{}, &new.Items[i])
			continue
		}
		if !inOrder[it.ID] {
			d.add(Change{Item: it.ID, Field: "position", Kind: ChangeMoved, Old: strconv.Itoa(j + 1), New: strconv.Itoa(i + 1)})
		}
		d.item(&old.Items[j], &new.Items[i])
	}
	for j, it := range old.Items {
		if _, ok := newAt[it.ID]; !ok {
			d.add(Change{Item: it.ID, Field: "item", Kind: ChangeRemoved, Old: it.Kind})
			d.item(&old.Items[j], &Item{ID: it.ID})
		}
	}
	d.ticker(old.Ticker, new.Ticker)
	d.fileList(old.Files, new.Files, namedFiles(old), namedFiles(new))
	return d.out
}

// namedFiles are the bundle paths m's fonts and items name.
func namedFiles(m *Manifest) map[string]bool {
	named := map[string]bool{}
	for _, p := range fontPaths(m.Fonts) {
		named[p] = true
	}
	for _, it := range m.Items {
		for _, p := range it.Images {
			named[p] = true
		}
		for _, p := range guideFiles(it.Guide) {
			named[p] = true
		}
		for _, p := range videoFiles(it.Video) {
			named[p] = true
		}
	}
	return named
}

// fileList lists the files of the manifest's files list that no font or
// item of the new version names (those are shown with the item) added,
// removed or changed (Field "file"), by path: a file nothing names still
// goes out with the bundle, and an approver must see it, even when an
// item of the old version named it (its new bytes are shown nowhere
// else). A file gone with the old item that named it was shown removed
// with that item.
func (d *differ) fileList(a, b []File, namedOld, namedNew map[string]bool) {
	old := make(map[string]File, len(a))
	for _, f := range a {
		old[f.Path] = f
	}
	now := make(map[string]File, len(b))
	for _, f := range b {
		now[f.Path] = f
	}
	for _, p := range unionKeys(old, now) {
		fa, inA := old[p]
		fb, inB := now[p]
		if namedNew[p] || (!inB && namedOld[p]) {
			continue
		}
		switch {
		case !inA:
			d.add(Change{Field: "file", Kind: ChangeAdded, New: fileWords(fb)})
		case !inB:
			d.add(Change{Field: "file", Kind: ChangeRemoved, Old: fileWords(fa)})
		case fa != fb:
			d.add(Change{Field: "file", Kind: ChangeEdited, Old: fileWords(fa), New: fileWords(fb)})
		}
	}
}

// fileWords is a file of the files list as the approve page shows it.
func fileWords(f File) string {
	return fmt.Sprintf("%s (sha256 %.12s, %d bytes)", f.Path, f.SHA256, f.Size)
}

// differ gathers the changes of one Diff.
type differ struct {
	oldFiles, newFiles map[string]File // by bundle path
	out                []Change
}

func (d *differ) add(c Change) { d.out = append(d.out, c) }

// value records the change of one field from a to b, if any.
func (d *differ) value(item, lang, field, a, b string) {
	switch {
	case a == b:
	case a == "":
		d.add(Change{Item: item, Lang: lang, Field: field, Kind: ChangeAdded, New: b})
	case b == "":
		d.add(Change{Item: item, Lang: lang, Field: field, Kind: ChangeRemoved, Old: a})
	default:
		d.add(Change{Item: item, Lang: lang, Field: field, Kind: ChangeEdited, Old: a, New: b})
	}
}

// item records the changes of one item. a or b is the zero Item when the
// item was added or removed (with its ID).
func (d *differ) item(a, b *Item) {
	id := b.ID
	if id == "" {
		id = a.ID
	}
	if a.Kind != "" && b.Kind != "" {
		d.value(id, "", "kind", a.Kind, b.Kind)
	}
	d.value(id, "", "duration", durationString(a.Duration), durationString(b.Duration))
	// An added or removed item shows its layout and fit unless they are
	// the defaults (which loading fills in), so that every added item
	// does not list them.
	la, lb, fa, fb := a.Layout, b.Layout, a.Fit, b.Fit
	if a.Kind == "" || b.Kind == "" {
		la, lb = unlessDefault(la, LayoutSingle), unlessDefault(lb, LayoutSingle)
		fa, fb = unlessDefault(fa, FitContain), unlessDefault(fb, FitContain)
	}
	d.value(id, "", "layout", la, lb)
	d.value(id, "", "fit", fa, fb)
	for _, lang := range unionKeys(a.Text, b.Text) {
		d.value(id, lang, "title", a.Text[lang].Title, b.Text[lang].Title)
		d.value(id, lang, "body", a.Text[lang].Body, b.Text[lang].Body)
	}
	for _, lang := range unionKeys(a.Images, b.Images) {
		d.file(id, lang, "image", a.Images[lang], b.Images[lang])
	}
	d.value(id, "", "schedule", jsonOf(a.Schedule), jsonOf(b.Schedule))
	d.value(id, "", "targets", jsonOf(a.Targets), jsonOf(b.Targets))
	d.guide(id, a.Guide, b.Guide)
	d.video(id, a.Video, b.Video)
}

// guide records the changes of a guide's steps, step by step at the same
// index and field by field: everything a step shows or plays. A step
// added or removed at the end is listed with all it holds.
func (d *differ) guide(id string, a, b *Guide) {
	var sa, sb []Step
	if a != nil {
		sa = a.Steps
	}
	if b != nil {
		sb = b.Steps
	}
	for i := range max(len(sa), len(sb)) {
		var x, y Step
		if i < len(sa) {
			x = sa[i]
		}
		if i < len(sb) {
			y = sb[i]
		}
		at := "guide.steps[" + strconv.Itoa(i) + "]."
		for _, lang := range unionKeys(x.Text, y.Text) {
			d.value(id, lang, at+"title", x.Text[lang].Title, y.Text[lang].Title)
			d.value(id, lang, at+"body", x.Text[lang].Body, y.Text[lang].Body)
		}
		d.file(id, "", at+"picture", x.Picture, y.Picture)
		d.value(id, "", at+"qr", x.QR, y.QR)
		for _, lang := range unionKeys(x.Narration, y.Narration) {
			d.file(id, lang, at+"narration", x.Narration[lang], y.Narration[lang])
		}
	}
}

// video records the changes of a clip: its length, its sound, and each
// rendition (matched by index) with its file and geometry.
func (d *differ) video(id string, a, b *Video) {
	var ra, rb []Rendition
	if a != nil {
		ra = a.Renditions
	}
	if b != nil {
		rb = b.Renditions
	}
	d.value(id, "", "video.duration", videoDuration(a), videoDuration(b))
	d.value(id, "", "video.sound", videoSound(a), videoSound(b))
	for i := range max(len(ra), len(rb)) {
		var x, y Rendition
		var gx, gy string
		if i < len(ra) {
			x, gx = ra[i], ra[i].Geometry()
		}
		if i < len(rb) {
			y, gy = rb[i], rb[i].Geometry()
		}
		at := "video.renditions[" + strconv.Itoa(i) + "]."
		d.file(id, "", at+"file", x.File, y.File)
		d.value(id, "", at+"geometry", gx, gy)
	}
}

// file records the change of a field naming a bundle file: another path,
// or the same path with other bytes (or another size). Each side is shown
// with its hash and size where the files list has it.
func (d *differ) file(item, lang, field, a, b string) {
	fa, inA := d.oldFiles[a]
	fb, inB := d.newFiles[b]
	if a == b && a != "" {
		if fa != fb || inA != inB {
			d.add(Change{Item: item, Lang: lang, Field: field, Kind: ChangeEdited,
				Old: fileShown(a, fa, inA), New: fileShown(b, fb, inB)})
		}
		return
	}
	d.value(item, lang, field, fileShown(a, fa, inA), fileShown(b, fb, inB))
}

// fileShown is a field's bundle path p as the approve page shows it: with
// its hash and size when the files list has it (f, listed).
func fileShown(p string, f File, listed bool) string {
	if p == "" || !listed {
		return p
	}
	return fileWords(f)
}

// files records the files added to, removed from or changed in a set.
func (d *differ) files(item, field string, a, b []string) {
	inA, inB := setOf(a), setOf(b)
	for _, p := range unionKeys(inA, inB) {
		pa, pb := p, p
		if !inA[p] {
			pa = ""
		}
		if !inB[p] {
			pb = ""
		}
		d.file(item, "", field, pa, pb)
	}
}

func setOf(ss []string) map[string]bool {
	set := make(map[string]bool, len(ss))
	for _, s := range ss {
		set[s] = true
	}
	return set
}

// ticker records, language by language, the messages added, removed and
// edited. Messages are matched by their text in order (as a line diff
// matches lines); a message removed where another is added is an edit.
func (d *differ) ticker(a, b []Message) {
	byLangA, byLangB := tickerTexts(a), tickerTexts(b)
	for _, lang := range unionKeys(byLangA, byLangB) {
		ta, tb := byLangA[lang], byLangB[lang]
		i, j := 0, 0
		flush := func(ei, ej int) {
			// The messages between matches: pair them up in order.
			for ; i < ei && j < ej; i, j = i+1, j+1 {
				d.add(Change{Lang: lang, Field: "ticker", Kind: ChangeEdited, Old: ta[i], New: tb[j]})
			}
			for ; i < ei; i++ {
				d.add(Change{Lang: lang, Field: "ticker", Kind: ChangeRemoved, Old: ta[i]})
			}
			for ; j < ej; j++ {
				d.add(Change{Lang: lang, Field: "ticker", Kind: ChangeAdded, New: tb[j]})
			}
		}
		for _, p := range lcs(ta, tb) {
			flush(p[0], p[1])
			i, j = p[0]+1, p[1]+1
		}
		flush(len(ta), len(tb))
	}
}

// tickerTexts returns, by language, the texts of the messages that have
// it, in order: one pass over every message's languages.
func tickerTexts(msgs []Message) map[string][]string {
	out := map[string][]string{}
	for _, m := range msgs {
		for lang, s := range m {
			if s != "" {
				out[lang] = append(out[lang], s)
			}
		}
	}
	return out
}

// maxLCSCells bounds the table lcs builds (4 bytes a cell): a bundle's
// items, or the messages of one ticker language, at the validation caps
// need far less.
const maxLCSCells = 1 << 22

// lcs returns the index pairs of a longest common subsequence of a and b,
// in order. The common head and tail are paired first, in linear time;
// the table is built only for what lies between. Past maxLCSCells it only
// pairs equal strings at the same index there: a coarser diff, in bounded
// memory, of a manifest far larger than any real one.
func lcs(a, b []string) [][2]int {
	var out [][2]int
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		out = append(out, [2]int{head, head})
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	out = append(out, lcsTable(a[head:len(a)-tail], b[head:len(b)-tail], head)...)
	for k := tail; k > 0; k-- {
		out = append(out, [2]int{len(a) - k, len(b) - k})
	}
	return out
}

// lcsTable is lcs of a and b by dynamic programming, with off added to
// every index.
func lcsTable(a, b []string, off int) [][2]int {
	n, m := len(a), len(b)
	var out [][2]int
	if n == 0 || m == 0 {
		return nil
	}
	if (n+1)*(m+1) > maxLCSCells {
		for i := range min(n, m) {
			if a[i] == b[i] {
				out = append(out, [2]int{off + i, off + i})
			}
		}
		return out
	}
	w := m + 1
	t := make([]int32, (n+1)*w) // t[i*w+j]: LCS length of a[i:] and b[j:]
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				t[i*w+j] = t[(i+1)*w+j+1] + 1
			} else {
				t[i*w+j] = max(t[(i+1)*w+j], t[i*w+j+1])
			}
		}
	}
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case a[i] == b[j]:
			out = append(out, [2]int{off + i, off + j})
			i, j = i+1, j+1
		case t[(i+1)*w+j] >= t[i*w+j+1]:
			i++
		default:
			j++
		}
	}
	return out
}

// filesByPath indexes m's files list by path.
func filesByPath(m *Manifest) map[string]File {
	h := make(map[string]File, len(m.Files))
	for _, f := range m.Files {
		h[f.Path] = f
	}
	return h
}

func fontPaths(fs []Font) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.File)
	}
	return out
}

func guideFiles(g *Guide) []string {
	if g == nil {
		return nil
	}
	var out []string
	for _, s := range g.Steps {
		if s.Picture != "" {
			out = append(out, s.Picture)
		}
		for _, l := range slices.Sorted(maps.Keys(s.Narration)) {
			out = append(out, s.Narration[l])
		}
	}
	return out
}

func videoFiles(v *Video) []string {
	if v == nil {
		return nil
	}
	var out []string
	for _, r := range v.Renditions {
		out = append(out, r.File)
	}
	return out
}

// unlessDefault is v, or "" when v is the default def.
func unlessDefault(v, def string) string {
	if v == def {
		return ""
	}
	return v
}

// videoDuration is a clip's length, "" without a clip.
func videoDuration(v *Video) string {
	if v == nil {
		return ""
	}
	return durationString(v.Duration)
}

// videoSound says whether a clip plays its sound, "" without a clip.
func videoSound(v *Video) string {
	switch {
	case v == nil:
		return ""
	case v.Sound:
		return "with sound"
	default:
		return "silent"
	}
}

func durationString(d Duration) string {
	if d == 0 {
		return ""
	}
	return time.Duration(d).String()
}

// jsonOf is v as compact JSON, "" for nil or empty.
func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	switch s := string(b); s {
	case "null", "[]", "{}":
		return ""
	default:
		return s
	}
}

func unionKeys[V any](a, b map[string]V) []string {
	return union(slices.Collect(maps.Keys(a)), slices.Collect(maps.Keys(b)))
}

// union returns the distinct strings of a and b, sorted.
func union(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}
