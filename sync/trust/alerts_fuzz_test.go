package trust

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzVerifyAlert feeds alert objects to VerifyAlert, as a site reads them
// from the store: anyone who can write to the store chooses these bytes. An
// object it accepts is signed by the threshold of the alerts role and
// valid; verifying it again gives the same alert; signing that alert again
// gives bytes that verify to it. A refusal never returns a usable alert
// unless it is ErrAlertExpired alone. The seeds are a signed alert, its
// cancel, and damaged copies.
func FuzzVerifyAlert(f *testing.F) {
	r := newAlertRepo(f, 1)
	a := testAlert("lu-an-giang", 1)
	good := mustSign(f, a, r.duty1)
	f.Add(good)
	c := a
	c.Serial, c.Cancel, c.Text = 2, true, nil
	f.Add(mustSign(f, c, r.duty1))
	f.Add(mustSign(f, a, r.editor)) // a key outside the role
	f.Add(bytes.Replace(good, []byte(`"serial":1`), []byte(`"serial":9`), 1))
	f.Add(good[:len(good)/2])
	f.Add([]byte(`{"signed":{},"signatures":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := VerifyAlert(r.root, data, alertNow)
		if err != nil {
			if errors.Is(err, ErrAlertExpired) {
				return
			}
			if got.ID != "" {
				t.Fatalf("refused (%v) yet returned alert %q", err, got.ID)
			}
			return
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("accepted an invalid alert: %v", err)
		}
		again, err := VerifyAlert(r.root, data, alertNow)
		if err != nil || again.ID != got.ID || again.Serial != got.Serial || again.Cancel != got.Cancel {
			t.Fatalf("verifying again: %+v, %v; first %+v", again, err, got)
		}
		resigned, err := SignAlert(got, r.duty1)
		if err != nil {
			t.Fatalf("an accepted alert does not sign again: %v", err)
		}
		if back, err := VerifyAlert(r.root, resigned, alertNow); err != nil || back.ID != got.ID || back.Serial != got.Serial {
			t.Fatalf("the alert signed again verifies to %+v, %v", back, err)
		}
	})
}
