package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	"knative.dev/eventing/pkg/eventingtls"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/delivery"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/telemetry"
)

// DefaultDrainTimeout is how long deliveries in flight may go on after their
// session ended. It stays well below Sarama's default rebalance timeout (60 s).
const DefaultDrainTimeout = 10 * time.Second

// Bounds of the backoff between attempts to apply a channel whose last reconcile failed.
const (
	minApplyRetry = time.Second
	maxApplyRetry = 30 * time.Second
)

// SettingsSource gives the Kafka settings in force and tells when they change;
// *client.Watcher is one.
type SettingsSource interface {
	Current() client.Snapshot
	OnChange(func(client.Snapshot))
}

// Options tune a Dispatcher; the zero value is usable.
type Options struct {
	// DrainTimeout bounds how long a delivery in flight may go on once its
	// session ended; it is capped at half of Sarama's rebalance timeout.
	DrainTimeout time.Duration
	// Sender delivers events; by default one with ClientConfig and without OIDC.
	Sender *delivery.Sender
	// ClientConfig is the trust (eventing's trust bundles) of the default Sender.
	ClientConfig eventingtls.ClientConfig
	// MeterProvider defaults to the global one.
	MeterProvider metric.MeterProvider
	// Logger defaults to a no-op logger.
	Logger *zap.Logger
	// MemoryLimit is the container's memory limit in bytes, of which
	// config-kafka's dispatcher.buffer.percent sizes the Kafka buffers (see
	// "Memory" in doc.go); 0 leaves Sarama's buffer settings as they are.
	MemoryLimit int64
	// Recorder records Kubernetes events on the channel; none when nil.
	Recorder record.EventRecorder
	// Placement, when set, says which of the channel's groups this replica
	// runs (the shared pool's); nil runs them all (a dedicated dispatcher).
	Placement Placement

	// shortfalls, shared by a pool's Dispatchers, keeps a memory budget too
	// small for the groups from being warned about at every reconcile.
	shortfalls *shortfalls
}

// Placement is how the shared pool tells a channel's Dispatcher which
// consumer groups this replica hosts.
type Placement interface {
	// Hosts tells whether this replica runs a member of the group, whose
	// topic has that many partitions.
	Hosts(group string, partitions int32) bool
	// Load is how many group partitions this replica hosts in all (each
	// member may own every partition of its group): its buffer budget is
	// shared among them.
	Load() int
}

// SubscriberStatus is what this replica knows of one subscriber's consumer group.
type SubscriberStatus struct {
	UID   types.UID `json:"uid"`
	Group string    `json:"group"`
	// Joined: this replica is a member of the group's current generation.
	Joined bool `json:"joined"`
	// OffsetsInitialized: every partition this replica was given has a committed offset.
	OffsetsInitialized bool `json:"offsetsInitialized"`
	// Error says why the subscriber's current settings do not run: refused,
	// or its group could not connect (a group already running goes on).
	Error string `json:"error,omitempty"`
}

// Dispatcher runs the consumer groups of one KafkaChannel's subscribers.
type Dispatcher struct {
	ctx     context.Context
	opts    Options
	source  SettingsSource
	metrics *metrics
	logger  *zap.Logger

	// reconciling serializes reconciles and guards what they change. A
	// reconcile connects to Kafka and waits for deliveries to drain, so this
	// lock is held across network I/O; mu never is, so that the probes answer
	// at once whatever Kafka does.
	reconciling sync.Mutex
	channel     *v1beta1.KafkaChannel // the last one reconciled
	consumers   map[types.UID]*consumer
	// retry applies the channel again after a failed reconcile, retryDelay later.
	retry      *time.Timer
	retryDelay time.Duration

	closed atomic.Bool

	mu    sync.Mutex
	probe probeState
}

// probeState is what the last reconcile left, as the probes report it.
type probeState struct {
	reconciled bool
	outcome
	consumers map[types.UID]*consumer
}

// outcome is what a reconcile could not do.
type outcome struct {
	// err is the channel's: no group can run (unusable Kafka settings).
	err error
	// subscribers are the subscribers refused, or whose group could not
	// connect: reported on their own, they never stop the others.
	subscribers map[types.UID]error
	// retry is what a later attempt may fix (Kafka away, a user not created yet).
	retry error
}

// New makes a Dispatcher; its consumer groups live until Close or the end of ctx's
// process, and follow the settings of source.
func New(ctx context.Context, source SettingsSource, opts Options) (*Dispatcher, error) {
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = DefaultDrainTimeout
	}
	if opts.MeterProvider == nil {
		opts.MeterProvider = otel.GetMeterProvider()
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.shortfalls == nil {
		opts.shortfalls = &shortfalls{}
	}
	if opts.Sender == nil {
		opts.Sender = delivery.NewSender(opts.ClientConfig, nil, otel.GetTracerProvider())
	}
	m, err := newMetrics(opts.MeterProvider)
	if err != nil {
		return nil, fmt.Errorf("creating metrics: %w", err)
	}
	d := &Dispatcher{
		ctx:       context.WithoutCancel(ctx),
		opts:      opts,
		source:    source,
		metrics:   m,
		logger:    opts.Logger,
		consumers: map[types.UID]*consumer{},
	}
	source.OnChange(func(client.Snapshot) { go d.resync() })
	return d, nil
}

