package content

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// maxManifestDepth bounds how deeply a manifest's JSON may nest. The format
// needs six levels (items, an item, schedule, hours, a window, from); the
// rest is room for later additions, not for a parser-exhausting stack. The
// shape the walker checks keys against is derived from the Manifest type,
// so schedules and targets are checked like every other object.
const maxManifestDepth = 16

// shape is what the manifest decoder does with one JSON value: fill a
// struct's fields (fields), fill a slice or map with elements of one shape
// (elem), or neither (a leaf, or a field this version does not know).
type shape struct {
	fields map[string]*shape
	elem   *shape
}

// manifestShape is derived from the Manifest type once, so the check below
// follows every field added to the format. It is never modified.
var manifestShape = shapeOf(reflect.TypeFor[Manifest]())

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func shapeOf(t reflect.Type) *shape {
	if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil // decoded by its own method (time.Time, Duration)
	}
	switch t.Kind() {
	case reflect.Pointer:
		return shapeOf(t.Elem())
	case reflect.Slice, reflect.Array, reflect.Map:
		return &shape{elem: shapeOf(t.Elem())}
	case reflect.Struct:
		s := &shape{fields: map[string]*shape{}}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch name {
			case "-":
				continue
			case "":
				name = f.Name
			}
			s.fields[name] = shapeOf(f.Type)
		}
		return s
	}
	return nil
}

// checkKeys walks the manifest's JSON tokens and refuses what
// encoding/json would silently accept: a key given twice in one object
// (the decoder keeps the last, so a reviewer reading the first is shown
// something else than a site plays), and a key that differs from a field's
// name only in case (the decoder matches names case-insensitively, so
// "ID" or "Items" would fill "id" or "items"). Keys that match no field are
// left alone, so later additions stay readable. raw must be valid JSON.
func checkKeys(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // numbers are not needed, only skipped
	w := keyWalker{dec: dec}
	if err := w.value(manifestShape, "", 0); err != nil {
		var fe *FieldError
		if !errors.As(err, &fe) {
			err = &FieldError{File: ManifestName, Err: err}
		}
		w.errs = append(w.errs, err)
	}
	return errors.Join(w.errs...)
}

type keyWalker struct {
	dec  *json.Decoder
	errs []error
}

func (w *keyWalker) bad(field, format string, args ...any) {
	w.errs = append(w.errs, &FieldError{File: ManifestName, Field: field, Err: fmt.Errorf(format, args...)})
}

// value reads one JSON value expected to have shape s (nil: anything) at
// field. It returns only errors that stop the walk.
func (w *keyWalker) value(s *shape, field string, depth int) error {
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil // a string, number, bool or null
	}
	if depth >= maxManifestDepth {
		return &FieldError{File: ManifestName, Field: field, Err: fmt.Errorf("nested deeper than %d levels", maxManifestDepth)}
	}
	var elem *shape
	if s != nil {
		elem = s.elem
	}
	if delim == '[' {
		for i := 0; w.dec.More(); i++ {
			if err := w.value(elem, fmt.Sprintf("%s[%d]", field, i), depth+1); err != nil {
				return err
			}
		}
		_, err := w.dec.Token() // ']'
		return err
	}
	seen := map[string]bool{}
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		child := join(field, key)
		if seen[key] {
			w.bad(child, "%q appears twice in one object", key)
		}
		seen[key] = true
		next := elem
		if s != nil && s.fields != nil {
			next = s.fields[key]
			if _, exact := s.fields[key]; !exact {
				for name := range s.fields {
					if strings.EqualFold(key, name) {
						w.bad(child, "%q differs from the field %q only in case; field names are exact", key, name)
					}
				}
			}
		}
		if err := w.value(next, child, depth+1); err != nil {
			return err
		}
	}
	_, err = w.dec.Token() // '}'
	return err
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}
