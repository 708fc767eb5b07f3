package cap

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
	"github.com/vnict/kiosk/content/alert"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func loadAreas(t *testing.T, name string) *Areas {
	t.Helper()
	a, err := LoadAreas(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestFloodWarning reads the multi-language An Giang flood warning.
func TestFloodWarning(t *testing.T) {
	m, err := ReadFile("testdata/flood-an-giang.xml", Options{Areas: loadAreas(t, "areas.yaml"), Now: mustTime(t, "2026-10-05T08:00:00+07:00")})
	if err != nil {
		t.Fatal(err)
	}
	a := m.Alert
	want := alert.Alert{
		ID:       AlertID("pctt-angiang@example.org", "AG-LU-2026-0012"),
		Sent:     mustTime(t, "2026-10-05T07:30:00+07:00"),
		Start:    mustTime(t, "2026-10-05T12:00:00+07:00"),
		Expires:  mustTime(t, "2026-10-07T12:00:00+07:00"),
		Severity: alert.Severe,
		Targets:  content.Targets{Tags: []string{"gate:tinh-bien", "province:an-giang"}},
		Sender:   "pctt-angiang@example.org",
		Source:   "AG-LU-2026-0012",
		Text: map[string]alert.Text{
			"vi": {
				Headline:    "Cảnh báo lũ trên sông Tiền và sông Hậu tại An Giang",
				Body:        "Mực nước sông Tiền tại Tân Châu và sông Hậu tại Châu Đốc đang lên nhanh, dự báo vượt mức báo động 3 trong 24 giờ tới.\nCác vùng trũng thấp ven sông có nguy cơ ngập sâu.",
				Instruction: "Di chuyển người và tài sản đến nơi cao ráo, an toàn. Không đi qua vùng nước chảy xiết. Theo dõi thông tin và làm theo hướng dẫn của chính quyền địa phương.",
			},
			"km": {Headline: "ការព្រមានអំពីទឹកជំនន់"},
			"en": {
				Headline:    "Flood warning on the Tien and Hau rivers in An Giang",
				Body:        "Water levels on the Tien River at Tan Chau and the Hau River at Chau Doc are rising fast and are forecast to exceed alert level 3 within the next 24 hours.\nLow-lying riverside areas are at risk of deep flooding.",
				Instruction: "Move people and belongings to high, safe ground. Do not cross fast-flowing water. Follow updates and instructions from local authorities.",
			},
		},
	}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("alert =\n%+v\nwant\n%+v", a, want)
	}
	if m.Status != "Actual" || m.MsgType != "Alert" || len(m.Notes) != 0 {
		t.Errorf("status %q, type %q, notes %q", m.Status, m.MsgType, m.Notes)
	}
	if !tagPattern.MatchString(a.ID) || len(a.ID) > 64 || !strings.HasPrefix(a.ID, "cap-") {
		t.Errorf("ID %q does not fit the alert ID pattern", a.ID)
	}
}

// TestUpdateAndCancelShareTheID: the update and the cancel of the flood
// warning hit its ID, and the update's disagreeing blocks are noted.
func TestUpdateAndCancelShareTheID(t *testing.T) {
	opts := Options{Areas: loadAreas(t, "areas.yaml"), Now: mustTime(t, "2026-10-06T07:00:00+07:00")}
	first, err := ReadFile("testdata/flood-an-giang.xml", opts)
	if err != nil {
		t.Fatal(err)
	}
	up, err := ReadFile("testdata/flood-an-giang-update.xml", opts)
	if err != nil {
		t.Fatal(err)
	}
	if up.Alert.ID != first.Alert.ID || up.MsgType != "Update" || up.Alert.Cancel {
		t.Errorf("update: ID %q (want %q), type %q, cancel %v", up.Alert.ID, first.Alert.ID, up.MsgType, up.Alert.Cancel)
	}
	// Most severe, earliest start, latest expiry, each noted.
	if up.Alert.Severity != alert.Extreme ||
		!up.Alert.Start.Equal(mustTime(t, "2026-10-05T12:00:00+07:00")) ||
		!up.Alert.Expires.Equal(mustTime(t, "2026-10-09T12:00:00+07:00")) {
		t.Errorf("update: severity %s, start %s, expires %s", up.Alert.Severity, up.Alert.Start, up.Alert.Expires)
	}
	notes := strings.Join(up.Notes, "\n")
	for _, want := range []string{
		"severity (vi: extreme, km: severe, en: extreme): took the most severe, extreme",
		"start (vi: 2026-10-06T06:00:00+07:00, km: 2026-10-05T12:00:00+07:00, en: 2026-10-06T06:00:00+07:00): took the earliest",
		"expiry (vi: 2026-10-09T12:00:00+07:00, km: 2026-10-07T12:00:00+07:00, en: 2026-10-09T12:00:00+07:00): took the latest, 2026-10-09T12:00:00+07:00",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes do not say %q:\n%s", want, notes)
		}
	}

	// The cancel lists the update first; the ID is still the first message's.
	c, err := ReadFile("testdata/flood-an-giang-cancel.xml", Options{Now: mustTime(t, "2026-10-08T16:05:00+07:00")})
	if err != nil {
		t.Fatal(err)
	}
	want := alert.Alert{ID: first.Alert.ID, Cancel: true, Sent: mustTime(t, "2026-10-08T16:00:00+07:00"),
		Start: mustTime(t, "2026-10-08T16:00:00+07:00"), Sender: "pctt-angiang@example.org", Source: "AG-LU-2026-0014"}
	if !reflect.DeepEqual(c.Alert, want) || c.MsgType != "Cancel" {
		t.Errorf("cancel = %+v (%s), want %+v", c.Alert, c.MsgType, want)
	}
}

