package studio

import (
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vnict/kiosk/cmd/kioskctl/internal/fleetview"
	"github.com/vnict/kiosk/kiosk/fonts"
	"github.com/vnict/kiosk/kiosk/report/fleet"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/sync/publish"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure a studio.
type Options struct {
	// Workspace is the folder of bundles, one folder per bundle ID.
	Workspace string
	// SitesDir is the folder of the site configs (*.yaml): the languages
	// offered, the sites linted and previewed, the sites targeted.
	SitesDir string
	// KeyFile is this approver's private key; "" hides the sign form.
	KeyFile string
	// PublisherKeyFile is the publishing tool's private key; "" hides the
	// publish form.
	PublisherKeyFile string
	// Users are the department logins; nil serves without login, which
	// only a loopback address may do (CheckListen), and then only to the
	// browser that opens the launch link Serve prints.
	Users *Users
	// Store is the publication store, Root the department's trusted
	// root.json and StateDir the folder keeping the newest publication
	// verified here (see publish.Department); a nil Store hides the
	// approve and publish pages' store parts.
	Store    publish.Store
	Root     []byte
	StateDir string
	// Reports is the store read for the fleet's reports (the S3 store);
	// nil when the store cannot list reports.
	Reports fleet.Store
	// FontCacheDir keeps the system font index (fonts.NewLoader); "" is
	// the user's cache folder.
	FontCacheDir string
	// FFmpeg is the ffmpeg program for video uploads; "" hides them.
	FFmpeg string
	// TLS says the studio is served over HTTPS: cookies are Secure.
	TLS bool
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Log receives what the studio does; never a secret.
	Log *slog.Logger
}

// Server is a studio. Make one with New; its Handler serves it.
type Server struct {
	opt      Options
	log      *slog.Logger
	now      func() time.Time
	pages    map[string]*template.Template
	sessions *sessionStore
	fonts    *fonts.Loader
	sites    []*siteconfig.Config // by site ID
	siteNote []string
	fleet    *fleetCache
	lints    *lintCache
	drafts   *draftCache
	previews *previewCache
	throttle *throttle
	// transcoding holds the one video transcoding at a time.
	transcoding chan struct{}
	// freeBytes tells the free space of a folder's file system.
	freeBytes func(dir string) uint64

	// ctx ends with Serve; background reads of the store stop with it.
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	bundles map[string]*sync.Mutex // one edit at a time per bundle
	hosts   map[string]bool        // Host header values accepted
	// launch is the token of the link the studio prints when it serves
	// without logins (on the loopback), until a browser exchanges it for
	// a session; then "".
	launch string
}

// New makes a studio from opt: it reads the site configs and parses the
// pages.
func New(opt Options) (*Server, error) {
	if opt.Workspace == "" {
		return nil, errors.New("studio: no workspace folder (--workspace)")
	}
	st, err := os.Stat(opt.Workspace)
	if err != nil {
		return nil, fmt.Errorf("studio: workspace: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("studio: workspace %s is not a folder", opt.Workspace)
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	configs, notes, err := fleetview.LoadConfigs(opt.SitesDir)
	if err != nil {
		return nil, fmt.Errorf("studio: %w", err)
	}
	sites := make([]*siteconfig.Config, 0, len(configs))
	for _, c := range configs {
		sites = append(sites, c)
	}
	slices.SortFunc(sites, func(a, b *siteconfig.Config) int { return strings.Compare(a.Site.ID, b.Site.ID) })
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		opt: opt, log: opt.Log, now: opt.Now, pages: pages,
		sessions:    newSessionStore(opt.Now),
		throttle:    newThrottle(),
		transcoding: make(chan struct{}, 1),
		freeBytes:   freeBytes,
		fonts:       fonts.NewLoader(opt.Log, opt.FontCacheDir),
		sites:       sites, siteNote: notes,
		ctx: ctx, cancel: cancel,
		bundles: map[string]*sync.Mutex{},
		hosts:   map[string]bool{},
	}
	if opt.Users == nil {
		s.launch = randomToken()
	}
	s.fleet = newFleetCache(s)
	s.lints = newLintCache()
	s.drafts = newDraftCache()
	s.previews = newPreviewCache()
	return s, nil
}

// Close stops the studio's background work.
func (s *Server) Close() { s.cancel() }

// parsePages parses each page template with the layout.
func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{"join": strings.Join}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("studio: templates: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("studio: template %s: %w", n, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// ListenSecurity is what protects a studio on its address: department
// logins, TLS, or the explicit choice of plain HTTP on the network.
type ListenSecurity struct {
	Users bool // --users: department logins
	TLS   bool // --tls-cert and --tls-key
	// InsecureHTTP (--insecure-http) accepts plain HTTP on a non-loopback
	// address: anyone on the network path reads the logins' passwords,
	// the session cookies and the approvers' key passphrases as they are
	// typed. Only for a trusted, isolated network.
	InsecureHTTP bool
}

// CheckListen refuses to serve on an address other than the loopback
// without department logins (anyone on the network could otherwise author
// and publish), and without TLS unless InsecureHTTP says plain HTTP is
// meant: passwords and passphrases would cross the network in clear.
func CheckListen(addr string, sec ListenSecurity) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--listen %s: want HOST:PORT: %w", addr, err)
	}
	if isLoopback(host) {
		return nil
	}
	if !sec.Users {
		return fmt.Errorf("--listen %s is not a loopback address: give --users FILE with the department's logins (kioskctl studio --add-user NAME --users FILE), or listen on 127.0.0.1", addr)
	}
	if !sec.TLS && !sec.InsecureHTTP {
		return fmt.Errorf("--listen %s is not a loopback address: give --tls-cert and --tls-key, since logins and key passphrases would otherwise cross the network in clear (or, on a trusted isolated network only, --insecure-http)", addr)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// AllowHosts sets the Host header values the studio answers, for the
// listener's address ln: the loopback names with its port, and, on
// another address, that address, this machine's name and extra (names
// the department reaches it by). Any other Host is refused: a page of
// another site whose name was made to point here (DNS rebinding) cannot
// read or post.
func (s *Server) AllowHosts(ln net.Addr, extra []string) {
	host, port, err := net.SplitHostPort(ln.String())
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	add := func(h string) { s.hosts[strings.ToLower(net.JoinHostPort(h, port))] = true }
	for _, h := range []string{"127.0.0.1", "localhost", "::1"} {
		add(h)
	}
	ip := net.ParseIP(host)
	if ip != nil && ip.IsLoopback() {
		return
	}
	if ip != nil && !ip.IsUnspecified() {
		add(host)
	} else if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				add(n.IP.String())
			}
		}
	}
	if name, err := os.Hostname(); err == nil {
		add(name)
	}
	for _, h := range extra {
		add(h)
	}
}

