//go:build unix

package automation_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used, so benchmarks on a busy
// shared machine can report CPU per operation beside wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
