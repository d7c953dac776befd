package main

import (
	"bytes"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"

	"github.com/knative-kafka/knative-kafka/test/benchmark/load"
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

// httpSender posts binary CloudEvents of the payload to url (load.HTTPSender).
func httpSender(url string, senders int, dials *atomic.Int64) sendFunc {
	return sendFunc(load.HTTPSender(url, payload, senders, dials, nil))
}

// measure runs n senders for -warmup + -duration (load.Measure).
func measure(n int, send sendFunc) result {
	r := load.Measure(n, *warmup, *duration, load.SendFunc(send))
	return result{events: r.Events, errors: r.Errors, sent: r.Sent, rate: r.Rate, p50: r.P50, p99: r.P99}
}
