//go:build !unix

package preview

import "time"

// cpuTime is not measured here.
func cpuTime() time.Duration { return 0 }
