package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/IBM/sarama"

	"github.com/knative-kafka/knative-kafka/test/framework"
)

// sent is one event a sender got a 202 for.
type sent struct {
	id, channel, key string
	seq              int
	at               time.Time
}

// payload is each event's data: its key and its place in the key's sequence.
type payload struct {
	Key string `json:"key"`
	Seq int    `json:"seq"`
}

// traffic is the senders and what the receiver accepted from them.
type traffic struct {
	cancel   context.CancelFunc
	done     sync.WaitGroup
	mu       sync.Mutex
	accepted []sent
	attempts int // requests that got no 202
}

// keysPerSender is how many partition keys each sender cycles through; a
// key's events are sent one at a time, so its order is the accepted order.
const keysPerSender = 4

// senderKeys are a sender's partition keys: half of them stay on their
// partition when the channel grows (see stays), so that their order is
// checked across growth; the others move, so that new partitions get events.
func senderKeys(sender int) []string {
	keys := make([]string, 0, keysPerSender)
	for k := range keysPerSender / 2 {
		keys = append(keys, fmt.Sprintf("s%d-k%d", sender, k))
	}
	for k, suffix := keysPerSender/2, 0; len(keys) < keysPerSender; suffix++ {
		if key := fmt.Sprintf("s%d-k%d-%d", sender, k, suffix); stays(key) {
			keys = append(keys, key)
			k++
		}
	}
	return keys
}

// partitionCounts are the ordered channel's sizes over a run: each growth
// adds two partitions, and the full profile grows it twice.
var partitionCounts = []int32{partitions, partitions + 2, partitions + 4}

// stays tells whether the receiver's partitioner (Sarama's hash partitioner)
// puts key on the same partition at every size of the channel. Kafka keeps a
// key's order only within a partition: a key that moves when the topic grows
// may be delivered out of order across the move, as README says.
func stays(key string) bool {
	msg := &sarama.ProducerMessage{Key: sarama.StringEncoder(key)}
	partitioner := sarama.NewHashPartitioner("")
	first, _ := partitioner.Partition(msg, partitionCounts[0])
	for _, n := range partitionCounts[1:] {
		if p, _ := partitioner.Partition(msg, n); p != first {
			return false
		}
	}
	return true
}

// startTraffic runs senders, spread over the channels, together sending about
// rate events per second. A sender retries an event until it gets a 202, as
// a real sender would: only a 202 makes it count as accepted.
func startTraffic(receiverURL, namespace string, channels []string, senders int, rate float64) *traffic {
	ctx, cancel := context.WithCancel(context.Background())
	tr := &traffic{cancel: cancel}
	interval := time.Duration(float64(senders) / rate * float64(time.Second))
	for i := range senders {
		channel := channels[i%len(channels)]
		tr.done.Go(func() { tr.send(ctx, receiverURL, namespace, channel, i, interval) })
	}
	return tr
}

func (tr *traffic) send(ctx context.Context, url, namespace, channel string, sender int, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	keys := senderKeys(sender)
	seqs := make([]int, keysPerSender)
	for n := 0; ctx.Err() == nil; n++ {
		k := n % keysPerSender
		key := keys[k]
		ev := framework.NewEvent(fmt.Sprintf("s%d-%d", sender, n), "soak.event", payload{Key: key, Seq: seqs[k]})
		ev.SetExtension("partitionkey", key)
		if !tr.deliver(ctx, func(ctx context.Context) (int, error) {
			return framework.Send(ctx, url, namespace, channel, ev, nil)
		}) {
			return
		}
		tr.record(sent{id: ev.ID(), channel: channel, key: key, seq: seqs[k], at: time.Now()})
		seqs[k]++
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}

// deliver posts until a 202, backing off up to a second; false once stopped.
func (tr *traffic) deliver(ctx context.Context, post func(context.Context) (int, error)) bool {
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		attempt, cancel := context.WithTimeout(ctx, 15*time.Second)
		code, err := post(attempt)
		cancel()
		if err == nil && code == http.StatusAccepted {
			return true
		}
		tr.mu.Lock()
		tr.attempts++
		tr.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
	return false
}

func (tr *traffic) record(s sent) {
	tr.mu.Lock()
	tr.accepted = append(tr.accepted, s)
	tr.mu.Unlock()
}

func (tr *traffic) count() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.accepted)
}

// stop ends the senders and returns what was accepted, and how many
// requests got no 202.
func (tr *traffic) stop() ([]sent, int) {
	tr.cancel()
	tr.done.Wait()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.accepted, tr.attempts
}
