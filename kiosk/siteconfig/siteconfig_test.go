package siteconfig

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnict/kiosk/content"
)

func TestExampleConfigsLoad(t *testing.T) {
	paths, err := filepath.Glob("../../configs/*.yaml")
	if err != nil || len(paths) < 4 {
		t.Fatalf("example configs: %v %v", paths, err)
	}
	for _, p := range paths {
		c, err := Load(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if c.Playback.Transition == 0 || c.Ticker.Height == 0 {
			t.Errorf("%s: defaults not applied: %+v", p, c)
		}
	}
}

const valid = `
site: {id: an-giang-tinh-bien, name: "Cửa khẩu Tịnh Biên"}
display: {resolution: 768x1536, rotation: 90, background: "#102030"}
languages: [vi, km]
fonts: [{family: Noto Sans}, {file: fonts/khmer.ttf}]
content: {dir: current}
`

func TestParseValid(t *testing.T) {
	c, err := Parse([]byte(valid), "/etc/kiosk/site.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if w, h := c.Display.OutputSize(); w != 1536 || h != 768 {
		t.Errorf("output size = %dx%d, want 1536x768 for a portrait wall turned 90°", w, h)
	}
	if got := c.Resolve(c.Content.Dir); got != "/etc/kiosk/current" {
		t.Errorf("content dir resolves to %q", got)
	}
	if c.Display.Background != (Color{0x10, 0x20, 0x30, 0xff}) {
		t.Errorf("background = %v", c.Display.Background)
	}
	if c.Playback.ItemDuration != DefaultItemDuration || c.Ticker.Edge != EdgeBottom || c.Ticker.Height != 76 {
		t.Errorf("defaults: %+v %+v", c.Playback, c.Ticker)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(string) string
		field string // expected FieldError.Field; "" for decode errors
		want  string // part of the message
	}{
		{"unknown key", func(s string) string { return s + "colour: red\n" }, "", "field colour not found"},
		{"bad yaml", func(s string) string { return s + "languages: [vi\n" }, "", "yaml"},
		{"bad resolution", func(s string) string { return strings.Replace(s, "768x1536", "big", 1) }, "", "WIDTHxHEIGHT"},
		{"tiny resolution", func(s string) string { return strings.Replace(s, "768x1536", "10x10", 1) }, "display.resolution", "between 120"},
		{"huge resolution", func(s string) string { return strings.Replace(s, "768x1536", "20000x1080", 1) }, "display.resolution", "8192"},
		{"missing resolution", func(s string) string { return strings.Replace(s, "resolution: 768x1536, ", "", 1) }, "display.resolution", "missing"},
		{"rotation", func(s string) string { return strings.Replace(s, "rotation: 90", "rotation: 45", 1) }, "display.rotation", "90"},
		{"colour", func(s string) string { return strings.Replace(s, "#102030", "navy", 1) }, "", "#rrggbb"},
		{"site id", func(s string) string { return strings.Replace(s, "an-giang-tinh-bien", "Tịnh Biên", 1) }, "site.id", ""},
		{"site name", func(s string) string { return strings.Replace(s, `name: "Cửa khẩu Tịnh Biên"`, `name: ""`, 1) }, "site.name", "standby"},
		{"no languages", func(s string) string { return strings.Replace(s, "[vi, km]", "[]", 1) }, "languages", "empty"},
		{"language twice", func(s string) string { return strings.Replace(s, "[vi, km]", "[vi, vi]", 1) }, "languages[1]", "twice"},
		{"language tag", func(s string) string { return strings.Replace(s, "[vi, km]", "[vi, Khmer]", 1) }, "languages[1]", "BCP 47"},
		{"no fonts", func(s string) string {
			return strings.Replace(s, "[{family: Noto Sans}, {file: fonts/khmer.ttf}]", "[]", 1)
		}, "fonts", "empty"},
		{"font both", func(s string) string {
			return strings.Replace(s, "{family: Noto Sans}", "{family: Noto Sans, file: x.ttf}", 1)
		}, "fonts[0]", "exactly one"},
		{"content both", func(s string) string { return strings.Replace(s, "{dir: current}", "{dir: current, demo: true}", 1) }, "content", "exactly one"},
		{"cache without sync", func(s string) string { return strings.Replace(s, "{dir: current}", "{cache: /var/lib/kiosk}", 1) }, "sync", "sync section"},
		{"sync incomplete", func(s string) string { return s + "sync: {endpoint: 'x:9000'}\n" }, "sync.bucket", "missing"},
		{"sync secret twice", func(s string) string {
			return s + "sync: {endpoint: 'x:9000', bucket: b, access_key: a, secret_key: s, secret_key_file: f, root: r}\n"
		}, "sync", "exactly one of secret_key"},
		{"ca_file over plain HTTP", func(s string) string {
			return s + "sync: {endpoint: 'x:9000', secure: false, ca_file: ca.pem, bucket: b, access_key: a, secret_key: s, root: r}\n"
		}, "sync.ca_file", "HTTPS"},
		{"sync timeout", func(s string) string {
			return s + "sync: {endpoint: 'x:9000', timeout: 1s, bucket: b, access_key: a, secret_key: s, root: r}\n"
		}, "sync.timeout", "10s"},
		{"content none", func(s string) string { return strings.Replace(s, "{dir: current}", "{}", 1) }, "content", "exactly one"},
		{"ticker edge", func(s string) string { return s + "ticker: {edge: left}\n" }, "ticker.edge", "bottom"},
		{"ticker height", func(s string) string { return s + "ticker: {height: 500}\n" }, "ticker.height", "third"},
		{"ticker fps too high", func(s string) string { return s + "ticker: {fps: 120}\n" }, "ticker.fps", "1 to 60"},
		{"ticker fps negative", func(s string) string { return s + "ticker: {fps: -5}\n" }, "ticker.fps", "1 to 60"},
		{"item duration", func(s string) string { return s + "playback: {item_duration: 100ms}\n" }, "playback.item_duration", "between"},
		{"transition", func(s string) string { return s + "playback: {transition: 1m}\n" }, "playback.transition", "5s"},
		{"hours", func(s string) string { return s + "hours: {open: '6h', close: '22:00'}\n" }, "", "HH:MM"},
		{"hours past midnight", func(s string) string { return s + "hours: {open: '06:00', close: '24:00'}\n" }, "", "HH:MM"},
		{"off hours", func(s string) string { return s + "off_hours: dim\n" }, "off_hours", "clock"},
		{"brightness too low", func(s string) string {
			return s + "brightness: [{from: '06:00', level: 100}, {from: '22:00', level: 2}]\n"
		}, "brightness[1].level", "5 to 100"},
		{"brightness over 100", func(s string) string { return s + "brightness: [{from: '06:00', level: 150}]\n" }, "brightness[0].level", "5 to 100"},
		{"brightness same time", func(s string) string {
			return s + "brightness: [{from: '18:30', level: 60}, {from: '06:00', level: 100}, {from: '18:30', level: 40}]\n"
		}, "brightness[2].from", "brightness[0]"},
		{"brightness time", func(s string) string { return s + "brightness: [{from: '25:00', level: 60}]\n" }, "", "HH:MM"},
		{"time zone", func(s string) string { return s + "time_zone: Saigon\n" }, "time_zone", "IANA"},
		{"report interval", func(s string) string { return s + "reports: {interval: 1s}\n" }, "reports.interval", "5s"},
		{"report upload", func(s string) string { return s + "reports: {upload: 48h}\n" }, "reports.upload", "24h"},
		{"spool limit", func(s string) string { return s + "reports: {spool_limit_mb: -1}\n" }, "reports.spool_limit_mb", "4096"},
		{"screenshots too often", func(s string) string { return s + "reports: {screenshot_interval: 2s}\n" }, "reports.screenshot_interval", "10s"},
		{"screenshots negative", func(s string) string { return s + "reports: {screenshot_interval: -1m}\n" }, "reports.screenshot_interval", "only on request"},
		{"screenshots not a duration", func(s string) string { return s + "reports: {screenshot_interval: often}\n" }, "", "duration"},
		{"screenshots too rare", func(s string) string { return s + "reports: {screenshot_interval: 48h}\n" }, "reports.screenshot_interval", "24h"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.edit(valid)), "site.yaml")
			if err == nil {
				t.Fatal("config accepted, want an error")
			}
			if !strings.HasPrefix(err.Error(), "site.yaml: ") {
				t.Errorf("error %q does not start with the file name", err)
			}
			if tc.field != "" {
				var fe *content.FieldError
				found := false
				for _, e := range unjoin(err) {
					if errors.As(e, &fe) && fe.Field == tc.field {
						found = true
					}
				}
				if !found {
					t.Errorf("error %q does not name field %q", err, tc.field)
				}
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestDurationsParse(t *testing.T) {
	c, err := Parse([]byte(valid+"playback: {item_duration: 1m30s, transition: 250ms}\n"), "site.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Playback.ItemDuration != 90*time.Second || c.Playback.Transition != 250*time.Millisecond {
		t.Errorf("playback = %+v", c.Playback)
	}
}

func TestHoursAndReports(t *testing.T) {
	cfg, err := Parse([]byte(valid+"hours: {open: '18:30', close: '02:00'}\n"), "/etc/kiosk/site.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Hours.Open.String() != "18:30" || time.Duration(cfg.Hours.Close) != 2*time.Hour {
		t.Errorf("hours %v–%v", cfg.Hours.Open, cfg.Hours.Close)
	}
	if cfg.Location().String() != "Asia/Ho_Chi_Minh" || cfg.Reports.Interval != time.Minute || cfg.Reports.SpoolLimitMB != 64 {
		t.Errorf("defaults: zone %v, reports %+v", cfg.Location(), cfg.Reports)
	}
	synced, err := Parse([]byte(strings.Replace(valid, "{dir: current}", "{cache: /var/lib/kiosk/cache}", 1)+
		"sync: {endpoint: 'x:9000', bucket: b, access_key: a, secret_key: s, root: r}\n"), "site.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !synced.Sync.HTTPS() {
		t.Error("a sync section without `secure` does not default to HTTPS")
	}
	plain, err := Parse([]byte(strings.Replace(valid, "{dir: current}", "{cache: c}", 1)+
		"sync: {endpoint: 'x:9000', secure: false, bucket: b, access_key: a, secret_key: s, root: r}\n"), "site.yaml")
	if err != nil || plain.Sync.HTTPS() {
		t.Errorf("secure: false: %v, HTTPS %v", err, err == nil && plain.Sync.HTTPS())
	}
	if synced.Reports.Spool != "/var/lib/kiosk/reports.db" {
		t.Errorf("default spool %q", synced.Reports.Spool)
	}
}

func TestScreenshotInterval(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		want  time.Duration
	}{
		{"default", "", 10 * time.Minute},
		{"off", "reports: {screenshot_interval: 0}\n", 0},
		{"off as 0s", "reports: {screenshot_interval: 0s}\n", 0},
		{"shortest", "reports: {screenshot_interval: 10s}\n", 10 * time.Second},
		{"hourly", "reports: {screenshot_interval: 1h}\n", time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Parse([]byte(valid+tc.extra), "site.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Reports.Screenshots(); got != tc.want {
				t.Errorf("Screenshots() = %v, want %v", got, tc.want)
			}
		})
	}
	if got := (Reports{}).Screenshots(); got != DefaultScreenshotInterval {
		t.Errorf("unset: %v, want the default", got)
	}
}

func TestOffHoursAndBrightness(t *testing.T) {
	tests := []struct {
		name      string
		extra     string
		off       string
		wantSteps string
	}{
		{"defaults", "", OffClock, ""},
		{"black, steps in order", "off_hours: black\nbrightness: [{from: '06:00', level: 100}, {from: '18:30', level: 60}]\n", OffBlack, "06:00=100 18:30=60"},
		{"steps out of order are sorted", "brightness: [{from: '22:00', level: 40}, {from: '06:00', level: 100}, {from: '18:30', level: 60}]\n", OffClock, "06:00=100 18:30=60 22:00=40"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(valid+tc.extra), "site.yaml")
			if err != nil {
				t.Fatal(err)
			}
			var steps []string
			for _, s := range c.Brightness {
				steps = append(steps, fmt.Sprintf("%v=%d", s.From, s.Level))
			}
			if c.OffHours != tc.off || strings.Join(steps, " ") != tc.wantSteps {
				t.Errorf("off_hours %q, brightness %q; want %q, %q", c.OffHours, strings.Join(steps, " "), tc.off, tc.wantSteps)
			}
		})
	}
}

func TestTickerFPS(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want int
	}{
		{"default", "", DefaultTickerFPS},
		{"capped", "ticker: {fps: 20}\n", 20},
		{"every frame", "ticker: {fps: 60}\n", MaxTickerFPS},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(valid+tc.yaml), "site.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if c.Ticker.FPS != tc.want {
				t.Errorf("ticker.fps = %d, want %d", c.Ticker.FPS, tc.want)
			}
		})
	}
}
