package studio

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/internal/atomicfile"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/publish"
	"github.com/vnict/kiosk/sync/trust"
)

// errNoStore is a studio started without a publication store.
var errNoStore = errors.New("Chưa có kho xuất bản: chạy lại với --store và --root (no publication store)")

func (s *Server) department() (publish.Department, error) {
	if s.opt.Store == nil || len(s.opt.Root) == 0 {
		return publish.Department{}, errNoStore
	}
	return publish.Department{Store: s.opt.Store, Root: s.opt.Root, StateDir: s.opt.StateDir}, nil
}

// change is one line of the approve page's comparison; Old and New show
// invisible characters by name.
type change struct {
	Kind, Item, Lang, Field string
	Old, New                template.HTML
}

type choice struct {
	Value, Label string
	Checked      bool
}

type approveData struct {
	pageData
	ID               string
	Rev              string // SHA-256 of the manifest.json this page shows
	Version          int64
	NextVersion      int64 // the version to raise to before signing, or 0
	PublishedVersion int64
	Published        bool
	Changes          []change
	DiffNote         string
	Signed, Missing  []string
	Threshold        int
	Ready            bool
	Staged           string // what is staged, in words
	StagedOther      bool   // something else than this bundle is staged
	Sites, Groups    []choice
	CanSign          bool
	PlainKey         bool
	KeyFile          string
	LintErrors       int
	LintSummary      string
	// Previews are the slides of the manifest Rev, per kind of screen,
	// as thumbnails: what the approver looks at is what is signed.
	Previews     []previewSite
	MorePreviews []string
	Error        string
}

// thumbShrink is how much smaller than the site's screen the approve
// page shows a slide.
const thumbShrink = 6

func (s *Server) approvePage(w http.ResponseWriter, r *http.Request) {
	id, dir, d, ok := s.pageDraft(w, r)
	if !ok {
		return
	}
	data := &approveData{pageData: s.page(r, "Duyệt "+id+" (approve)", "bundles"), ID: id, Rev: d.rev, Version: d.m.Version,
		KeyFile: filepath.Base(s.opt.KeyFile)}
	lint := s.lintBundle(r.Context(), dir, d)
	data.LintErrors, data.LintSummary = lint.errors(), lint.summary
	if len(d.m.Items) > 0 {
		data.Previews, data.MorePreviews = s.previewSites(dir, d, lintGroups(s.sites, targeted(&d.m)), thumbShrink)
	}
	var target layout.Targeting
	if err := s.approveState(r.Context(), id, dir, &d.m, data, &target); err != nil {
		data.Error = err.Error()
	}
	if data.Published && data.Version <= data.PublishedVersion {
		data.NextVersion = data.PublishedVersion + 1
	}
	groups := map[string]bool{}
	for _, c := range s.sites {
		data.Sites = append(data.Sites, choice{c.Site.ID, c.Site.ID + " — " + c.Site.Name, slices.Contains(target.Sites, c.Site.ID)})
		for _, g := range c.Site.Groups {
			groups[g] = true
		}
	}
	for _, g := range slices.Sorted(mapsKeys(groups)) {
		data.Groups = append(data.Groups, choice{g, g, slices.Contains(target.Groups, g)})
	}
	if s.opt.KeyFile != "" {
		if k, err := trust.ReadPrivateKey(s.opt.KeyFile); err != nil {
			data.Error = strings.TrimSpace(data.Error + " Khoá (--key): " + err.Error())
		} else {
			data.CanSign, data.PlainKey = true, !k.Encrypted()
		}
	}
	s.render(w, r, "approve", data)
}

