package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/knative-kafka/knative-kafka/test/childproc"
	"github.com/knative-kafka/knative-kafka/test/procstat"
)

// process is where a side does its work: this process or a child.
type process interface {
	cpu() cpuClock
	// startProfile starts a CPU profile written to path.
	startProfile(path string) error
	// stopProfile ends it and writes the allocs profile to allocsPath.
	stopProfile(allocsPath string) error
}

// self is this process.
type self struct{}

func (self) cpu() cpuClock                  { return selfCPU }
func (self) startProfile(path string) error { return childproc.StartCPUProfile(path) }
func (self) stopProfile(allocsPath string) error {
	if err := childproc.StopCPUProfile(); err != nil {
		return err
	}
	return childproc.WriteAllocsProfile(allocsPath)
}

// child is a child process.
type child struct{ *childproc.Child }

func (c child) cpu() cpuClock { return c.CPU }

func (c child) memory() (procstat.Memory, error) { return procstat.ReadMemory(c.Pid()) }

func (c child) startProfile(path string) error {
	_, err := c.Call("cpu-profile-start %s", path)
	return err
}

func (c child) stopProfile(allocsPath string) error { return c.StopProfiles(allocsPath) }

// profiled runs measured in between the start and the stop of p's profiles
// of one side at one sender count, when -profile-dir asks for them, in the
// first round. The
// allocs profile counts from the start of the process: pass the previous
// point's as -base to go tool pprof to see only one point.
func profiled(p process, side string, n, round int, measured func() result) (result, error) {
	if *profileDir == "" || round > 0 {
		return measured(), nil
	}
	if err := os.MkdirAll(*profileDir, 0o755); err != nil {
		return result{}, err
	}
	if err := p.startProfile(profilePath("cpu", side, n)); err != nil {
		return result{}, err
	}
	r := measured()
	return r, p.stopProfile(profilePath("allocs", side, n))
}

func profilePath(kind, side string, n int) string {
	return filepath.Join(*profileDir, fmt.Sprintf("%s-%s-%d.pprof", kind, side, n))
}

// printTopFrames prints the five frames of most flat CPU time and of most
// allocated bytes in side's profiles, when -profile-dir wrote them.
func printTopFrames(side string, counts []int) error {
	if *profileDir == "" {
		return nil
	}
	for _, n := range counts {
		for _, kind := range []string{"cpu", "allocs"} {
			top, err := childproc.PprofTop(profilePath(kind, side, n))
			if err != nil {
				return err
			}
			fmt.Printf("\n%s %s profile at %d senders, top 5 flat (%s):\n%s", side, kind, n, profilePath(kind, side, n), top)
		}
	}
	return nil
}
