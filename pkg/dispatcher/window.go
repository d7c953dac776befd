package dispatcher

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/knative-kafka/knative-kafka/pkg/config"
)

// window tracks the records of one partition that are in flight, in the order
// they were read, so that only the contiguous prefix of done records is ever
// marked: everything from the first unfinished record on is redelivered after
// a crash or a rebalance. Offsets are not assumed contiguous (compaction and
// transaction markers leave gaps), only increasing.
//
// The window is bounded in records and in bytes: behind a record that keeps
// retrying, the others complete but stay in the window until it is done, so
// reading stops (add waits) once either limit is reached. Finishing a record
// costs a binary search, and moving the prefix O(1) amortised per record.
type window struct {
	limits config.Window

	mu      sync.Mutex
	pending []entry // offsets increasing; pending[0] is never done
	bytes   int64
	// moved wakes a waiting add when the done prefix left the window.
	moved chan struct{}
}

type entry struct {
	offset int64
	size   int64
	since  time.Time
	done   bool
}

func newWindow(limits config.Window) *window {
	return &window{limits: limits, moved: make(chan struct{}, 1)}
}

// add waits until the window has room for a record of size bytes, then records
// that the record at offset is in flight; false means ctx ended first.
func (w *window) add(ctx context.Context, offset, size int64) bool {
	for !w.tryAdd(offset, size) {
		select {
		case <-w.moved:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// tryAdd adds the record if the window has room for it. An empty window takes
// any record, so that one larger than the byte limit still gets delivered.
func (w *window) tryAdd(offset, size int64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n := len(w.pending); n > 0 && (n >= w.limits.MaxEvents || w.bytes+size > w.limits.MaxBytes) {
		return false
	}
	w.pending = append(w.pending, entry{offset: offset, size: size, since: time.Now()})
	w.bytes += size
	return true
}

// finish records that the record at offset is done. When that extends the done
// prefix, it returns the offset to mark (one past the prefix's last record) and true.
func (w *window) finish(offset int64) (int64, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	i := sort.Search(len(w.pending), func(i int) bool { return w.pending[i].offset >= offset })
	if i == len(w.pending) || w.pending[i].offset != offset {
		return 0, false
	}
	w.pending[i].done = true
	if i > 0 {
		return 0, false // the head is still in flight
	}
	n := 0
	for n < len(w.pending) && w.pending[n].done {
		w.bytes -= w.pending[n].size
		n++
	}
	next := w.pending[n-1].offset + 1
	// Re-slicing frees the front as append reallocates: memory stays proportional to the window.
	w.pending = w.pending[n:]
	select {
	case w.moved <- struct{}{}:
	default:
	}
	return next, true
}

// head is the oldest record not yet done, and since when it is in flight.
func (w *window) head() (offset int64, since time.Time, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) == 0 {
		return 0, time.Time{}, false
	}
	return w.pending[0].offset, w.pending[0].since, true
}
