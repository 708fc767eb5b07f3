package playerbuild

import (
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	// In order, oldest first: the forms packaging/version.sh makes.
	ordered := []string{"0.0.0+412.gabc1234", "0.0.0+413.gdef5678", "1.2.0", "1.2.0+3.gabc1234",
		"1.2.0+3.gabc1234.dirty", "1.2.0+10.g0000000", "1.3.0~rc1", "1.3.0", "1.10.0"}
	for i := range ordered {
		for j := range ordered {
			got := Compare(ordered[i], ordered[j])
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if sign(got) != want {
				t.Errorf("Compare(%q, %q) = %d, want sign %d", ordered[i], ordered[j], got, want)
			}
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestNewer(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"1.3.0", "1.2.0", true},
		{"1.2.0", "1.3.0", false},
		{"1.2.0", "1.2.0", false},
		{"1.0.0", "dev", true},
		{"dev", "1.0.0", false},
		{"../1", "1.0.0", false},
	} {
		if got := Newer(tc.a, tc.b); got != tc.want {
			t.Errorf("Newer(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestCheckVersion(t *testing.T) {
	for _, v := range []string{"1", "1.2.0", "1.3.0~rc1", "0.0.0+412.gabc1234.dirty", "1.2.0+3.g0abc123", "10.0.0", "1.0.0+0.g0000000"} {
		if err := CheckVersion(v); err != nil {
			t.Errorf("CheckVersion(%q): %v", v, err)
		}
	}
	for _, v := range []string{"", "dev", "v1.2.0", "1:1.2.0", "1.2/0", "..", "1.2.0 ", "1.2.0\n",
		"1." + strings.Repeat("0", 64), "１.2",
		"1.3.0-rc1",                      // a Debian revision: it would sort after 1.3.0
		"1.3.0.",                         // Windows drops the dot: two versions, one folder
		"1.3.0A",                         // one folder on a file system that ignores case
		"1.3.00", "01.3.0", "1.3.0+01"} { // equal to 1.3.0, 1.3.0+1 by dpkg's rules

		if err := CheckVersion(v); err == nil {
			t.Errorf("CheckVersion(%q) accepted", v)
		}
	}
}

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		path              string
		platform, version string
		ok                bool
	}{
		{Target("linux", "amd64", "1.2.0"), "linux-amd64", "1.2.0", true},
		{"players/windows-amd64/1.3.0~rc1.json", "windows-amd64", "1.3.0~rc1", true},
		{"players/linux-amd64/1.2.0", "", "", false},
		{"players/linux-amd64/dev.json", "", "", false},
		{"players/linux/1.2.0.json", "", "", false},
		{"players/Linux-amd64/1.2.0.json", "", "", false},
		{"players/linux-amd64/x/1.2.0.json", "", "", false},
		{"players/linux-amd64/../1.2.0.json", "", "", false},
		{"bundles/x.json", "", "", false},
	} {
		p, v, ok := Of(tc.path)
		if p != tc.platform || v != tc.version || ok != tc.ok {
			t.Errorf("Of(%q) = %q, %q, %v; want %q, %q, %v", tc.path, p, v, ok, tc.platform, tc.version, tc.ok)
		}
	}
}

func TestParse(t *testing.T) {
	good := Build{Version: "1.2.0", OS: "linux", Arch: "amd64", SHA256: strings.Repeat("ab", 32), Size: 1234}
	data, err := good.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(good.Target(), data)
	if err != nil || b != good {
		t.Fatalf("Parse = %+v, %v", b, err)
	}
	for _, tc := range []struct {
		name, path, data, want string
	}{
		{"another version's path", Target("linux", "amd64", "1.3.0"), string(data), "the document is for players/linux-amd64/1.2.0.json"},
		{"another platform's path", Target("windows", "amd64", "1.2.0"), string(data), "the document is for"},
		{"unknown field", good.Target(), strings.Replace(string(data), `"size"`, `"url": "x", "size"`, 1), "unknown field"},
		{"no size", good.Target(), strings.Replace(string(data), `"size": 1234`, `"size": 0`, 1), "size 0"},
		{"too big", good.Target(), strings.Replace(string(data), `1234`, `99999999999`, 1), "size 99999999999"},
		{"bad hash", good.Target(), strings.Replace(string(data), "abab", "ABAB", 1), "sha256"},
		{"two documents", good.Target(), string(data) + "{}", "data after"},
		{"not JSON", good.Target(), "kiosk", "invalid character"},
		{"huge", good.Target(), strings.Repeat(" ", MaxDocument+1), "more than a build document"},
	} {
		_, err := Parse(tc.path, []byte(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Parse error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
