package dispatcher

import (
	"sync"

	"github.com/IBM/sarama"
	"go.uber.org/zap"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
)

// maxChannelBuffer is Sarama's default ChannelBufferSize: more records queued
// per partition buy nothing when delivery is what is slow.
const maxChannelBuffer = 256

// maxFetch bounds the bytes a fetch asks for (per partition and per
// response). A broker returns a record larger than that anyway when it comes
// first in its response (and Sarama grows the partition's next request when
// it was cut short), so large records still flow, one per response; small
// ones come 64 KiB at a time, plenty for HTTP delivery, rather than keep a
// response of up to the largest record alive per group.
const maxFetch = 64 << 10

// The Sarama fields sized from the budget, as config-kafka's "sarama" names them.
const (
	fetchDefaultField  = "Consumer.Fetch.Default"
	fetchMaxBytesField = "Consumer.Fetch.MaxBytes"
	channelBufferField = "ChannelBufferSize"
)

// buffers are the Sarama settings that bound what one consumer group holds.
// Consumer.Fetch.Max is not one of them: Sarama skips, as too large, a record
// it got cut short once its partition's fetch size reached that maximum, and
// a response's overall limit (Fetch.MaxBytes) cuts records short too.
type buffers struct {
	fetchDefault, fetchMaxBytes int32
	channel                     int
}

// bufferNeeds is what a consumer group's buffers are sized for.
type bufferNeeds struct {
	// budget is what the buffers of all of the pod's groups may hold, in
	// bytes; 0 leaves Sarama's settings as they are.
	budget int64
	// maxRecord is the largest record of the topic: one fetch must take it.
	maxRecord int64
	// groups, partitions and inFlight: the pod runs groups consumer groups,
	// each may own every one of the topic's partitions (a single replica, or
	// during a rebalance), and each partition has up to inFlight events in delivery.
	groups, partitions, inFlight int
}

// sizeBuffers sizes one group's Sarama buffers so that groups x partitions
// stay within the budget; see "Memory" in doc.go for the model. A field that
// config-kafka's "sarama" sets keeps base's value: the operator's choice wins.
// fits is false when even the smallest buffers exceed the budget.
func sizeBuffers(n bufferNeeds, base *sarama.Config, kafka *config.Kafka) (b buffers, fits bool) {
	b = buffers{
		fetchDefault:  base.Consumer.Fetch.Default,
		fetchMaxBytes: base.Consumer.Fetch.MaxBytes,
		channel:       base.ChannelBufferSize,
	}
	if n.budget <= 0 {
		return b, true
	}
	// A response, which every record decoded from it keeps alive, is at
	// most the larger of fetch and one record batch, which the topic's
	// max.message.bytes keeps within maxRecord.
	fetch := int32(min(n.maxRecord, maxFetch))
	response := max(int64(fetch), n.maxRecord)
	// Each partition keeps alive the response its fetcher is handing over and
	// one for each record it holds: queued (channel), waiting for a delivery
	// slot (1) and in delivery (inFlight).
	perPartition := n.budget / int64(max(n.groups, 1)*max(n.partitions, 1))
	responses := perPartition / response
	channel := int(min(responses-int64(n.inFlight)-2, maxChannelBuffer))
	fits = channel >= 0

	keep := func(field string) bool { return kafka.SaramaSets(field) }
	if !keep(fetchDefaultField) {
		b.fetchDefault = fetch
	}
	if !keep(fetchMaxBytesField) {
		b.fetchMaxBytes = fetch
	}
	if !keep(channelBufferField) {
		b.channel = max(channel, 0)
	}
	return b, fits
}

// apply sets b on cfg.
func (b buffers) apply(cfg *sarama.Config) {
	cfg.Consumer.Fetch.Default = b.fetchDefault
	cfg.Consumer.Fetch.MaxBytes = b.fetchMaxBytes
	cfg.ChannelBufferSize = b.channel
}

// within tells whether a group running with b may go on under want, rather
// than restart: its fetches must be want's (a larger record limit needs
// larger fetches), its queues no longer. Fewer subscribers or partitions
// leave running groups alone; more restart them with smaller queues.
func (b buffers) within(want buffers) bool {
	return b.fetchDefault == want.fetchDefault && b.fetchMaxBytes == want.fetchMaxBytes && b.channel <= want.channel
}

// bufferBudget is what the Kafka buffers of all groups may hold: percent of
// what the Go runtime may use under the container's limit; 0 without a limit.
func bufferBudget(containerLimit, percent int64) int64 {
	if containerLimit <= 0 {
		return 0
	}
	return heapLimit(containerLimit) / 100 * percent
}

// keeps tells whether a group started from k may go on under want: all but
// its buffers must be the same, and its buffers within want's.
func (k consumerKey) keeps(want consumerKey) bool {
	kb, wb := k.buffers, want.buffers
	k.buffers, want.buffers = buffers{}, buffers{}
	return k == want && kb.within(wb)
}

// buffersFor sizes the buffers of each of kc's consumer groups.
func (d *Dispatcher) buffersFor(kc *v1beta1.KafkaChannel, snap client.Snapshot) buffers {
	kafka := snap.Kafka
	if kafka == nil {
		kafka = config.Default()
	}
	n := bufferNeeds{
		budget:     bufferBudget(d.opts.MemoryLimit, kafka.Dispatcher.BufferPercent),
		maxRecord:  kafka.MaxRecordBytes(),
		groups:     len(kc.Spec.Subscribers),
		partitions: int(kc.Spec.NumPartitions),
		inFlight:   kc.DeliveryOrderOf().InFlight,
	}
	if d.opts.Placement != nil {
		// The pool's groups of every channel share the budget.
		n.groups, n.partitions = d.opts.Placement.Load(), 1
	}
	b, fits := sizeBuffers(n, snap.Settings.Sarama, kafka)
	if !fits && d.opts.shortfalls.first(n) {
		// Once per shortfall, not per reconcile: a pool replica reconciles
		// every channel with the same one.
		d.opts.Logger.Warn("The dispatcher's memory limit is too small for its subscribers x partitions x events in flight of the largest event; raise its memory limit or "+
			config.DispatcherBufferPercentKey+", or lower "+config.MaxEventBytesKey,
			zap.Int64("bufferBudget", n.budget), zap.Int64("maxRecordBytes", n.maxRecord),
			zap.Int("groups", n.groups), zap.Int("partitions", n.partitions), zap.Int("inFlight", n.inFlight))
	}
	return b
}

// shortfalls remembers the last budget shortfall warned about, so that one is
// warned about once; a pool's Dispatchers share one.
type shortfalls struct {
	mu   sync.Mutex
	last bufferNeeds
}

// first tells whether n differs from the last shortfall, and remembers it.
func (s *shortfalls) first(n bufferNeeds) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == n {
		return false
	}
	s.last = n
	return true
}
