package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
)

// startProfiles starts a CPU profile of one side at one concurrency in
// -profile-dir; the returned func stops it and writes the allocs profile.
// That one counts from the start of the process: pass the previous phase's
// as -base to go tool pprof to see only this phase.
func startProfiles(side string, n int) (func() error, error) {
	if *profileDir == "" {
		return func() error { return nil }, nil
	}
	if err := os.MkdirAll(*profileDir, 0o755); err != nil {
		return nil, err
	}
	cpu, err := os.Create(profilePath("cpu", side, n))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		cpu.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := cpu.Close(); err != nil {
			return err
		}
		return writeAllocs(profilePath("allocs", side, n))
	}, nil
}

func writeAllocs(path string) error {
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

func profilePath(kind, side string, n int) string {
	return filepath.Join(*profileDir, fmt.Sprintf("%s-%s-%d.pprof", kind, side, n))
}
