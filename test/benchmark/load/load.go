// Package load drives HTTP senders for the benchmarks: n senders, each
// sending one event after the other for a warmup and a measured window, and
// the latencies of what was sent within the window.
package load

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Result is one measured point.
type Result struct {
	// Events were answered 202 within the measured window; Errors were not.
	Events, Errors int
	// Sent counts every answered send, warmup included: a CPU clock read
	// around the point runs over all of them.
	Sent     int
	Rate     float64
	P50, P99 time.Duration
}

// SendFunc sends one event; id is unique within a point.
type SendFunc func(id string) error

// HTTPSender posts body as a binary CloudEvent to url, each request prepared
// by prepare (nil: none) before it goes. It keeps a connection per sender
// alive (MaxIdleConnsPerHost below the sender count would open a connection
// for most requests); dials counts the connections it opened.
func HTTPSender(url string, body []byte, senders int, dials *atomic.Int64, prepare func(*http.Request)) SendFunc {
	dialer := &net.Dialer{}
	c := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: senders,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return dialer.DialContext(ctx, network, addr)
		},
	}}
	return func(id string) error {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Ce-Specversion", "1.0")
		req.Header.Set("Ce-Id", id)
		req.Header.Set("Ce-Type", "dev.knative.benchmark")
		req.Header.Set("Ce-Source", "/benchmark")
		req.Header.Set("Content-Type", "application/octet-stream")
		if prepare != nil {
			prepare(req)
		}
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		Drain(resp.Body)
		if resp.StatusCode != http.StatusAccepted {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
}

// Measure runs n senders for warmup+duration and keeps the latencies of the
// sends that started within the measured window.
func Measure(n int, warmup, duration time.Duration, send SendFunc) Result {
	var (
		seq          atomic.Int64
		errs, sent   atomic.Int64
		mu           sync.Mutex
		all          []time.Duration
		wg           sync.WaitGroup
		start        = time.Now()
		measuredFrom = start.Add(warmup)
		end          = measuredFrom.Add(duration)
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for t0 := time.Now(); t0.Before(end); t0 = time.Now() {
				err := send(fmt.Sprint(seq.Add(1)))
				sent.Add(1)
				if t0.Before(measuredFrom) || time.Now().After(end) {
					continue // in the warmup, or partly outside the window
				}
				if err != nil {
					errs.Add(1)
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(all)
	return Result{
		Events: len(all),
		Errors: int(errs.Load()),
		Sent:   int(sent.Load()),
		Rate:   float64(len(all)) / duration.Seconds(),
		P50:    Percentile(all, 0.50),
		P99:    Percentile(all, 0.99),
	}
}

// Percentile is the q-quantile of sorted durations, 0 when there are none.
func Percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

// Drain reads what is left of a response body, so that its connection can
// be reused.
func Drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, body)
	_ = body.Close()
}