// A sender updates and cancels only its own alerts: a cancel naming
// another sender's message is refused, naming the reference.
func TestCancelOfAnotherSendersAlertRefused(t *testing.T) {
	data, err := os.ReadFile("testdata/flood-an-giang-cancel.xml")
	if err != nil {
		t.Fatal(err)
	}
	forged := strings.Replace(string(data), "<sender>pctt-angiang@example.org</sender>", "<sender>someone-else@example.org</sender>", 1)
	if forged == string(data) {
		t.Fatal("the cancel's sender is not where the test expects it")
	}
	_, err = Parse("cancel.xml", []byte(forged), Options{Now: mustTime(t, "2026-10-08T16:05:00+07:00")})
	if err == nil || !strings.Contains(err.Error(), "references") || !strings.Contains(err.Error(), `not of this message's sender "someone-else@example.org"`) {
		t.Fatalf("Parse of a cancel of another sender's alert: %v", err)
	}
}

// TestSpecExamples reads the CAP 1.2 specification's examples: the one
// with an expiry becomes an alert; the others are refused for their
// missing expiry or their unmapped area.
func TestSpecExamples(t *testing.T) {
	areas := loadAreas(t, "spec-areas.yaml")
	m, err := ReadFile("testdata/spec-a2-thunderstorm.xml", Options{Areas: areas, Now: mustTime(t, "2003-06-17T15:00:00-07:00")})
	if err != nil {
		t.Fatal(err)
	}
	a := m.Alert
	if a.ID != AlertID("KSTO@NWS.NOAA.GOV", "KSTO1055887203") || a.Severity != alert.Severe ||
		!a.Start.Equal(mustTime(t, "2003-06-17T14:57:00-07:00")) || !a.Expires.Equal(mustTime(t, "2003-06-17T16:00:00-07:00")) ||
		!reflect.DeepEqual(a.Targets.Tags, []string{"county:alpine", "county:calaveras", "county:tuolumne"}) {
		t.Errorf("thunderstorm = %+v", a)
	}
	en := a.Text["en"]
	if len(a.Text) != 1 || en.Headline != "SEVERE THUNDERSTORM WARNING" ||
		!strings.HasPrefix(en.Body, "AT 254 PM PDT...NATIONAL WEATHER SERVICE DOPPLER RADAR INDICATED A SEVERE THUNDERSTORM OVER SOUTH") ||
		strings.Contains(en.Body, "\n") || en.Instruction != "TAKE COVER IN A SUBSTANTIAL SHELTER UNTIL THE STORM PASSES." {
		t.Errorf("thunderstorm text = %+v", a.Text)
	}

	for _, tc := range []struct {
		file string
		want []string
	}{
		{"spec-a1-homeland-security.xml", []string{
			"testdata/spec-a1-homeland-security.xml: info[1].expires: missing",
			`testdata/spec-a1-homeland-security.xml: info[1].area[1]: "U.S. nationwide and interests worldwide" maps to no site tag`,
		}},
		{"spec-a3-earthquake.xml", []string{"testdata/spec-a3-earthquake.xml: info[1].expires: missing"}},
		{"spec-a4-amber.xml", []string{
			"testdata/spec-a4-amber.xml: info[1].expires: missing",
			"testdata/spec-a4-amber.xml: info[2].expires: missing",
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			_, err := ReadFile("testdata/"+tc.file, Options{Areas: areas, Now: mustTime(t, "2003-06-11T23:00:00-07:00")})
			assertErr(t, err, tc.want...)
		})
	}
}

