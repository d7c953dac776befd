// Package procstat reads figures about a process from Linux's /proc, for tests
// and benchmarks that run a component in a child process so that the figures
// are the component's own.
package procstat

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Memory is what /proc/<pid>/status tells of a process's resident memory, in bytes.
type Memory struct {
	// PeakRSS is the most resident memory used so far (VmHWM): what a
	// container memory limit is checked against.
	PeakRSS int64
	// RSS is what is resident now (VmRSS).
	RSS int64
	// FileRSS is what is resident now of mapped files (RssFile), mostly the
	// binary itself: pages the kernel may drop and read again under pressure.
	FileRSS int64
}

// ReadMemory reads the memory figures of process pid.
func ReadMemory(pid int) (Memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, err
	}
	defer f.Close()
	var m Memory
	fields := map[string]*int64{"VmHWM:": &m.PeakRSS, "VmRSS:": &m.RSS, "RssFile:": &m.FileRSS}
	s := bufio.NewScanner(f)
	for s.Scan() {
		name, value, _ := strings.Cut(s.Text(), "\t")
		dst, ok := fields[name]
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(value), "kB")), 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("/proc/%d/status %s %q: %w", pid, name, value, err)
		}
		*dst = kb << 10
		delete(fields, name)
	}
	if err := s.Err(); err != nil {
		return Memory{}, err
	}
	if len(fields) > 0 {
		return Memory{}, fmt.Errorf("/proc/%d/status lacks %v", pid, fields)
	}
	return m, nil
}
