package main

import (
	"errors"
	"fmt"
	"log"
	"sync"
	"testing"
)

// runner is the testing.TB that the e2e framework's helpers take, for a
// command: a Fatal ends the run, cleanups first, with a failure.
type runner struct {
	// testing.TB is never called: it only carries the interface's unexported
	// method. Every method the framework uses is defined below.
	testing.TB

	mu       sync.Mutex
	cleanups []func()
	failed   bool
}

// errFatal unwinds the run from a Fatal, as testing's Goexit would.
var errFatal = errors.New("fatal")

func (r *runner) Helper()                            {}
func (r *runner) Name() string                       { return "soak" }
func (r *runner) Log(args ...interface{})            { log.Print(args...) }
func (r *runner) Logf(f string, args ...interface{}) { log.Printf(f, args...) }

func (r *runner) Errorf(f string, args ...interface{}) {
	r.fail()
	log.Printf("ERROR: "+f, args...)
}

func (r *runner) Error(args ...interface{}) { r.Errorf("%s", fmt.Sprint(args...)) }

func (r *runner) Fatalf(f string, args ...interface{}) {
	r.Errorf(f, args...)
	panic(errFatal)
}

func (r *runner) Fatal(args ...interface{}) { r.Fatalf("%s", fmt.Sprint(args...)) }

func (r *runner) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

func (r *runner) fail() {
	r.mu.Lock()
	r.failed = true
	r.mu.Unlock()
}

func (r *runner) Cleanup(f func()) {
	r.mu.Lock()
	r.cleanups = append(r.cleanups, f)
	r.mu.Unlock()
}

// run calls body, turning a Fatal into a failure, then the cleanups, last first.
func (r *runner) run(body func()) (failed bool) {
	func() {
		defer func() {
			if p := recover(); p != nil && p != errFatal { //nolint:errorlint // the sentinel itself is what was panicked with
				panic(p)
			}
		}()
		body()
	}()
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	return r.Failed()
}
