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
	"time"
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

// userHZ is the unit of /proc/<pid>/stat's CPU times; Linux fixes it at 100
// for user space whatever the kernel's own tick rate.
const userHZ = 100

// ReadCPU is the user+system CPU time of process pid so far, read from
// /proc/<pid>/stat (fields 14 and 15, after the parenthesised command name).
func ReadCPU(pid int) (time.Duration, error) {
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

// TCPConnections counts the established TCP connections, over IPv4 and IPv6,
// whose local port is port: on a server's port, its clients.
func TCPConnections(port int) (int, error) {
	n := 0
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(file)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return 0, err
		}
		s := bufio.NewScanner(f)
		for s.Scan() {
			fields := strings.Fields(s.Text())
			// sl local_address rem_address st ...; st 01 is ESTABLISHED.
			if len(fields) < 4 || fields[3] != "01" {
				continue
			}
			_, hexPort, ok := strings.Cut(fields[1], ":")
			if p, err := strconv.ParseInt(hexPort, 16, 32); ok && err == nil && int(p) == port {
				n++
			}
		}
		f.Close()
		if err := s.Err(); err != nil {
			return 0, err
		}
	}
	return n, nil
}
