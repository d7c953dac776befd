package dispatcher

import (
	"bytes"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Deliveries never wait for one another: every task runs at once, however
// many are running already.
func TestWorkersNeverQueueATask(t *testing.T) {
	w := newWorkers(time.Minute)
	const n = 100
	var started sync.WaitGroup
	started.Add(n)
	release := make(chan struct{})
	for range n {
		w.run(func() { started.Done(); <-release })
	}
	all := make(chan struct{})
	go func() { started.Wait(); close(all) }()
	select {
	case <-all:
	case <-time.After(10 * time.Second):
		t.Fatal("tasks waited for others to finish")
	}
	close(release)
}

// A worker takes the next task once idle, and a quiet dispatcher keeps none.
func TestWorkersAreReusedThenExit(t *testing.T) {
	before := runtime.NumGoroutine()
	w := newWorkers(200 * time.Millisecond)
	ran := make(chan string)
	goroutines := map[string]bool{}
	for range 50 {
		w.run(func() { ran <- goroutineID() })
		goroutines[<-ran] = true
		time.Sleep(time.Millisecond) // the worker is back waiting
	}
	if len(goroutines) != 1 {
		t.Errorf("50 tasks one after the other ran on %d goroutines, want the one worker reused", len(goroutines))
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left once idle, want %d", runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// goroutineID is the number the runtime's stack trace gives the calling goroutine.
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	id, _, _ := bytes.Cut(bytes.TrimPrefix(buf, []byte("goroutine ")), []byte(" "))
	return string(id)
}