// Reconcile makes the running consumer groups match the channel's subscribers.
// A nil or deleted channel stops them all.
func (d *Dispatcher) Reconcile(kc *v1beta1.KafkaChannel) error {
	if kc != nil {
		kc = kc.DeepCopy()
	}
	d.reconciling.Lock()
	defer d.reconciling.Unlock()
	d.channel = kc
	return d.apply()
}

// resync applies changed Kafka settings to the last channel reconciled.
func (d *Dispatcher) resync() {
	d.reconciling.Lock()
	defer d.reconciling.Unlock()
	if d.channel != nil && !d.closed.Load() {
		d.apply()
	}
}

// apply reconciles, and retries with backoff while that fails: settings that
// could not be applied (Kafka unreachable, a user not created yet) would
// otherwise wait for the next change of the Secret or of the channel.
func (d *Dispatcher) apply() error {
	if d.retry != nil {
		d.retry.Stop()
	}
	out := d.reconcile()
	d.publish(out)
	for uid, err := range out.subscribers {
		d.logger.Warn("Subscriber not applied", zap.String("uid", string(uid)), zap.Error(err))
	}
	if out.retry == nil || d.closed.Load() {
		d.retryDelay = 0
		return out.retry
	}
	d.retryDelay = min(max(2*d.retryDelay, minApplyRetry), maxApplyRetry)
	d.logger.Warn("Could not apply the channel's subscribers or Kafka settings; retrying",
		zap.Error(out.retry), zap.Duration("backoff", d.retryDelay))
	d.retry = time.AfterFunc(d.retryDelay, d.resync)
	return out.retry
}

// publish makes the outcome of a reconcile what the probes report.
func (d *Dispatcher) publish(out outcome) {
	st := probeState{reconciled: d.channel != nil, outcome: out, consumers: maps.Clone(d.consumers)}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.probe = st
}

func (d *Dispatcher) reconcile() outcome {
	kc := d.channel
	if d.closed.Load() {
		return outcome{err: errors.New("dispatcher closed")}
	}
	if kc == nil || kc.DeletionTimestamp != nil || kc.Status.TopicName == "" {
		// Nothing to consume (yet, or any more).
		d.stop(d.remove(func(types.UID) bool { return true }))
		return outcome{}
	}
	snap := d.source.Current()
	if snap.Err != nil {
		// Keep the running groups on their old settings rather than stop delivery.
		err := fmt.Errorf("kafka settings: %w", snap.Err)
		return outcome{err: err, retry: err}
	}
	kafka := snap.Kafka
	if kafka == nil {
		kafka = config.Default()
	}
	key := consumerKey{topic: kc.Status.TopicName, fingerprint: snap.Settings.Fingerprint, inFlight: kc.DeliveryOrderOf().InFlight,
		buffers: d.buffersFor(kc, snap), window: kafka.Window, copyFrom: kafka.OffsetsCopyFrom}

	// A refused subscriber waits for a change of the channel: no retry. A
	// running group whose subscriber is now refused goes on, as with a bad Secret.
	out := outcome{subscribers: map[types.UID]error{}}
	subs := map[types.UID]*subscription{}
	listed := map[types.UID]bool{}
	for _, s := range kc.Spec.Subscribers {
		if !d.hosts(kc, s.UID) {
			continue // another replica of the pool runs it: stopped here like a subscriber that left
		}
		if contract.IsPaused(kc.Annotations, string(s.UID)) {
			// A ResetOffset moves its offsets: no member may run, on any replica, until all moved.
			continue
		}
		listed[s.UID] = true
		sub, err := newSubscription(kc, s)
		if err != nil {
			out.subscribers[s.UID] = err
			continue
		}
		// A larger reply could not be an event of a channel; a bound keeps it within the dispatcher's memory.
		sub.MaxReplyBytes = kafka.MaxEventBytes
		subs[s.UID] = sub.withDefaultTimeout(kafka.DeliveryTimeout)
	}
	d.stop(d.remove(func(uid types.UID) bool { return !listed[uid] }))
	successors, failed := d.connectSuccessors(kc, key, snap.Settings, subs)
	d.replace(successors)
	for _, c := range d.consumers {
		c.expectPartitions(kc.Spec.NumPartitions)
	}
	var retry []error
	for uid, err := range failed {
		out.subscribers[uid] = err
		retry = append(retry, err)
	}
	out.retry = errors.Join(retry...)
	return out
}

// hosts tells whether this replica runs the subscriber's group.
func (d *Dispatcher) hosts(kc *v1beta1.KafkaChannel, uid types.UID) bool {
	return d.opts.Placement == nil || d.opts.Placement.Hosts(contract.ConsumerGroup(kc.Namespace, kc.Name, string(uid)), kc.Spec.NumPartitions)
}

