package studio

import (
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // uploaded pictures
	_ "image/png"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/vnict/kiosk/content"
)

// langNames are the interface's names of the languages sites show.
var langNames = map[string]string{
	"vi": "Tiếng Việt", "km": "Tiếng Khmer (ខ្មែរ)", "lo": "Tiếng Lào (ລາວ)", "zh": "Tiếng Trung (中文)",
	"en": "Tiếng Anh (English)", "hmn": "Tiếng H'Mông (Hmoob)", "th": "Tiếng Thái (ไทย)",
}

type langInfo struct{ Tag, Name string }

// languages are the languages offered for texts: the sites' languages,
// in the order of the sites, then any other the bundle already has.
func (s *Server) languages(m *content.Manifest) []langInfo {
	var tags []string
	add := func(t string) {
		if t != "" && t != content.AnyLanguage && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	for _, c := range s.sites {
		for _, l := range c.Languages {
			add(l)
		}
	}
	if m != nil {
		for _, it := range m.Items {
			for _, l := range slices.Sorted(mapsKeys(it.Text)) {
				add(l)
			}
		}
		for _, msg := range m.Ticker {
			for _, l := range slices.Sorted(mapsKeys(msg)) {
				add(l)
			}
		}
	}
	if len(tags) == 0 {
		tags = []string{"vi"}
	}
	out := make([]langInfo, len(tags))
	for i, t := range tags {
		name := langNames[t]
		if name == "" {
			name = t
		}
		out[i] = langInfo{t, name}
	}
	return out
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

type langText struct {
	Lang, Name, Title, Body string
	Findings                []finding
}

type itemView struct {
	ID, Kind, KindName string
	Duration           string
	Layout, Fit        string
	Texts              []langText
	Images             []string
	Findings           []finding // of the item as a whole
	First, Last        bool
	Editable           bool
	Summary            string // for the kinds shown read-only
	Schedule           scheduleView
}

// scheduleView is an item's schedule as the edit form shows it.
type scheduleView struct {
	Set                bool
	From, Until, Hours string
	Days               []dayChoice
	Priority, Weight   string
}

type dayChoice struct {
	Value, Name string
	Checked     bool
}

// weekdays are the schedule's days, Monday first, as Vietnam writes them.
var weekdays = []struct{ value, name string }{
	{"mon", "Thứ hai"}, {"tue", "Thứ ba"}, {"wed", "Thứ tư"}, {"thu", "Thứ năm"},
	{"fri", "Thứ sáu"}, {"sat", "Thứ bảy"}, {"sun", "Chủ nhật"},
}

func makeScheduleView(sc *content.Schedule) scheduleView {
	v := scheduleView{}
	if sc != nil {
		v.Set, v.From, v.Until = true, sc.From, sc.Until
		var hours []string
		for _, w := range sc.Hours {
			hours = append(hours, w.From+"-"+w.Until)
		}
		v.Hours = strings.Join(hours, ", ")
		if sc.Priority != 0 {
			v.Priority = strconv.Itoa(sc.Priority)
		}
		if sc.Weight != 0 {
			v.Weight = strconv.Itoa(sc.Weight)
		}
	}
	for _, d := range weekdays {
		v.Days = append(v.Days, dayChoice{d.value, d.name, sc != nil && slices.Contains(sc.Weekdays, d.value)})
	}
	return v
}

// scheduleFrom reads the schedule fields of an edit form; nil when they
// say nothing (the item plays at all times). content validates the values.
func scheduleFrom(f *postForm) (*content.Schedule, error) {
	sc := &content.Schedule{From: strings.TrimSpace(f.get("sched-from")), Until: strings.TrimSpace(f.get("sched-until"))}
	for _, d := range weekdays {
		if slices.Contains(f.values["sched-days"], d.value) {
			sc.Weekdays = append(sc.Weekdays, d.value)
		}
	}
	if len(sc.Weekdays) == len(weekdays) {
		sc.Weekdays = nil
	}
	for _, w := range strings.Split(f.get("sched-hours"), ",") {
		if w = strings.TrimSpace(w); w == "" {
			continue
		}
		from, until, ok := strings.Cut(strings.ReplaceAll(w, "–", "-"), "-")
		if !ok {
			return nil, fmt.Errorf("giờ chiếu %q: cần dạng 06:00-11:00 (hours)", clipLog(w))
		}
		sc.Hours = append(sc.Hours, content.Window{From: strings.TrimSpace(from), Until: strings.TrimSpace(until)})
	}
	for _, n := range []struct {
		field string
		to    *int
	}{{"sched-priority", &sc.Priority}, {"sched-weight", &sc.Weight}} {
		if v := strings.TrimSpace(f.get(n.field)); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("%q: cần một số nguyên (a whole number)", clipLog(v))
			}
			*n.to = i
		}
	}
	if sc.From == "" && sc.Until == "" && len(sc.Weekdays) == 0 && len(sc.Hours) == 0 && sc.Priority == 0 && sc.Weight == 0 {
		return nil, nil
	}
	return sc, nil
}

