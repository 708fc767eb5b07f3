// Package siteconfig reads a site's configuration: what the screen is (size,
// rotation, colours), which languages it shows in which order, the font
// fallback chain, where the content comes from, and the ticker and timing.
//
// Configs are YAML, decoded with gopkg.in/yaml.v3 with unknown fields refused,
// so a misspelt key is an error naming the file and line instead of a silently
// ignored setting. Every invalid value is reported as a *content.FieldError
// naming the file and the field. The package never links Ebiten: the
// department tool uses it to lint bundles against a site.
package siteconfig

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // sites and the department may lack the system zone files

	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"

	"github.com/vnict/kiosk/content"
)

// Config is one site's configuration.
type Config struct {
	Site    Site    `yaml:"site"`
	Display Display `yaml:"display"`
	// Mode is ModeSignage (the default: a wall that plays slides) or
	// ModeInteractive (a support point residents touch; see Interactive).
	Mode      string   `yaml:"mode"`
	Languages []string `yaml:"languages"`
	Fonts     []Font   `yaml:"fonts"`
	Content   Content  `yaml:"content"`
	Ticker    Ticker   `yaml:"ticker"`
	Playback  Playback `yaml:"playback"`
	// Hours are the operating hours, in the site's time zone; a site
	// without them is scheduled all day.
	Hours *Hours `yaml:"hours"`
	// OffHours is what the screen shows outside its hours: OffClock (a
	// dim clock, the default) or OffBlack. Alerts show at any hour.
	OffHours string `yaml:"off_hours"`
	// Brightness dims the screen by time of day (LED walls at night):
	// each step holds from its time until the next step's, round the
	// clock. Empty means full brightness all day.
	Brightness []BrightnessStep `yaml:"brightness"`
	// TimeZone is the site's IANA time zone; default Asia/Ho_Chi_Minh.
	TimeZone string `yaml:"time_zone"`
	// Sync is set on sites that sync from the department's store.
	Sync *Sync `yaml:"sync"`
	// Reports configures the heartbeat and proof-of-play reports, sent
	// through the sync store; they need a sync section.
	Reports Reports `yaml:"reports"`
	// Interactive sets the timing of an interactive site.
	Interactive Interactive `yaml:"interactive"`
	// Video says how the site plays video items (see Video).
	Video Video `yaml:"video"`

	// Path is the file the config was read from; relative paths in the
	// config are relative to its folder.
	Path string `yaml:"-"`
}

// Site names the site.
type Site struct {
	// ID is the site's stable identifier, used in reports.
	ID string `yaml:"id"`
	// Name is shown on the standby slide.
	Name string `yaml:"name"`
	// Groups the site belongs to, for publications aimed at groups of
	// sites ("border-gates", "an-giang").
	Groups []string `yaml:"groups"`
	// Tags describe the site for targeting: "province:an-giang",
	// "gate:tinh-bien", "commune:...", "lang:km". Bundles, items and
	// alerts name the tags (or site IDs) they are for.
	Tags []string `yaml:"tags"`
}

// Display describes the screen.
type Display struct {
	// Fullscreen takes the whole monitor; otherwise the player opens a window.
	Fullscreen bool `yaml:"fullscreen"`
	// Resolution is the layout size as viewers see the screen, after rotation,
	// such as 1536x768 or 768x1536.
	Resolution Resolution `yaml:"resolution"`
	// Rotation turns the picture clockwise by 0, 90, 180 or 270 degrees, for
	// walls mounted on their side.
	Rotation int `yaml:"rotation"`
	// DPMS also turns the display off through DPMS outside the hours,
	// where the platform (X11 on Linux) and the display support it.
	DPMS       bool  `yaml:"dpms"`
	Background Color `yaml:"background"`
	Foreground Color `yaml:"foreground"`
	Accent     Color `yaml:"accent"`
	// Reading says where viewers read from, for the size of text; see
	// Reading and ReadingDistance.
	Reading *Reading `yaml:"reading"`
	// DiagonalInches is the screen's diagonal, or DPI its pixels per
	// inch (DPI wins when both are given): the physical size of touch
	// targets at an interactive site (see TouchTarget).
	DiagonalInches float64 `yaml:"diagonal_inches"`
	DPI            float64 `yaml:"dpi"`
}

