package trust

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Sentinel errors a site branches on. Every error Refresh or Fetch returns for
// one of these cases wraps the sentinel and go-tuf's own error, and names the
// store key involved.
var (
	// ErrExpired: metadata (root, timestamp, snapshot or targets) is past its
	// expiry. Usually a frozen feed: the daily RefreshTimestamp did not run, or
	// someone is replaying an old but validly signed timestamp.
	ErrExpired = errors.New("metadata expired")
	// ErrRollback: the store offers an older version than the site already
	// trusts.
	ErrRollback = errors.New("rollback to an older version")
	// ErrSignature: signed by an unknown key, or by fewer keys than the role's
	// threshold.
	ErrSignature = errors.New("signature threshold not met")
	// ErrTampered: a file's length or hash does not match the signed metadata,
	// or a metadata file is malformed.
	ErrTampered = errors.New("content does not match its signed hash")
	// ErrTooLarge: the store has more bytes than the signed (or maximum)
	// length; reading stopped there.
	ErrTooLarge = errors.New("more data than the signed length")
	// ErrInconsistent: metadata from two publications is mixed, or a file the
	// signed metadata refers to is missing (a half-copied publication).
	ErrInconsistent = errors.New("metadata from different publications mixed")
)

// Errors the department tools branch on.
var (
	// ErrRepositoryExists: InitRepository found metadata in the store.
	ErrRepositoryExists = errors.New("TUF repository already exists")
	// ErrNotApprover: the key given to Approve is not one of root's approver
	// keys.
	ErrNotApprover = errors.New("key is not an approver key")
	// ErrNothingStaged: there is no staged publication to approve or publish.
	// It also satisfies errors.Is(err, fs.ErrNotExist).
	ErrNothingStaged = fmt.Errorf("nothing staged (%w)", fs.ErrNotExist)
	// ErrStagingExists: Stage found an unpublished staging; discard it first
	// with DiscardStaged (that drops the approvals it gathered).
	ErrStagingExists = errors.New("a publication is already staged")
	// ErrUnexpectedStaging: the staged publication is not exactly what the
	// approver reviewed (another bundle added, targeting or expiry changed,
	// a wrong version); Approve signs nothing.
	ErrUnexpectedStaging = errors.New("the staged publication is not what you are approving")
)

// lastDownload is what the fetcher read last, kept to tell a file from
// another publication apart from a tampered one.
type lastDownload struct {
	key  string
	data []byte
}

// classify maps an error from go-tuf's updater onto our sentinels.
// trustedBefore says the site already trusted a publication from this store;
// expired, if not nil, tells an expiry refusal in full.
func classify(err error, last lastDownload, trustedBefore bool, expired *ExpiredError) error {
	where := ""
	if last.key != "" {
		where = " (last read " + last.key + ")"
	}
	wrap := func(sentinel error) error {
		return fmt.Errorf("trust: refresh%s: %w: %w", where, sentinel, err)
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("trust: refresh%s: %w", where, err)
	case errors.Is(err, &metadata.ErrDownloadLengthMismatch{}):
		return wrap(ErrTooLarge)
	case errors.Is(err, fs.ErrNotExist):
		if last.key == timestampKey && !trustedBefore {
			// Not an attack signature by itself: nothing was published yet,
			// or the store is a different one. Callers see fs.ErrNotExist.
			return fmt.Errorf("trust: refresh: no publication in store (%s missing): %w", timestampKey, err)
		}
		// Signed metadata points at a file that is not there, or the
		// timestamp the site followed so far has gone.
		return wrap(ErrInconsistent)
	case errors.Is(err, &metadata.ErrExpiredMetadata{}) && expired != nil:
		return fmt.Errorf("trust: refresh%s: %w (go-tuf: %w)", where, expired, err)
	case errors.Is(err, &metadata.ErrExpiredMetadata{}):
		return wrap(ErrExpired)
	case errors.Is(err, &metadata.ErrUnsignedMetadata{}):
		return wrap(ErrSignature)
	case errors.Is(err, &metadata.ErrLengthOrHashMismatch{}):
		if fromOtherPublication(last) {
			return wrap(ErrInconsistent)
		}
		return wrap(ErrTampered)
	case errors.Is(err, &metadata.ErrBadVersionNumber{}):
		if fromOtherPublication(last) {
			return wrap(ErrInconsistent)
		}
		return wrap(ErrRollback)
	case errors.Is(err, &metadata.ErrRepository{}),
		errors.Is(err, &metadata.ErrValue{}),
		errors.Is(err, &metadata.ErrType{}):
		// Wrong _type, a role missing from snapshot, duplicate signatures,
		// malformed fields: the store served something we did not sign.
		return wrap(ErrTampered)
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syntax) || errors.As(err, &typ) {
		return wrap(ErrTampered)
	}
	return fmt.Errorf("trust: refresh%s: %w", where, err)
}

// fromOtherPublication reports whether the last file read is a versioned
// metadata file "<N>.<role>.json" whose signed version is not N: a file of
// another publication copied under this name. go-tuf reports this as a
// length/hash mismatch when the parent lists hashes (ours do), or as a bad
// version number when it does not; both mean "mixed", not "forged".
func fromOtherPublication(last lastDownload) bool {
	num, _, ok := strings.Cut(path.Base(last.key), ".")
	if !ok {
		return false
	}
	want, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return false
	}
	var m struct {
		Signed struct {
			Version int64 `json:"version"`
		} `json:"signed"`
	}
	if err := json.Unmarshal(last.data, &m); err != nil || m.Signed.Version == 0 {
		return false
	}
	return m.Signed.Version != want
}
