package studio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// formKind says how a POST route reads its body, and how much of it.
type formKind int

const (
	// formPlain is an urlencoded form of at most maxFormBytes.
	formPlain formKind = iota
	// formSecret is a plain form with one secret field (passphrase or
	// password), kept as bytes and zeroed after the handler.
	formSecret
	// formImage and formVideo are multipart uploads, the CSRF token first.
	formImage
	formVideo
)

// Bounds on request bodies.
const (
	maxFormBytes = 1 << 20
	// maxImageUpload is content's bound on an image (32 MiB) and room
	// for the form around it.
	maxImageUpload = 32<<20 + 1<<20
	// maxVideoUpload bounds a clip before transcoding.
	maxVideoUpload = 512 << 20
)

// secretFields are the fields a formSecret form keeps out of its values.
var secretFields = []string{"passphrase", "password"}

// postForm is a POST request's form, read and checked.
type postForm struct {
	values url.Values
	// secret is the secret field's bytes (formSecret); zeroed after the
	// handler returns.
	secret []byte
	// parts are the parts after the CSRF token (formImage, formVideo).
	parts *multipart.Reader
	sess  *session
}

func (f *postForm) get(name string) string { return f.values.Get(name) }

// post registers handler for POST pattern behind the body bound and the
// CSRF check of its kind: no POST handler runs without a valid token.
func (s *Server) post(mux *http.ServeMux, pattern string, kind formKind, handler func(http.ResponseWriter, *http.Request, *postForm)) {
	mux.HandleFunc("POST "+pattern, func(w http.ResponseWriter, r *http.Request) {
		limit := int64(maxFormBytes)
		switch kind {
		case formImage:
			limit = maxImageUpload
		case formVideo:
			limit = maxVideoUpload
		}
		if r.ContentLength > limit {
			http.Error(w, fmt.Sprintf("Nội dung quá lớn (request body over %d MiB)", limit>>20), http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		f := &postForm{sess: sessionOf(r)}
		var err error
		switch kind {
		case formPlain, formSecret:
			err = f.readPlain(r, kind == formSecret)
			defer clear(f.secret)
		default:
			err = f.readMultipartHead(r)
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, fmt.Sprintf("Nội dung quá lớn (request body over %d MiB)", limit>>20), http.StatusRequestEntityTooLarge)
				return
			}
			s.log.Warn("form refused", "path", r.URL.Path, "err", err)
			http.Error(w, "Biểu mẫu không hợp lệ hoặc đã hết hạn: tải lại trang (invalid or expired form: reload the page)", http.StatusForbidden)
			return
		}
		if err := checkFormText(f.values); err != nil {
			back := "/"
			if id := r.PathValue("id"); idPattern.MatchString(id) {
				back = "/bundles/" + id
			}
			s.fail(w, r, f, back, err)
			return
		}
		handler(w, r, f)
	})
}

// errCSRF is a form whose token is missing or wrong.
var errCSRF = errors.New("CSRF token missing or wrong")

// readPlain reads an urlencoded body. With secret, the secret fields are
// decoded straight into f.secret, and the body's bytes are zeroed, so the
// secret lives in one buffer the caller clears.
func (f *postForm) readPlain(r *http.Request, secret bool) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		return fmt.Errorf("content type %q", ct)
	}
	body, err := io.ReadAll(r.Body)
	defer clear(body)
	if err != nil {
		return err
	}
	f.values = url.Values{}
	var token []byte
	for pair := range bytes.SplitSeq(body, []byte("&")) {
		k, v, _ := bytes.Cut(pair, []byte("="))
		key, err := url.QueryUnescape(string(k))
		if err != nil {
			return fmt.Errorf("field name: %w", err)
		}
		switch {
		case key == "csrf":
			token = []byte(v)
		case secret && isSecretField(key):
			if f.secret != nil {
				return errors.New("two secret fields")
			}
			if f.secret, err = unescapeBytes(v); err != nil {
				return fmt.Errorf("field %s: not form-encoded", key)
			}
		default:
			val, err := url.QueryUnescape(string(v))
			if err != nil {
				return fmt.Errorf("field %s: %w", clipLog(key), err)
			}
			f.values.Add(key, val)
		}
	}
	if !validCSRF(f.sess, token) {
		return errCSRF
	}
	return nil
}

func isSecretField(k string) bool {
	for _, s := range secretFields {
		if k == s {
			return true
		}
	}
	return false
}

// unescapeBytes decodes form encoding (%XX and '+') into a new buffer.
func unescapeBytes(v []byte) ([]byte, error) {
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '+':
			out = append(out, ' ')
		case '%':
			if i+2 >= len(v) || !isHex(v[i+1]) || !isHex(v[i+2]) {
				clear(out)
				return nil, errors.New("bad escape")
			}
			out = append(out, unhex(v[i+1])<<4|unhex(v[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out, nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// readMultipartHead reads a multipart body's first part, which must be
// the CSRF token, so that nothing of an upload is stored for a forged
// form; the handler reads the rest from f.parts.
func (f *postForm) readMultipartHead(r *http.Request) error {
	mr, err := r.MultipartReader()
	if err != nil {
		return err
	}
	p, err := mr.NextPart()
	if err != nil {
		return fmt.Errorf("first part: %w", err)
	}
	if p.FormName() != "csrf" || p.FileName() != "" {
		return errCSRF
	}
	token, err := io.ReadAll(io.LimitReader(p, 256))
	if err != nil {
		return err
	}
	if !validCSRF(f.sess, token) {
		return errCSRF
	}
	f.parts = mr
	f.values = url.Values{}
	return nil
}

// nextFile reads the small fields of a multipart form into
// f.values until the first file part, which it returns (nil at the end).
func (f *postForm) nextFile() (*multipart.Part, error) {
	for {
		p, err := f.parts.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if p.FileName() != "" || p.FormName() == "file" {
			return p, nil
		}
		v, err := io.ReadAll(io.LimitReader(p, 64<<10+1))
		if err != nil {
			return nil, err
		}
		if len(v) > 64<<10 {
			return nil, fmt.Errorf("field %s: too long", clipLog(p.FormName()))
		}
		f.values.Add(p.FormName(), strings.TrimSpace(string(v)))
	}
}

// restFields reads the fields after the file part.
func (f *postForm) restFields() error {
	p, err := f.nextFile()
	if err != nil {
		return err
	}
	if p != nil {
		return errors.New("more than one file")
	}
	return nil
}
