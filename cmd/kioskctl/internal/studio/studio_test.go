package studio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
)

// syncBuffer is a log destination tests read while the server writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// harness is a studio served by httptest and a browser-like client: a
// cookie jar, redirects not followed, and everything it received kept.
type harness struct {
	t         testing.TB
	srv       *Server
	ts        *httptest.Server
	client    *http.Client
	logs      *syncBuffer
	workspace string
	received  bytes.Buffer
}

func newHarness(t testing.TB, change func(*Options)) *harness {
	t.Helper()
	logs := &syncBuffer{}
	opt := Options{
		Workspace: t.TempDir(), SitesDir: "testdata/sites",
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if change != nil {
		change(&opt)
	}
	srv, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	srv.AllowHosts(ts.Listener.Addr(), nil)
	jar, _ := cookiejar.New(nil)
	h := &harness{t: t, srv: srv, ts: ts, logs: logs, workspace: opt.Workspace,
		client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if opt.Users == nil {
		h.launch()
	}
	return h
}

// launch opens the studio's launch link, as the browser the studio
// opens does, and wants the session it gives.
func (h *harness) launch() {
	h.t.Helper()
	h.srv.mu.Lock()
	tok := h.srv.launch
	h.srv.mu.Unlock()
	resp, body := h.get("/?token=" + url.QueryEscape(tok))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		h.t.Fatalf("launch link: %s %s\n%s", resp.Status, resp.Header.Get("Location"), body)
	}
}

// do sends req and returns the response with its body read.
func (h *harness) do(req *http.Request) (*http.Response, string) {
	h.t.Helper()
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	h.received.Write(body)
	for k, v := range resp.Header {
		h.received.WriteString(k + ": " + strings.Join(v, ",") + "\n")
	}
	return resp, string(body)
}

func (h *harness) get(path string) (*http.Response, string) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.ts.URL+path, nil)
	return h.do(req)
}

// page GETs path, wants 200, and returns the body.
func (h *harness) page(path string) string {
	h.t.Helper()
	resp, body := h.get(path)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: %s\n%s", path, resp.Status, body)
	}
	return body
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token is the session's CSRF token, read from a page.
func (h *harness) token() string {
	h.t.Helper()
	m := csrfField.FindStringSubmatch(h.page("/"))
	if m == nil {
		h.t.Fatal("no csrf field on /")
	}
	return m[1]
}

// post sends a form, with headers, and returns the response.
func (h *harness) post(path string, form url.Values, headers map[string]string) (*http.Response, string) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return h.do(req)
}

// submit posts form with the session's token and wants the redirect
// back; it returns the flash shown on the page it leads to.
func (h *harness) submit(path string, form url.Values) string {
	h.t.Helper()
	form.Set("csrf", h.token())
	resp, body := h.post(path, form, nil)
	if resp.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("POST %s: %s\n%s", path, resp.Status, body)
	}
	return flashOf(h.page(strings.SplitN(resp.Header.Get("Location"), "#", 2)[0]))
}

var flashDiv = regexp.MustCompile(`(?s)<div id="flash">(.*?)</div>`)

func flashOf(page string) string {
	m := flashDiv.FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}

