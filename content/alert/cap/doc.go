// Package cap reads alerts in the Common Alerting Protocol 1.2 (OASIS, the
// format national warning systems publish) into alert.Alert documents a
// leader can sign. It builds on encoding/xml and gopkg.in/yaml.v3 (for the
// area mapping).
//
// What a message becomes:
//
//   - Only status Actual is read; Exercise and Test only when
//     Options.AllowExercise is set; System and Draft never. Only scope Public
//     goes on public screens.
//   - msgType Alert starts an alert, Update makes a new version of the alert
//     it references, and Cancel cancels it. Ack and Error are refused.
//   - The alert ID is derived from the sender and identifier of the message
//     that started the alert: for an Alert its own, for an Update or Cancel
//     the earliest (by sent time) of its references, so every version and
//     the cancel hit the same ID. CAP senders list the original alert among
//     the references; a reference chain that leaves it out yields another
//     ID.
//   - Each info block is one language: its language tag is reduced to the
//     primary subtag our content uses ("vi-VN" to "vi", "zh-Hant-TW" to
//     "zh"); a block without one is English, as CAP says. Two blocks of one
//     language are refused. The headline, description (the body) and
//     instruction are kept, their whitespace collapsed; blank lines in the
//     description separate paragraphs.
//   - Each block must have an expires: an alert on a screen must end. When
//     blocks disagree, the alert takes the most severe severity, the
//     earliest start (onset, else effective, else sent) and the latest
//     expiry, and Message.Notes says so. An alert whose expiry has passed
//     is refused (ErrExpired).
//   - Every area of every block must map to site tags, through the
//     department's Areas file (by areaDesc or by geocode) or a geocode named
//     kiosk-tag whose value is a tag. An area that maps to nothing is an
//     error naming it: a message is never widened to every site. The
//     targets are the union of all tags found.
//   - A Cancel keeps no text, severity or targets: it ends the alert of its
//     ID everywhere.
//
// Bounds: a message is at most MaxSize bytes and MaxInfo info blocks; a
// DOCTYPE (and so any entity declaration) is refused. Errors are
// *content.FieldError values naming the file and the element path, with
// XPath's 1-based indexes: "alert.cap: info[1].expires: not a CAP date-time
// \"2026-13-01\"".
package cap