// Serve serves the studio on ln until ctx ends, then shuts down. ready is
// called with the studio's address once it accepts requests; without
// logins, the address carries the launch token (see Handler).
func (s *Server) Serve(ctx context.Context, ln net.Listener, extraHosts []string, ready func(url string)) error {
	s.AllowHosts(ln.Addr(), extraHosts)
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	scheme := "http"
	if s.opt.TLS {
		scheme = "https"
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	u := &url.URL{Scheme: scheme, Host: net.JoinHostPort(host, port), Path: "/"}
	s.mu.Lock()
	if s.launch != "" {
		u.RawQuery = url.Values{"token": {s.launch}}.Encode()
	}
	s.mu.Unlock()
	ready(u.String())
	select {
	case err := <-errc:
		s.cancel()
		return err
	case <-ctx.Done():
	}
	s.cancel()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Handler is the studio's handler: its routes behind the checks every
// request passes (headers, Host, origin, login).
//
// Without logins (on the loopback) the studio is not open to whatever
// runs on the machine: another user's program, or a page in the browser
// that makes it draw previews or reports through <img> tags. Only the
// browser that opens the link the studio printed, with its random
// launch token, gets a session (HttpOnly, SameSite=Strict cookie), and
// is sent on to the same address without the token; the token works
// once. Every other request is refused with a page that says to open
// that link.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /login", s.loginPage)
	s.post(mux, "/login", formSecret, s.login)
	s.post(mux, "/logout", formPlain, s.logout)

	mux.HandleFunc("GET /{$}", s.bundlesPage)
	s.post(mux, "/bundles", formPlain, s.createBundle)
	mux.HandleFunc("GET /bundles/{id}", s.editorPage)
	s.post(mux, "/bundles/{id}/text", formPlain, s.addText)
	s.post(mux, "/bundles/{id}/image", formImage, s.addImage)
	s.post(mux, "/bundles/{id}/video", formVideo, s.addVideo)
	s.post(mux, "/bundles/{id}/items/{item}/edit", formPlain, s.editItem)
	s.post(mux, "/bundles/{id}/items/{item}/delete", formPlain, s.deleteItem)
	s.post(mux, "/bundles/{id}/items/{item}/move", formPlain, s.moveItem)
	s.post(mux, "/bundles/{id}/ticker", formPlain, s.saveTicker)
	mux.HandleFunc("GET /bundles/{id}/files/{path...}", s.bundleFile)
	mux.HandleFunc("GET /bundles/{id}/preview", s.previewPage)
	mux.HandleFunc("GET /bundles/{id}/preview/{site}/{slide}", s.previewPNG)
	mux.HandleFunc("GET /bundles/{id}/approve", s.approvePage)
	s.post(mux, "/bundles/{id}/approve", formSecret, s.sign)
	s.post(mux, "/bundles/{id}/version", formPlain, s.raiseVersion)

	mux.HandleFunc("GET /publish", s.publishPage)
	mux.HandleFunc("GET /publish/rollout", s.rolloutFragment)
	s.post(mux, "/publish", formSecret, s.publish)

	mux.HandleFunc("GET /fleet", s.fleetPage)
	mux.HandleFunc("GET /fleet/table", s.fleetFragment)
	mux.HandleFunc("GET /fleet/screens/{site}", s.screenshot)
	mux.HandleFunc("GET /fleet/report", s.reportDownload)
	return s.guard(mux)
}

// guard wraps h in the checks every request passes.
func (s *Server) guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
		if !s.hostAllowed(r.Host) {
			s.log.Warn("request refused: unknown Host", "host", clipLog(r.Host))
			http.Error(w, "Host không được phép (unknown Host header)", http.StatusMisdirectedRequest)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if why := crossOrigin(r, s.opt.TLS); why != "" {
				s.log.Warn("request refused: cross-origin", "path", r.URL.Path, "why", why)
				http.Error(w, "Yêu cầu từ trang khác bị từ chối (cross-origin request refused)", http.StatusForbidden)
				return
			}
		}
		sess := s.sessions.get(r)
		if s.opt.Users == nil && r.URL.Query().Has("token") {
			s.launchSession(w, r, sess)
			return
		}
		if sess == nil && s.opt.Users == nil && !strings.HasPrefix(r.URL.Path, "/static/") {
			s.log.Warn("request refused: no session (the launch link was not opened)", "path", clipLog(r.URL.Path))
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, noSessionPage)
			return
		}
		if sess == nil {
			sess = s.sessions.create(w, s.opt.TLS)
		}
		r = r.WithContext(withSession(r.Context(), sess))
		if s.opt.Users != nil && sess.user == "" && !publicPath(r.URL.Path) {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
			http.Error(w, "Cần đăng nhập (login required)", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// noSessionPage answers a request without a session when the studio
// serves without logins.
const noSessionPage = `<!doctype html><html lang="vi"><meta charset="utf-8"><title>kioskctl studio</title>
<p>Mở đường dẫn mà kioskctl studio đã in ra khi khởi động (<code>studio: http://127.0.0.1:…/?token=…</code>), trong trình duyệt của máy này.
Đường dẫn chỉ dùng được một lần: nếu đã dùng, khởi động lại studio.</p>
<p>(Open the link kioskctl studio printed when it started. It works once: if it was used, start the studio again.)</p></html>
`

// launchSession exchanges the launch token in r's URL for a session and
// sends the browser on to the same address without it. A browser that
// already has a session is sent on whatever token it carries.
func (s *Server) launchSession(w http.ResponseWriter, r *http.Request, sess *session) {
	if sess == nil {
		tok := r.URL.Query().Get("token")
		s.mu.Lock()
		ok := s.launch != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.launch)) == 1
		if ok {
			s.launch = ""
		}
		s.mu.Unlock()
		if !ok {
			s.log.Warn("request refused: wrong or used launch token", "path", clipLog(r.URL.Path))
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, noSessionPage)
			return
		}
		s.sessions.create(w, s.opt.TLS)
		s.log.Info("browser session opened with the launch link")
	}
	u := *r.URL
	q := u.Query()
	q.Del("token")
	u.RawQuery = q.Encode()
	u.Scheme, u.Host = "", ""
	if !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		u.Path = "/"
	}
	http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
}