// upload posts a multipart form: fields in order (csrf first when
// given), then the file part.
func (h *harness) upload(path string, fields [][2]string, fileName string, data []byte) (*http.Response, string) {
	h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	fw, err := mw.CreateFormFile("file", fileName)
	if err != nil {
		h.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, h.ts.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return h.do(req)
}

func pngBytes(t testing.TB, w, hgt int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, hgt))
	for y := range hgt {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCheckListen(t *testing.T) {
	users, tls, insecure := ListenSecurity{Users: true}, ListenSecurity{Users: true, TLS: true}, ListenSecurity{Users: true, InsecureHTTP: true}
	for _, c := range []struct {
		addr string
		sec  ListenSecurity
		ok   bool
	}{
		{"127.0.0.1:0", ListenSecurity{}, true},
		{"localhost:8080", ListenSecurity{}, true},
		{"[::1]:0", ListenSecurity{}, true},
		{"0.0.0.0:8443", ListenSecurity{}, false},
		{":8443", ListenSecurity{}, false},
		{"192.168.1.20:8443", ListenSecurity{}, false},
		{"192.168.1.20:8443", ListenSecurity{TLS: true}, false},
		{"192.168.1.20:8443", users, false}, // logins in clear on the network
		{"0.0.0.0:8443", users, false},
		{"192.168.1.20:8443", tls, true},
		{"0.0.0.0:8443", tls, true},
		{"0.0.0.0:8080", insecure, true},
		{"0.0.0.0:8080", ListenSecurity{InsecureHTTP: true}, false},
		{"no-port", tls, false},
	} {
		t.Run(fmt.Sprintf("%s %+v", c.addr, c.sec), func(t *testing.T) {
			err := CheckListen(c.addr, c.sec)
			if (err == nil) != c.ok {
				t.Fatalf("CheckListen(%q, %+v) = %v, want ok %v", c.addr, c.sec, err, c.ok)
			}
		})
	}
}

// TestPagesVietnamese renders every page and checks its Vietnamese
// labels, the DOM ids the browser tests use, and the security headers.
func TestPagesVietnamese(t *testing.T) {
	h := newHarness(t, nil)
	if f := h.submit("/bundles", url.Values{"id": {"an-giang-12"}}); !strings.Contains(f, "Đã tạo bản tin an-giang-12") {
		t.Fatalf("flash after create: %q", f)
	}
	for _, c := range []struct {
		path string
		want []string
	}{
		{"/", []string{`<html lang="vi">`, "Tạo bản tin mới", `id="new-bundle"`, `id="create"`, `class="bundle" href="/bundles/an-giang-12"`}},
		{"/bundles/an-giang-12", []string{"Thêm trang chữ", `id="add-text"`, `id="add-text-submit"`, `id="add-image"`, `id="add-image-submit"`,
			`id="ticker"`, `name="title-vi"`, `name="body-km"`, "Tiếng Khmer", "dòng chữ chạy"}},
		{"/bundles/an-giang-12/approve", []string{"Duyệt bản tin", `id="diff"`, `id="signed"`, `id="missing"`, "Chưa có kho xuất bản"}},
		{"/bundles/an-giang-12/preview", []string{"Xem trước"}},
		{"/publish", []string{"Xuất bản", "Chưa có kho xuất bản"}},
		{"/fleet", []string{"Các điểm", `id="report"`, `name="month"`, "Chưa có kho báo cáo"}},
	} {
		t.Run(c.path, func(t *testing.T) {
			resp, body := h.get(c.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s\n%s", resp.Status, body)
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			if resp.Header.Get("X-Frame-Options") != "DENY" {
				t.Errorf("X-Frame-Options %q", resp.Header.Get("X-Frame-Options"))
			}
			if strings.Contains(body, "<script>") || strings.Contains(body, " style=") || strings.Contains(body, "onclick") {
				t.Error("inline script or style in the page")
			}
			for _, m := range regexp.MustCompile(`(?s)<form[^>]*method="post".*?</form>`).FindAllString(body, -1) {
				if !strings.Contains(m, `name="csrf"`) {
					t.Errorf("a POST form without csrf: %.120s", m)
				}
			}
		})
	}
	for _, c := range h.client.Jar.Cookies(mustURL(h.ts.URL)) {
		if c.Name == sessionCookie && c.Value == "" {
			t.Error("empty session cookie")
		}
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestCSRF refuses POSTs without the session's token, and accepts it.
func TestCSRF(t *testing.T) {
	h := newHarness(t, nil)
	good := h.token()
	other := newHarness(t, nil).token() // another session's
	for _, c := range []struct {
		name   string
		token  string
		status int
	}{
		{"missing", "", http.StatusForbidden},
		{"forged", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", http.StatusForbidden},
		{"another session's", other, http.StatusForbidden},
		{"cut short", good[:len(good)-1], http.StatusForbidden},
		{"the session's", good, http.StatusSeeOther},
	} {
		t.Run(c.name, func(t *testing.T) {
			id := "b-" + strings.ReplaceAll(strings.ReplaceAll(c.name, " ", "-"), "'", "")
			form := url.Values{"id": {id}}
			if c.token != "" {
				form.Set("csrf", c.token)
			}
			resp, _ := h.post("/bundles", form, nil)
			if resp.StatusCode != c.status {
				t.Fatalf("status %s, want %d", resp.Status, c.status)
			}
			_, err := os.Stat(filepath.Join(h.workspace, id))
			if made := err == nil; made != (c.status == http.StatusSeeOther) {
				t.Fatalf("bundle made: %v", made)
			}
		})
	}
	// An upload with a wrong token stores nothing.
	h.submit("/bundles", url.Values{"id": {"pics"}})
	resp, _ := h.upload("/bundles/pics/image", [][2]string{{"csrf", other}, {"id", "map"}}, "map.png", pngBytes(t, 8, 8))
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("upload with another session's token: %s", resp.Status)
	}
	if _, err := os.Stat(filepath.Join(h.workspace, "pics", "images")); err == nil {
		t.Fatal("the refused upload made images/")
	}
}

// TestCrossOrigin refuses POSTs a browser says come from another origin,
// even with the right token, and a Host that is not the studio's.
func TestCrossOrigin(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token()
	for _, c := range []struct {
		name    string
		headers map[string]string
		status  int
	}{
		{"Origin of another site", map[string]string{"Origin": "http://evil.example"}, http.StatusForbidden},
		{"Origin of another port", map[string]string{"Origin": "http://127.0.0.1:1"}, http.StatusForbidden},
		{"Sec-Fetch-Site cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"Sec-Fetch-Site same-site", map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"Referer of another site", map[string]string{"Referer": "http://evil.example/page"}, http.StatusForbidden},
		{"null Origin", map[string]string{"Origin": "null"}, http.StatusForbidden},
		{"same origin", map[string]string{"Origin": h.ts.URL, "Sec-Fetch-Site": "same-origin"}, http.StatusSeeOther},
	} {
		t.Run(c.name, func(t *testing.T) {
			id := "x" + strings.ToLower(strings.ReplaceAll(c.name, " ", "-"))
			resp, _ := h.post("/bundles", url.Values{"id": {id}, "csrf": {tok}}, c.headers)
			if resp.StatusCode != c.status {
				t.Fatalf("status %s, want %d", resp.Status, c.status)
			}
		})
	}
	t.Run("wrong Host", func(t *testing.T) {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			req, _ := http.NewRequest(method, h.ts.URL+"/", nil)
			req.Host = "rebound.example:" + h.ts.URL[strings.LastIndex(h.ts.URL, ":")+1:]
			resp, _ := h.do(req)
			if resp.StatusCode != http.StatusMisdirectedRequest {
				t.Fatalf("%s with Host %s: %s", method, req.Host, resp.Status)
			}
		}
	})
	if !strings.Contains(h.logs.String(), "cross-origin") {
		t.Error("refusals not logged")
	}
}

// TestLoginRequired: with a users file, nothing but the login page and
// the static files is served before logging in.
func TestLoginRequired(t *testing.T) {
	users := filepath.Join(t.TempDir(), "users")
	if err := AddUser(users, "lan", []byte("mật khẩu dài")); err != nil {
		t.Fatal(err)
	}
	if err := AddUser(users, "minh", []byte("another password")); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(users); st.Mode().Perm() != 0o600 {
		t.Errorf("users file mode %v", st.Mode().Perm())
	}
	if err := AddUser(users, "Bad Name", []byte("long enough")); err == nil {
		t.Error("a login name with spaces accepted")
	}
	if err := AddUser(users, "short", []byte("short")); err == nil {
		t.Error("a 5-character password accepted")
	}
	u, err := LoadUsers(users)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(o *Options) { o.Users = u })
	resp, _ := h.get("/fleet")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("GET /fleet before login: %s %s", resp.Status, resp.Header.Get("Location"))
	}
	login := h.page("/login")
	tok := csrfField.FindStringSubmatch(login)[1]
	resp, _ = h.post("/bundles", url.Values{"id": {"x"}, "csrf": {tok}}, nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("POST before login: %s", resp.Status)
	}
	if resp, _ := h.get("/static/studio.css"); resp.StatusCode != http.StatusOK {
		t.Fatalf("static before login: %s", resp.Status)
	}
	resp, _ = h.post("/login", url.Values{"name": {"lan"}, "password": {"wrong password"}, "csrf": {tok}}, nil)
	if loc := resp.Header.Get("Location"); loc != "/login" {
		t.Fatalf("wrong password led to %q", loc)
	}
	if f := flashOf(h.page("/login")); !strings.Contains(f, "Sai tên đăng nhập hoặc mật khẩu") {
		t.Fatalf("flash %q", f)
	}
	// A second try at once waits out the delay after a failure.
	h.post("/login", url.Values{"name": {"lan"}, "password": {"mật khẩu dài"}, "csrf": {tok}}, nil)
	if f := flashOf(h.page("/login")); !strings.Contains(f, "Sai quá nhiều lần") {
		t.Fatalf("no delay after a failure: %q", f)
	}
	h.srv.throttle.mu.Lock() // as if the delay were waited out
	clear(h.srv.throttle.entries)
	h.srv.throttle.mu.Unlock()
	oldCookies := h.client.Jar.Cookies(mustURL(h.ts.URL))
	resp, _ = h.post("/login", url.Values{"name": {"lan"}, "password": {"mật khẩu dài"}, "csrf": {tok}}, nil)
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Fatalf("login led to %q", loc)
	}
	page := h.page("/")
	if !strings.Contains(page, `<span class="user">lan</span>`) {
		t.Fatal("the page does not name the login")
	}
	// The login changed the session: the cookie from before is worth
	// nothing.
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(mustURL(h.ts.URL), oldCookies)
	old := &http.Client{Jar: jar, CheckRedirect: h.client.CheckRedirect}
	r2, err := old.Get(h.ts.URL + "/fleet")
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusSeeOther {
		t.Fatalf("the session ID from before the login still works: %s", r2.Status)
	}
	for _, secret := range []string{"mật khẩu dài", url.QueryEscape("mật khẩu dài"), "wrong password"} {
		if strings.Contains(h.logs.String(), secret) || strings.Contains(h.received.String(), secret) {
			t.Errorf("password %q in the log or a response", secret)
		}
	}
}

// TestUploadsRefused: names with paths, symbolic links in the bundle,
// files that are not pictures, and bodies over the bound.
func TestUploadsRefused(t *testing.T) {
	h := newHarness(t, nil)
	h.submit("/bundles", url.Values{"id": {"pics"}})
	outside := t.TempDir()
	tok := h.token()
	img := pngBytes(t, 16, 9)
	for _, c := range []struct{ name, file string }{
		{"parent path", "../../evil.png"},
		{"absolute path", "/etc/evil.png"},
		{"windows path", `..\..\evil.png`},
		{"dot dot inside", "a..png"},
		{"not a picture's name", "evil.html"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, _ := h.upload("/bundles/pics/image", [][2]string{{"csrf", tok}, {"id", "x"}}, c.file, img)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %s", resp.Status)
			}
			if f := flashOf(h.page("/bundles/pics")); !strings.Contains(f, `class="error"`) {
				t.Fatalf("no error shown: %q", f)
			}
		})
	}
	t.Run("not a picture", func(t *testing.T) {
		h.upload("/bundles/pics/image", [][2]string{{"csrf", tok}, {"id", "x"}}, "x.png", []byte("<html>not a png</html>"))
		if f := flashOf(h.page("/bundles/pics")); !strings.Contains(f, "không phải ảnh") {
			t.Fatalf("flash %q", f)
		}
	})
	t.Run("symbolic link", func(t *testing.T) {
		os.RemoveAll(filepath.Join(h.workspace, "pics", "images"))
		if err := os.Symlink(outside, filepath.Join(h.workspace, "pics", "images")); err != nil {
			t.Skip("no symbolic links here:", err)
		}
		defer os.Remove(filepath.Join(h.workspace, "pics", "images"))
		h.upload("/bundles/pics/image", [][2]string{{"csrf", tok}, {"id", "x"}}, "map.png", img)
		if f := flashOf(h.page("/bundles/pics")); !strings.Contains(f, "liên kết") {
			t.Fatalf("flash %q", f)
		}
	})
	t.Run("bundle folder a link", func(t *testing.T) {
		if err := os.Symlink(outside, filepath.Join(h.workspace, "linked")); err != nil {
			t.Skip(err)
		}
		resp, _ := h.upload("/bundles/linked/image", [][2]string{{"csrf", tok}, {"id", "x"}}, "map.png", img)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %s", resp.Status)
		}
		if resp, _ := h.get("/bundles/linked"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("a linked bundle folder served: %s", resp.Status)
		}
	})
	entries, _ := os.ReadDir(outside)
	if len(entries) > 0 {
		t.Fatalf("files written outside the bundle: %v", entries)
	}
	if _, err := os.Stat(filepath.Join(h.workspace, "..", "evil.png")); err == nil {
		t.Fatal("evil.png written above the workspace")
	}
	t.Run("oversize form", func(t *testing.T) {
		resp, _ := h.post("/bundles", url.Values{"id": {"big"}, "csrf": {tok}, "pad": {strings.Repeat("x", maxFormBytes)}}, nil)
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %s", resp.Status)
		}
	})
	t.Run("oversize upload, length given", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/bundles/pics/image", strings.NewReader("x"))
		req.ContentLength = maxImageUpload + 1
		req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		resp, err := h.client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %s", resp.Status)
			}
		}
	})
	t.Run("oversize upload, streamed", func(t *testing.T) {
		// A body of unknown length is cut at the bound as it is read.
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			mw.WriteField("csrf", tok)
			mw.WriteField("id", "big")
			fw, _ := mw.CreateFormFile("file", "big.png")
			chunk := make([]byte, 1<<20)
			for range maxImageUpload>>20 + 2 {
				if _, err := fw.Write(chunk); err != nil {
					pw.CloseWithError(err)
					return
				}
			}
			mw.Close()
			pw.Close()
		}()
		req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/bundles/pics/image", pr)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, _ := h.do(req)
		pr.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %s", resp.Status)
		}
		if f := flashOf(h.page("/bundles/pics")); !strings.Contains(f, "quá lớn") && !strings.Contains(f, "lớn hơn") {
			t.Fatalf("flash %q", f)
		}
		matches, _ := filepath.Glob(filepath.Join(h.workspace, "pics", "images", "*"))
		matches2, _ := filepath.Glob(filepath.Join(h.workspace, "pics", "images", ".*"))
		if len(matches)+len(matches2) > 0 {
			t.Fatalf("left behind: %v %v", matches, matches2)
		}
	})
}

