package dispatcher

import (
	"context"
	"strconv"
	"testing"

	"github.com/knative-kafka/knative-kafka/pkg/config"
)

var roomy = config.Window{MaxEvents: 100, MaxBytes: 1 << 20}

// mustAdd adds records that must fit without waiting.
func mustAdd(t *testing.T, w *window, size int64, offsets ...int64) {
	t.Helper()
	for _, o := range offsets {
		if !w.tryAdd(o, size) {
			t.Fatalf("offset %d (%d bytes) refused", o, size)
		}
	}
}

func checkFinish(t *testing.T, w *window, offset, wantMark int64, wantOK bool) {
	t.Helper()
	mark, ok := w.finish(offset)
	if ok != wantOK || (ok && mark != wantMark) {
		t.Errorf("finish(%d) = %d, %v; want %d, %v", offset, mark, ok, wantMark, wantOK)
	}
}

func TestWindowMarksTheDonePrefixOnly(t *testing.T) {
	w := newWindow(roomy)
	// Gaps in offsets (compaction, transaction markers) are not records.
	mustAdd(t, w, 10, 3, 4, 7, 8, 12)
	checkFinish(t, w, 7, 0, false) // out of order: 3 and 4 are still in flight
	checkFinish(t, w, 12, 0, false)
	checkFinish(t, w, 3, 4, true) // marks up to 3, not past 4
	if head, _, _ := w.head(); head != 4 {
		t.Errorf("head = %d, want 4", head)
	}
	checkFinish(t, w, 4, 8, true) // 4 and 7 done: the next record to deliver is 8
	checkFinish(t, w, 8, 13, true)
	if _, _, ok := w.head(); ok {
		t.Error("an empty window has a head")
	}
	checkFinish(t, w, 8, 0, false) // finishing twice marks nothing
}

func TestWindowPausesAtItsEventLimit(t *testing.T) {
	w := newWindow(config.Window{MaxEvents: 3, MaxBytes: 1 << 20})
	mustAdd(t, w, 1, 0, 1, 2)
	if w.tryAdd(3, 1) {
		t.Fatal("a fourth record entered a window of 3")
	}
	checkFinish(t, w, 1, 0, false)
	checkFinish(t, w, 2, 0, false)
	if w.tryAdd(3, 1) {
		t.Fatal("done records behind a head in flight made room")
	}
	waitResumes(t, w, func() { checkFinish(t, w, 0, 3, true) })
}

func TestWindowPausesAtItsByteLimit(t *testing.T) {
	w := newWindow(config.Window{MaxEvents: 100, MaxBytes: 100})
	mustAdd(t, w, 60, 0)
	if w.tryAdd(1, 41) {
		t.Fatal("101 bytes entered a window of 100")
	}
	mustAdd(t, w, 40, 1)
	if w.tryAdd(2, 1) {
		t.Fatal("a record entered a full window")
	}
	checkFinish(t, w, 1, 0, false)
	waitResumes(t, w, func() { checkFinish(t, w, 0, 2, true) })

	// A record larger than the limit is taken alone, so that it is not stuck forever.
	big := newWindow(config.Window{MaxEvents: 100, MaxBytes: 100})
	mustAdd(t, big, 500, 0)
	if big.tryAdd(1, 1) {
		t.Error("a record entered the window behind one over the limit")
	}
}

// waitResumes checks that a record waiting for room enters once release frees it,
// and that the wait ends with its context.
func waitResumes(t *testing.T, w *window, release func()) {
	t.Helper()
	added := make(chan bool)
	go func() { added <- w.add(context.Background(), 100, 1) }()
	release()
	if !<-added {
		t.Fatal("add gave up")
	}

	full := newWindow(config.Window{MaxEvents: 1, MaxBytes: 1})
	mustAdd(t, full, 1, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if full.add(ctx, 1, 1) {
		t.Error("add into a full window returned true after its context ended")
	}
}

// BenchmarkWindowBehindAStuckHead finishes, newest first, every event behind a
// head still in flight, then the head: the cost per event should grow with
// log(window), not with the window.
func BenchmarkWindowBehindAStuckHead(b *testing.B) {
	for _, size := range []int{100, 1000, 10000} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				w := newWindow(config.Window{MaxEvents: size, MaxBytes: 1 << 40})
				for o := range int64(size) {
					w.tryAdd(o, 1)
				}
				b.StartTimer()
				for o := int64(size) - 1; o >= 0; o-- {
					w.finish(o)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*size), "ns/event")
		})
	}
}