// publicPath reports whether path is served before login.
func publicPath(p string) bool {
	return p == "/login" || strings.HasPrefix(p, "/static/")
}

func (s *Server) hostAllowed(host string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hosts[strings.ToLower(host)]
}

// crossOrigin says why a state-changing request comes from another
// origin, or "" when the browser says it does not. Sec-Fetch-Site is
// trusted first (every browser since 2023 sends it); then Origin; then
// Referer. A request with none of them is not a browser's cross-site one
// and still needs the session's CSRF token.
func crossOrigin(r *http.Request, tls bool) string {
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin":
	default:
		return "Sec-Fetch-Site " + clipLog(site)
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	want := scheme + "://" + r.Host
	if o := r.Header.Get("Origin"); o != "" {
		if !strings.EqualFold(o, want) {
			return "Origin " + clipLog(o)
		}
		return ""
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		u, err := url.Parse(ref)
		if err != nil || !strings.EqualFold(u.Scheme+"://"+u.Host, want) {
			return "Referer " + clipLog(ref)
		}
	}
	return ""
}

// clipLog keeps text from a request short and printable in a log.
func clipLog(s string) string {
	return fleetview.Clip(fleetview.OneLine(s), 100)
}

// bundleLock is the lock of one bundle's edits.
func (s *Server) bundleLock(id string) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.bundles[id]
	if m == nil {
		m = &sync.Mutex{}
		s.bundles[id] = m
	}
	return m
}
