package studio

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// Without logins, only the browser that opens the launch link gets a
// session: a request from anything else on the machine (another user's
// program, a page's <img> pointing at a preview or a report) is refused
// with a page saying to open the link; the link works once, and leaves
// the address bar without its token.
func TestLaunchLink(t *testing.T) {
	h := newHarness(t, nil)
	h.submit("/bundles", url.Values{"id": {"b"}})

	stranger := func() *harness {
		jar, _ := cookiejar.New(nil)
		return &harness{t: t, srv: h.srv, ts: h.ts, logs: h.logs,
			client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	}
	other := stranger()
	for _, path := range []string{"/", "/bundles/b", "/bundles/b/preview/an-giang-tinh-bien/0.png", "/fleet/report?month=2026-01", "/fleet/table", "/?token=", "/?token=" + strings.Repeat("A", 43)} {
		resp, body := other.get(path)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Open the link kioskctl studio printed") {
			t.Errorf("GET %s without a session: %s", path, resp.Status)
		}
		if len(resp.Cookies()) != 0 {
			t.Errorf("GET %s without a session set a cookie", path)
		}
	}
	if resp, _ := other.post("/bundles", url.Values{"id": {"c"}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST without a session: %s", resp.Status)
	}
	if resp, _ := other.get("/static/studio.css"); resp.StatusCode != http.StatusOK {
		t.Errorf("the stylesheet without a session: %s", resp.Status)
	}

	// A fresh studio: its link gives a session once, with the cookie's
	// attributes, and sends the browser on without the token.
	fresh := newHarness(t, func(o *Options) {})
	tok := fresh.srv.launch // "" once used, by newHarness itself
	if tok != "" {
		t.Fatal("the launch token outlives its use")
	}
	h2 := stranger()
	h2.srv, h2.ts = fresh.srv, fresh.ts
	fresh.srv.mu.Lock()
	fresh.srv.launch = "a-fresh-token-for-this-test-0123456789abcdef"
	fresh.srv.mu.Unlock()
	resp, _ := h2.get("/bundles?x=1&token=a-fresh-token-for-this-test-0123456789abcdef")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/bundles?x=1" {
		t.Fatalf("launch link: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	var c *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == sessionCookie {
			c = k
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || len(c.Value) < 40 {
		t.Fatalf("session cookie %+v", c)
	}
	if resp, _ := h2.get("/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("with the session: %s", resp.Status)
	}
	// The same link again, from another browser: refused.
	if resp, _ := stranger().get("/?token=a-fresh-token-for-this-test-0123456789abcdef"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("the launch link used twice: %s", resp.Status)
	}
	// The browser with the session opening it again is just sent on.
	if resp, _ := h2.get("/?token=a-fresh-token-for-this-test-0123456789abcdef"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("the launch link again in the same browser: %s", resp.Status)
	}
}
