// Package trust decides which publications a border-gate screen may show:
// only what the department approved, even if the S3 bucket, a publisher's
// laptop or the network between them is in an attacker's hands.
//
// It builds on The Update Framework through go-tuf
// (github.com/theupdateframework/go-tuf/v2), because TUF already answers the
// hard questions we would otherwise answer badly: signatures with thresholds
// (an editor and a leader must both approve), key rotation through signed root
// versions, and protection against rollback, freeze and mix-and-match attacks.
// Signers come from sigstore (github.com/sigstore/sigstore), which go-tuf's
// Sign method takes.
//
// # Roles
//
//   - root: offline keys, threshold configurable (default 1); names the keys
//     of the other roles.
//   - targets: the approval. Approver keys sign the staged set of targets until
//     the threshold (for example 2 of 3) is met.
//   - snapshot and timestamp: signed by the publishing tool's key (one key may
//     serve both). The timestamp is re-signed daily (RefreshTimestamp), so a
//     site can tell a frozen feed from a quiet one.
//
// # Store layout
//
// Inside a store (sync/s3store or sync/dirstore), with consistent snapshots:
//
//	tuf/metadata/<N>.root.json        root versions 1, 2, ...
//	tuf/metadata/timestamp.json       the entry point, rewritten last
//	tuf/metadata/<N>.snapshot.json
//	tuf/metadata/<N>.targets.json
//	tuf/targets/<sha256>.<name>       target files; a target path "dir/name"
//	                                  is stored as tuf/targets/dir/<sha256>.name,
//	                                  as go-tuf's PrefixTargetsWithHash names it
//	tuf/staged/targets.json           targets metadata awaiting approval, with
//	                                  the signatures gathered so far
//	tuf/staged/targets/<sha256>.<name> the staged target files
//	tuf/approvers.json                key ID -> approver name, for display only
//	tuf/metadata/alerts/<id>.json     emergency alerts, each signed by the
//	                                  alerts role (RoleAlerts; alerts.go)
//	tuf/metadata/alert-index.json     which alerts are stored, for sites,
//	                                  which may read but not list (a hint)
//
// Nothing a site trusts comes from approvers.json or the staging area.
//
// # Department side
//
// InitRepository writes 1.root.json; then each publication is Stage, Approve
// (by each approver, until the threshold is met) and Publish. Publish uploads
// the target files, then targets, then snapshot, then timestamp, so a site
// reading at any moment sees the old or the new publication.
//
// # Keys
//
// GenerateKey writes ed25519 key pairs. A private key is encrypted at rest
// with its owner's passphrase (ReadPrivateKey, then Signer with the
// passphrase), using go-securesystemslib's encrypted package
// (github.com/secure-systems-lab/go-securesystemslib): scrypt derives the
// key from the passphrase, so every guess at a stolen file's passphrase
// costs 64 MiB and a tenth of a second, and NaCl secretbox seals the key,
// so an altered file is refused rather than decrypted into garbage. It is
// the format TUF's own tools use and we already depend on the module for
// canonical JSON. Plain keys written before keep loading, and the
// department tool warns about them.
//
// # Site side
//
// A Client refreshes the metadata with go-tuf's updater over the store's Get,
// keeps the trusted metadata in a local folder, and reports failures with the
// sentinel errors in errors.go, so the sync agent can keep showing the
// previous release and tell an operator why.
package trust