// Modes of a site (Config.Mode).
const (
	ModeSignage     = "signage"
	ModeInteractive = "interactive"
)

// Interactive is the timing of an interactive site: with no one using it,
// it plays its slides (the attract loop); a touch, click or key opens
// Home; after Idle untouched (not counting narration playing) a visible
// countdown of Countdown returns it to the loop.
type Interactive struct {
	Idle      time.Duration `yaml:"idle"`
	Countdown time.Duration `yaml:"countdown"`
}

// Defaults of an interactive site.
const (
	DefaultIdle      = 60 * time.Second
	DefaultCountdown = 10 * time.Second
)

// MinTouchTargetMM is the smallest side of a touch target, in millimetres
// on the screen.
const MinTouchTargetMM = 15

// assumedDPI is the pixel density of a screen whose size the config does
// not give: a desktop monitor's.
const assumedDPI = 96

// PixelsPerMM is the screen's pixel density: from dpi, from
// diagonal_inches and the resolution, or from reading.pixel_pitch; known
// is false when the config gives none of them, and the density returned
// is a desktop monitor's (96 DPI).
func (d Display) PixelsPerMM() (ppmm float64, known bool) {
	switch {
	case d.DPI > 0:
		return d.DPI / 25.4, true
	case d.DiagonalInches > 0 && d.Resolution.W > 0 && d.Resolution.H > 0:
		diag := math.Hypot(float64(d.Resolution.W), float64(d.Resolution.H))
		return diag / (d.DiagonalInches * 25.4), true
	case d.Reading != nil && d.Reading.PixelPitch > 0:
		return 1 / float64(d.Reading.PixelPitch), true
	}
	return assumedDPI / 25.4, false
}

// TouchTarget is the smallest side of a touch target in the screen's
// pixels: MinTouchTargetMM at the screen's density.
func (d Display) TouchTarget() float64 {
	ppmm, _ := d.PixelsPerMM()
	return math.Ceil(MinTouchTargetMM * ppmm)
}

// Font is one link of the font fallback chain: a system font family, found
// by name, or a font file.
type Font struct {
	Family string `yaml:"family"`
	File   string `yaml:"file"`
}

// Content says where the site's bundle comes from: exactly one of the
// fields is set.
type Content struct {
	// Dir is a folder holding a bundle, played as it is.
	Dir string `yaml:"dir"`
	// Demo plays the demo bundle built into the player.
	Demo bool `yaml:"demo"`
	// Cache is the sync cache: the player plays its current release, which
	// the sync agent (configured under sync) keeps up to date.
	Cache string `yaml:"cache"`
}

// Sync configures the sync agent: where the department publishes, and how
// this site fetches.
type Sync struct {
	// Endpoint is the S3 server, host:port.
	Endpoint string `yaml:"endpoint"`
	// Secure selects HTTPS, the default (see HTTPS); plain HTTP only when
	// the config says `secure: false`, for a link the department trusts.
	Secure *bool `yaml:"secure"`
	// CAFile is a PEM file of the certificate authorities to trust for
	// HTTPS (the department's own CA) instead of the system's.
	CAFile string `yaml:"ca_file"`
	// Timeout bounds one sync, downloads included (0: the agent's default).
	Timeout time.Duration `yaml:"timeout"`
	Region  string        `yaml:"region"`
	Bucket  string        `yaml:"bucket"`
	// Prefix is the folder of the department's publications in the bucket.
	Prefix string `yaml:"prefix"`
	// AccessKey and SecretKey (or SecretKeyFile, a file holding it) are the
	// site's own credentials.
	AccessKey     string `yaml:"access_key"`
	SecretKey     string `yaml:"secret_key"`
	SecretKeyFile string `yaml:"secret_key_file"`
	// Root is the trusted TUF root.json the site was provisioned with.
	Root string `yaml:"root"`
	// Poll is the time between checks when no notification comes.
	Poll time.Duration `yaml:"poll"`
	// RateLimit caps downloads in bytes per second; 0 for no cap.
	RateLimit int `yaml:"rate_limit"`
	// Concurrency bounds the downloads at once.
	Concurrency int `yaml:"concurrency"`
	// ImportDir is watched for publications copied from a USB stick.
	ImportDir string `yaml:"import_dir"`
}