type editorData struct {
	pageData
	ID, Title   string
	Version     int64
	Rev         string
	Langs       []langInfo
	Items       []itemView
	Ticker      [][]langText
	NewTicker   []langText
	Findings    []finding // of the bundle as a whole
	LintSites   []string
	LintSummary string
	Video       bool
}

var kindNames = map[string]string{
	content.KindText: "Chữ (text)", content.KindImage: "Ảnh (image)",
	content.KindGuide: "Hướng dẫn (guide)", content.KindVideo: "Video",
}

func (s *Server) bundlesPage(w http.ResponseWriter, r *http.Request) {
	list, err := s.listBundles()
	data := &struct {
		pageData
		Bundles []bundleSummary
	}{s.page(r, "Bản tin (bundles)", "bundles"), list}
	if err != nil {
		data.Flash = append(data.Flash, flash{"error", err.Error()})
	}
	for _, n := range s.siteNote {
		data.Flash = append(data.Flash, flash{"error", n})
	}
	s.render(w, r, "bundles", data)
}

func (s *Server) createBundle(w http.ResponseWriter, r *http.Request, f *postForm) {
	id := strings.TrimSpace(f.get("id"))
	if !idPattern.MatchString(id) {
		s.fail(w, r, f, "/", fmt.Errorf("mã bản tin %q: 1-64 ký tự a-z, 0-9, '.', '_', '-', bắt đầu bằng chữ hoặc số (bundle ID)", clipLog(id)))
		return
	}
	if err := newBundle(s.opt.Workspace, id, s.now()); err != nil {
		s.fail(w, r, f, "/", err)
		return
	}
	s.log.Info("bundle created", "bundle", id, "user", f.sess.user)
	f.sess.addFlash("ok", "Đã tạo bản tin "+id)
	http.Redirect(w, r, "/bundles/"+id, http.StatusSeeOther)
}

// fail shows err on the page at back.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, f *postForm, back string, err error) {
	s.log.Warn("studio action refused", "path", r.URL.Path, "user", f.sess.user, "err", err)
	f.sess.addFlash("error", err.Error())
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (s *Server) editorPage(w http.ResponseWriter, r *http.Request) {
	id, dir, d, ok := s.pageDraft(w, r)
	if !ok {
		return
	}
	data := &editorData{pageData: s.page(r, "Soạn "+id, "bundles"), ID: id, Title: d.m.Title, Version: d.m.Version, Rev: d.rev,
		Langs: s.languages(&d.m), Video: s.opt.FFmpeg != ""}
	lint := s.lintBundle(r.Context(), dir, d)
	data.LintSites, data.LintSummary = lint.sites, lint.summary
	byItem := map[string][]finding{}
	for _, f := range lint.findings {
		if f.Item == "" {
			data.Findings = append(data.Findings, f)
			continue
		}
		byItem[f.Item] = append(byItem[f.Item], f)
	}
	for i, it := range d.m.Items {
		v := itemView{ID: it.ID, Kind: it.Kind, KindName: kindNames[it.Kind], Layout: it.Layout, Fit: it.Fit,
			First: i == 0, Last: i == len(d.m.Items)-1, Editable: it.Kind == content.KindText || it.Kind == content.KindImage,
			Schedule: makeScheduleView(it.Schedule)}
		if it.Duration != 0 {
			v.Duration = time.Duration(it.Duration).String()
		}
		for _, p := range slices.Sorted(mapsKeys(it.Images)) {
			v.Images = append(v.Images, it.Images[p])
		}
		for _, l := range data.Langs {
			t, ok := it.Text[l.Tag]
			lt := langText{Lang: l.Tag, Name: l.Name, Title: t.Title, Body: t.Body}
			for _, f := range byItem[it.ID] {
				if f.Lang == l.Tag {
					lt.Findings = append(lt.Findings, f)
				}
			}
			if ok || it.Kind == content.KindText {
				v.Texts = append(v.Texts, lt)
			} else {
				v.Findings = append(v.Findings, lt.Findings...)
			}
		}
		for _, f := range byItem[it.ID] {
			if !slices.ContainsFunc(data.Langs, func(l langInfo) bool { return l.Tag == f.Lang }) {
				v.Findings = append(v.Findings, f)
			}
		}
		switch it.Kind {
		case content.KindGuide:
			if it.Guide != nil {
				v.Summary = fmt.Sprintf("%d bước (steps); chỉ xem, được giữ nguyên khi lưu (read-only, kept as it is)", len(it.Guide.Steps))
			}
		case content.KindVideo:
			if it.Video != nil {
				v.Summary = fmt.Sprintf("%.1f giây, %d bản mã hoá (renditions)", time.Duration(it.Video.Duration).Seconds(), len(it.Video.Renditions))
			}
		}
		data.Items = append(data.Items, v)
	}
	for _, msg := range d.m.Ticker {
		var row []langText
		for _, l := range data.Langs {
			row = append(row, langText{Lang: l.Tag, Name: l.Name, Body: msg[l.Tag]})
		}
		data.Ticker = append(data.Ticker, row)
	}
	for _, l := range data.Langs {
		data.NewTicker = append(data.NewTicker, langText{Lang: l.Tag, Name: l.Name})
	}
	s.render(w, r, "editor", data)
}