// connectSuccessors updates the running groups in place where their key still
// holds, and connects a new group for each subscriber that has none or needs a
// restart. A subscriber whose new group cannot connect keeps its running one,
// on the old settings, so that a bad Secret never stops delivery; it is
// returned with its error.
func (d *Dispatcher) connectSuccessors(kc *v1beta1.KafkaChannel, key consumerKey, settings *client.Settings, subs map[types.UID]*subscription) (successors map[types.UID]*consumer, failed map[types.UID]error) {
	successors, failed = map[types.UID]*consumer{}, map[types.UID]error{}
	for uid, sub := range subs {
		if c := d.consumers[uid]; c != nil {
			c.sub.Store(sub) // a new URI or delivery spec needs no new group
			if c.key.keeps(key) {
				continue
			}
		}
		next, err := d.connectConsumer(kc, key, settings, sub)
		if err != nil {
			failed[uid] = err
			continue
		}
		successors[uid] = next
	}
	return successors, failed
}

// replace starts each successor in place of its subscriber's running group. A
// group restarts under the same name, so that its committed position carries
// over: the old members stop first, committing what they delivered.
func (d *Dispatcher) replace(successors map[types.UID]*consumer) {
	d.stop(d.remove(func(uid types.UID) bool { return successors[uid] != nil }))
	for uid, c := range successors {
		c.start(d.ctx)
		d.consumers[uid] = c
		d.logger.Info("Started consumer group", zap.String("group", c.group), zap.String("topic", c.key.topic), zap.Int("inFlight", c.key.inFlight))
	}
}

func (d *Dispatcher) connectConsumer(kc *v1beta1.KafkaChannel, key consumerKey, settings *client.Settings, sub *subscription) (*consumer, error) {
	group := contract.ConsumerGroup(kc.Namespace, kc.Name, string(sub.uid))
	c := &consumer{
		group:   group,
		channel: kc,
		key:     key,
		opts:    d.opts,
		logger:  d.logger,
		sender:  sender{d.opts.Sender},
		metrics: d.metrics,
		attrs:   attribute.NewSet(telemetry.Topic.String(key.topic), telemetry.ConsumerGroup.String(group)),
	}
	c.opts.DrainTimeout = min(d.opts.DrainTimeout, settings.Sarama.Consumer.Group.Rebalance.Timeout/2)
	c.sub.Store(sub)
	if err := c.connect(settings); err != nil {
		return nil, err
	}
	return c, nil
}

// remove takes the consumers that match out of the running set.
func (d *Dispatcher) remove(match func(types.UID) bool) []*consumer {
	var out []*consumer
	for uid, c := range d.consumers {
		if match(uid) {
			out = append(out, c)
			delete(d.consumers, uid)
		}
	}
	return out
}

// stop stops consumers in parallel: each may wait for deliveries to drain.
func (d *Dispatcher) stop(cs []*consumer) {
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Go(func() {
			c.stop()
			d.logger.Info("Stopped consumer group", zap.String("group", c.group))
		})
	}
	wg.Wait()
}

// Close stops every consumer group, committing what was delivered.
// It waits for a reconcile in progress; readiness fails at once.
func (d *Dispatcher) Close() {
	d.closed.Store(true)
	d.reconciling.Lock()
	defer d.reconciling.Unlock()
	if d.retry != nil {
		d.retry.Stop()
	}
	d.stop(d.remove(func(types.UID) bool { return true }))
	d.publish(outcome{err: errors.New("dispatcher closed")})
}

// Ready tells whether the channel was reconciled with usable Kafka settings;
// a subscriber that is refused or cannot connect is reported by Status
// instead, so that it never makes the others' replica unready. Ready never
// waits for a reconcile in progress: it reports the last one.
func (d *Dispatcher) Ready() error {
	if d.closed.Load() {
		return errors.New("dispatcher closed")
	}
	st := d.probeState()
	if !st.reconciled {
		return errors.New("channel not reconciled yet")
	}
	return st.err
}

// Report implements Prober: each subscriber's group on this replica.
func (d *Dispatcher) Report() any { return map[string]any{"subscribers": d.Status()} }

func (d *Dispatcher) probeState() probeState {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.probe
}

// Status reports, by UID, each running subscriber's consumer group and each
// subscriber the last reconcile could not apply.
func (d *Dispatcher) Status() []SubscriberStatus {
	st := d.probeState()
	byUID := make(map[types.UID]SubscriberStatus, len(st.consumers))
	for uid, c := range st.consumers {
		byUID[uid] = SubscriberStatus{UID: uid, Group: c.group, Joined: c.joined.Load(), OffsetsInitialized: c.initialized.Load()}
	}
	for uid, err := range st.subscribers {
		s := byUID[uid]
		s.UID, s.Error = uid, err.Error()
		byUID[uid] = s
	}
	out := slices.Collect(maps.Values(byUID))
	sort.Slice(out, func(i, j int) bool { return out[i].UID < out[j].UID })
	return out
}