// approveState fills data with what the store says: the published
// version and the comparison with it, the staged approval and its
// targeting (into target, so a second approver signs the same).
func (s *Server) approveState(ctx context.Context, id, dir string, m *content.Manifest, data *approveData, target *layout.Targeting) error {
	dep, err := s.department()
	if err != nil {
		return err
	}
	var old *content.Manifest
	pub, err := dep.PublishedBundle(ctx, id, s.now())
	switch {
	case err == nil:
		old, *target = pub.Manifest, pub.Targeting
		data.Published, data.PublishedVersion = true, pub.Manifest.Version
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("đọc bản đã xuất bản (published): %w", err)
	}
	for _, c := range content.Diff(old, m) {
		data.Changes = append(data.Changes, change{Kind: c.Kind, Item: c.Item, Lang: c.Lang, Field: fieldLabel(c.Field), Old: showInvisible(c.Old), New: showInvisible(c.New)})
	}
	if len(data.Changes) == 0 {
		data.DiffNote = "Không có thay đổi so với bản đã xuất bản (no changes)"
	}
	st, err := dep.StagedStatus(ctx)
	switch {
	case errors.Is(err, trust.ErrNothingStaged):
		data.Staged = "Chưa có bản nào chờ ký (nothing staged): người ký đầu tiên tạo bản chờ ký."
		data.Missing, data.Threshold, err = rootApprovers(ctx, dep)
		return err
	case err != nil:
		return fmt.Errorf("đọc chữ ký (staged status): %w", err)
	}
	data.Signed, data.Missing, data.Threshold, data.Ready = st.Signed, st.Missing, st.Threshold, st.Ready
	staged, err := dep.StagedBundle(ctx, id)
	var stagedRev string
	if err == nil {
		sum := sha256.Sum256(staged.Raw)
		stagedRev = hex.EncodeToString(sum[:])
	}
	switch {
	case err == nil && stagedRev == data.Rev:
		*target = staged.Targeting
		data.Staged = fmt.Sprintf("Bản chờ ký v%d có đúng bản tin này, gửi tới %s (the staged publication holds this bundle as it is).", st.Version, targetingWords(staged.Targeting))
	case err == nil:
		*target = staged.Targeting
		data.StagedOther = true
		data.Staged = fmt.Sprintf("Bản chờ ký v%d có bản tin này như nó đã từng là, không như bây giờ (the staging holds another version of this bundle): ký ở đây sẽ bị từ chối; xuất bản hoặc huỷ bản chờ ký trước (kioskctl discard).", st.Version)
	case errors.Is(err, fs.ErrNotExist):
		data.StagedOther = true
		data.Staged = fmt.Sprintf("Bản chờ ký v%d là của bản tin khác (the staging is another bundle's): ký ở đây sẽ bị từ chối; xuất bản hoặc huỷ nó trước (kioskctl discard).", st.Version)
	default:
		return fmt.Errorf("đọc bản chờ ký (staged): %w", err)
	}
	return nil
}

// fieldNames are the approve page's words for content.Change fields.
var fieldNames = map[string]string{
	"item": "mục (item)", "position": "vị trí (position)", "kind": "loại (kind)", "duration": "thời lượng (duration)",
	"layout": "bố cục (layout)", "fit": "cách đặt ảnh (fit)", "title": "tiêu đề (title)", "body": "nội dung (body)",
	"image": "ảnh (image)", "schedule": "lịch (schedule)", "targets": "điểm nhận (targets)",
	"bundle-title": "tiêu đề bản tin (bundle title)", "font": "phông chữ (font)",
	"requires": "tính năng cần (requires)", "bundle-targets": "điểm nhận bản tin (bundle targets)", "ticker": "chữ chạy (ticker)",
	"file": "tệp không mục nào dùng (a file no item uses)",
}

// partNames are the approve page's words for the parts of a guide's step
// and of a video's rendition.
var partNames = map[string]string{
	"title": "tiêu đề (title)", "body": "nội dung (body)", "picture": "ảnh (picture)", "qr": "mã QR (QR code)",
	"narration": "lời đọc (narration)", "file": "tệp (file)", "geometry": "khổ hình (geometry)",
	"duration": "thời lượng (duration)", "sound": "âm thanh (sound)",
}

// fieldLabel is the approve page's words for a content.Change field:
// "guide.steps[2].qr" reads "hướng dẫn, bước 3: mã QR (QR code)". A field
// it has no words for shows as it is.
func fieldLabel(field string) string {
	if w, ok := fieldNames[field]; ok {
		return w
	}
	for _, p := range []struct{ prefix, words, unit string }{
		{"guide.steps[", "hướng dẫn (guide)", "bước (step)"},
		{"video.renditions[", "video", "bản (rendition)"},
	} {
		rest, ok := strings.CutPrefix(field, p.prefix)
		if !ok {
			continue
		}
		num, part, ok := strings.Cut(rest, "].")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n < 0 {
			break
		}
		label := fmt.Sprintf("%s, %s %d", p.words, p.unit, n+1)
		if w, ok := partNames[part]; ok {
			return label + ": " + w
		}
		return label + ": " + part
	}
	if part, ok := strings.CutPrefix(field, "video."); ok {
		if w, ok := partNames[part]; ok {
			return "video: " + w
		}
	}
	return field
}

