// Package alert is the emergency alert: a short text per language that
// preempts what a screen plays, from its start until it expires or a
// cancel arrives. Alerts are signed apart from bundles, by the repository's
// own alerts role (see sync/trust), so an on-duty leader can issue one at
// once; this package holds only the document and its rules.
package alert

import (
	"time"

	"github.com/vnict/kiosk/content"
)

// Severity is the CAP 1.2 severity of an alert.
type Severity string

// Severities, from CAP 1.2.
const (
	Extreme  Severity = "extreme"
	Severe   Severity = "severe"
	Moderate Severity = "moderate"
	Minor    Severity = "minor"
	Unknown  Severity = "unknown"
)

// FullScreen reports whether an alert of this severity takes the whole
// screen (extreme and severe) rather than a banner over the content.
func (s Severity) FullScreen() bool { return s == Extreme || s == Severe }

// Alert is one version of an emergency alert.
type Alert struct {
	// ID names the alert across its updates and its cancel: lower-case
	// letters, digits, '.', '_' and '-', at most 64, starting with a letter
	// or digit (it names files on case-insensitive disks too).
	ID string `json:"id"`
	// Serial increases with every update of the alert; a site refuses a
	// serial at or below one it has seen for the ID, so an old version
	// cannot be replayed over a newer one or over a cancel.
	Serial int64 `json:"serial"`
	// Sent is when the department issued this version.
	Sent time.Time `json:"sent"`
	// Start is when the alert goes on screen (its CAP onset); Expires is
	// when it leaves, at that second.
	Start   time.Time `json:"start"`
	Expires time.Time `json:"expires"`
	// Severity picks full screen or banner.
	Severity Severity `json:"severity"`
	// Cancel ends the alert of this ID at once, on every site.
	Cancel bool `json:"cancel,omitempty"`
	// Targets are the sites the alert is for; empty means every site.
	Targets content.Targets `json:"targets"`
	// Text is the alert per language (BCP 47 tag); a cancel may have none.
	Text map[string]Text `json:"text,omitempty"`
	// Sender names who issued it ("Sở TT&TT An Giang", a CAP sender).
	Sender string `json:"sender,omitempty"`
	// Source is the identifier of the CAP message it came from, if any.
	Source string `json:"source,omitempty"`
}

// Text is an alert in one language.
type Text struct {
	Headline    string `json:"headline"`
	Body        string `json:"body,omitempty"`
	Instruction string `json:"instruction,omitempty"`
}
