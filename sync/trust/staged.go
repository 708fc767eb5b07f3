package trust

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
)

// maxStagedBytes bounds the staged target files StagedTargets holds in
// memory at once.
const maxStagedBytes = 64 << 20

// StagedTargets returns the targets of the staged publication, each checked
// against the staged metadata, in path order. With nothing staged the error
// satisfies errors.Is(err, ErrNothingStaged) and fs.ErrNotExist.
func StagedTargets(ctx context.Context, store Reader) ([]Target, error) {
	staged, err := loadStaged(ctx, store)
	if err != nil {
		return nil, err
	}
	var out []Target
	var total int64
	for p, tf := range staged.Signed.Targets {
		if total += max(tf.Length, 0); total > maxStagedBytes {
			return nil, fmt.Errorf("staged targets: more than %d bytes in all: %w", int64(maxStagedBytes), ErrTooLarge)
		}
		data, err := readStagedFile(ctx, store, p, tf)
		if err != nil {
			return nil, err
		}
		var custom json.RawMessage
		if tf.Custom != nil {
			custom = *tf.Custom
		}
		out = append(out, Target{Path: p, Data: data, Custom: custom})
	}
	slices.SortFunc(out, func(a, b Target) int {
		if a.Path < b.Path {
			return -1
		}
		if a.Path > b.Path {
			return 1
		}
		return 0
	})
	return out, nil
}