// TestRefused: each file is refused with an error naming the file and the
// element.
func TestRefused(t *testing.T) {
	areas := loadAreas(t, "areas.yaml")
	now := mustTime(t, "2026-11-02T09:00:00+07:00")
	for _, tc := range []struct {
		file string
		opts Options
		want []string
	}{
		{"bad-date.xml", Options{}, []string{`testdata/bad-date.xml: info[1].expires: not a CAP date-time "2026-13-01"`}},
		{"missing-expires.xml", Options{}, []string{"testdata/missing-expires.xml: info[1].expires: missing: an alert on a screen must end"}},
		{"unknown-severity.xml", Options{}, []string{`testdata/unknown-severity.xml: info[1].severity: "Catastrophic" is not a CAP severity`}},
		{"not-xml.xml", Options{}, []string{"testdata/not-xml.xml: not XML"}},
		{"truncated.xml", Options{}, []string{"testdata/truncated.xml: not XML: XML syntax error on line 13: unexpected EOF"}},
		{"wrong-namespace.xml", Options{}, []string{`testdata/wrong-namespace.xml: alert: namespace "urn:oasis:names:tc:emergency:cap:1.1", want CAP 1.2's`}},
		{"doctype.xml", Options{}, []string{"testdata/doctype.xml: has a <!DOCTYPE> declaration"}},
		{"storm-expired.xml", Options{}, []string{"testdata/storm-expired.xml: info[1].expires: 2025-06-14T21:00:00+07:00: the alert has already expired (now 2026-11-02T09:00:00+07:00)"}},
		{"flood-an-giang.xml", Options{Areas: nil}, []string{
			`testdata/flood-an-giang.xml: info[1].area[1]: "Tỉnh An Giang" maps to no site tag`,
			`testdata/flood-an-giang.xml: info[2].area[1]: "An Giang" maps to no site tag`,
			`testdata/flood-an-giang.xml: info[3].area[1]: "An Giang Province" maps to no site tag`,
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			opts := tc.opts
			if tc.file != "flood-an-giang.xml" {
				opts.Areas = areas
			}
			opts.Now = now
			_, err := ReadFile("testdata/"+tc.file, opts)
			assertErr(t, err, tc.want...)
			var fe *content.FieldError
			if !errors.As(err, &fe) || fe.File != "testdata/"+tc.file {
				t.Errorf("error is not a FieldError naming the file: %#v", err)
			}
		})
	}
	_, err := ReadFile("testdata/storm-expired.xml", Options{Areas: areas, Now: now})
	if !errors.Is(err, ErrExpired) {
		t.Errorf("expired alert: %v, want ErrExpired", err)
	}
}

