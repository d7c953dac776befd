package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
)

// result is one measured point of one side.
type result struct {
	events, errors int
	// sent counts every answered send, warmup included: the CPU clocks run
	// over the whole point.
	sent     int
	rate     float64
	p50, p99 time.Duration
	// CPU time per event of the side's own process, of the senders' and
	// of the broker's; -1 when unknown.
	sideCPU, senderCPU, brokerCPU time.Duration
}

// sendFunc sends one event; id is unique within a point.
type sendFunc func(id string) error

var payload = bytes.Repeat([]byte("x"), eventBytes)

func rawSender(p sarama.SyncProducer, topic string) sendFunc {
	return func(id string) error {
		_, _, err := p.SendMessage(&sarama.ProducerMessage{
			Topic:   topic,
			Value:   sarama.ByteEncoder(payload),
			Headers: []sarama.RecordHeader{{Key: []byte("ce_id"), Value: []byte(id)}},
		})
		return err
	}
}

// httpSender posts binary CloudEvents to url. It keeps a connection per
// sender alive (MaxIdleConnsPerHost below the sender count would open a
// connection for most requests); dials counts the connections it opened.
func httpSender(url string, senders int, dials *atomic.Int64) sendFunc {
	dialer := &net.Dialer{}
	c := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: senders,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return dialer.DialContext(ctx, network, addr)
		},
	}}
	return func(id string) error {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(payload))
		if err != nil {
			return err
		}
		req.Header.Set("Ce-Specversion", "1.0")
		req.Header.Set("Ce-Id", id)
		req.Header.Set("Ce-Type", "dev.knative.benchmark")
		req.Header.Set("Ce-Source", "/benchmark")
		req.Header.Set("Content-Type", "application/octet-stream")
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		drain(resp.Body)
		if resp.StatusCode != http.StatusAccepted {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
}

// measure runs n senders for warmup+duration and keeps the latencies of the
// sends that started within the measured window.
func measure(n int, send sendFunc) result {
	var (
		seq          atomic.Int64
		errs, sent   atomic.Int64
		mu           sync.Mutex
		all          []time.Duration
		wg           sync.WaitGroup
		start        = time.Now()
		measuredFrom = start.Add(*warmup)
		end          = measuredFrom.Add(*duration)
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
	return result{
		events: len(all),
		errors: int(errs.Load()),
		sent:   int(sent.Load()),
		rate:   float64(len(all)) / duration.Seconds(),
		p50:    percentile(all, 0.50),
		p99:    percentile(all, 0.99),
	}
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}
