package cap

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/alert"
)

// Namespace is the XML namespace of CAP 1.2.
const Namespace = "urn:oasis:names:tc:emergency:cap:1.2"

// Bounds of a message.
const (
	MaxSize = 1 << 20 // bytes
	MaxInfo = 32      // info blocks
)

// ErrExpired is wrapped by the error for a message whose expiry has passed.
var ErrExpired = errors.New("the alert has already expired")

// Options say how a message is read.
type Options struct {
	// Areas maps CAP areas to site tags; nil maps only kiosk-tag geocodes.
	Areas *Areas
	// Now is the current time: a message that has expired by then is
	// refused. It must be set.
	Now time.Time
	// AllowExercise accepts messages of status Exercise and Test, for
	// drills; by default only Actual ones are read.
	AllowExercise bool
}

// Message is a CAP message read as an alert.
type Message struct {
	// Alert is the alert to sign, without its Serial: the publisher sets
	// it from the serial stored for the ID.
	Alert alert.Alert
	// Status is the CAP status: Actual, or Exercise or Test when allowed.
	Status string
	// MsgType is Alert, Update or Cancel.
	MsgType string
	// Notes say where the info blocks disagreed and which value was
	// taken, for the person signing to read.
	Notes []string
}

// ReadFile reads and parses a CAP file, at most MaxSize bytes.
func ReadFile(path string, opts Options) (Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return Message{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return Message{}, fmt.Errorf("read %s: %w", path, err)
	}
	return Parse(path, data, opts)
}

// Parse reads a CAP 1.2 message; name is the file it came from, for errors.
// Every problem found is returned, joined, each a *content.FieldError.
func Parse(name string, data []byte, opts Options) (Message, error) {
	if opts.Now.IsZero() {
		return Message{}, errors.New("cap.Parse: Options.Now is not set")
	}
	if len(data) > MaxSize {
		return Message{}, &content.FieldError{File: name, Err: fmt.Errorf("larger than %d bytes, the most a CAP message may be", MaxSize)}
	}
	if err := scan(data); err != nil {
		return Message{}, &content.FieldError{File: name, Err: quotedError{err}}
	}
	var x xmlAlert
	if err := xml.Unmarshal(data, &x); err != nil {
		return Message{}, &content.FieldError{File: name, Err: quotedError{fmt.Errorf("not a CAP message: %w", err)}}
	}
	var errs []error
	bad := problems{file: name, errs: &errs}
	m := read(x, opts, bad)
	if err := errors.Join(errs...); err != nil {
		return Message{}, err
	}
	return m, nil
}

// quotedError is an error whose text quotes the file: its control and
// format characters (a terminal's escapes, bidirectional overrides) are
// written as escapes, so that printing it neither rewrites the duty
// officer's terminal nor reorders what they read.
type quotedError struct{ err error }

