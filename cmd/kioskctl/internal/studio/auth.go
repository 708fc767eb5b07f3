package studio

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/vnict/kiosk/internal/atomicfile"
)

// Users are the department's logins to a studio served on the network,
// read from a users file: one login a line, NAME:HASH, where NAME is 1-64
// of a-z, 0-9, '.', '_', '-' and HASH a bcrypt hash
// (golang.org/x/crypto/bcrypt, "$2a$12$..."); blank lines and lines
// starting with '#' are ignored. `kioskctl studio --add-user NAME --users
// FILE` writes one (AddUser); nobody types a hash.
type Users struct {
	hashes map[string][]byte
}

// maxUsersFile bounds the users file read.
const maxUsersFile = 1 << 20

// userPattern is a login name.
var userPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// bcryptCost is the cost of new hashes: about a quarter second a login
// on a department PC.
const bcryptCost = 12

// LoadUsers reads a users file.
func LoadUsers(path string) (*Users, error) {
	raw, err := readBounded(path, maxUsersFile)
	if err != nil {
		return nil, fmt.Errorf("users file %s: %w", path, err)
	}
	u := &Users{hashes: map[string][]byte{}}
	for n, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, hash, ok := strings.Cut(line, ":")
		if !ok || !userPattern.MatchString(name) {
			return nil, fmt.Errorf("users file %s: line %d: want NAME:BCRYPT-HASH with NAME 1-64 of a-z, 0-9, '.', '_', '-'", path, n+1)
		}
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return nil, fmt.Errorf("users file %s: line %d (%s): not a bcrypt hash: %w", path, n+1, name, err)
		}
		if _, dup := u.hashes[name]; dup {
			return nil, fmt.Errorf("users file %s: line %d: %s is given twice", path, n+1, name)
		}
		u.hashes[name] = []byte(hash)
	}
	if len(u.hashes) == 0 {
		return nil, fmt.Errorf("users file %s: no logins (kioskctl studio --add-user NAME --users FILE)", path)
	}
	return u, nil
}

// check reports whether password is name's. It takes as long for an
// unknown name as for a known one.
func (u *Users) check(name string, password []byte) bool {
	hash, ok := u.hashes[name]
	if !ok {
		hash = dummyHash
	}
	err := bcrypt.CompareHashAndPassword(hash, password)
	return ok && err == nil
}

// dummyHash is compared against for unknown names.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a login"), bcryptCost)

// AddUser sets name's password in the users file at path, making the
// file (mode 0600) if there is none; the other lines are kept.
func AddUser(path, name string, password []byte) error {
	if !userPattern.MatchString(name) {
		return fmt.Errorf("login %q: want 1-64 of a-z, 0-9, '.', '_', '-'", name)
	}
	if len(password) < 8 {
		return errors.New("the password needs at least 8 characters")
	}
	if len(password) > 72 {
		return errors.New("the password has more than 72 bytes, which bcrypt does not read")
	}
	hash, err := bcrypt.GenerateFromPassword(password, bcryptCost)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	raw, err := readBounded(path, maxUsersFile)
	switch {
	case errors.Is(err, os.ErrNotExist):
		out.WriteString("# kioskctl studio logins: NAME:BCRYPT-HASH, one a line (kioskctl studio --add-user NAME --users FILE)\n")
	case err != nil:
		return fmt.Errorf("users file %s: %w", path, err)
	}
	replaced := false
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := sc.Text()
		if n, _, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && n == name {
			line, replaced = name+":"+string(hash), true
		}
		out.WriteString(line + "\n")
	}
	if !replaced {
		out.WriteString(name + ":" + string(hash) + "\n")
	}
	if err := atomicfile.Write(path, out.Bytes()); err != nil {
		return fmt.Errorf("users file %s: %w", path, err)
	}
	return os.Chmod(path, 0o600)
}

// readBounded reads a regular file of at most max bytes. The file is
// opened through an os.Root of its folder, without waiting on a FIFO (a
// FIFO would hang the page), and refused unless it is a regular file that
// its name itself is: a link, even to a file of the same folder, is not
// followed out of the folder it names (a manifest.json linked to
// /etc/shadow reads nothing).
func readBounded(path string, max int64) ([]byte, error) {
	root, err := os.OpenRoot(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	defer root.Close()
	name := filepath.Base(path)
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%v)", st.Mode().Type())
	}
	if lst, err := root.Lstat(name); err != nil || lst.Mode()&fs.ModeSymlink != 0 || !os.SameFile(st, lst) {
		return nil, errors.New("a link, or replaced while read: refused")
	}
	raw, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(raw)) > max {
		return nil, fmt.Errorf("more than %d bytes", max)
	}
	return raw, nil
}