// HTTPS reports whether the site talks HTTPS to the store: unless the
// config says `secure: false`.
func (s *Sync) HTTPS() bool { return s.Secure == nil || *s.Secure }

// Hours are the daily operating hours, "HH:MM" in the site's time zone.
// A Close at or before Open means the hours cross midnight (18:00 to 02:00);
// equal values mean all day.
type Hours struct {
	Open  ClockTime `yaml:"open"`
	Close ClockTime `yaml:"close"`
}

// What a screen shows outside its operating hours.
const (
	OffClock = "clock"
	OffBlack = "black"
)

// BrightnessStep is one step of the brightness schedule: from From (in
// the site's zone), the picture is shown at Level percent (5 to 100).
type BrightnessStep struct {
	From  ClockTime `yaml:"from"`
	Level int       `yaml:"level"`
}

// ClockTime is a time of day, written "HH:MM", held as the time since
// midnight.
type ClockTime time.Duration

var clockPattern = regexp.MustCompile(`^([01]\d|2[0-3]):([0-5]\d)$`)

// UnmarshalYAML reads "HH:MM".
func (c *ClockTime) UnmarshalYAML(n *yaml.Node) error {
	m := clockPattern.FindStringSubmatch(strings.TrimSpace(n.Value))
	if m == nil {
		return fmt.Errorf("line %d: time of day %q: want HH:MM such as 06:00", n.Line, n.Value)
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	*c = ClockTime(time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute)
	return nil
}

// MarshalYAML writes "HH:MM".
func (c ClockTime) MarshalYAML() (any, error) { return c.String(), nil }

func (c ClockTime) String() string {
	d := time.Duration(c)
	return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
}

// Reports configures what the site reports to the department.
type Reports struct {
	// Interval is the time between heartbeats; default 60s.
	Interval time.Duration `yaml:"interval"`
	// Spool is the file of the on-disk spool that keeps records until the
	// store confirms them; default reports.db beside the content cache.
	Spool string `yaml:"spool"`
	// SpoolLimitMB bounds the spool; past it the oldest records are
	// dropped, and counted. Default 64.
	SpoolLimitMB int `yaml:"spool_limit_mb"`
	// Upload is the time between upload attempts; default 60s.
	Upload time.Duration `yaml:"upload"`
	// ScreenshotInterval is the time between the small JPEGs of what the
	// screen shows that the site sends to reports/<site>/screen.jpg;
	// default DefaultScreenshotInterval, 0 for none but those the
	// department asks for. Read it with Screenshots.
	ScreenshotInterval *Interval `yaml:"screenshot_interval"`
}

// Interval is a duration in a config, such as 10m or 90s, where a bare 0
// (none) is accepted too.
type Interval time.Duration

// UnmarshalYAML reads a duration, or 0.
func (i *Interval) UnmarshalYAML(n *yaml.Node) error {
	v := strings.TrimSpace(n.Value)
	if v == "0" {
		*i = 0
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("line %d: duration %q: want 0 or a duration such as 10m", n.Line, n.Value)
	}
	*i = Interval(d)
	return nil
}

// MarshalYAML writes the duration as time.Duration does ("10m0s").
func (i Interval) MarshalYAML() (any, error) { return time.Duration(i).String(), nil }

// Screenshot intervals: the default, and the shortest allowed, which is
// also the most often a department's requests can make a site send one.
const (
	DefaultScreenshotInterval = 10 * time.Minute
	MinScreenshotInterval     = 10 * time.Second
)

// Screenshots is the time between screenshots sent on the site's own
// initiative; 0 means only on request.
func (r Reports) Screenshots() time.Duration {
	if r.ScreenshotInterval == nil {
		return DefaultScreenshotInterval
	}
	return time.Duration(*r.ScreenshotInterval)
}

// DefaultTimeZone is the time zone of every site in Vietnam.
const DefaultTimeZone = "Asia/Ho_Chi_Minh"

// Location returns the site's time zone.
func (c *Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		// Validate has refused such a config; UTC+7 is Vietnam's zone.
		return time.FixedZone("ICT", 7*3600)
	}
	return loc
}

