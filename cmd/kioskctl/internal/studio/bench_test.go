package studio

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/fleet"
	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// fleetSize is the department the pages are measured with.
const fleetSize = 1000

// siteKinds are the kinds of screen of the benchmark's fleet.
var siteKinds = []string{
	"display: {resolution: 1536x768}\nlanguages: [vi, km, en]\nfonts: [{family: Noto Sans}, {family: Noto Sans Khmer}]\nhours: {open: \"06:00\", close: \"22:00\"}\n",
	"display: {resolution: 1920x1080}\nlanguages: [km, vi, en]\nfonts: [{family: Noto Sans Khmer}, {family: Noto Sans}]\n",
	"display: {resolution: 768x1536}\nlanguages: [vi, en]\nfonts: [{family: Noto Sans}]\n",
}

// benchFleet writes fleetSize site configs, and their statuses into the
// department's store, as sites report them.
func benchFleet(tb testing.TB, d *department) string {
	tb.Helper()
	dir := tb.TempDir()
	now := time.Now()
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(16)
	for i := range fleetSize {
		id := fmt.Sprintf("site-%04d", i)
		cfg := fmt.Sprintf("site: {id: %s, name: \"Điểm %d\", groups: [g%d]}\ncontent: {dir: current}\n%s", id, i, i%10, siteKinds[i%len(siteKinds)])
		if err := os.WriteFile(filepath.Join(dir, id+".yaml"), []byte(cfg), 0o644); err != nil {
			tb.Fatal(err)
		}
		g.Go(func() error {
			st := report.Status{Site: id, Backlog: i % 7, Heartbeat: report.Heartbeat{
				Time: now.Add(-time.Duration(i%120) * time.Second), Interval: time.Minute, State: report.Content,
				Bundle: fmt.Sprintf("bien-gioi@%d", 1+i%2), Player: "1.4.0", Item: "chao-mung", Lang: "vi"}}
			raw, _ := json.Marshal(st)
			return d.store.Put(ctx, report.StatusKey(id), bytes.NewReader(raw), int64(len(raw)))
		})
	}
	if err := g.Wait(); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// BenchmarkPages measures each page of the studio, served over HTTP,
// with a fleet of 1,000 sites (their configs in --sites, their statuses
// in a real MinIO) and a bundle published and another version staged:
//
//	go test ./cmd/kioskctl/internal/studio -run '^$' -bench BenchmarkPages -benchtime 50x
func BenchmarkPages(b *testing.B) {
	d := newDepartment(b)
	sites := benchFleet(b, d)
	workspace := b.TempDir()
	h := newHarness(b, func(o *Options) {
		o.Workspace, o.SitesDir = workspace, sites
		o.Store, o.Reports, o.Root, o.StateDir = d.store, d.store, d.root, b.TempDir()
		o.KeyFile = filepath.Join(d.keys, "editor.key")
		o.PublisherKeyFile = filepath.Join(d.keys, "publisher.key")
	})
	h.submit("/bundles", url.Values{"id": {"bien-gioi"}})
	for i := range 12 {
		h.submit("/bundles/bien-gioi/text", url.Values{"id": {fmt.Sprintf("tin-%02d", i)}, "duration": {"8s"},
			"title-vi": {fmt.Sprintf("Thông báo số %d của cửa khẩu", i)}, "body-vi": {"Cửa khẩu mở cửa từ 6 giờ đến 22 giờ hằng ngày."},
			"title-km": {"សេចក្ដីជូនដំណឹង"}, "title-en": {fmt.Sprintf("Notice %d", i)}})
	}
	h.submit("/bundles/bien-gioi/ticker", url.Values{"ticker-0-vi": {"Chào mừng quý khách"}, "ticker-0-en": {"Welcome"}})
	// Nothing staged yet: the approve page compares with nothing
	// published; then one signature, so it shows a staging.
	if f := h.submit("/bundles/bien-gioi/approve", url.Values{"passphrase": {passphrases["editor"]}, "groups": {"g1"}, "rev": {h.shownRev("/bundles/bien-gioi/approve")}}); !strings.Contains(f, "Đã ký") {
		b.Fatalf("sign: %s", f)
	}
	h.submit("/bundles/bien-gioi/items/tin-03/edit", url.Values{"title-vi": {"Thông báo đã sửa"}, "title-km": {"សេចក្ដីជូនដំណឹង"}})
	// The fleet is read once before measuring, as a studio left open has.
	if _, _, err := h.srv.fleet.get(context.Background()); err != nil {
		b.Fatal(err)
	}
	// The editor after an edit lints the bundle again, once per kind of
	// screen among the 1,000 sites.
	b.Run("editor-after-edit", func(b *testing.B) {
		for b.Loop() {
			h.srv.lints = newLintCache()
			req, _ := http.NewRequest(http.MethodGet, h.ts.URL+"/bundles/bien-gioi", nil)
			if resp, _ := h.do(req); resp.StatusCode != http.StatusOK {
				b.Fatal(resp.Status)
			}
			h.received.Reset()
		}
	})
	for _, p := range []struct{ name, path, want string }{
		{"fleet", "/fleet", `data-site="site-0999"`},
		{"fleet-table", "/fleet/table", `data-site="site-0999"`},
		{"bundles", "/", `href="/bundles/bien-gioi"`},
		{"editor", "/bundles/bien-gioi", `data-item="tin-11"`},
		{"approve", "/bundles/bien-gioi/approve", `id="signed"`},
		{"preview", "/bundles/bien-gioi/preview", `class="preview"`},
		{"publish", "/publish", `id="rollout"`},
	} {
		b.Run(p.name, func(b *testing.B) {
			if body := h.page(p.path); !strings.Contains(body, p.want) {
				b.Fatalf("%s lacks %q", p.path, p.want)
			}
			h.received.Reset()
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodGet, h.ts.URL+p.path, nil)
				resp, _ := h.do(req)
				if resp.StatusCode != http.StatusOK {
					b.Fatal(resp.Status)
				}
				h.received.Reset()
			}
		})
	}
}

// BenchmarkFleetRead measures the background read of 1,000 sites'
// statuses from MinIO that the fleet page shows (at most once every
// fleetFresh, however many pages poll).
func BenchmarkFleetRead(b *testing.B) {
	d := newDepartment(b)
	benchFleet(b, d)
	for b.Loop() {
		rows, err := fleet.Statuses(context.Background(), d.store, time.Now())
		if err != nil || len(rows) != fleetSize {
			b.Fatal(len(rows), err)
		}
	}
}

func TestLintGroups(t *testing.T) {
	parse := func(id, kind string) *siteconfig.Config {
		c, err := siteconfig.Parse([]byte("site: {id: "+id+", name: "+id+"}\ncontent: {dir: current}\n"+kind), filepath.Join("sites", id+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	sites := []*siteconfig.Config{parse("a", siteKinds[0]), parse("b", siteKinds[1]), parse("c", siteKinds[0]), parse("d", siteKinds[2])}
	if g := lintGroups(sites, false); len(g) != 3 || len(g[0]) != 2 || g[0][1].Site.ID != "c" {
		t.Fatalf("groups of an untargeted bundle: %d", len(g))
	}
	if g := lintGroups(sites, true); len(g) != 4 {
		t.Fatalf("a targeted bundle is linted per site: %d groups", len(g))
	}
}