func (e quotedError) Error() string {
	s := e.err.Error()
	if !strings.ContainsFunc(s, hidden) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if hidden(r) {
			fmt.Fprintf(&b, "\\u%04x", r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (e quotedError) Unwrap() error { return e.err }

func hidden(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError
}

// single names the elements CAP 1.2 allows at most once in each parent
// (alert, info, area, geocode): a message with two is refused, as readers
// disagree on which counts.
var single = map[string][]string{
	"alert": {"identifier", "sender", "sent", "status", "msgType", "source", "scope", "restriction",
		"addresses", "note", "references", "incidents"},
	"info": {"language", "event", "urgency", "severity", "certainty", "audience", "senderName",
		"headline", "description", "instruction", "web", "contact", "effective", "onset", "expires"},
	"area":    {"areaDesc", "altitude", "ceiling"},
	"geocode": {"valueName", "value"},
}

// scan checks the shape of the document before it is decoded: well-formed
// XML, no DOCTYPE or other directive, one root element <alert> in the CAP
// 1.2 namespace, at most MaxInfo info blocks, and no element that CAP
// allows once given twice in its parent. Elements of other namespaces are
// skipped here and when decoding.
func scan(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	depth, roots, infos := 0, 0, 0
	// The open elements: each one's path for errors ("info[1].area[2]"),
	// and how many of each CAP child it has had; nil outside CAP's.
	type open struct {
		path     string
		children map[string]int
	}
	var stack []*open
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("not XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			word, _, _ := strings.Cut(strings.TrimSpace(string(t)), " ")
			return fmt.Errorf("has a <!%s> declaration; CAP messages have no DOCTYPE and no entities", word)
		case xml.StartElement:
			if depth == 0 {
				if roots++; roots > 1 {
					return errors.New("more than one root element")
				}
				if t.Name.Local != "alert" {
					return fmt.Errorf("root element <%s>: not a CAP alert", t.Name.Local)
				}
				if t.Name.Space != Namespace {
					return fmt.Errorf("alert: namespace %q, want CAP 1.2's %q", t.Name.Space, Namespace)
				}
			}
			if depth == 1 && t.Name.Local == "info" && t.Name.Space == Namespace {
				if infos++; infos > MaxInfo {
					return fmt.Errorf("more than %d info blocks", MaxInfo)
				}
			}
			var o *open
			switch parent := stack[max(0, len(stack)-1):]; {
			case t.Name.Space != Namespace:
			case depth == 0:
				o = &open{path: "alert", children: map[string]int{}}
			case len(parent) == 1 && parent[0] != nil:
				p := parent[0]
				p.children[t.Name.Local]++
				n := p.children[t.Name.Local]
				kind := p.path[strings.LastIndexByte(p.path, '.')+1:]
				kind, _, _ = strings.Cut(kind, "[")
				if n > 1 && slices.Contains(single[kind], t.Name.Local) {
					return fmt.Errorf("%s: more than one <%s>; CAP allows one, and readers disagree on which counts", p.path, t.Name.Local)
				}
				path := t.Name.Local
				if p.path != "alert" {
					path = p.path + "." + path
				}
				o = &open{path: fmt.Sprintf("%s[%d]", path, n), children: map[string]int{}}
			}
			stack = append(stack, o)
			depth++
		case xml.EndElement:
			depth--
			stack = stack[:len(stack)-1]
		}
	}
	if roots == 0 {
		return errors.New("not XML: no root element")
	}
	return nil
}

// The element tags name CAP's namespace (Namespace), so that an element
// of another namespace is not read as CAP's whatever its local name.
type xmlAlert struct {
	Identifier string    `xml:"urn:oasis:names:tc:emergency:cap:1.2 identifier"`
	Sender     string    `xml:"urn:oasis:names:tc:emergency:cap:1.2 sender"`
	Sent       string    `xml:"urn:oasis:names:tc:emergency:cap:1.2 sent"`
	Status     string    `xml:"urn:oasis:names:tc:emergency:cap:1.2 status"`
	MsgType    string    `xml:"urn:oasis:names:tc:emergency:cap:1.2 msgType"`
	Scope      string    `xml:"urn:oasis:names:tc:emergency:cap:1.2 scope"`
	References string    `xml:"urn:oasis:names:tc:emergency:cap:1.2 references"`
	Info       []xmlInfo `xml:"urn:oasis:names:tc:emergency:cap:1.2 info"`
}

type xmlInfo struct {
	Language    string    `xml:"urn:oasis:names:tc:emergency:cap:1.2 language"`
	Event       string    `xml:"urn:oasis:names:tc:emergency:cap:1.2 event"`
	Severity    string    `xml:"urn:oasis:names:tc:emergency:cap:1.2 severity"`
	Effective   string    `xml:"urn:oasis:names:tc:emergency:cap:1.2 effective"`
	Onset       string    `xml:"urn:oasis:names:tc:emergency:cap:1.2 onset"`
	Expires     string    `xml:"urn:oasis:names:tc:emergency:cap:1.2 expires"`
	Headline    string    `xml:"urn:oasis:names:tc:emergency:cap:1.2 headline"`
	Description string    `xml:"urn:oasis:names:tc:emergency:cap:1.2 description"`
	Instruction string    `xml:"urn:oasis:names:tc:emergency:cap:1.2 instruction"`
	Area        []xmlArea `xml:"urn:oasis:names:tc:emergency:cap:1.2 area"`
}

type xmlArea struct {
	AreaDesc string     `xml:"urn:oasis:names:tc:emergency:cap:1.2 areaDesc"`
	Geocode  []xmlValue `xml:"urn:oasis:names:tc:emergency:cap:1.2 geocode"`
}

type xmlValue struct {
	ValueName string `xml:"urn:oasis:names:tc:emergency:cap:1.2 valueName"`
	Value     string `xml:"urn:oasis:names:tc:emergency:cap:1.2 value"`
}

// problems collects the field errors of one file.
type problems struct {
	file string
	errs *[]error
}

func (p problems) add(field, format string, args ...any) {
	*p.errs = append(*p.errs, &content.FieldError{File: p.file, Field: field, Err: fmt.Errorf(format, args...)})
}

// severities maps CAP severities to ours, most severe first.
var severities = []capSeverity{
	{"Extreme", alert.Extreme},
	{"Severe", alert.Severe},
	{"Moderate", alert.Moderate},
	{"Minor", alert.Minor},
	{"Unknown", alert.Unknown},
}

type capSeverity struct {
	cap string
	sev alert.Severity
}

// rank orders severities: 0 is the most severe.
func rank(s alert.Severity) int {
	return slices.IndexFunc(severities, func(e capSeverity) bool { return e.sev == s })
}

// idText is what CAP allows in an identifier or sender: no spaces, commas
// or restricted characters.
var idText = regexp.MustCompile(`^[^\s,<&]+$`)

var langPattern = regexp.MustCompile(`^[a-z]{2,3}$`)

func read(x xmlAlert, opts Options, bad problems) Message {
	m := Message{Status: strings.TrimSpace(x.Status), MsgType: strings.TrimSpace(x.MsgType)}
	a := &m.Alert
	a.Source = strings.TrimSpace(x.Identifier)
	a.Sender = strings.TrimSpace(x.Sender)
	for _, f := range []struct{ field, v string }{{"identifier", a.Source}, {"sender", a.Sender}} {
		switch {
		case f.v == "":
			bad.add(f.field, "missing")
		case !idText.MatchString(f.v):
			bad.add(f.field, "%q: CAP allows no spaces, commas, '<' or '&' here", f.v)
		}
	}
	a.Sent = parseTime(x.Sent, "sent", bad)

	switch m.Status {
	case "Actual":
	case "Exercise", "Test":
		if !opts.AllowExercise {
			bad.add("status", "%s: only Actual alerts are published (allow exercises to publish a drill)", m.Status)
		}
	case "System", "Draft":
		bad.add("status", "%s: not an alert for the public; only Actual alerts are published", m.Status)
	case "":
		bad.add("status", "missing")
	default:
		bad.add("status", "%q is not a CAP status (Actual, Exercise, System, Test, Draft)", m.Status)
	}
	switch scope := strings.TrimSpace(x.Scope); scope {
	case "Public":
	case "Restricted", "Private":
		bad.add("scope", "%s: only Public messages go on public screens", scope)
	case "":
		bad.add("scope", "missing")
	default:
		bad.add("scope", "%q is not a CAP scope (Public, Restricted, Private)", scope)
	}

	switch m.MsgType {
	case "Alert":
		if a.Sender != "" && a.Source != "" {
			a.ID = AlertID(a.Sender, a.Source)
		}
	case "Update", "Cancel":
		a.ID = referencedID(x.References, a.Sender, m.MsgType, bad)
	case "Ack", "Error":
		bad.add("msgType", "%s: an acknowledgement, not an alert for screens", m.MsgType)
		return m
	case "":
		bad.add("msgType", "missing")
		return m
	default:
		bad.add("msgType", "%q is not a CAP message type (Alert, Update, Cancel, Ack, Error)", m.MsgType)
		return m
	}
	if m.MsgType == "Cancel" {
		a.Cancel = true
		a.Start = a.Sent
		return m
	}
	readInfo(&m, x.Info, opts, bad)
	return m
}

// AlertID is the alert ID of the CAP alert that sender issued as
// identifier: "cap-" and 20 hex digits of their SHA-256.
func AlertID(sender, identifier string) string {
	sum := sha256.Sum256([]byte(sender + "," + identifier))
	return "cap-" + hex.EncodeToString(sum[:10])
}

// referencedID returns the ID of the earliest message references names.
// A sender updates or cancels only its own alerts: a reference to another
// sender's message is refused.
func referencedID(refs, sender, msgType string, bad problems) string {
	fields := strings.Fields(refs)
	if len(fields) == 0 {
		bad.add("references", "missing: an %s must name the alert it is for (sender,identifier,sent)", msgType)
		return ""
	}
	var id string
	var first time.Time
	for _, f := range fields {
		parts := strings.Split(f, ",")
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
			bad.add("references", "%q: want sender,identifier,sent", f)
			continue
		}
		sent, err := time.Parse(time.RFC3339, parts[2])
		if err != nil {
			bad.add("references", "%q: not a CAP date-time %q", f, parts[2])
			continue
		}
		if parts[0] != sender {
			bad.add("references", "%q: names a message of sender %q, not of this message's sender %q", f, parts[0], sender)
			continue
		}
		if id == "" || sent.Before(first) {
			id, first = AlertID(parts[0], parts[1]), sent
		}
	}
	return id
}

// readInfo reads the info blocks into the alert's text, severity, times
// and targets.
func readInfo(m *Message, infos []xmlInfo, opts Options, bad problems) {
	a := &m.Alert
	if len(infos) == 0 {
		bad.add("info", "missing: an alert needs an info block with its text, severity, expiry and area")
		return
	}
	a.Text = map[string]alert.Text{}
	langOf := map[string]int{}
	var tags []string
	var sevs, starts, expiries []string
	latest := 0
	for i, in := range infos {
		path := fmt.Sprintf("info[%d]", i+1)
		lang := language(in.Language, path, bad)
		if j, dup := langOf[lang]; dup && lang != "" {
			bad.add(path+".language", "%q is the language of info[%d] too; one info block per language", strings.TrimSpace(in.Language), j+1)
		}
		langOf[lang] = i

		sev, ok := severity(in.Severity)
		if !ok {
			bad.add(path+".severity", "%q is not a CAP severity (Extreme, Severe, Moderate, Minor, Unknown)", strings.TrimSpace(in.Severity))
		} else if a.Severity == "" || rank(sev) < rank(a.Severity) {
			a.Severity = sev
		}
		sevs = append(sevs, fmt.Sprintf("%s: %s", lang, sev))

		start := a.Sent
		switch {
		case strings.TrimSpace(in.Onset) != "":
			start = parseTime(in.Onset, path+".onset", bad)
		case strings.TrimSpace(in.Effective) != "":
			start = parseTime(in.Effective, path+".effective", bad)
		}
		if a.Start.IsZero() || start.Before(a.Start) {
			a.Start = start
		}
		starts = append(starts, fmt.Sprintf("%s: %s", lang, start.Format(time.RFC3339)))

		var expires time.Time
		if strings.TrimSpace(in.Expires) == "" {
			bad.add(path+".expires", "missing: an alert on a screen must end, so every info block needs an expires")
		} else if expires = parseTime(in.Expires, path+".expires", bad); !expires.IsZero() {
			if !start.IsZero() && !expires.After(start) {
				bad.add(path+".expires", "%s is not after the start %s", expires.Format(time.RFC3339), start.Format(time.RFC3339))
			}
			if expires.After(a.Expires) {
				a.Expires, latest = expires, i
			}
		}
		expiries = append(expiries, fmt.Sprintf("%s: %s", lang, expires.Format(time.RFC3339)))

		t := alert.Text{Headline: oneLine(in.Headline), Body: paragraphs(in.Description), Instruction: paragraphs(in.Instruction)}
		if t.Headline == "" {
			t.Headline = oneLine(in.Event)
		}
		if t.Headline == "" {
			bad.add(path+".headline", "missing, and the block has no event to show instead")
		}
		a.Text[lang] = t

		if len(in.Area) == 0 {
			bad.add(path+".area", "missing: name the area the alert is for; an alert is never sent to every site by default")
		}
		for k, ar := range in.Area {
			apath := fmt.Sprintf("%s.area[%d]", path, k+1)
			found := opts.Areas.tagsFor(ar, apath, bad)
			if len(found) == 0 {
				bad.add(apath, "%q maps to no site tag: add it (or one of its geocodes) to the areas file", oneLine(ar.AreaDesc))
			}
			tags = append(tags, found...)
		}
	}
	slices.Sort(tags)
	a.Targets = content.Targets{Tags: slices.Compact(tags)}

	if disagree(sevs) {
		m.Notes = append(m.Notes, fmt.Sprintf("the info blocks disagree on severity (%s): took the most severe, %s", strings.Join(sevs, ", "), a.Severity))
	}
	if disagree(starts) {
		m.Notes = append(m.Notes, fmt.Sprintf("the info blocks disagree on the start (%s): took the earliest, %s", strings.Join(starts, ", "), a.Start.Format(time.RFC3339)))
	}
	if disagree(expiries) {
		m.Notes = append(m.Notes, fmt.Sprintf("the info blocks disagree on the expiry (%s): took the latest, %s", strings.Join(expiries, ", "), a.Expires.Format(time.RFC3339)))
	}
	if !a.Expires.IsZero() && !a.Expires.After(opts.Now) {
		bad.add(fmt.Sprintf("info[%d].expires", latest+1), "%s: %w (now %s)", a.Expires.Format(time.RFC3339), ErrExpired, opts.Now.Format(time.RFC3339))
	}
}

// disagree reports whether the "lang: value" entries differ in value.
func disagree(entries []string) bool {
	for _, e := range entries[1:] {
		_, v0, _ := strings.Cut(entries[0], ": ")
		if _, v, _ := strings.Cut(e, ": "); v != v0 {
			return true
		}
	}
	return false
}

// language reduces a CAP language (RFC 3066) to the primary subtag; an
// empty one is English, the CAP default.
func language(s, path string, bad problems) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "en"
	}
	primary, _, _ := strings.Cut(strings.ToLower(s), "-")
	if !langPattern.MatchString(primary) {
		bad.add(path+".language", "%q is not a language tag such as vi-VN, km or en-US", s)
		return ""
	}
	return primary
}

func severity(s string) (alert.Severity, bool) {
	s = strings.TrimSpace(s)
	for _, e := range severities {
		if e.cap == s {
			return e.sev, true
		}
	}
	return "", false
}

// parseTime reads a CAP date-time, "2026-12-01T14:00:00+07:00".
func parseTime(s, field string, bad problems) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		bad.add(field, "missing")
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		bad.add(field, "not a CAP date-time %q (want one such as 2026-12-01T14:00:00+07:00)", s)
		return time.Time{}
	}
	return t
}

// oneLine collapses the whitespace of s into single spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(norm.NFC.String(s)), " ")
}

// paragraphs collapses the whitespace of each paragraph of s (separated
// by blank lines) and joins them with a newline: CAP texts are often
// wrapped at a fixed width, which a screen should not keep.
func paragraphs(s string) string {
	var out []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, " "))
			cur = nil
		}
	}
	for _, line := range strings.Split(norm.NFC.String(s), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			flush()
			continue
		}
		cur = append(cur, f...)
	}
	flush()
	return strings.Join(out, "\n")
}