// parseDuration reads a duration field: "", seconds ("8") or a Go
// duration ("8s", "1m30s").
func parseDuration(v string) (content.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	if n, err := strconv.Atoi(v); err == nil {
		v = strconv.Itoa(n) + "s"
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < content.MinDuration || d > content.MaxDuration {
		return 0, fmt.Errorf("thời lượng %q: từ 1 giây đến 10 phút, ví dụ 8s hoặc 1m30s (duration)", clipLog(v))
	}
	return content.Duration(d), nil
}

// textsFrom reads the text fields of each language offered; a language
// with neither title nor body is left out.
func textsFrom(f *postForm, langs []langInfo) map[string]content.Text {
	out := map[string]content.Text{}
	for _, l := range langs {
		t := content.Text{
			Title: strings.TrimSpace(f.get("title-" + l.Tag)),
			Body:  strings.TrimSpace(strings.ReplaceAll(f.get("body-"+l.Tag), "\r\n", "\n")),
		}
		if t.Title != "" || t.Body != "" {
			out[l.Tag] = t
		}
	}
	return out
}

func layoutFrom(v string) string {
	if v == content.LayoutSideBySide {
		return v
	}
	return content.LayoutSingle
}

func (s *Server) addText(w http.ResponseWriter, r *http.Request, f *postForm) {
	id := r.PathValue("id")
	back := "/bundles/" + id
	itemID := strings.TrimSpace(f.get("id"))
	dur, err := parseDuration(f.get("duration"))
	if err == nil && !idPattern.MatchString(itemID) {
		err = fmt.Errorf("mã mục %q: 1-64 ký tự a-z, 0-9, '.', '_', '-' (item ID)", clipLog(itemID))
	}
	if err != nil {
		s.fail(w, r, f, back, err)
		return
	}
	_, err = s.edit(id, f.get("rev"), func(m *content.Manifest) error {
		if itemIndex(m, itemID) >= 0 {
			return fmt.Errorf("mã mục %s đã có trong bản tin (item ID in use)", itemID)
		}
		texts := textsFrom(f, s.languages(m))
		if len(texts) == 0 {
			return errors.New("cần tiêu đề hoặc nội dung ở ít nhất một ngôn ngữ (text in at least one language)")
		}
		m.Items = append(m.Items, content.Item{ID: itemID, Kind: content.KindText, Duration: dur,
			Layout: layoutFrom(f.get("layout")), Text: texts})
		return nil
	})
	if err != nil {
		s.fail(w, r, f, back, err)
		return
	}
	s.log.Info("item added", "bundle", id, "item", itemID, "kind", content.KindText, "user", f.sess.user)
	f.sess.addFlash("ok", "Đã thêm mục "+itemID)
	http.Redirect(w, r, back+"#item-"+itemID, http.StatusSeeOther)
}

func (s *Server) editItem(w http.ResponseWriter, r *http.Request, f *postForm) {
	id, itemID := r.PathValue("id"), r.PathValue("item")
	back := "/bundles/" + id
	dur, err := parseDuration(f.get("duration"))
	var sched *content.Schedule
	if err == nil && f.get("sched") != "" {
		sched, err = scheduleFrom(f)
	}
	if err != nil {
		s.fail(w, r, f, back, err)
		return
	}
	_, err = s.edit(id, f.get("rev"), func(m *content.Manifest) error {
		i := itemIndex(m, itemID)
		if i < 0 {
			return fmt.Errorf("không có mục %s (no such item)", clipLog(itemID))
		}
		it := &m.Items[i]
		switch it.Kind {
		case content.KindText:
			texts := textsFrom(f, s.languages(m))
			if len(texts) == 0 {
				return errors.New("cần tiêu đề hoặc nội dung ở ít nhất một ngôn ngữ (text in at least one language)")
			}
			it.Text = texts
			it.Layout = layoutFrom(f.get("layout"))
		case content.KindImage:
			it.Fit = content.FitContain
			if f.get("fit") == content.FitFill {
				it.Fit = content.FitFill
			}
		default:
			return fmt.Errorf("mục %s (%s) chỉ xem được ở đây (read-only here)", itemID, it.Kind)
		}
		it.Duration = dur
		if f.get("sched") != "" {
			it.Schedule = sched
		}
		return nil
	})
	if err != nil {
		s.fail(w, r, f, back, err)
		return
	}
	s.log.Info("item saved", "bundle", id, "item", itemID, "user", f.sess.user)
	f.sess.addFlash("ok", "Đã lưu mục "+itemID)
	http.Redirect(w, r, back+"#item-"+itemID, http.StatusSeeOther)
}

func (s *Server) deleteItem(w http.ResponseWriter, r *http.Request, f *postForm) {
	id, itemID := r.PathValue("id"), r.PathValue("item")
	back := "/bundles/" + id
	_, err := s.edit(id, f.get("rev"), func(m *content.Manifest) error {
		i := itemIndex(m, itemID)
		if i < 0 {
			return fmt.Errorf("không có mục %s (no such item)", clipLog(itemID))
		}
		m.Items = slices.Delete(m.Items, i, i+1)
		return nil
	})
	if err == nil {
		err = s.removeUnused(id)
	}
	if err != nil {
		s.fail(w, r, f, back, err)
		return
	}
	s.log.Info("item deleted", "bundle", id, "item", itemID, "user", f.sess.user)
	f.sess.addFlash("ok", "Đã xoá mục "+itemID)
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (s *Server) moveItem(w http.ResponseWriter, r *http.Request, f *postForm) {
	id, itemID := r.PathValue("id"), r.PathValue("item")
	back := "/bundles/" + id
	_, err := s.edit(id, f.get("rev"), func(m *content.Manifest) error {
		i := itemIndex(m, itemID)
		if i < 0 {
			return fmt.Errorf("không có mục %s (no such item)", clipLog(itemID))
		}
		j := i - 1
		if f.get("dir") == "down" {
			j = i + 1
		}
		if j < 0 || j >= len(m.Items) {
			return nil
		}
		m.Items[i], m.Items[j] = m.Items[j], m.Items[i]
		return nil
	})
	if err != nil {
		s.fail(w, r, f, back, err)
		return
	}
	http.Redirect(w, r, back+"#item-"+itemID, http.StatusSeeOther)
}

func (s *Server) saveTicker(w http.ResponseWriter, r *http.Request, f *postForm) {
	id := r.PathValue("id")
	back := "/bundles/" + id
	_, err := s.edit(id, f.get("rev"), func(m *content.Manifest) error {
		langs := s.languages(m)
		var ticker []content.Message
		for i := 0; i <= len(m.Ticker); i++ {
			msg := content.Message{}
			for _, l := range langs {
				if v := strings.TrimSpace(f.get(fmt.Sprintf("ticker-%d-%s", i, l.Tag))); v != "" {
					msg[l.Tag] = strings.Join(strings.Fields(v), " ")
				}
			}
			if len(msg) > 0 {
				ticker = append(ticker, msg)
			}
		}
		if t := strings.TrimSpace(f.get("title")); utf8.RuneCountInString(t) <= content.MaxTitleRunes {
			m.Title = t
		}
		m.Ticker = ticker
		return nil
	})
	if err != nil {
		s.fail(w, r, f, back, err)
		return
	}
	s.log.Info("ticker saved", "bundle", id, "user", f.sess.user)
	f.sess.addFlash("ok", "Đã lưu dòng chữ chạy (ticker saved)")
	http.Redirect(w, r, back+"#ticker", http.StatusSeeOther)
}

// uploadName makes the bundle file name of an upload from the name the
// browser gave, which is never trusted: a name with a path in it is
// refused, and the rest is cut down to lower-case a-z, 0-9, '.', '_', '-'
// with one of exts as its extension.
func uploadName(given string, exts []string) (string, error) {
	if given == "" || strings.ContainsAny(given, "/\\\x00:") || strings.Contains(given, "..") {
		return "", fmt.Errorf("tên tệp %q không hợp lệ (a file name with a path is refused)", clipLog(given))
	}
	ext := strings.ToLower(path.Ext(given))
	if ext == ".jpeg" {
		ext = ".jpg"
	}
	if !slices.Contains(exts, ext) {
		return "", fmt.Errorf("tệp %q: cần %s (file type)", clipLog(given), strings.Join(exts, ", "))
	}
	var b strings.Builder
	dash := false
	// Vietnamese letters lose their marks ("Bản đồ" becomes "ban-do").
	base := norm.NFD.String(strings.ToLower(strings.TrimSuffix(given, path.Ext(given))))
	for _, c := range base {
		if unicode.Is(unicode.Mn, c) {
			continue
		}
		if c == 'đ' {
			c = 'd'
		}
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_':
			b.WriteRune(c)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 48 {
			break
		}
	}
	base = strings.Trim(b.String(), "-")
	if base == "" {
		base = "file"
	}
	return base + ext, nil
}

// givenName is the file name the browser sent, as it sent it:
// multipart.Part.FileName would cut a path off silently, and a name with a
// path in it is refused instead.
func givenName(p *multipart.Part) string {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return ""
	}
	return params["filename"]
}

// receive writes an upload's part into dir/sub of the bundle through an
// os.Root, as a temporary file, at most max bytes, refusing symbolic
// links on the way; it returns the temporary file's bundle path.
func receive(root *os.Root, sub string, part io.Reader, max int64) (string, error) {
	if err := checkNoLinks(root, sub); err != nil {
		return "", err
	}
	if err := root.MkdirAll(sub, 0o755); err != nil {
		return "", err
	}
	if err := checkNoLinks(root, sub); err != nil {
		return "", err
	}
	tmp := sub + "/.upload-" + randomToken()[:16]
	out, err := root.OpenFile(filepath.FromSlash(tmp), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return "", err
	}
	n, err := io.Copy(out, io.LimitReader(part, max+1))
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || err == nil && n > max {
		err = fmt.Errorf("tệp lớn hơn %d MiB (file too large)", max>>20)
	}
	if err == nil && n == 0 {
		err = errors.New("tệp rỗng (empty file)")
	}
	if err != nil {
		root.Remove(filepath.FromSlash(tmp))
		return "", err
	}
	return tmp, nil
}

// install renames the temporary upload tmp to a free name dir/name (name,
// name-2, ...) and returns its bundle path.
func install(root *os.Root, tmp, dir, name string) (string, error) {
	ext := path.Ext(name)
	base := strings.TrimSuffix(name, ext)
	for n := 1; n < 1000; n++ {
		p := dir + "/" + name
		if n > 1 {
			p = fmt.Sprintf("%s/%s-%d%s", dir, base, n, ext)
		}
		if _, err := root.Lstat(filepath.FromSlash(p)); errors.Is(err, fs.ErrNotExist) {
			if err := root.Rename(filepath.FromSlash(tmp), filepath.FromSlash(p)); err != nil {
				return "", err
			}
			return p, nil
		}
	}
	return "", fmt.Errorf("no free name for %s in %s", name, dir)
}

// checkPicture checks an uploaded picture is a PNG or JPEG that content
// accepts (its pixels bounded), by its bytes, not its name.
func checkPicture(root *os.Root, p string) error {
	f, err := root.Open(filepath.FromSlash(p))
	if err != nil {
		return err
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(io.LimitReader(f, 1<<20))
	if err != nil || (format != "png" && format != "jpeg") {
		return errors.New("tệp không phải ảnh PNG hoặc JPEG (not a PNG or JPEG picture)")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > content.MaxImagePixels {
		return fmt.Errorf("ảnh %dx%d quá lớn (picture too large: at most %d pixels)", cfg.Width, cfg.Height, content.MaxImagePixels)
	}
	return nil
}

func (s *Server) addImage(w http.ResponseWriter, r *http.Request, f *postForm) {
	id := r.PathValue("id")
	back := "/bundles/" + id
	dir, err := s.bundleDir(id)
	if err != nil {
		s.fail(w, r, f, "/", err)
		return
	}
	itemID, p, err := s.receiveUpload(dir, f, "images", []string{".png", ".jpg"}, maxImageUpload-1<<20, checkPicture)
	if err != nil {
		s.fail(w, r, f, back, err)
		return
	}
	dur, err := parseDuration(f.get("duration"))
	if err == nil {
		_, err = s.edit(id, f.get("rev"), func(m *content.Manifest) error {
			if itemIndex(m, itemID) >= 0 {
				return fmt.Errorf("mã mục %s đã có trong bản tin (item ID in use)", itemID)
			}
			fit := content.FitContain
			if f.get("fit") == content.FitFill {
				fit = content.FitFill
			}
			m.Items = append(m.Items, content.Item{ID: itemID, Kind: content.KindImage, Duration: dur,
				Layout: content.LayoutSingle, Images: map[string]string{content.AnyLanguage: p}, Fit: fit})
			return nil
		})
	}
	if err != nil {
		if root, rerr := os.OpenRoot(dir); rerr == nil {
			root.Remove(filepath.FromSlash(p))
			root.Close()
		}
		s.fail(w, r, f, back, err)
		return
	}
	s.log.Info("item added", "bundle", id, "item", itemID, "kind", content.KindImage, "file", p, "user", f.sess.user)
	f.sess.addFlash("ok", "Đã thêm ảnh "+itemID)
	http.Redirect(w, r, back+"#item-"+itemID, http.StatusSeeOther)
}

// receiveUpload reads an upload form: its fields, and its one file part
// written into sub of the bundle in dir under a sanitised name, checked
// by check. It returns the item ID (the id field, or one made from the
// file's name) and the file's bundle path.
func (s *Server) receiveUpload(dir string, f *postForm, sub string, exts []string, max int64,
	check func(root *os.Root, p string) error) (string, string, error) {
	part, err := f.nextFile()
	if err != nil {
		return "", "", err
	}
	if part == nil {
		return "", "", errors.New("chưa chọn tệp (no file)")
	}
	name, err := uploadName(givenName(part), exts)
	if err != nil {
		return "", "", err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", "", err
	}
	defer root.Close()
	tmp, err := receive(root, sub, part, max)
	if err != nil {
		return "", "", err
	}
	keep := false
	defer func() {
		if !keep {
			root.Remove(filepath.FromSlash(tmp))
		}
	}()
	if err := f.restFields(); err != nil {
		return "", "", err
	}
	if err := check(root, tmp); err != nil {
		return "", "", err
	}
	itemID := strings.TrimSpace(f.get("id"))
	if itemID == "" {
		itemID = strings.TrimSuffix(name, path.Ext(name))
	}
	if !idPattern.MatchString(itemID) {
		return "", "", fmt.Errorf("mã mục %q: 1-64 ký tự a-z, 0-9, '.', '_', '-' (item ID)", clipLog(itemID))
	}
	p, err := install(root, tmp, sub, name)
	if err != nil {
		return "", "", err
	}
	keep = true
	return itemID, p, nil
}

// bundleFile serves a picture of a bundle, for the editor's thumbnails:
// only files the manifest lists under images/, read through os.Root.
func (s *Server) bundleFile(w http.ResponseWriter, r *http.Request) {
	dir, err := s.bundleDir(r.PathValue("id"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	p := r.PathValue("path")
	d, err := s.draft(dir)
	if err != nil || !strings.HasPrefix(p, "images/") || !slices.ContainsFunc(d.m.Files, func(f content.File) bool { return f.Path == p }) {
		http.NotFound(w, r)
		return
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer root.Close()
	if checkNoLinks(root, p) != nil {
		http.NotFound(w, r)
		return
	}
	fl, err := root.Open(filepath.FromSlash(p))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer fl.Close()
	ct := "image/png"
	if strings.HasSuffix(p, ".jpg") || strings.HasSuffix(p, ".jpeg") {
		ct = "image/jpeg"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "private, max-age=60")
	io.Copy(w, io.LimitReader(fl, 64<<20))
}