// A session is one browser's: its login (empty before one, or without
// logins) and its CSRF token, which every POST form carries.
type session struct {
	id    string
	csrf  string
	user  string
	mu    sync.Mutex
	flash []flash
	seen  time.Time
}

// flash is a message shown once on the next page.
type flash struct {
	Class string // "ok" or "error"
	Text  string
}

func (s *session) addFlash(class, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.flash) < 8 {
		s.flash = append(s.flash, flash{class, text})
	}
}

func (s *session) takeFlash() []flash {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.flash
	s.flash = nil
	return f
}

// sessionCookie names the session cookie.
const sessionCookie = "kiosk_studio"

// sessionIdle is how long an unused session lasts.
const sessionIdle = 12 * time.Hour

// maxSessions bounds the sessions kept; the oldest go first.
const maxSessions = 10_000

type sessionStore struct {
	now  func() time.Time
	mu   sync.Mutex
	byID map[string]*session
}

func newSessionStore(now func() time.Time) *sessionStore {
	return &sessionStore{now: now, byID: map[string]*session{}}
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// get returns the request's session, or nil.
func (st *sessionStore) get(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.byID[c.Value]
	if s == nil {
		return nil
	}
	if now := st.now(); now.Sub(s.seen) > sessionIdle {
		delete(st.byID, s.id)
		return nil
	} else {
		s.seen = now
	}
	return s
}

// create starts a session and sets its cookie.
func (st *sessionStore) create(w http.ResponseWriter, secure bool) *session {
	s := &session{id: randomToken(), csrf: randomToken(), seen: st.now()}
	st.mu.Lock()
	if len(st.byID) >= maxSessions {
		// Sessions without a login go first: requests from the network
		// cannot push out the staff's sessions.
		var oldest, oldestAnon *session
		for _, o := range st.byID {
			if oldest == nil || o.seen.Before(oldest.seen) {
				oldest = o
			}
			if o.user == "" && (oldestAnon == nil || o.seen.Before(oldestAnon.seen)) {
				oldestAnon = o
			}
		}
		if oldestAnon != nil {
			oldest = oldestAnon
		}
		delete(st.byID, oldest.id)
	}
	st.byID[s.id] = s
	st.mu.Unlock()
	setSessionCookie(w, s.id, secure)
	return s
}

func setSessionCookie(w http.ResponseWriter, id string, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: secure})
}

// login gives the session to user under a new ID and token, so an ID
// known before the login (set by someone else) is worth nothing after.
func (st *sessionStore) login(w http.ResponseWriter, old *session, user string, secure bool) *session {
	st.mu.Lock()
	delete(st.byID, old.id)
	st.mu.Unlock()
	s := st.create(w, secure)
	s.user = user
	return s
}

func (st *sessionStore) drop(s *session) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.byID, s.id)
}

type sessionKey struct{}

func withSession(ctx context.Context, s *session) context.Context {
	return context.WithValue(ctx, sessionKey{}, s)
}

func sessionOf(r *http.Request) *session {
	s, _ := r.Context().Value(sessionKey{}).(*session)
	return s
}

// validCSRF compares a form's token with the session's in constant time.
func validCSRF(s *session, token []byte) bool {
	return s != nil && len(token) > 0 && subtle.ConstantTimeCompare([]byte(s.csrf), token) == 1
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if s.opt.Users == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, r, "login", &struct{ pageData }{s.page(r, "Đăng nhập (login)", "")})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, f *postForm) {
	if s.opt.Users == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	name := strings.TrimSpace(f.get("name"))
	addr := clientAddr(r)
	// The attempt counts as a failure before the password is checked, so
	// guesses sent together wait like guesses sent one after another.
	if wait := s.throttle.begin(name, addr, s.now()); wait > 0 {
		f.sess.addFlash("error", fmt.Sprintf("Sai quá nhiều lần: thử lại sau %d giây (too many failures)", int(wait.Seconds())+1))
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	ok, err := s.throttle.check(r.Context(), func() bool { return s.opt.Users.check(name, f.secret) })
	if err != nil {
		http.Error(w, "Đăng nhập bị huỷ (login cancelled)", http.StatusServiceUnavailable)
		return
	}
	if !ok {
		s.throttle.failed(name, addr, s.now())
		s.log.Warn("login refused", "user", clipLog(name))
		f.sess.addFlash("error", "Sai tên đăng nhập hoặc mật khẩu (wrong login or password)")
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	s.throttle.succeeded(name, addr, s.now())
	sess := s.sessions.login(w, f.sess, name, s.opt.TLS)
	s.log.Info("login", "user", name)
	sess.addFlash("ok", "Xin chào, "+name)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, f *postForm) {
	s.sessions.drop(f.sess)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.opt.TLS})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
