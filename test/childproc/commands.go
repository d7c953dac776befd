package childproc

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
)

// cpuProfile is the CPU profile this child is writing, if any.
var cpuProfile *os.File

// command runs one of this package's commands, else the server's.
func command(s Server, verb, arg string) (string, error) {
	switch verb {
	case "cpu-profile-start":
		return "ok", StartCPUProfile(arg)
	case "cpu-profile-stop":
		return "ok", StopCPUProfile()
	case "allocs-profile":
		return "ok", WriteAllocsProfile(arg)
	case "memstats":
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return fmt.Sprintf("%d %d", m.Mallocs, m.TotalAlloc), nil
	}
	return s.Command(verb, arg)
}

// StartCPUProfile starts a CPU profile of this process, written to path: a
// child does it on command, the parent for a side it runs itself.
func StartCPUProfile(path string) error {
	if cpuProfile != nil {
		return errors.New("a CPU profile is already running")
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return err
	}
	cpuProfile = f
	return nil
}

// StopCPUProfile stops the CPU profile StartCPUProfile started.
func StopCPUProfile() error {
	if cpuProfile == nil {
		return errors.New("no CPU profile is running")
	}
	pprof.StopCPUProfile()
	err := cpuProfile.Close()
	cpuProfile = nil
	return err
}

// WriteAllocsProfile writes this process's allocs profile, counted since it
// started, to path.
func WriteAllocsProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Allocs is what a child allocated so far.
type Allocs struct {
	Objects, Bytes uint64
}

// Sub is what was allocated since earlier.
func (a Allocs) Sub(earlier Allocs) Allocs {
	return Allocs{Objects: a.Objects - earlier.Objects, Bytes: a.Bytes - earlier.Bytes}
}

// Allocs asks the child what it allocated so far.
func (c *Child) Allocs() (Allocs, error) {
	answer, err := c.Call("memstats")
	if err != nil {
		return Allocs{}, err
	}
	objects, bytes, _ := strings.Cut(answer, " ")
	var a Allocs
	if a.Objects, err = strconv.ParseUint(objects, 10, 64); err == nil {
		a.Bytes, err = strconv.ParseUint(bytes, 10, 64)
	}
	return a, err
}

// NoCommands is a Server's Command for roles that take none of their own.
type NoCommands struct{}

func (NoCommands) Command(verb, _ string) (string, error) {
	return "", fmt.Errorf("unknown command %q", verb)
}

// StopProfiles ends the child's CPU profile and writes its allocs profile,
// counted since it started, to allocsPath.
func (c *Child) StopProfiles(allocsPath string) error {
	if _, err := c.Call("cpu-profile-stop"); err != nil {
		return err
	}
	_, err := c.Call("allocs-profile %s", allocsPath)
	return err
}
