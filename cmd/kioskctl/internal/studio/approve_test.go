package studio

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/jpeg"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/internal/miniotest"
	"github.com/vnict/kiosk/kiosk/report"
	"github.com/vnict/kiosk/kiosk/report/screen"
	"github.com/vnict/kiosk/sync/publish"
	"github.com/vnict/kiosk/sync/s3store"
	"github.com/vnict/kiosk/sync/trust"
)

// department is a TUF repository in a real MinIO whose approvers'
// and publisher's keys are passphrase-protected files, as on the
// department's machines.
type department struct {
	store *s3store.Store
	root  []byte
	keys  string // folder of NAME.key and NAME.pub
}

// passphrases of the test keys.
var passphrases = map[string]string{
	"editor": "mật khẩu của biên tập viên", "leader": "lãnh đạo sở ký duyệt", "publisher": "publisher passphrase 42",
}

func newDepartment(t testing.TB) *department {
	t.Helper()
	ctx := context.Background()
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "kiosk")
	st, err := s3store.New(s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Bucket: "kiosk", Prefix: "ag"})
	if err != nil {
		t.Fatal(err)
	}
	d := &department{store: st, keys: t.TempDir()}
	if err := trust.GenerateKey(d.keys, "root", nil); err != nil {
		t.Fatal(err)
	}
	for name, pass := range passphrases {
		if err := trust.GenerateKey(d.keys, name, []byte(pass)); err != nil {
			t.Fatal(err)
		}
	}
	rootSigner, err := trust.LoadSigner(filepath.Join(d.keys, "root.key"))
	if err != nil {
		t.Fatal(err)
	}
	pub := func(name string) any {
		k, err := trust.LoadPublicKey(filepath.Join(d.keys, name+".pub"))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	opts := trust.InitOptions{RootSigners: nil, ApprovalThreshold: 2, Now: time.Now()}
	opts.RootSigners = append(opts.RootSigners, rootSigner)
	for _, n := range []string{"editor", "leader"} {
		opts.Approvers = append(opts.Approvers, trust.Approver{Name: n, Key: pub(n)})
	}
	opts.SnapshotKey = pub("publisher")
	if err := trust.InitRepository(ctx, st, opts); err != nil {
		t.Fatal(err)
	}
	r, err := st.Get(ctx, "tuf/metadata/1.root.json")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if d.root, err = io.ReadAll(r); err != nil {
		t.Fatal(err)
	}
	return d
}

// studioFor is a studio of this department on the shared workspace, with
// the named approver's key (and the publisher's, for publisher).
func (d *department) studioFor(t testing.TB, workspace, approver string, publisher bool) *harness {
	return newHarness(t, func(o *Options) {
		o.Workspace = workspace
		o.Store, o.Reports, o.Root, o.StateDir = d.store, d.store, d.root, t.TempDir()
		o.KeyFile = filepath.Join(d.keys, approver+".key")
		if publisher {
			o.PublisherKeyFile = filepath.Join(d.keys, "publisher.key")
		}
	})
}

func listItems(page, id string) []string {
	m := regexp.MustCompile(`(?s)<ul id="` + id + `">(.*?)</ul>`).FindStringSubmatch(page)
	if m == nil {
		return nil
	}
	var out []string
	for _, li := range regexp.MustCompile(`<li>(.*?)</li>`).FindAllStringSubmatch(m[1], -1) {
		out = append(out, li[1])
	}
	return out
}

