package studio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vnict/kiosk/cmd/kioskctl/internal/fleetview"
	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/sync/layout"
	"github.com/vnict/kiosk/sync/trust"
)

// stagedBundle is one bundle of the staged or current publication.
type stagedBundle struct {
	ID, Targeting string
	Version       int64
	InWorkspace   bool
}

// rolloutRow is one targeted site and the release it runs.
type rolloutRow struct {
	Site, Name, Want, Runs, Seen string
	UpToDate                     bool
	Online                       string
}

type publishData struct {
	pageData
	HasStaged       bool
	StagedVersion   int64
	Staged          []stagedBundle
	Signed, Missing []string
	Threshold       int
	Ready           bool
	CanPublish      bool
	PlainKey        bool
	Current         []stagedBundle
	CurrentVersion  int64
	Rollout         []rolloutRow
	UpToDate        int
	RolloutError    string
	Error           string
}

// bundlesOf lists the bundles among targets.
func (s *Server) bundlesOf(targets []trust.Target) []stagedBundle {
	var out []stagedBundle
	for _, t := range targets {
		id, ok := strings.CutPrefix(t.Path, "bundles/")
		if !ok {
			continue
		}
		id = strings.TrimSuffix(id, ".json")
		b := stagedBundle{ID: id}
		var to layout.Targeting
		json.Unmarshal(t.Custom, &to)
		b.Targeting = targetingWords(to)
		if m, err := content.ParseManifest(t.Data); err == nil {
			b.Version = m.Version
		}
		_, err := s.bundleDir(id)
		b.InWorkspace = err == nil
		out = append(out, b)
	}
	return out
}

func targetingWords(t layout.Targeting) string {
	if len(t.Sites) == 0 && len(t.Groups) == 0 {
		return "mọi điểm (every site)"
	}
	var parts []string
	if len(t.Sites) > 0 {
		parts = append(parts, "điểm "+strings.Join(t.Sites, ", "))
	}
	if len(t.Groups) > 0 {
		parts = append(parts, "nhóm "+strings.Join(t.Groups, ", "))
	}
	return strings.Join(parts, "; ")
}

func (s *Server) publishData(r *http.Request) *publishData {
	data := &publishData{pageData: s.page(r, "Xuất bản (publish)", "publish")}
	if s.opt.PublisherKeyFile != "" {
		if k, err := trust.ReadPrivateKey(s.opt.PublisherKeyFile); err != nil {
			data.Error = "Khoá xuất bản (--publisher-key): " + err.Error()
		} else {
			data.CanPublish, data.PlainKey = true, !k.Encrypted()
		}
	}
	dep, err := s.department()
	if err != nil {
		data.Error = err.Error()
		return data
	}
	ctx := r.Context()
	if staged, err := trust.StagedTargets(ctx, dep.Store); err == nil {
		st, err := trust.StagedStatus(ctx, dep.Store, dep.Root)
		if err != nil {
			data.Error = err.Error()
		} else {
			data.HasStaged, data.StagedVersion = true, st.Version
			data.Signed, data.Missing, data.Threshold, data.Ready = st.Signed, st.Missing, st.Threshold, st.Ready
			data.Staged = s.bundlesOf(staged)
		}
	} else if !errors.Is(err, trust.ErrNothingStaged) && !errors.Is(err, os.ErrNotExist) {
		data.Error = err.Error()
	}
	s.rollout(ctx, data)
	return data
}

