package content

// FeatureSchedule is the Manifest.Requires value of a bundle whose items
// carry a Schedule or Targets, or whose manifest carries Targets. A player
// that predates them would play every item all day at every site, so it
// must refuse such a bundle and keep its last good one.
const FeatureSchedule = "schedule"

// Targets names the sites something is for: by site ID, or by a tag the
// site carries in its config ("province:an-giang", "gate:tinh-bien",
// "lang:km"). A site is targeted when its ID is in Sites or it carries any
// of Tags. Empty Targets target every site.
type Targets struct {
	Sites []string `json:"sites,omitempty"`
	Tags  []string `json:"tags,omitempty"`
}

// Schedule says when an item plays, in the site's time zone. A nil
// Schedule plays at all times with priority 0 and weight 1.
type Schedule struct {
	// From and Until bound the validity window: the item plays from From
	// (inclusive) until Until (exclusive). Each is a date ("2026-12-24"),
	// a local date and time ("2026-12-24T18:30") in the site's zone, or an
	// RFC 3339 time with an offset. Empty means no bound.
	From  string `json:"from,omitempty"`
	Until string `json:"until,omitempty"`
	// Weekdays the item plays on, as "mon" ... "sun"; empty means every day.
	// A daily window that crosses midnight belongs to the day it starts.
	Weekdays []string `json:"weekdays,omitempty"`
	// Hours are daily windows the item plays in; empty means all day.
	Hours []Window `json:"hours,omitempty"`
	// Priority: of the items that may play at a moment, only those with
	// the highest priority play (a campaign with priority 1 replaces the
	// regular loop while it runs). Default 0.
	Priority int `json:"priority,omitempty"`
	// Weight is the item's share of the loop: an item of weight 3 plays
	// three times per loop, spread through it. Default 1.
	Weight int `json:"weight,omitempty"`
}

// Window is a daily time window, "HH:MM" to "HH:MM" in the site's zone.
// An Until at or before From crosses midnight ("22:00" to "02:00").
type Window struct {
	From  string `json:"from"`
	Until string `json:"until"`
}