// TestApproveAndPublish: two approvers on two studios sharing the
// workspace sign with their own encrypted keys; a wrong passphrase signs
// nothing and says so; the publisher publishes, and the rollout table
// shows the site taking the release. No passphrase reaches a page, a
// response or the log.
func TestApproveAndPublish(t *testing.T) {
	ctx := context.Background()
	d := newDepartment(t)
	workspace := t.TempDir()
	editor := d.studioFor(t, workspace, "editor", false)
	leader := d.studioFor(t, workspace, "leader", true)

	editor.submit("/bundles", url.Values{"id": {"bien-gioi"}})
	editor.submit("/bundles/bien-gioi/text", url.Values{"id": {"chao-mung"}, "duration": {"8s"},
		"title-vi": {"Chào mừng quý khách"}, "title-km": {"សូមស្វាគមន៍"}})

	page := editor.page("/bundles/bien-gioi/approve")
	for _, want := range []string{`id="sign"`, `name="passphrase"`, `type="password"`, `id="sign-submit"`, `class="change added"`,
		"Chào mừng quý khách", "Chưa xuất bản lần nào", `name="sites" value="an-giang-tinh-bien"`, `name="groups" value="border-gates"`} {
		if !strings.Contains(page, want) {
			t.Errorf("approve page lacks %q", want)
		}
	}

	// Before anyone signs, every approver is still needed.
	if s, m := listItems(page, "signed"), slices.Sorted(slices.Values(listItems(page, "missing"))); len(s) != 0 || len(m) != 2 || !strings.HasPrefix(m[0], "editor (") || !strings.HasPrefix(m[1], "leader (") {
		t.Fatalf("before signing: signed %q, missing %q", s, m)
	}
	if !strings.Contains(page, "2 in all") {
		t.Error("the threshold is not shown before signing")
	}
	sign := func(h *harness, pass string) string {
		return h.submit("/bundles/bien-gioi/approve", url.Values{"passphrase": {pass}, "sites": {"an-giang-tinh-bien"}, "rev": {h.shownRev("/bundles/bien-gioi/approve")}})
	}
	f := sign(editor, "not the passphrase")
	if !strings.Contains(f, "sai mật khẩu của khoá") || !strings.Contains(f, "chưa ký gì") {
		t.Fatalf("wrong passphrase: flash %q", f)
	}
	if _, err := trust.StagedStatus(ctx, d.store, d.root); !errors.Is(err, trust.ErrNothingStaged) {
		t.Fatalf("after a wrong passphrase, staged: %v", err)
	}
	if f := sign(editor, ""); !strings.Contains(f, "chưa ký gì") {
		t.Fatalf("no passphrase: flash %q", f)
	}
	if f := sign(editor, passphrases["editor"]); !strings.Contains(f, "Đã ký") || !strings.Contains(f, "leader") {
		t.Fatalf("editor's signature: flash %q", f)
	}

	page = leader.page("/bundles/bien-gioi/approve")
	if s, m := listItems(page, "signed"), listItems(page, "missing"); len(s) != 1 || !strings.Contains(s[0], "editor") || len(m) != 1 || !strings.Contains(m[0], "leader") {
		t.Fatalf("signed %q, missing %q", s, m)
	}
	if !strings.Contains(page, `value="an-giang-tinh-bien" checked`) || !strings.Contains(page, "có đúng bản tin này") {
		t.Fatal("the second approver is not shown the staged targeting")
	}
	if f := sign(leader, passphrases["leader"]); !strings.Contains(f, "Đủ chữ ký") {
		t.Fatalf("leader's signature: flash %q", f)
	}

	page = leader.page("/publish")
	for _, want := range []string{`id="publish"`, `id="publish-submit"`, "bien-gioi@1"} {
		if !strings.Contains(page, want) {
			t.Errorf("publish page lacks %q", want)
		}
	}
	if f := leader.submit("/publish", url.Values{"passphrase": {"wrong"}}); !strings.Contains(f, "chưa xuất bản gì") {
		t.Fatalf("publish with a wrong passphrase: %q", f)
	}
	if f := leader.submit("/publish", url.Values{"passphrase": {passphrases["publisher"]}}); !strings.Contains(f, "Đã xuất bản") {
		t.Fatalf("publish: %q", f)
	}
	dep := publish.Department{Store: d.store, Root: d.root}
	b, err := dep.PublishedBundle(ctx, "bien-gioi", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if b.Manifest.Items[0].Text["km"].Title != "សូមស្វាគមន៍" || len(b.Targeting.Sites) != 1 {
		t.Fatalf("published %+v", b)
	}

	// The site reports it runs the release: the rollout table says so.
	row := regexp.MustCompile(`<tr class="site (\w+)" data-site="an-giang-tinh-bien">.*?<td class="id release">([^<]*)</td>`)
	if m := row.FindStringSubmatch(leader.page("/publish/rollout")); m == nil || m[2] != "-" {
		t.Fatalf("rollout before the site reported: %v", m)
	}
	st := report.Status{Site: "an-giang-tinh-bien", Heartbeat: report.Heartbeat{Time: time.Now(), Interval: time.Minute, State: report.Content, Bundle: "bien-gioi@1"}}
	raw, _ := json.Marshal(st)
	if err := d.store.Put(ctx, report.StatusKey(st.Site), bytes.NewReader(raw), int64(len(raw))); err != nil {
		t.Fatal(err)
	}
	leader.srv.fleet.expire()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := row.FindStringSubmatch(leader.page("/publish/rollout"))
		if m != nil && m[1] == "good" && m[2] == "bien-gioi@1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rollout after the site reported: %v", m)
		}
		time.Sleep(50 * time.Millisecond)
	}
	fleetPage := leader.page("/fleet")
	if !strings.Contains(fleetPage, `<tr class="site online" data-site="an-giang-tinh-bien">`) || !strings.Contains(fleetPage, `class="screenshot"`) {
		t.Fatal("fleet page lacks the site's row or screenshot")
	}

	// The site's screenshot, and the month's report.
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 48, 27)), nil); err != nil {
		t.Fatal(err)
	}
	if err := d.store.Put(ctx, screen.Key(st.Site), bytes.NewReader(jpg.Bytes()), int64(jpg.Len())); err != nil {
		t.Fatal(err)
	}
	if resp, body := leader.get("/fleet/screens/" + st.Site); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" || body != jpg.String() {
		t.Fatalf("screenshot: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	if resp, _ := leader.get("/fleet/screens/an-giang-le-tri"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a site without a screenshot: %s", resp.Status)
	}
	month := time.Now().In(leader.srv.loc()).Format("2006-01")
	resp, body := leader.get("/fleet/report?month=" + month + "&format=html")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Báo cáo hoạt động") || !strings.Contains(body, "Cửa khẩu Quốc tế Tịnh Biên") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "bao-cao-"+month+".html") {
		t.Fatalf("HTML report: %s %s", resp.Status, resp.Header.Get("Content-Disposition"))
	}
	resp, body = leader.get("/fleet/report?month=" + month + "&format=csv")
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	if resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("CSV report: %s %v", resp.Status, err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if !slices.Contains(names, "sites.csv") || !slices.Contains(names, "plays.csv") {
		t.Fatalf("CSV report holds %v", names)
	}
	for _, bad := range []string{"2026-13", "x", "../etc"} {
		if resp, _ := leader.get("/fleet/report?month=" + url.QueryEscape(bad)); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("month %q: %s", bad, resp.Status)
		}
	}

	for _, h := range []*harness{editor, leader} {
		for name, pass := range passphrases {
			for _, form := range []string{pass, url.QueryEscape(pass)} {
				if strings.Contains(h.received.String(), form) {
					t.Errorf("%s's passphrase in a response", name)
				}
				if strings.Contains(h.logs.String(), form) {
					t.Errorf("%s's passphrase in the log", name)
				}
			}
		}
		if strings.Contains(h.received.String(), "PRIVATE KEY") {
			t.Error("a private key in a response")
		}
	}
	if !strings.Contains(editor.logs.String(), "bundle approved") {
		t.Error("the approval is not logged")
	}
}
