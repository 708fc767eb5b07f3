package layout

import "testing"

func TestBundleOf(t *testing.T) {
	for _, tc := range []struct {
		target string
		id     string
		ok     bool
	}{
		{BundleTarget("an-giang-border"), "an-giang-border", true},
		{"bundles/x.json", "x", true},
		{"bundles/.json", "", false},
		{"bundles/a/b.json", "", false},
		{"bundles/x.yaml", "", false},
		{"media/x.json", "", false},
		{"x.json", "", false},
	} {
		id, ok := BundleOf(tc.target)
		if id != tc.id || ok != tc.ok {
			t.Errorf("BundleOf(%q) = %q, %v; want %q, %v", tc.target, id, ok, tc.id, tc.ok)
		}
	}
}

func TestTargetingIncludes(t *testing.T) {
	site, groups := "an-giang-tinh-bien", []string{"border-gates", "province:an-giang"}
	for _, tc := range []struct {
		name string
		t    Targeting
		want bool
	}{
		{"every site", Targeting{}, true},
		{"by ID", Targeting{Sites: []string{"an-giang-tinh-bien"}}, true},
		{"another site", Targeting{Sites: []string{"an-giang-vinh-xuong"}}, false},
		{"by group", Targeting{Groups: []string{"province:an-giang"}}, true},
		{"another group", Targeting{Groups: []string{"communes"}}, false},
		{"another site, its group", Targeting{Sites: []string{"x"}, Groups: []string{"border-gates"}}, true},
	} {
		if got := tc.t.Includes(site, groups); got != tc.want {
			t.Errorf("%s: Includes = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMediaKey(t *testing.T) {
	if got := MediaKey("ab12"); got != "media/ab12" {
		t.Errorf("MediaKey = %q", got)
	}
}
