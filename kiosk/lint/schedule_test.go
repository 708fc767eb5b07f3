package lint

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vnict/kiosk/kiosk/siteconfig"
)

// TestScheduleFindings lints small bundles in testdata/schedule against a
// gate wall open 07:00-19:00 and compares every finding.
func TestScheduleFindings(t *testing.T) {
	cfg, err := siteconfig.Load("testdata/schedule/site.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		bundle string
		want   []string
	}{
		// Every item plays at some time while the site is open.
		{"plays", nil},
		// Bounds of different forms compare only in the site's zone.
		{"until-before-from", []string{
			`error: item campaign: its schedule never plays: until "2026-03-09T23:00:00+07:00" is not after from "2026-03-10" in the site's zone Asia/Ho_Chi_Minh`,
		}},
		{"zero-length", []string{
			`error: item campaign: its schedule never plays: until "2026-03-10T00:00:00Z" is not after from "2026-03-10T07:00" in the site's zone Asia/Ho_Chi_Minh`,
		}},
		{"weekdays-outside", []string{
			`error: item weekend-market: its schedule never plays: from "2026-03-02" until "2026-03-05" holds none of its weekdays (sat, sun)`,
		}},
		{"hours-outside-window", []string{
			`error: item ceremony: its schedule never plays: none of its hours (13:00-17:00, 18:00-20:00) falls from "2026-03-10T08:00" until "2026-03-10T10:00"`,
		}},
		{"outside-site-hours", []string{
			`warning: item night-market: plays only outside the site's hours 07:00-19:00, when the screen is off`,
		}},
		// closure (priority 1) holds 07:00-13:00 every day, typhoon
		// (priority 2) two whole days; welcome plays in the afternoons.
		{"preempted", []string{
			`warning: item gate-hours: never plays at site an-giang-tinh-bien: whenever it may, items closure, typhoon play instead, with a higher priority`,
		}},
		// Items for other sites are notes, and are not checked against
		// this site's languages (lao-only has none of them).
		{"targeted-elsewhere", []string{
			`info: item vinh-xuong-hours: not played here: it is for tags gate:vinh-xuong; site an-giang-tinh-bien carries none of the tags`,
			`info: item le-tri-services: not played here: it is for sites an-giang-tri-ton-le-tri; tags commune:le-tri; site an-giang-tinh-bien is not listed and carries none of the tags`,
			`info: item lao-only: not played here: it is for tags lang:lo; site an-giang-tinh-bien carries none of the tags`,
		}},
		{"bundle-elsewhere", []string{
			`info: file manifest.json: the bundle is for sites dien-bien-tay-trang; tags province:dien-bien; site an-giang-tinh-bien is not listed and carries none of the tags`,
			`warning: file manifest.json: nothing in the bundle plays at site an-giang-tinh-bien; its screen shows only standby`,
		}},
		{"nothing-plays", []string{
			`info: item vinh-xuong-hours: not played here: it is for tags gate:vinh-xuong; site an-giang-tinh-bien carries none of the tags`,
			`warning: item night-market: plays only outside the site's hours 07:00-19:00, when the screen is off`,
			`warning: file manifest.json: nothing in the bundle plays at site an-giang-tinh-bien; its screen shows only standby`,
		}},
		// The bundle's mistyped tag keeps it from the site, so nothing
		// plays; border-gates (a group) and a site ID in sites are fine.
		{"tags", []string{
			`warning: file manifest.json: targets.tags[0] "province:an_giang" does not match the site's tag "province:an-giang"; did you mean it?`,
			`warning: file manifest.json: targets.tags[1] "provnce:dong-thap" has the kind "provnce"; did you mean "province"?`,
			`warning: file manifest.json: targets.tags[2] "province:" has nothing after ':'; a tag is KIND:VALUE, such as province:an-giang`,
			`warning: item welcome: targets.tags[1] "gate:tinh-bein" does not match the site's tag "gate:tinh-bien"; did you mean it?`,
			`warning: item welcome: targets.tags[2] "lang:khmer" names no language code; lang tags are such as lang:km or lang:vi`,
			`warning: item welcome: targets.tags[3] "province:an-giang:tinh-bien" has more than one ':'; a tag is KIND:VALUE, such as province:an-giang`,
			`warning: item welcome: targets.tags[4] "gate" is a kind without a value; want gate:VALUE`,
			`warning: item gate-hours: targets.sites[0] "gate:tinh-bien" is not a site ID (a-z, 0-9 and '-'); a tag belongs in targets.tags`,
			`info: file manifest.json: the bundle is for tags province:an_giang, provnce:dong-thap, province:; site an-giang-tinh-bien carries none of the tags`,
			`warning: file manifest.json: nothing in the bundle plays at site an-giang-tinh-bien; its screen shows only standby`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.bundle, func(t *testing.T) {
			dir := filepath.Join("testdata/schedule", tc.bundle)
			r := Bundle(os.DirFS(dir), dir, cfg, loader(t))
			var got []string
			for _, f := range r.Findings {
				got = append(got, f.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("findings:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(tc.want, "\n\t"))
			}
		})
	}
}

// TestReportCounts counts errors, warnings and notes apart.
func TestReportCounts(t *testing.T) {
	r := &Report{Findings: []Finding{{Error: true}, {}, {}, {Info: true}}}
	if r.Errors() != 1 || r.Warnings() != 2 {
		t.Errorf("errors %d, warnings %d; want 1 and 2", r.Errors(), r.Warnings())
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"province", "province", 0},
		{"provnce", "province", 1},
		{"tinh-bein", "tinh-bien", 1},
		{"gate", "lang", 3},
		{"", "lang", 4},
	}
	for _, tc := range tests {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
