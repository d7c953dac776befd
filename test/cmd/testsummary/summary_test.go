package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sample is a package whose tests pass, fail, skip with a reason and run subtests.
const sample = `package sample

import "testing"

func TestPasses(t *testing.T) {}

func TestFails(t *testing.T) { t.Error("the answer was 41") }

func TestSkips(t *testing.T) { t.Skip("needs a GPU") }

func TestParent(t *testing.T) {
	t.Run("one", func(t *testing.T) {})
	t.Run("two", func(t *testing.T) { t.Skip("not on Sundays") })
}
`

// goTestJSON runs the real go test -json on a package made of files.
func goTestJSON(t *testing.T, files map[string]string) []byte {
	t.Helper()
	dir := t.TempDir()
	files["go.mod"] = "module sample\n\ngo 1.22\n"
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "test", "-json", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, _ := cmd.Output() // a failing test is the point
	return out
}

func TestSummaryOfARealStream(t *testing.T) {
	events := goTestJSON(t, map[string]string{"sample_test.go": sample})
	var s summary
	var echo bytes.Buffer
	if err := s.read(bytes.NewReader(events), &echo); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s.print(&out, "total")
	got := out.String()

	// TestPasses, TestParent and TestParent/one passed.
	if !strings.HasSuffix(got, "\ntotal: 3 passed, 1 failed, 2 skipped\n") {
		t.Errorf("closing line wrong:\n%s", got)
	}
	for _, want := range []string{
		"sample TestSkips: ", "needs a GPU",
		"sample TestParent/two: ", "not on Sundays",
		"--- FAILED sample TestFails", "the answer was 41",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	if !strings.Contains(echo.String(), "FAIL\tsample") {
		t.Errorf("the package's result line was not echoed: %q", echo.String())
	}
	if !s.failedAny() {
		t.Error("a stream with a failed test is not a failure")
	}
}

func TestBuildFailureIsAFailure(t *testing.T) {
	events := goTestJSON(t, map[string]string{"broken_test.go": "package sample\n\nfunc TestX(t *testing.T) { undefined() }\n"})
	var s summary
	if err := s.read(bytes.NewReader(events), nil); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s.print(&out, "total")
	if !s.failedAny() || !strings.Contains(out.String(), "--- FAILED package sample") ||
		!strings.HasSuffix(out.String(), "total: 0 passed, 1 failed, 0 skipped\n") {
		t.Errorf("a package that does not build must count as a failure:\n%s", out.String())
	}
}

func TestAllPassedIsNoFailure(t *testing.T) {
	events := goTestJSON(t, map[string]string{"ok_test.go": "package sample\n\nimport \"testing\"\n\nfunc TestOK(t *testing.T) {}\n"})
	var s summary
	if err := s.read(bytes.NewReader(events), nil); err != nil {
		t.Fatal(err)
	}
	if s.failedAny() || s.passed != 1 {
		t.Errorf("passed %d, failed %v; want 1 passed and no failure", s.passed, s.failedAny())
	}
}
