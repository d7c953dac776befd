package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
)

// cpuProfile is the CPU profile this process is writing, if any.
var cpuProfile *os.File

func startCPUProfile(path string) error {
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

// stopProfiles ends the CPU profile and writes the allocs profile to path.
// That one counts from the start of the process: pass the previous point's
// as -base to go tool pprof to see only one point.
func stopProfiles(path string) error {
	if cpuProfile == nil {
		return errors.New("no CPU profile is running")
	}
	pprof.StopCPUProfile()
	err := cpuProfile.Close()
	cpuProfile = nil
	if err != nil {
		return err
	}
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

// profiled runs measured in between the start and the stop of p's profiles
// of one side at one sender count, when -profile-dir asks for them.
func profiled(p process, side string, n int, measured func() result) (result, error) {
	if *profileDir == "" {
		return measured(), nil
	}
	if err := os.MkdirAll(*profileDir, 0o755); err != nil {
		return result{}, err
	}
	if err := p.call("profile-start " + profilePath("cpu", side, n)); err != nil {
		return result{}, err
	}
	r := measured()
	return r, p.call("profile-stop " + profilePath("allocs", side, n))
}

func profilePath(kind, side string, n int) string {
	return filepath.Join(*profileDir, fmt.Sprintf("%s-%s-%d.pprof", kind, side, n))
}
