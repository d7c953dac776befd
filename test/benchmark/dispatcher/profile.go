package main

import (
	"fmt"
	"os/exec"
	"strings"
)

// printTopFrames prints, for each side of the CPU runs, the five frames of
// most flat CPU time and of most objects allocated (flat) in its profiles,
// when -profile-dir asked for them.
func printTopFrames() error {
	if *profileDir == "" {
		return nil
	}
	for _, side := range cpuSides {
		cpu, err := pprofTop(profilePath("cpu", side))
		if err != nil {
			return err
		}
		allocs, err := pprofTop("-sample_index=alloc_objects", "-base", profilePath("allocs-start", side), profilePath("allocs", side))
		if err != nil {
			return err
		}
		fmt.Printf("\n%s: top 5 frames by flat CPU time (%s)\n%s", side, profilePath("cpu", side), cpu)
		fmt.Printf("\n%s: top 5 frames by flat objects allocated (%s)\n%s", side, profilePath("allocs", side), allocs)
	}
	return nil
}

// pprofTop is go tool pprof's -top table of the profile args name: its
// header line and five rows.
func pprofTop(args ...string) (string, error) {
	args = append([]string{"tool", "pprof", "-top", "-nodecount=5"}, args...)
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		return "", fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
	}
	top := string(out)
	if i := strings.Index(top, "      flat"); i >= 0 {
		top = top[i:]
	}
	return top, nil
}
