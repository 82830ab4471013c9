//go:build !unix

package cli

import "time"

// cpuTime is unknown here: benchmarks report wall-clock figures only.
func cpuTime() time.Duration { return 0 }
