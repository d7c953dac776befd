package dispatcher

import "time"

// workerIdle is how long a worker waits for its next delivery before it
// exits: long enough to carry a steady flow from one event to the next,
// short enough that a dispatcher gone quiet soon holds no goroutine.
const workerIdle = time.Second

// deliveries runs every delivery of the process.
var deliveries = newWorkers(workerIdle)

// workers run tasks on goroutines that outlive them. A delivery grows its
// goroutine's stack to what the HTTP client's path needs; started on a new
// goroutine each, deliveries spent about a tenth of the dispatcher's CPU
// growing stacks (issue #14). A task never waits for a worker: with none
// idle, a new one starts, so concurrency is what it was.
type workers struct {
	handoff chan func()
	idle    time.Duration
}

func newWorkers(idle time.Duration) *workers {
	return &workers{handoff: make(chan func()), idle: idle}
}

// run starts task on an idle worker, or on a new one.
func (w *workers) run(task func()) {
	select {
	case w.handoff <- task:
	default:
		go w.work(task)
	}
}

func (w *workers) work(task func()) {
	timer := time.NewTimer(w.idle)
	defer timer.Stop()
	for {
		task()
		timer.Reset(w.idle)
		select {
		case task = <-w.handoff:
		case <-timer.C:
			return
		}
	}
}
