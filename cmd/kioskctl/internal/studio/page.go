package studio

import (
	"bytes"
	"net/http"
)

// pageData is what every page shows: its title, the menu, who is logged
// in, the form token and the flash messages.
type pageData struct {
	Title  string
	Nav    string // the menu entry lit: "bundles", "publish", "fleet"
	User   string
	Logins bool
	CSRF   string
	Flash  []flash
}

func (s *Server) page(r *http.Request, title, nav string) pageData {
	p := pageData{Title: title, Nav: nav, Logins: s.opt.Users != nil}
	if sess := sessionOf(r); sess != nil {
		p.User, p.CSRF, p.Flash = sess.user, sess.csrf, sess.takeFlash()
	}
	return p
}

// render writes page name with data; a template error is a 500 with
// nothing of the page sent.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, data any) {
	s.renderAs(w, name, "layout", data)
}

// renderAs executes the template tmpl of page name.
func (s *Server) renderAs(w http.ResponseWriter, name, tmpl string, data any) {
	t := s.pages[name]
	if t == nil {
		http.Error(w, "no page "+name, http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, tmpl, data); err != nil {
		s.log.Error("page not rendered", "page", name, "err", err)
		http.Error(w, "Lỗi hiển thị trang (page error)", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}