// TestAuthoring writes a bundle from the forms alone and checks the
// manifest content reads: texts per language, a picture with its hash,
// order, durations, the ticker, edits and deletion.
func TestAuthoring(t *testing.T) {
	h := newHarness(t, nil)
	h.submit("/bundles", url.Values{"id": {"tin-bien-gioi"}})
	f := h.submit("/bundles/tin-bien-gioi/text", url.Values{"id": {"chao-mung"}, "duration": {"8"},
		"title-vi": {"Chào mừng quý khách"}, "body-vi": {"Cửa khẩu Quốc tế Tịnh Biên"},
		"title-km": {"សូមស្វាគមន៍"}, "title-en": {""}})
	if !strings.Contains(f, "Đã thêm mục chao-mung") {
		t.Fatalf("flash %q", f)
	}
	resp, _ := h.upload("/bundles/tin-bien-gioi/image", [][2]string{{"csrf", h.token()}, {"id", "ban-do"}, {"duration", "10s"}},
		"Bản đồ cửa khẩu.PNG", pngBytes(t, 64, 32))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatal(resp.Status)
	}
	if f := flashOf(h.page("/bundles/tin-bien-gioi")); !strings.Contains(f, "Đã thêm ảnh ban-do") {
		t.Fatalf("flash %q", f)
	}
	h.submit("/bundles/tin-bien-gioi/ticker", url.Values{"ticker-0-vi": {"Mở cửa từ 6 giờ đến 22 giờ"}, "ticker-0-km": {"បើក ៦ ដល់ ២២ ម៉ោង"}})
	h.submit("/bundles/tin-bien-gioi/items/ban-do/move", url.Values{"dir": {"up"}})
	h.submit("/bundles/tin-bien-gioi/items/chao-mung/edit", url.Values{"duration": {"12s"}, "layout": {"side-by-side"},
		"title-vi": {"Xin chào"}, "body-vi": {""}, "title-km": {"សូមស្វាគមន៍"}})

	b, err := content.LoadDir(filepath.Join(h.workspace, "tin-bien-gioi"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Verify(); err != nil {
		t.Fatal(err)
	}
	m := b.Manifest
	if len(m.Items) != 2 || m.Items[0].ID != "ban-do" || m.Items[1].ID != "chao-mung" {
		t.Fatalf("items %+v", m.Items)
	}
	if img := m.Items[0].Images["*"]; img != "images/ban-do-cua-khau.png" {
		t.Fatalf("image path %q", img)
	}
	if _, ok := b.File(m.Items[0].Images["*"]); !ok {
		t.Fatal("image not listed in files")
	}
	txt := m.Items[1]
	if time.Duration(txt.Duration) != 12*time.Second || txt.Layout != content.LayoutSideBySide ||
		txt.Text["vi"].Title != "Xin chào" || txt.Text["km"].Title != "សូមស្វាគមន៍" || len(txt.Text) != 2 {
		t.Fatalf("text item %+v", txt)
	}
	if len(m.Ticker) != 1 || m.Ticker[0]["vi"] != "Mở cửa từ 6 giờ đến 22 giờ" {
		t.Fatalf("ticker %+v", m.Ticker)
	}
	// An edit from a page shown before another change is refused.
	d, _ := readDraft(filepath.Join(h.workspace, "tin-bien-gioi"))
	h.submit("/bundles/tin-bien-gioi/items/chao-mung/edit", url.Values{"rev": {d.rev}, "title-vi": {"Một"}})
	f = h.submit("/bundles/tin-bien-gioi/items/chao-mung/edit", url.Values{"rev": {d.rev}, "title-vi": {"Hai"}})
	if !strings.Contains(f, "đã được sửa ở nơi khác") {
		t.Fatalf("stale edit: %q", f)
	}
	// Deleting the picture's item removes its file.
	img := filepath.Join(h.workspace, "tin-bien-gioi", filepath.FromSlash(m.Items[0].Images["*"]))
	h.submit("/bundles/tin-bien-gioi/items/ban-do/delete", url.Values{})
	if _, err := os.Stat(img); err == nil {
		t.Fatal("the deleted item's picture is still there")
	}
	b, err = content.LoadDir(filepath.Join(h.workspace, "tin-bien-gioi"))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Manifest.Files) != 0 || len(b.Manifest.Items) != 1 {
		t.Fatalf("after delete: %+v", b.Manifest)
	}
	// The last item cannot go: the manifest would not validate.
	f = h.submit("/bundles/tin-bien-gioi/items/chao-mung/delete", url.Values{})
	if !strings.Contains(f, "at least one item") {
		t.Fatalf("deleting the last item: %q", f)
	}
	// Bad input is refused with words, and the manifest is unchanged.
	for _, c := range []url.Values{
		{"id": {"../x"}, "title-vi": {"x"}},
		{"id": {"ok"}, "duration": {"1h"}, "title-vi": {"x"}},
		{"id": {"ok"}},
		{"id": {"chao-mung"}, "title-vi": {"x"}},
	} {
		if f := h.submit("/bundles/tin-bien-gioi/text", c); !strings.Contains(f, `class="error"`) {
			t.Errorf("%v accepted: %q", c, f)
		}
	}
	if resp, _ := h.get("/bundles/..%2f..%2fetc"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a traversing bundle ID: %s", resp.Status)
	}
}