// rollout fills the table of the sites the current publication targets
// and the bundle each says it plays.
func (s *Server) rollout(ctx context.Context, data *publishData) {
	dep, err := s.department()
	if err != nil {
		data.RolloutError = err.Error()
		return
	}
	cur, err := dep.Current(ctx, s.now())
	if err != nil {
		data.RolloutError = err.Error()
		return
	}
	data.CurrentVersion = cur.Version
	data.Current = s.bundlesOf(cur.Targets)
	rows, _, err := s.fleet.get(ctx)
	if err != nil {
		data.RolloutError = err.Error()
	}
	type siteInfo struct {
		name   string
		groups []string
	}
	known := map[string]siteInfo{}
	for _, c := range s.sites {
		known[c.Site.ID] = siteInfo{c.Site.Name, c.Site.Groups}
	}
	status := map[string]int{}
	for i, r := range rows {
		status[r.Site] = i
		if _, ok := known[r.Site]; !ok {
			known[r.Site] = siteInfo{}
		}
	}
	// want maps each targeted site to the bundles meant for it.
	want := map[string][]string{}
	for _, t := range cur.Targets {
		id, ok := strings.CutPrefix(t.Path, "bundles/")
		if !ok {
			continue
		}
		m, err := content.ParseManifest(t.Data)
		if err != nil {
			continue
		}
		var to layout.Targeting
		json.Unmarshal(t.Custom, &to)
		release := fmt.Sprintf("%s@%d", strings.TrimSuffix(id, ".json"), m.Version)
		for site, info := range known {
			if to.Includes(site, info.groups) {
				want[site] = append(want[site], release)
			}
		}
	}
	loc, now := s.loc(), s.now()
	for _, site := range slices.Sorted(mapsKeys(want)) {
		row := rolloutRow{Site: site, Name: known[site].name, Want: strings.Join(want[site], ", "), Runs: "-", Seen: "-", Online: "offline"}
		if i, ok := status[site]; ok {
			fr := fleetview.MakeRow(rows[i], now, loc)
			row.Runs, row.Seen, row.Online = fr.Bundle, fr.Ago, fr.Online
			row.UpToDate = slices.Contains(want[site], rows[i].Status.Heartbeat.Bundle)
		}
		if row.UpToDate {
			data.UpToDate++
		}
		data.Rollout = append(data.Rollout, row)
	}
}

func (s *Server) publishPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "publish", s.publishData(r))
}

func (s *Server) rolloutFragment(w http.ResponseWriter, r *http.Request) {
	data := &publishData{pageData: s.page(r, "", "publish")}
	s.rollout(r.Context(), data)
	s.renderAs(w, "publish", "rollout", data)
}

func (s *Server) publish(w http.ResponseWriter, r *http.Request, f *postForm) {
	if err := s.publishStaged(r.Context(), f); err != nil {
		s.fail(w, r, f, "/publish", err)
		return
	}
	f.sess.addFlash("ok", "Đã xuất bản (published): các điểm nhận bản mới trong vài giây đến một phút.")
	http.Redirect(w, r, "/publish#rollout", http.StatusSeeOther)
}

func (s *Server) publishStaged(ctx context.Context, f *postForm) error {
	passphrase := f.secret
	defer clear(passphrase)
	if s.opt.PublisherKeyFile == "" {
		return errors.New("studio này không có khoá xuất bản: chạy lại với --publisher-key (no publisher key)")
	}
	dep, err := s.department()
	if err != nil {
		return err
	}
	staged, err := trust.StagedTargets(ctx, dep.Store)
	if err != nil {
		return fmt.Errorf("không có bản chờ xuất bản (nothing staged): %w", err)
	}
	var dirs []string
	for _, b := range s.bundlesOf(staged) {
		if dir, err := s.bundleDir(b.ID); err == nil {
			dirs = append(dirs, dir)
		}
	}
	signer, err := openKey(s.opt.PublisherKeyFile, passphrase)
	if err != nil {
		return fmt.Errorf("%w: chưa xuất bản gì (nothing was published)", err)
	}
	if err := dep.Publish(ctx, dirs, signer, signer, s.now()); err != nil {
		return fmt.Errorf("chưa xuất bản (not published): %w", err)
	}
	s.log.Info("published", "user", f.sess.user, "bundles", strings.Join(func() []string {
		var ids []string
		for _, d := range dirs {
			ids = append(ids, filepath.Base(d))
		}
		return ids
	}(), ","))
	s.fleet.expire()
	return nil
}
