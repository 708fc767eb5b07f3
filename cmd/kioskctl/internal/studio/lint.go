package studio

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/kiosk/lint"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// finding is one lint finding as a page shows it.
type finding struct {
	Class            string // "error", "warning" or "info"
	Item, Lang, Site string
	Message          string
}

// lintResult is a bundle linted for every site config.
type lintResult struct {
	findings []finding
	sites    []string
	summary  string
}

// lintCache keeps the last lint of each bundle, by its manifest's
// SHA-256: the manifest lists every file's hash, so an unchanged manifest
// over unchanged files lints the same.
type lintCache struct {
	mu  sync.Mutex
	by  map[string]*lintResult // by bundle folder
	rev map[string]string
}

func newLintCache() *lintCache {
	return &lintCache{by: map[string]*lintResult{}, rev: map[string]string{}}
}

// lintBundle lints the bundle in dir for each site config, as `kioskctl
// lint` does, four sites at a time.
func (s *Server) lintBundle(ctx context.Context, dir string, d *draft) *lintResult {
	return s.lintFolder(ctx, dir, dir, d)
}

// lintFolder is lintBundle of the bundle d of dir, read from the folder
// files (a copy of it, verified against d's manifest, when signing).
// A copy is linted afresh: the cache, kept by manifest, may hold the
// findings of files since changed on disk.
func (s *Server) lintFolder(ctx context.Context, dir, files string, d *draft) *lintResult {
	cached := files == dir
	s.lints.mu.Lock()
	if r := s.lints.by[dir]; cached && r != nil && s.lints.rev[dir] == d.rev {
		s.lints.mu.Unlock()
		return r
	}
	s.lints.mu.Unlock()
	res := &lintResult{}
	if len(d.m.Items) == 0 {
		res.summary = "Bản tin chưa có mục nào (no items yet)"
		return res
	}
	if len(s.sites) == 0 {
		res.summary = "Không có cấu hình điểm nào trong --sites: không kiểm tra được (no site configs)"
		return res
	}
	groups := lintGroups(s.sites, targeted(&d.m))
	reports := make([]*lint.Report, len(groups))
	g, _ := errgroup.WithContext(ctx)
	g.SetLimit(4)
	fsys := os.DirFS(files)
	for i, grp := range groups {
		g.Go(func() error {
			reports[i] = lint.Bundle(fsys, dir, grp[0], s.fonts)
			return nil
		})
	}
	g.Wait()
	errs, warns := 0, 0
	for i, rep := range reports {
		site := groups[i][0].Site.ID
		if n := len(groups[i]); n > 1 {
			site = fmt.Sprintf("%s +%d", site, n-1)
		}
		res.sites = append(res.sites, site)
		for _, f := range rep.Findings {
			class := "warning"
			switch {
			case f.Error:
				class = "error"
				errs++
			case f.Info:
				class = "info"
			default:
				warns++
			}
			msg := f.Message
			if f.File != "" {
				msg = f.File + ": " + msg
			}
			res.findings = append(res.findings, finding{Class: class, Item: f.Item, Lang: f.Lang, Site: site, Message: msg})
		}
	}
	res.summary = fmt.Sprintf("%d lỗi (errors), %d cảnh báo (warnings) cho %d điểm (sites)", errs, warns, len(s.sites))
	if cached {
		s.lints.mu.Lock()
		s.lints.by[dir], s.lints.rev[dir] = res, d.rev
		s.lints.mu.Unlock()
	}
	return res
}

// lintErrors counts the errors of a bundle's lint.
func (r *lintResult) errors() int {
	n := 0
	for _, f := range r.findings {
		if f.Class == "error" {
			n++
		}
	}
	return n
}

// targeted reports whether the bundle names sites, tags or schedules, so
// that what plays depends on the site itself and not only on its screen.
func targeted(m *content.Manifest) bool {
	if m.Targets != nil {
		return true
	}
	for _, it := range m.Items {
		if it.Targets != nil || it.Schedule != nil {
			return true
		}
	}
	return false
}

// lintGroups groups the sites a bundle lints the same for: those whose
// configs differ only in the site's name and ID (languages, fonts, screen,
// hours, mode), when the bundle is not targeted. A department with a
// thousand sites has a handful of kinds of screen; linting each kind once
// keeps the editor fast. Each group is linted as its first site.
func lintGroups(sites []*siteconfig.Config, targeted bool) [][]*siteconfig.Config {
	var out [][]*siteconfig.Config
	index := map[string]int{}
	for _, c := range sites {
		key := ""
		if !targeted {
			k := *c
			k.Site, k.Path = siteconfig.Site{}, filepath.Dir(c.Path)
			if raw, err := json.Marshal(&k); err == nil {
				key = string(raw)
			}
		}
		if i, ok := index[key]; ok && key != "" {
			out[i] = append(out[i], c)
			continue
		}
		index[key] = len(out)
		out = append(out, []*siteconfig.Config{c})
	}
	return out
}
