// Package schedule decides what a screen shows at a moment: whether it is
// within its operating hours, how bright it is, which emergency alert
// preempts its content, and which slide of the bundle plays next. The
// player and the department's tool (kioskctl schedule) both use it; it
// never links Ebiten and never reads the clock: every decision takes the
// moment as an argument, so a simulated week runs in milliseconds.
//
// # The screen
//
// Site.At answers for one moment. Outside the site's operating hours the
// screen is Off (it shows the config's off-hours state) unless a
// full-screen alert shows. Alerts show at any hour: an alert is active
// from its Start (inclusive) to its Expires (exclusive), to the second,
// when its targets match the site. Of the active alerts the most severe
// wins, then the one sent last; an extreme or severe alert takes the whole
// screen, any other is a banner over what plays (or over the off-hours
// screen). Brightness follows the config's steps round the clock.
//
// # The loop
//
// A Sequencer plays a bundle's items for one site:
//
//   - Targeting: the bundle's Targets, then the item's, must match the
//     site (its ID, or one of its tags; the config's groups count as
//     tags). Items for other sites, or with none of the site's languages,
//     never play (Sequencer.Excluded says why).
//   - Time: an item may play at t when t is in its [From, Until), on one of
//     its weekdays, inside one of its daily windows, all in the site's
//     zone. A window that crosses midnight belongs to the day it starts:
//     "fri 22:00-02:00" plays from Friday 22:00 to Saturday 02:00.
//   - Priority: of the items that may play at t, only those of the highest
//     priority play; the others wait (a campaign replaces the regular loop
//     while it runs, and the loop goes on where it was afterwards).
//   - Weight: each priority level has a loop in which an item of weight w
//     appears w times, spread by smooth weighted round-robin (as nginx
//     balances upstreams): deterministic, and with equal weights the
//     manifest's order. Items that may not play at t are skipped.
//   - Languages: each appearance shows the item once per site language it
//     has, in the site's order; a side-by-side item pairs the first
//     language with each other one; an image with one picture for every
//     language shows once.
//
// Each Slide carries Since and Until: the stretch, around the moment it
// was chosen, in which it may be on screen. It leaves at Until, to the
// second, when its window ends or a higher-priority item takes over.
//
// Time may jump either way (a clock set by hand, NTP after a power cut):
// every call works from the moment it is given. The set of playing items
// is cached until its next change, so a decision over 1,000 items costs
// well under a microsecond; only a change of the set, or a moment outside
// the cached stretch, evaluates the items again.
package schedule