// Ticker edges.
const (
	EdgeBottom = "bottom"
	EdgeTop    = "top"
	EdgeNone   = "none"
)

// Ticker configures the crawl of short messages along one edge.
type Ticker struct {
	// Edge is bottom (the default), top, or none.
	Edge string `yaml:"edge"`
	// Height in pixels; zero means a tenth of the screen's shorter side.
	Height int `yaml:"height"`
	// Speed in pixels per second; zero means the default.
	Speed float64 `yaml:"speed"`
	// FPS caps the frames drawn per second while the ticker crawls (and
	// during crossfades); zero means DefaultTickerFPS, and MaxTickerFPS
	// draws every frame the display allows. Each frame presented costs a
	// full-screen copy, which on a PC without a GPU is most of the CPU.
	FPS int `yaml:"fps"`
}

// Playback sets the timing of slides.
type Playback struct {
	// ItemDuration is how long an item shows in one language unless the item
	// says otherwise.
	ItemDuration time.Duration `yaml:"item_duration"`
	// Transition is the length of the crossfade between slides.
	Transition time.Duration `yaml:"transition"`
}

// Defaults applied by Load to fields left empty.
const (
	DefaultItemDuration = 8 * time.Second
	DefaultTransition   = 800 * time.Millisecond
	DefaultTickerSpeed  = 90.0
	// DefaultTickerFPS: at 30 frames a second a crawl of 90 px/s moves 3
	// px a frame, which reads as smooth on an LED wall, and a PC without
	// a GPU presents half the frames it would at 60 (measured in
	// BENCHMARKS.md).
	DefaultTickerFPS = 30
	// MaxTickerFPS means no cap: every frame the display allows.
	MaxTickerFPS = 60
)

// Resolution is a width and height in pixels, written "1920x1080".
type Resolution struct{ W, H int }

func (r Resolution) String() string { return fmt.Sprintf("%dx%d", r.W, r.H) }

var resolutionPattern = regexp.MustCompile(`^(\d{2,5})x(\d{2,5})$`)

// UnmarshalYAML reads "WIDTHxHEIGHT".
func (r *Resolution) UnmarshalYAML(n *yaml.Node) error {
	m := resolutionPattern.FindStringSubmatch(strings.TrimSpace(n.Value))
	if m == nil {
		return fmt.Errorf("line %d: resolution %q: want WIDTHxHEIGHT such as 1920x1080", n.Line, n.Value)
	}
	r.W, _ = strconv.Atoi(m[1])
	r.H, _ = strconv.Atoi(m[2])
	return nil
}

// Color is an opaque colour, written "#rrggbb". It is a color.Color.
type Color color.RGBA

// RGBA implements color.Color.
func (c Color) RGBA() (r, g, b, a uint32) { return color.RGBA(c).RGBA() }

var colorPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// UnmarshalYAML reads "#rrggbb".
func (c *Color) UnmarshalYAML(n *yaml.Node) error {
	if !colorPattern.MatchString(n.Value) {
		return fmt.Errorf("line %d: colour %q: want #rrggbb", n.Line, n.Value)
	}
	v, _ := strconv.ParseUint(n.Value[1:], 16, 32)
	*c = Color{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
	return nil
}

// OutputSize is the size of the picture sent to the screen: the resolution,
// turned by the rotation.
func (d Display) OutputSize() (w, h int) {
	if d.Rotation == 90 || d.Rotation == 270 {
		return d.Resolution.H, d.Resolution.W
	}
	return d.Resolution.W, d.Resolution.H
}

// Load reads and validates the config file at path.
func Load(path string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("site config: %w", err)
	}
	return Parse(raw, path)
}

// Parse decodes and validates config bytes; path names the file in errors and
// anchors relative paths.
func Parse(raw []byte, path string) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, &content.FieldError{File: path, Err: err}
	}
	c.Path = path
	c.applyDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(c.Brightness, func(a, b BrightnessStep) int { return cmp.Compare(a.From, b.From) })
	return &c, nil
}

func (c *Config) applyDefaults() {
	if c.Display.Background == (Color{}) {
		c.Display.Background = Color{0x0b, 0x25, 0x45, 0xff}
	}
	if c.Display.Foreground == (Color{}) {
		c.Display.Foreground = Color{0xff, 0xff, 0xff, 0xff}
	}
	if c.Display.Accent == (Color{}) {
		c.Display.Accent = Color{0xf4, 0xd3, 0x5e, 0xff}
	}
	if c.Ticker.Edge == "" {
		c.Ticker.Edge = EdgeBottom
	}
	if c.Ticker.Speed == 0 {
		c.Ticker.Speed = DefaultTickerSpeed
	}
	if c.Ticker.FPS == 0 {
		c.Ticker.FPS = DefaultTickerFPS
	}
	if c.Ticker.Height == 0 {
		short := min(c.Display.Resolution.W, c.Display.Resolution.H)
		c.Ticker.Height = max(short/10, 24)
	}
	if c.Playback.ItemDuration == 0 {
		c.Playback.ItemDuration = DefaultItemDuration
	}
	if c.Playback.Transition == 0 {
		c.Playback.Transition = DefaultTransition
	}
	if c.Mode == "" {
		c.Mode = ModeSignage
	}
	if c.Interactive.Idle == 0 {
		c.Interactive.Idle = DefaultIdle
	}
	if c.Interactive.Countdown == 0 {
		c.Interactive.Countdown = DefaultCountdown
	}
	if c.TimeZone == "" {
		c.TimeZone = DefaultTimeZone
	}
	if c.Video.FPS == 0 {
		c.Video.FPS = DefaultVideoFPS
	}
	if c.OffHours == "" {
		c.OffHours = OffClock
	}
	if c.Reports.Interval == 0 {
		c.Reports.Interval = 60 * time.Second
	}
	if c.Reports.Upload == 0 {
		c.Reports.Upload = 60 * time.Second
	}
	if c.Reports.SpoolLimitMB == 0 {
		c.Reports.SpoolLimitMB = 64
	}
	if c.Reports.ScreenshotInterval == nil {
		d := Interval(DefaultScreenshotInterval)
		c.Reports.ScreenshotInterval = &d
	}
	if c.Reports.Spool == "" && c.Content.Cache != "" {
		c.Reports.Spool = filepath.Join(filepath.Dir(filepath.Clean(c.Content.Cache)), "reports.db")
	}
	if s := c.Sync; s != nil {
		if s.Poll == 0 {
			s.Poll = 60 * time.Second
		}
		if s.Concurrency == 0 {
			s.Concurrency = 4
		}
	}
}

var siteIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Validate checks every field and returns all problems, joined.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &content.FieldError{File: c.Path, Field: field, Err: fmt.Errorf(format, args...)})
	}
	if !siteIDPattern.MatchString(c.Site.ID) {
		bad("site.id", "%q: want 1-63 of a-z, 0-9 and '-'", c.Site.ID)
	}
	if strings.TrimSpace(c.Site.Name) == "" {
		bad("site.name", "missing; the standby slide shows it")
	}
	switch c.Mode {
	case ModeSignage, ModeInteractive:
	default:
		bad("mode", "%q: want %q or %q", c.Mode, ModeSignage, ModeInteractive)
	}
	if i := c.Interactive.Idle; i < 10*time.Second || i > time.Hour {
		bad("interactive.idle", "%v: want 10s to 1h", i)
	}
	if cd := c.Interactive.Countdown; cd < 3*time.Second || cd > time.Minute {
		bad("interactive.countdown", "%v: want 3s to 1m", cd)
	}
	if d := c.Display.DiagonalInches; d != 0 && !(d >= 5 && d <= 1000) {
		bad("display.diagonal_inches", "%v: want 5 to 1000", d)
	}
	if d := c.Display.DPI; d != 0 && !(d >= 5 && d <= 1000) {
		bad("display.dpi", "%v: want 5 to 1000", d)
	}
	r := c.Display.Resolution
	switch {
	case r.W == 0 || r.H == 0:
		bad("display.resolution", "missing; want WIDTHxHEIGHT such as 1920x1080")
	case r.W < 160 || r.H < 120 || r.W > 8192 || r.H > 8192:
		bad("display.resolution", "%v: want each side between 120 and 8192 pixels", r)
	}
	switch c.Display.Rotation {
	case 0, 90, 180, 270:
	default:
		bad("display.rotation", "%d: want 0, 90, 180 or 270", c.Display.Rotation)
	}
	if len(c.Languages) == 0 {
		bad("languages", "empty; list the languages the site shows, in order")
	}
	seen := map[string]bool{}
	for i, l := range c.Languages {
		field := fmt.Sprintf("languages[%d]", i)
		if t, err := language.Parse(l); err != nil || t.String() != l {
			bad(field, "%q: want a canonical BCP 47 tag such as vi, km, lo, zh or en", l)
		}
		if seen[l] {
			bad(field, "%q is listed twice", l)
		}
		seen[l] = true
	}
	if len(c.Fonts) == 0 {
		bad("fonts", "empty; list the font fallback chain (families or files)")
	}
	for i, f := range c.Fonts {
		if (f.Family == "") == (f.File == "") {
			bad(fmt.Sprintf("fonts[%d]", i), "give exactly one of family or file")
		}
	}
	n := 0
	for _, set := range []bool{c.Content.Demo, c.Content.Dir != "", c.Content.Cache != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		bad("content", "give exactly one of dir, cache or demo: true")
	}
	if c.Content.Cache != "" && c.Sync == nil {
		bad("sync", "missing; content.cache needs a sync section (endpoint, bucket, credentials, root)")
	}
	if s := c.Sync; s != nil {
		if s.Endpoint == "" {
			bad("sync.endpoint", "missing; want host:port of the S3 server")
		}
		if s.Bucket == "" {
			bad("sync.bucket", "missing")
		}
		if s.AccessKey == "" {
			bad("sync.access_key", "missing")
		}
		if (s.SecretKey == "") == (s.SecretKeyFile == "") {
			bad("sync", "give exactly one of secret_key or secret_key_file")
		}
		if s.Root == "" {
			bad("sync.root", "missing; the trusted root.json the site was provisioned with")
		}
		if s.Poll < 0 || (s.Poll > 0 && s.Poll < time.Second) {
			bad("sync.poll", "%v: want 1s or more", s.Poll)
		}
		if s.RateLimit < 0 {
			bad("sync.rate_limit", "%d: want bytes per second, 0 for no cap", s.RateLimit)
		}
		if s.CAFile != "" && !s.HTTPS() {
			bad("sync.ca_file", "given with secure: false; a CA is for HTTPS")
		}
		if s.Timeout < 0 || (s.Timeout > 0 && s.Timeout < 10*time.Second) {
			bad("sync.timeout", "%v: want 10s or more, or 0 for the default", s.Timeout)
		}
		if s.Concurrency < 0 || s.Concurrency > 64 {
			bad("sync.concurrency", "%d: want 1 to 64", s.Concurrency)
		}
	}
	switch c.OffHours {
	case OffClock, OffBlack:
	default:
		bad("off_hours", "%q: want clock (a dim clock) or black", c.OffHours)
	}
	c.validateBrightness(bad)
	c.validateReading(bad)
	if _, err := time.LoadLocation(c.TimeZone); err != nil {
		bad("time_zone", "%q: want an IANA zone such as Asia/Ho_Chi_Minh", c.TimeZone)
	}
	if r := c.Reports; r.Interval < 5*time.Second || r.Interval > time.Hour {
		bad("reports.interval", "%v: want between 5s and 1h", r.Interval)
	}
	if r := c.Reports; r.Upload < time.Second || r.Upload > 24*time.Hour {
		bad("reports.upload", "%v: want between 1s and 24h", r.Upload)
	}
	if r := c.Reports; r.SpoolLimitMB < 1 || r.SpoolLimitMB > 4096 {
		bad("reports.spool_limit_mb", "%d: want 1 to 4096", r.SpoolLimitMB)
	}
	if d := c.Reports.Screenshots(); d != 0 && (d < MinScreenshotInterval || d > 24*time.Hour) {
		bad("reports.screenshot_interval", "%v: want 0 (only on request) or between %v and 24h", d, MinScreenshotInterval)
	}
	switch c.Ticker.Edge {
	case EdgeBottom, EdgeTop, EdgeNone:
	default:
		bad("ticker.edge", "%q: want bottom, top or none", c.Ticker.Edge)
	}
	if c.Ticker.Height < 0 || (r.H > 0 && c.Ticker.Height > min(r.W, r.H)/3) {
		bad("ticker.height", "%d: want at most a third of the screen's shorter side", c.Ticker.Height)
	}
	if c.Ticker.Speed < 0 || c.Ticker.Speed > 2000 {
		bad("ticker.speed", "%v: want 1 to 2000 pixels per second", c.Ticker.Speed)
	}
	if c.Ticker.FPS < 1 || c.Ticker.FPS > MaxTickerFPS {
		bad("ticker.fps", "%d: want 1 to %d frames per second (%d: every frame the display allows)", c.Ticker.FPS, MaxTickerFPS, MaxTickerFPS)
	}
	if d := c.Playback.ItemDuration; d < content.MinDuration || d > content.MaxDuration {
		bad("playback.item_duration", "%v: want between %v and %v", d, content.MinDuration, content.MaxDuration)
	}
	if d := c.Playback.Transition; d < 0 || d > 5*time.Second {
		bad("playback.transition", "%v: want between 0 and 5s", d)
	}
	c.Video.validate(bad)
	return errors.Join(errs...)
}

// validateBrightness checks the brightness steps: a schedule may list its
// steps in any order (Parse sorts them), but no two at one time.
func (c *Config) validateBrightness(bad func(field, format string, args ...any)) {
	at := map[ClockTime]int{}
	for i, s := range c.Brightness {
		if s.Level < 5 || s.Level > 100 {
			bad(fmt.Sprintf("brightness[%d].level", i), "%d: want 5 to 100 (percent)", s.Level)
		}
		if j, ok := at[s.From]; ok {
			bad(fmt.Sprintf("brightness[%d].from", i), "%v is also the time of brightness[%d]; give each step its own time", s.From, j)
			continue
		}
		at[s.From] = i
	}
}

// Resolve returns p as a path: unchanged when absolute, otherwise relative to
// the config file's folder.
func (c *Config) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(c.Path), p)
}