// targetingFrom reads the sites and groups ticked, each one a site or
// group of the site configs.
func (s *Server) targetingFrom(f *postForm) (layout.Targeting, error) {
	var to layout.Targeting
	known := map[string]bool{}
	groups := map[string]bool{}
	for _, c := range s.sites {
		known[c.Site.ID] = true
		for _, g := range c.Site.Groups {
			groups[g] = true
		}
	}
	var err error
	if to.Sites, err = ticked(f.values["sites"], known, "điểm %q không có trong --sites (unknown site)"); err != nil {
		return to, err
	}
	if to.Groups, err = ticked(f.values["groups"], groups, "nhóm %q không có trong --sites (unknown group)"); err != nil {
		return to, err
	}
	slices.Sort(to.Sites)
	slices.Sort(to.Groups)
	return to, nil
}

// ticked returns the names in a form's values (each value a name or a
// comma-separated list), once each, refusing one not in known with
// unknown's message.
func ticked(values []string, known map[string]bool, unknown string) ([]string, error) {
	var out []string
	for _, v := range values {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name == "" {
				continue
			}
			if !known[name] {
				return nil, fmt.Errorf(unknown, clipLog(name))
			}
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out, nil
}

// errWrongPassphrase is a passphrase that does not open the key.
var errWrongPassphrase = errors.New("sai mật khẩu của khoá (wrong passphrase)")

// openKey opens the key file at path with the passphrase typed, which is
// zeroed before openKey returns, whatever happens.
func openKey(path string, passphrase []byte) (signature.Signer, error) {
	defer clear(passphrase)
	k, err := trust.ReadPrivateKey(path)
	if err != nil {
		return nil, err
	}
	signer, err := k.Signer(passphrase)
	if errors.Is(err, trust.ErrPassphrase) {
		return nil, errWrongPassphrase
	}
	return signer, err
}

func (s *Server) sign(w http.ResponseWriter, r *http.Request, f *postForm) {
	id := r.PathValue("id")
	back := "/bundles/" + id + "/approve"
	err := s.signBundle(r.Context(), id, f)
	if err != nil {
		s.fail(w, r, f, back, err)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (s *Server) signBundle(ctx context.Context, id string, f *postForm) error {
	passphrase := f.secret
	defer clear(passphrase)
	if s.opt.KeyFile == "" {
		return errors.New("studio này không có khoá người duyệt: chạy lại với --key (no approver key)")
	}
	dep, err := s.department()
	if err != nil {
		return err
	}
	dir, err := s.bundleDir(id)
	if err != nil {
		return err
	}
	to, err := s.targetingFrom(f)
	if err != nil {
		return err
	}
	// The manifest is read once, and must be the one the page showed;
	// its files are copied, each checked against it, into a private
	// folder, and that copy is linted and signed: a file swapped on the
	// shared folder after the page was read is refused, never signed.
	d, raw, err := shownDraft(dir, f.get("rev"))
	if err != nil {
		return err
	}
	pub, err := dep.PublishedBundle(ctx, id, s.now())
	switch {
	case err == nil && d.m.Version <= pub.Manifest.Version:
		return fmt.Errorf("bản này là v%d nhưng v%d đã xuất bản: bấm \"nâng lên v%d\" trên trang này, xem lại rồi ký; chưa ký gì (raise the version above the published one first: nothing was signed)",
			d.m.Version, pub.Manifest.Version, pub.Manifest.Version+1)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return err
	}
	snap, err := os.MkdirTemp("", "kioskctl-approve-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(snap)
	if err := snapshotBundle(dir, raw, &d.m, snap); err != nil {
		return err
	}
	if lint := s.lintFolder(ctx, dir, snap, d); lint.errors() > 0 {
		return fmt.Errorf("bản tin còn %d lỗi kiểm tra (lint errors): sửa trước khi duyệt; chưa ký gì", lint.errors())
	}
	signer, err := openKey(s.opt.KeyFile, passphrase)
	if err != nil {
		return fmt.Errorf("%w: chưa ký gì (nothing was signed)", err)
	}
	ap, err := dep.Approve(ctx, snap, to, signer, s.now())
	if err != nil {
		return fmt.Errorf("chưa ký (not signed): %w", err)
	}
	s.log.Info("bundle approved", "bundle", id, "version", d.m.Version, "user", f.sess.user, "publication", ap.Version, "signed", strings.Join(ap.Signed, ","), "ready", ap.Ready)
	msg := fmt.Sprintf("Đã ký bản xuất bản v%d (signed). Đã ký: %s.", ap.Version, strings.Join(ap.Signed, ", "))
	if ap.Ready {
		msg += " Đủ chữ ký: sẵn sàng xuất bản (ready to publish)."
	} else {
		msg += fmt.Sprintf(" Còn cần %d chữ ký của: %s.", ap.Threshold-len(ap.Signed), strings.Join(ap.Missing, ", "))
	}
	f.sess.addFlash("ok", msg)
	return nil
}

// raiseVersion is the approve page's button that sets the bundle's
// version to the one after the published version: an ordinary edit of
// the manifest the page showed, changing its version and nothing else
// (no file is read or hashed again), which the approver then sees and
// signs like any other.
func (s *Server) raiseVersion(w http.ResponseWriter, r *http.Request, f *postForm) {
	id := r.PathValue("id")
	back := "/bundles/" + id + "/approve"
	if err := s.setVersion(r.Context(), id, f); err != nil {
		s.fail(w, r, f, back, err)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (s *Server) setVersion(ctx context.Context, id string, f *postForm) error {
	dep, err := s.department()
	if err != nil {
		return err
	}
	dir, err := s.bundleDir(id)
	if err != nil {
		return err
	}
	want, err := strconv.ParseInt(f.get("version"), 10, 64)
	if err != nil {
		return fmt.Errorf("phiên bản %q không hợp lệ (version)", clipLog(f.get("version")))
	}
	pub, err := dep.PublishedBundle(ctx, id, s.now())
	if err != nil {
		return fmt.Errorf("bản tin %s chưa xuất bản: không cần nâng phiên bản (never published): %w", id, err)
	}
	if want != pub.Manifest.Version+1 {
		return fmt.Errorf("chỉ nâng được lên v%d, ngay sau bản đã xuất bản (the version goes to the published one plus one)", pub.Manifest.Version+1)
	}
	lock := s.bundleLock(id)
	lock.Lock()
	defer lock.Unlock()
	d, _, err := shownDraft(dir, f.get("rev"))
	if err != nil {
		return err
	}
	if d.m.Version >= want {
		return nil
	}
	d.m.Version = want
	out, err := json.MarshalIndent(&d.m, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, content.ManifestName), append(out, '\n')); err != nil {
		return err
	}
	s.log.Info("bundle version raised", "bundle", id, "version", want, "user", f.sess.user)
	f.sess.addFlash("ok", fmt.Sprintf("Đã nâng bản tin lên v%d (version raised): xem lại thay đổi rồi ký.", want))
	return nil
}

// rootApprovers lists the approvers of the department's newest root, as
// trust.StagedStatus names them ("name (key ID)", the name from the
// untrusted approvers.json, for display), and how many must sign: before
// anyone signs, every one of them is still needed.
func rootApprovers(ctx context.Context, dep publish.Department) ([]string, int, error) {
	raw, _, err := trust.LatestRoot(ctx, dep.Store, dep.Root)
	if err != nil {
		return nil, 0, fmt.Errorf("đọc root: %w", err)
	}
	root, err := metadata.Root().FromBytes(raw)
	if err != nil {
		return nil, 0, fmt.Errorf("đọc root: %w", err)
	}
	role := root.Signed.Roles[metadata.TARGETS]
	if role == nil {
		return nil, 0, errors.New("root has no targets role")
	}
	names := map[string]string{}
	if r, err := dep.Store.Get(ctx, layout.TUFPrefix+"approvers.json"); err == nil {
		data, _ := io.ReadAll(io.LimitReader(r, 1<<20))
		r.Close()
		_ = json.Unmarshal(data, &names)
	}
	var out []string
	for _, id := range role.KeyIDs {
		name := id
		if n := names[id]; n != "" {
			name = fmt.Sprintf("%s (%.12s)", n, id)
		}
		out = append(out, name)
	}
	return out, role.Threshold, nil
}
