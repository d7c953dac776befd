package main

import (
	"syscall"
	"time"
)

// selfCPU is the user+system CPU time this process used so far.
func selfCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// cpuClock reads a process's CPU time; nil when it cannot be told apart.
type cpuClock func() (time.Duration, error)

// perEvent starts counting and returns what gives the CPU time per event
// since then, -1 when unknown.
func (c cpuClock) perEvent() func(events int) time.Duration {
	if c == nil {
		return func(int) time.Duration { return -1 }
	}
	start, err := c()
	return func(events int) time.Duration {
		now, errNow := c()
		if err != nil || errNow != nil || events == 0 {
			return -1
		}
		return (now - start) / time.Duration(events)
	}
}