// TestMessageRules covers status, scope, type, language and reference
// rules on variants of one message.
func TestMessageRules(t *testing.T) {
	base, err := os.ReadFile("testdata/flood-an-giang.xml")
	if err != nil {
		t.Fatal(err)
	}
	areas := loadAreas(t, "areas.yaml")
	now := mustTime(t, "2026-10-05T08:00:00+07:00")
	edit := func(pairs ...string) []byte {
		s := string(base)
		for i := 0; i < len(pairs); i += 2 {
			if !strings.Contains(s, pairs[i]) {
				t.Fatalf("flood-an-giang.xml has no %q", pairs[i])
			}
			s = strings.Replace(s, pairs[i], pairs[i+1], 1)
		}
		return []byte(s)
	}
	for _, tc := range []struct {
		name     string
		data     []byte
		exercise bool
		want     []string // empty: accepted
	}{
		{"exercise refused", edit("<status>Actual", "<status>Exercise"), false, []string{"status: Exercise: only Actual alerts are published"}},
		{"exercise allowed", edit("<status>Actual", "<status>Exercise"), true, nil},
		{"test allowed", edit("<status>Actual", "<status>Test"), true, nil},
		{"draft never", edit("<status>Actual", "<status>Draft"), true, []string{"status: Draft: not an alert for the public"}},
		{"system never", edit("<status>Actual", "<status>System"), true, []string{"status: System: not an alert for the public"}},
		{"private scope", edit("<scope>Public", "<scope>Private"), false, []string{"scope: Private: only Public messages go on public screens"}},
		{"ack", edit("<msgType>Alert", "<msgType>Ack"), false, []string{"msgType: Ack: an acknowledgement"}},
		{"update without references", edit("<msgType>Alert", "<msgType>Update"), false, []string{"references: missing: an Update must name the alert it is for"}},
		{"bad reference", edit("<msgType>Alert", "<msgType>Cancel", "<scope>Public</scope>", "<scope>Public</scope><references>pctt-angiang@example.org,AG-LU-2026-0011</references>"),
			false, []string{`references: "pctt-angiang@example.org,AG-LU-2026-0011": want sender,identifier,sent`}},
		{"two blocks of one language", edit("<language>en-US", "<language>vi"), false, []string{`info[3].language: "vi" is the language of info[1] too`}},
		{"zh-Hant-TW is zh", edit("<language>en-US", "<language>zh-Hant-TW"), false, nil},
		{"bad language", edit("<language>km", "<language>k_m"), false, []string{`info[2].language: "k_m" is not a language tag`}},
		{"sender with a comma", edit("<sender>pctt-angiang@example.org", "<sender>pctt, An Giang"), false, []string{`sender: "pctt, An Giang": CAP allows no spaces, commas`}},
		{"missing sent", edit("<sent>2026-10-05T07:30:00+07:00</sent>", ""), false, []string{"sent: missing"}},
		{"expires before onset", edit("<expires>2026-10-07T12:00:00+07:00", "<expires>2026-10-05T11:00:00+07:00"), false,
			[]string{"info[1].expires: 2026-10-05T11:00:00+07:00 is not after the start 2026-10-05T12:00:00+07:00"}},
		{"no headline", edit("<headline>ការព្រមានអំពីទឹកជំនន់</headline>", ""), false, nil}, // the event is shown instead
		{"no area", edit("<area>\n      <areaDesc>An Giang</areaDesc>\n      <geocode>\n        <valueName>ISO3166-2</valueName>\n        <value>VN-44</value>\n      </geocode>\n    </area>", ""),
			false, []string{"info[2].area: missing"}},
		{"bad kiosk-tag", edit("<value>gate:tinh-bien", "<value>Gate Tinh Bien"), false, []string{`info[1].area[2].geocode[1].value: "Gate Tinh Bien" is not a site tag`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse("alert.cap", tc.data, Options{Areas: areas, Now: now, AllowExercise: tc.exercise})
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if len(m.Alert.Text) != 3 {
					t.Errorf("texts: %+v", m.Alert.Text)
				}
				return
			}
			for i := range tc.want {
				tc.want[i] = "alert.cap: " + tc.want[i]
			}
			assertErr(t, err, tc.want...)
		})
	}

	m, err := Parse("alert.cap", edit("<headline>ការព្រមានអំពីទឹកជំនន់</headline>", ""), Options{Areas: areas, Now: now})
	if err != nil || m.Alert.Text["km"].Headline != "ទឹកជំនន់" {
		t.Errorf("a block without a headline shows its event: %+v, %v", m.Alert.Text["km"], err)
	}
	m, err = Parse("alert.cap", edit("<language>en-US", "<language>zh-Hant-TW"), Options{Areas: areas, Now: now})
	if _, ok := m.Alert.Text["zh"]; err != nil || !ok {
		t.Errorf("zh-Hant-TW: %v, texts %v", err, m.Alert.Text)
	}
	m, err = Parse("alert.cap", edit("<language>en-US</language>", ""), Options{Areas: areas, Now: now})
	if _, ok := m.Alert.Text["en"]; err != nil || !ok {
		t.Errorf("a block without a language is English: %v, texts %v", err, m.Alert.Text)
	}
}

