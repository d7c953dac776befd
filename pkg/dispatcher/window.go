package dispatcher

import "sync"

// window tracks the records of one partition that are in flight, in the order
// they were read, so that only the contiguous prefix of done records is ever
// marked: everything from the first unfinished record on is redelivered after
// a crash or a rebalance. Offsets are not assumed contiguous (compaction and
// transaction markers leave gaps), only increasing.
type window struct {
	mu      sync.Mutex
	pending []slot
}

type slot struct {
	offset int64
	done   bool
}

// add records that the record at offset is in flight.
func (w *window) add(offset int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = append(w.pending, slot{offset: offset})
}

// finish records that the record at offset is done. When that extends the done
// prefix, it returns the offset to mark (one past the prefix's last record) and true.
func (w *window) finish(offset int64) (int64, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range w.pending {
		if w.pending[i].offset == offset {
			w.pending[i].done = true
			break
		}
	}
	n := 0
	for n < len(w.pending) && w.pending[n].done {
		n++
	}
	if n == 0 {
		return 0, false
	}
	next := w.pending[n-1].offset + 1
	w.pending = w.pending[n:]
	return next, true
}
