//go:build unix

package revenue

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the test process has used, in every thread
// (the garbage collector's included): unlike wall time, it does not grow
// when other programs share the machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