// TestBounds: over 1 MiB and over 32 info blocks are refused before
// decoding.
func TestBounds(t *testing.T) {
	base, err := os.ReadFile("testdata/storm-expired.xml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(base)
	start, end := strings.Index(s, "  <info>"), strings.LastIndex(s, "</info>")+len("</info>\n")
	info := s[start:end] // two blocks
	many := s[:start] + strings.Repeat(info, 17) + s[end:]
	_, err = Parse("alert.cap", []byte(many), Options{Now: time.Now()})
	assertErr(t, err, "alert.cap: more than 32 info blocks")

	padding := strings.Repeat("<!-- padding -->\n", MaxSize/16)
	_, err = Parse("alert.cap", []byte(s+padding), Options{Now: time.Now()})
	assertErr(t, err, "alert.cap: larger than")

	path := filepath.Join(t.TempDir(), "big.xml")
	if err := os.WriteFile(path, []byte(s+padding), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadFile(path, Options{Now: time.Now()})
	assertErr(t, err, path+": larger than 1048576 bytes")
}

func TestAreasFile(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"bad tag", "areaDesc:\n  An Giang: [An Giang]\n", []string{`areas.yaml: areaDesc."An Giang"[0]: "An Giang" is not a site tag`}},
		{"no tags", "areaDesc:\n  An Giang: []\n", []string{`areas.yaml: areaDesc."An Giang": no tags`}},
		{"bad geocode key", "geocode:\n  VN-44: [province:an-giang]\n", []string{`areas.yaml: geocode."VN-44": want VALUENAME=VALUE`}},
		{"same area twice", "areaDesc:\n  An Giang: [province:an-giang]\n  AN  GIANG: [province:an-giang]\n", []string{`areas.yaml: areaDesc."An Giang": listed twice`}},
		{"unknown field", "areas:\n  An Giang: [province:an-giang]\n", []string{"areas.yaml: yaml: unmarshal errors", "field areas not found"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseAreas("areas.yaml", []byte(tc.yaml))
			assertErr(t, err, tc.want...)
		})
	}
	// An areaDesc matches whatever its case, spacing and normalization.
	a, err := ParseAreas("areas.yaml", []byte("areaDesc:\n  Tỉnh An Giang: [province:an-giang]\n"))
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	nfd := "ti\u0309nh  an\tgiang" // "tỉnh an giang" with a combining hook above
	if got := a.tagsFor(xmlArea{AreaDesc: nfd}, "area", problems{file: "x", errs: &errs}); fmt.Sprint(got) != "[province:an-giang]" || len(errs) > 0 {
		t.Errorf("tags for %q = %v, %v", nfd, got, errs)
	}
}

func assertErr(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one saying %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not say %q:\n%v", w, err)
		}
	}
}
