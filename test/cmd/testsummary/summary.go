package main

import (
	"fmt"
	"io"
	"strings"
)

// summary counts the tests of one or more `go test -json` streams and keeps
// the output of those that failed or were skipped.
type summary struct {
	passed, failed, skipped int
	// output of each test still running or finished, by "package TestName".
	output map[string][]string
	// failures and skips, in the order they ended.
	failures, skips []result
	// brokenPackages failed without a failing test (build error, panic in TestMain, timeout).
	brokenPackages []string
	// stray lines that were not events: go vet or build errors printed before any test.
	stray []string
}

type result struct {
	name   string
	output []string
}

func (s *summary) add(ev event) {
	if ev.Test == "" {
		if ev.Action == "fail" {
			s.brokenPackages = append(s.brokenPackages, ev.Package)
		}
		return
	}
	key := ev.Package + " " + ev.Test
	if s.output == nil {
		s.output = map[string][]string{}
	}
	switch ev.Action {
	case "output":
		s.output[key] = append(s.output[key], ev.Output)
	case "pass":
		s.passed++
		delete(s.output, key)
	case "fail":
		s.failed++
		s.failures = append(s.failures, result{key, s.output[key]})
		delete(s.output, key)
	case "skip":
		s.skipped++
		s.skips = append(s.skips, result{key, s.output[key]})
		delete(s.output, key)
	}
}

func (s *summary) nonEvent(line string) {
	if strings.TrimSpace(line) != "" {
		s.stray = append(s.stray, line)
	}
}

// failedAny: a failed test, or a package that failed without one. Stray lines
// alone are not failures: go test prints "no Go files" notes that way too.
func (s *summary) failedAny() bool {
	return s.failed > 0 || len(s.brokenPackages) > 0
}

// print writes the skipped tests with their reasons, the failed ones with
// their output, and the closing line, led by label.
func (s *summary) print(w io.Writer, label string) {
	if len(s.skips) > 0 {
		fmt.Fprintf(w, "\nSkipped tests (%d):\n", len(s.skips))
		for _, r := range s.skips {
			fmt.Fprintf(w, "  %s: %s\n", r.name, skipReason(r.output))
		}
	}
	for _, r := range s.failures {
		fmt.Fprintf(w, "\n--- FAILED %s\n%s", r.name, strings.Join(r.output, ""))
	}
	broken := s.brokenOnly()
	for _, pkg := range broken {
		fmt.Fprintf(w, "\n--- FAILED package %s (no test failed: a build error, a panic outside a test, or a timeout)\n", pkg)
	}
	fmt.Fprintf(w, "\n%s: %d passed, %d failed, %d skipped\n", label, s.passed, s.failed+len(broken), s.skipped)
}

// brokenOnly are the packages that failed without a failing test of theirs:
// each counts as one failure, since no test tells it.
func (s *summary) brokenOnly() []string {
	var out []string
	for _, pkg := range s.brokenPackages {
		failedTest := false
		for _, r := range s.failures {
			failedTest = failedTest || strings.HasPrefix(r.name, pkg+" ")
		}
		if !failedTest {
			out = append(out, pkg)
		}
	}
	return out
}

// skipReason is what the test said before "--- SKIP", on one line.
func skipReason(output []string) string {
	var lines []string
	for _, l := range output {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		lines = append(lines, t)
	}
	if len(lines) == 0 {
		return "(no reason given)"
	}
	return strings.Join(lines, " ")
}
