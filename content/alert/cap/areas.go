package cap

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/text/unicode/norm"
	"gopkg.in/yaml.v3"

	"github.com/vnict/kiosk/content"
)

// TagGeocode is the geocode valueName whose value is a site tag, used as
// it is: <geocode><valueName>kiosk-tag</valueName><value>gate:tinh-bien</value></geocode>.
const TagGeocode = "kiosk-tag"

// maxAreasSize bounds the areas file.
const maxAreasSize = 1 << 20

var tagPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9:._-]{0,63}$`)

// Areas maps the areas a warning system names to the tags the
// department's sites carry. The department keeps it as a YAML file:
//
//	areaDesc:
//	  An Giang: [province:an-giang]
//	  Tỉnh An Giang: [province:an-giang]
//	geocode:
//	  ISO3166-2=VN-44: [province:an-giang]
//
// An areaDesc matches whatever its case, Unicode normalization and runs
// of spaces; a geocode key is its valueName, '=', and its value, exactly.
type Areas struct {
	desc    map[string][]string
	geocode map[string][]string
}

// areasFile is the YAML shape of an Areas file.
type areasFile struct {
	AreaDesc map[string][]string `yaml:"areaDesc"`
	Geocode  map[string][]string `yaml:"geocode"`
}

// LoadAreas reads an areas file.
func LoadAreas(path string) (*Areas, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxAreasSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxAreasSize {
		return nil, &content.FieldError{File: path, Err: fmt.Errorf("larger than %d bytes", maxAreasSize)}
	}
	return ParseAreas(path, data)
}

// ParseAreas reads an areas file's content; name is used in errors.
func ParseAreas(name string, data []byte) (*Areas, error) {
	var f areasFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, &content.FieldError{File: name, Err: err}
	}
	a := &Areas{desc: map[string][]string{}, geocode: map[string][]string{}}
	var errs []error
	add := func(m map[string][]string, field, key, norm string, tags []string) {
		path := fmt.Sprintf("%s.%q", field, key)
		if len(tags) == 0 {
			errs = append(errs, &content.FieldError{File: name, Field: path, Err: errors.New("no tags; an area must name at least one")})
			return
		}
		if _, dup := m[norm]; dup {
			errs = append(errs, &content.FieldError{File: name, Field: path, Err: errors.New("listed twice")})
			return
		}
		for i, t := range tags {
			if !tagPattern.MatchString(t) {
				errs = append(errs, &content.FieldError{File: name, Field: fmt.Sprintf("%s[%d]", path, i),
					Err: fmt.Errorf("%q is not a site tag (1-64 of a-z, 0-9, ':', '.', '_', '-', such as province:an-giang)", t)})
			}
		}
		m[norm] = slices.Clone(tags)
	}
	for _, k := range sortedKeys(f.AreaDesc) {
		add(a.desc, "areaDesc", k, descKey(k), f.AreaDesc[k])
	}
	for _, k := range sortedKeys(f.Geocode) {
		vn, v, ok := strings.Cut(k, "=")
		if !ok || strings.TrimSpace(vn) == "" || strings.TrimSpace(v) == "" {
			errs = append(errs, &content.FieldError{File: name, Field: fmt.Sprintf("geocode.%q", k),
				Err: errors.New("want VALUENAME=VALUE, such as ISO3166-2=VN-44")})
			continue
		}
		add(a.geocode, "geocode", k, geocodeKey(vn, v), f.Geocode[k])
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return a, nil
}

// descKey is the form an areaDesc is matched in.
func descKey(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(norm.NFC.String(s)), " "))
}

func geocodeKey(valueName, value string) string {
	return strings.TrimSpace(valueName) + "=" + strings.TrimSpace(value)
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// tagsFor returns the tags an area maps to: those of its description, of
// each of its geocodes the file names, and of its kiosk-tag geocodes. A
// nil Areas maps only kiosk-tag geocodes. path is the area's element path,
// for errors.
func (a *Areas) tagsFor(ar xmlArea, path string, bad problems) []string {
	var tags []string
	if a != nil {
		tags = append(tags, a.desc[descKey(ar.AreaDesc)]...)
	}
	for i, g := range ar.Geocode {
		if strings.TrimSpace(g.ValueName) == TagGeocode {
			t := strings.TrimSpace(g.Value)
			if !tagPattern.MatchString(t) {
				bad.add(fmt.Sprintf("%s.geocode[%d].value", path, i+1),
					"%q is not a site tag (1-64 of a-z, 0-9, ':', '.', '_', '-')", t)
				continue
			}
			tags = append(tags, t)
			continue
		}
		if a != nil {
			tags = append(tags, a.geocode[geocodeKey(g.ValueName, g.Value)]...)
		}
	}
	return tags
}