// TestLintInline: a character no font draws is shown as an error next
// to its item and language.
func TestLintInline(t *testing.T) {
	h := newHarness(t, nil)
	h.submit("/bundles", url.Values{"id": {"lint"}})
	h.submit("/bundles/lint/text", url.Values{"id": {"ky-tu-la"}, "title-vi": {"Chữ lạ \U0001F700 ở đây"}, "title-km": {"សួស្តី"}})
	page := h.page("/bundles/lint")
	want := regexp.MustCompile(`<li class="finding error" data-item="ky-tu-la" data-lang="vi">`)
	if !want.MatchString(page) {
		t.Fatalf("no error finding for ky-tu-la in vi:\n%s", page[strings.Index(page, `id="lint"`):])
	}
	if regexp.MustCompile(`<li class="finding error" data-item="ky-tu-la" data-lang="km">`).MatchString(page) {
		t.Fatal("the Khmer text is drawable, but an error is shown for it")
	}
	h.submit("/bundles/lint/items/ky-tu-la/edit", url.Values{"title-vi": {"Chữ thường"}, "title-km": {"សួស្តី"}})
	if want.MatchString(h.page("/bundles/lint")) {
		t.Fatal("the error stays after the fix")
	}
}

func TestUploadName(t *testing.T) {
	exts := []string{".png", ".jpg"}
	for _, c := range []struct{ in, want string }{
		{"map.png", "map.png"},
		{"Bản đồ.JPEG", "ban-do.jpg"},
		{"ảnh.png", "anh.png"},
		{"สวัสดี.png", "file.png"},
		{"a b  c.PNG", "a-b-c.png"},
		{"../x.png", ""},
		{"x/y.png", ""},
		{`x\y.png`, ""},
		{"x.png\x00.txt", ""},
		{"x.gif", ""},
		{"", ""},
	} {
		got, err := uploadName(c.in, exts)
		if c.want == "" {
			if err == nil {
				t.Errorf("uploadName(%q) = %q, want a refusal", c.in, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("uploadName(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

// TestVideoUpload uploads a clip made by FFmpeg and finds the video item
// made by add-video's transcoding, one rendition per kind of screen.
func TestVideoUpload(t *testing.T) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatal("ffmpeg is needed (make deps):", err)
	}
	clip := filepath.Join(t.TempDir(), "Phóng sự.mp4")
	if out, err := exec.CommandContext(t.Context(), ffmpeg, "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=s=160x80:r=25:d=1",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", clip).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	data, err := os.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(o *Options) { o.FFmpeg = ffmpeg })
	h.submit("/bundles", url.Values{"id": {"video"}})
	h.submit("/bundles/video/text", url.Values{"id": {"chao"}, "title-vi": {"Chào"}})
	if !strings.Contains(h.page("/bundles/video"), `id="add-video"`) {
		t.Fatal("no video form with ffmpeg")
	}
	resp, _ := h.upload("/bundles/video/video", [][2]string{{"csrf", h.token()}, {"sound", "off"}}, "Phóng sự.mp4", data)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatal(resp.Status)
	}
	if f := flashOf(h.page("/bundles/video")); !strings.Contains(f, "Đã thêm video phong-su") {
		t.Fatalf("flash %q", f)
	}
	b, err := content.LoadDir(filepath.Join(h.workspace, "video"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Verify(); err != nil {
		t.Fatal(err)
	}
	it := b.Manifest.Items[1]
	if it.Kind != content.KindVideo || it.Video == nil || len(it.Video.Renditions) != 2 || it.Video.Sound {
		t.Fatalf("video item %+v", it)
	}
	for _, f := range b.Manifest.Files {
		if strings.Contains(f.Path, "clip") || strings.Contains(f.Path, ".upload") {
			t.Errorf("the uploaded source is in the bundle: %s", f.Path)
		}
	}
	// A file that is not a clip is refused by FFmpeg's probe.
	h.upload("/bundles/video/video", [][2]string{{"csrf", h.token()}}, "x.mp4", []byte("#EXTM3U\n"))
	if f := flashOf(h.page("/bundles/video")); !strings.Contains(f, `class="error"`) || !strings.Contains(f, "x.mp4") {
		t.Fatalf("a playlist named .mp4: flash %q", f)
	}
}

// TestGuidesKept edits the demo bundle, which has guides, a video-free
// slideshow and pictures: the guides are shown read-only and come through
// every save unchanged.
func TestGuidesKept(t *testing.T) {
	h := newHarness(t, nil)
	dir := filepath.Join(h.workspace, "demo-an-giang")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "..", "..", "content", "demo", "bundle"))); err != nil {
		t.Fatal(err)
	}
	before, err := content.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	guides := func(m *content.Manifest) string {
		var out []content.Item
		for _, it := range m.Items {
			if it.Kind == content.KindGuide {
				out = append(out, it)
			}
		}
		raw, _ := json.Marshal(out)
		return string(raw)
	}
	if guides(&before.Manifest) == "null" {
		t.Fatal("the demo bundle has no guides")
	}
	page := h.page("/bundles/demo-an-giang")
	if !strings.Contains(page, "Hướng dẫn (guide)") || !strings.Contains(page, "chỉ xem") {
		t.Fatal("guides not shown read-only")
	}
	var textID string
	for _, it := range before.Manifest.Items {
		if it.Kind == content.KindText {
			textID = it.ID
			break
		}
	}
	form := url.Values{"duration": {"9s"}}
	for l, tx := range before.Manifest.Items[slices.IndexFunc(before.Manifest.Items, func(it content.Item) bool { return it.ID == textID })].Text {
		form.Set("title-"+l, tx.Title)
		form.Set("body-"+l, tx.Body)
	}
	if f := h.submit("/bundles/demo-an-giang/items/"+textID+"/edit", form); !strings.Contains(f, "Đã lưu") {
		t.Fatalf("edit: %q", f)
	}
	h.submit("/bundles/demo-an-giang/ticker", url.Values{"ticker-0-vi": {"Tin mới"}})
	after, err := content.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := after.Verify(); err != nil {
		t.Fatal(err)
	}
	if guides(&before.Manifest) != guides(&after.Manifest) {
		t.Fatal("the guides changed on save")
	}
	if !slices.Equal(before.Manifest.Requires, after.Manifest.Requires) || len(after.Manifest.Files) != len(before.Manifest.Files) {
		t.Fatalf("requires %v → %v, %d files → %d", before.Manifest.Requires, after.Manifest.Requires, len(before.Manifest.Files), len(after.Manifest.Files))
	}
	// A guide is not edited here: the form is refused, the guide kept.
	guide := before.Manifest.Items[slices.IndexFunc(before.Manifest.Items, func(it content.Item) bool { return it.Kind == content.KindGuide })]
	if f := h.submit("/bundles/demo-an-giang/items/"+guide.ID+"/edit", url.Values{"title-vi": {"x"}}); !strings.Contains(f, "chỉ xem được") {
		t.Fatalf("editing a guide: %q", f)
	}
}

// TestScheduleEdit sets an item's schedule from the edit form, which
// brings "schedule" into requires, and clears it again.
func TestScheduleEdit(t *testing.T) {
	h := newHarness(t, nil)
	h.submit("/bundles", url.Values{"id": {"lich"}})
	h.submit("/bundles/lich/text", url.Values{"id": {"tet"}, "title-vi": {"Chúc mừng năm mới"}})
	h.submit("/bundles/lich/text", url.Values{"id": {"thuong"}, "title-vi": {"Thông báo"}})
	load := func() *content.Manifest {
		b, err := content.LoadDir(filepath.Join(h.workspace, "lich"))
		if err != nil {
			t.Fatal(err)
		}
		return &b.Manifest
	}
	f := h.submit("/bundles/lich/items/tet/edit", url.Values{"sched": {"1"}, "title-vi": {"Chúc mừng năm mới"},
		"sched-from": {"2027-02-01"}, "sched-until": {"2027-02-10"}, "sched-days": {"sat", "sun"},
		"sched-hours": {"06:00-11:00, 18:00–22:00"}, "sched-priority": {"1"}, "sched-weight": {"2"}})
	if !strings.Contains(f, "Đã lưu") {
		t.Fatalf("flash %q", f)
	}
	m := load()
	sc := m.Items[0].Schedule
	if sc == nil || sc.From != "2027-02-01" || sc.Until != "2027-02-10" || !slices.Equal(sc.Weekdays, []string{"sat", "sun"}) ||
		len(sc.Hours) != 2 || sc.Hours[1] != (content.Window{From: "18:00", Until: "22:00"}) || sc.Priority != 1 || sc.Weight != 2 {
		t.Fatalf("schedule %+v", sc)
	}
	if !slices.Contains(m.Requires, content.FeatureSchedule) {
		t.Fatalf("requires %v", m.Requires)
	}
	page := h.page("/bundles/lich")
	if !strings.Contains(page, `name="sched-hours" value="06:00-11:00, 18:00-22:00"`) || !strings.Contains(page, `value="sat" checked`) {
		t.Fatal("the form does not show the schedule")
	}
	// An edit without the schedule's fields keeps it.
	h.submit("/bundles/lich/items/tet/edit", url.Values{"title-vi": {"Chúc Tết"}})
	if load().Items[0].Schedule == nil {
		t.Fatal("an edit without the schedule's fields dropped it")
	}
	for _, bad := range []url.Values{
		{"sched": {"1"}, "title-vi": {"x"}, "sched-hours": {"sáng"}},
		{"sched": {"1"}, "title-vi": {"x"}, "sched-hours": {"25:00-26:00"}},
		{"sched": {"1"}, "title-vi": {"x"}, "sched-from": {"hôm qua"}},
		{"sched": {"1"}, "title-vi": {"x"}, "sched-weight": {"1000"}},
	} {
		if f := h.submit("/bundles/lich/items/tet/edit", bad); !strings.Contains(f, `class="error"`) {
			t.Errorf("%v accepted: %q", bad, f)
		}
	}
	h.submit("/bundles/lich/items/tet/edit", url.Values{"sched": {"1"}, "title-vi": {"Chúc Tết"}})
	m = load()
	if m.Items[0].Schedule != nil || slices.Contains(m.Requires, content.FeatureSchedule) {
		t.Fatalf("cleared: schedule %+v, requires %v", m.Items[0].Schedule, m.Requires)
	}
}

// TestTLS: over HTTPS the session cookie is Secure, and an http:// Origin
// is another origin.
func TestTLS(t *testing.T) {
	srv, err := New(Options{Workspace: t.TempDir(), SitesDir: "testdata/sites", TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewTLSServer(srv.Handler())
	defer ts.Close()
	srv.AllowHosts(ts.Listener.Addr(), nil)
	client := ts.Client()
	client.Jar, _ = cookiejar.New(nil)
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(ts.URL + "/?token=" + srv.launch)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var secure bool
	for _, c := range resp.Cookies() {
		secure = secure || c.Name == sessionCookie && c.Secure && c.HttpOnly
	}
	if !secure {
		t.Fatal("the session cookie is not Secure over TLS")
	}
	if resp, err = client.Get(ts.URL + "/"); err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := csrfField.FindStringSubmatch(string(body))[1]
	for origin, want := range map[string]int{ts.URL: http.StatusSeeOther, strings.Replace(ts.URL, "https:", "http:", 1): http.StatusForbidden} {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/bundles", strings.NewReader(url.Values{"id": {"b" + strconv.Itoa(want)}, "csrf": {tok}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Origin %s: %s, want %d", origin, resp.Status, want)
		}
	}
}

// TestSessionsBounded: requests without a session cannot grow the
// sessions without bound, nor push out a logged-in one.
func TestSessionsBounded(t *testing.T) {
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	st := newSessionStore(func() time.Time { return now })
	rec := httptest.NewRecorder()
	staff := st.create(rec, false)
	staff.user = "lan"
	for range maxSessions + 50 {
		now = now.Add(time.Millisecond)
		st.create(httptest.NewRecorder(), false)
	}
	if len(st.byID) > maxSessions {
		t.Fatalf("%d sessions kept", len(st.byID))
	}
	if st.byID[staff.id] == nil {
		t.Fatal("the logged-in session was pushed out")
	}
	// An idle session ends.
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: staff.id})
	now = now.Add(sessionIdle + time.Minute)
	if st.get(req) != nil {
		t.Fatal("an idle session still works")
	}
}
