package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// userHZ is the unit of /proc/<pid>/stat's CPU times; Linux fixes it at 100
// for user space whatever the kernel's own tick rate.
const userHZ = 100

// selfCPU is the user+system CPU time this process used so far.
func selfCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// processCPU is the user+system CPU time of process pid so far, read from
// /proc/<pid>/stat (fields 14 and 15, after the parenthesised command name).
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(fields))
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
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
