package main

import (
	"fmt"

	"github.com/knative-kafka/knative-kafka/test/childproc"
)

// printTopFrames prints, for each side of the CPU runs, the five frames of
// most flat CPU time and of most objects allocated (flat) in its profiles,
// when -profile-dir asked for them.
func printTopFrames() error {
	if *profileDir == "" {
		return nil
	}
	for _, side := range cpuSides {
		cpu, err := childproc.PprofTop(profilePath("cpu", side))
		if err != nil {
			return err
		}
		allocs, err := childproc.PprofTop("-sample_index=alloc_objects", "-base", profilePath("allocs-start", side), profilePath("allocs", side))
		if err != nil {
			return err
		}
		fmt.Printf("\n%s: top 5 frames by flat CPU time (%s)\n%s", side, profilePath("cpu", side), cpu)
		fmt.Printf("\n%s: top 5 frames by flat objects allocated (%s)\n%s", side, profilePath("allocs", side), allocs)
	}
	return nil
}
