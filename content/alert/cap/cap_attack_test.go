package cap

import (
	"os"
	"strings"
	"testing"
	"unicode"
)

// The messages of these tests come from a system outside the department,
// written to be read one way by the people or tools that forward them and
// another by kioskctl, or to rewrite the duty officer's terminal.

func floodWith(t *testing.T, old, new string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/flood-an-giang.xml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("test setup: %q not in the flood warning", old)
	}
	return []byte(strings.Replace(string(data), old, new, 1))
}

// TestRepeatedElementRefused: CAP allows one of each of these; readers
// disagree on which of two counts (the first, the last, both), so a
// message with two is refused rather than read as one of them.
func TestRepeatedElementRefused(t *testing.T) {
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"severity", "<severity>Severe</severity>", "<severity>Minor</severity><severity>Extreme</severity>", "info[1]: more than one <severity>"},
		{"headline", "<headline>Cảnh báo lũ", "<headline>Tin thử nghiệm</headline><headline>Cảnh báo lũ", "info[1]: more than one <headline>"},
		{"expires", "<expires>2026-10-07T12:00:00+07:00</expires>", "<expires>2026-10-05T13:00:00+07:00</expires><expires>2026-10-07T12:00:00+07:00</expires>", "more than one <expires>"},
		{"msgType", "<msgType>Alert</msgType>", "<msgType>Alert</msgType><msgType>Cancel</msgType>", "alert: more than one <msgType>"},
		{"status", "<status>Actual</status>", "<status>Exercise</status><status>Actual</status>", "alert: more than one <status>"},
		{"geocode value", "<value>VN-44</value>", "<value>VN-44</value><value>VN-01</value>", "info[1].area[1].geocode[1]: more than one <value>"},
		{"areaDesc", "<areaDesc>Tỉnh An Giang</areaDesc>", "<areaDesc>Tỉnh An Giang</areaDesc><areaDesc>Hà Nội</areaDesc>", "more than one <areaDesc>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse("flood.xml", floodWith(t, tc.old, tc.new), Options{Areas: loadAreas(t, "areas.yaml"), Now: mustTime(t, "2026-10-05T08:00:00+07:00")})
			if err == nil {
				t.Fatalf("Parse accepted it as %+v", m.Alert)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to say %q", err, tc.want)
			}
		})
	}
}

// TestForeignElementsIgnored: an element of another namespace is not
// CAP's, whatever its local name: a reader of CAP skips it, and so does
// Parse (CAP 1.2 carries XML signatures so).
func TestForeignElementsIgnored(t *testing.T) {
	want, err := Parse("flood.xml", floodWith(t, "", ""), Options{Areas: loadAreas(t, "areas.yaml"), Now: mustTime(t, "2026-10-05T08:00:00+07:00")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, old, new string }{
		{"headline", "</headline>", `</headline><x:headline xmlns:x="urn:example:relay">Cửa khẩu mở lại</x:headline>`},
		{"severity after", "<severity>Severe</severity>", `<severity>Severe</severity><x:severity xmlns:x="urn:example:relay">Extreme</x:severity>`},
		{"info", "</alert>", `<x:info xmlns:x="urn:example:relay"><x:language>vi-VN</x:language><x:headline>Sơ tán ngay</x:headline></x:info></alert>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse("flood.xml", floodWith(t, tc.old, tc.new), Options{Areas: loadAreas(t, "areas.yaml"), Now: mustTime(t, "2026-10-05T08:00:00+07:00")})
			if err != nil {
				t.Fatal(err)
			}
			if m.Alert.Severity != want.Alert.Severity || m.Alert.Text["vi"] != want.Alert.Text["vi"] {
				t.Errorf("read %s %+v, want the CAP elements' %s %+v", m.Alert.Severity, m.Alert.Text["vi"], want.Alert.Severity, want.Alert.Text["vi"])
			}
		})
	}
}

// TestErrorsDoNotRewriteTheTerminal: the errors of a message that does
// not parse are printed to the duty officer; what they quote of the file
// carries no control character nor bidirectional override.
func TestErrorsDoNotRewriteTheTerminal(t *testing.T) {
	const ns = `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">`
	for _, tc := range []struct{ name, doc string }{
		{"directive", "<!\x1b]0;kioskctl: ok\x07\x1b[2J\u202eDOCTYPE x>\n" + ns + "</alert>"},
		{"element name", ns + "<identifier\u202e/></alert>"},
		{"end element", ns + "<identifier></identifierx\u2067></alert>"},
		{"name", ns + "<é\u202e/></alert>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("flood.xml", []byte(tc.doc), Options{Now: mustTime(t, "2026-10-05T08:00:00+07:00")})
			if err == nil {
				t.Fatal("Parse accepted it")
			}
			for _, r := range err.Error() {
				if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
					t.Fatalf("error %q holds %U", err, r)
				}
			}
		})
	}
}
