package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	apierrs "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	coordinationv1listers "k8s.io/client-go/listers/coordination/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	listers "github.com/knative-kafka/knative-kafka/pkg/client/listers/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/dispatcher/placement"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
)

// Pool is one replica of the shared dispatcher pool: it runs, for every
// KafkaChannel without a dedicated dispatcher, the consumer groups that
// placement gives its ordinal. Each channel has a Dispatcher of its own (see
// Options.Placement), so that a channel's groups behave exactly as on a
// dedicated dispatcher.
type Pool struct {
	statefulSet string
	ordinal     int
	source      SettingsSource
	opts        Options
	ctx         context.Context
	lister      listers.KafkaChannelLister
	// leases lists the Leases of the system namespace, of which the pool's
	// tell which replicas run (placement.Live).
	leases coordinationv1listers.LeaseNamespaceLister
	// replicas is the pool's size, the StatefulSet's spec.replicas; 0 until known.
	replicas atomic.Int32
	closed   atomic.Bool

	// liveMu orders the updates of live, from the pool's size and its Leases.
	liveMu sync.Mutex
	// live is the ordinals that run, over which placement spreads the groups.
	live atomic.Pointer[[]int]

	mu          sync.Mutex
	dispatchers map[types.NamespacedName]*Dispatcher
	// load caches Load; -1 once a channel, the pool's size or the settings changed.
	load int
}

// NewPool makes the replica of that ordinal of the pool run by statefulSet;
// its groups live until Close. leases lists the system namespace's Leases
// (see Refresh).
func NewPool(ctx context.Context, statefulSet string, ordinal int, source SettingsSource, lister listers.KafkaChannelLister,
	leases coordinationv1listers.LeaseNamespaceLister, opts Options) *Pool {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	p := &Pool{statefulSet: statefulSet, ordinal: ordinal, source: source, opts: opts, ctx: ctx, lister: lister, leases: leases,
		dispatchers: map[types.NamespacedName]*Dispatcher{}, load: -1}
	p.live.Store(&[]int{})
	p.opts.Placement = p
	p.opts.shortfalls = &shortfalls{}
	// One subscription for all channels: each Dispatcher gets a source that
	// does not register its own, which would outlive a channel that left.
	source.OnChange(func(client.Snapshot) { p.changed() })
	return p
}

// PoolMember reads a pool replica's StatefulSet and ordinal from its pod name, <statefulset>-<ordinal>.
func PoolMember(podName string) (statefulSet string, ordinal int, err error) {
	i := strings.LastIndex(podName, "-")
	if i > 0 {
		if ordinal, err = strconv.Atoi(podName[i+1:]); err == nil && ordinal >= 0 {
			return podName[:i], ordinal, nil
		}
	}
	return "", 0, fmt.Errorf("pod name %q is not <statefulset>-<ordinal>: the shared dispatcher pool runs as a StatefulSet", podName)
}

// SetReplicas tells the pool its size; a change moves groups between replicas.
func (p *Pool) SetReplicas(n int32) {
	if p.replicas.Swap(n) != n {
		p.opts.Logger.Info("Dispatcher pool size", zap.Int32("replicas", n), zap.Int("ordinal", p.ordinal))
		p.Refresh(time.Now())
	}
}

// Refresh reads, as of now, which of the pool's replicas run, from their
// Leases, and moves groups when that changed. Call it when a Lease of the
// pool changes and at the time it returns, when the next Lease expires (zero:
// no Lease will). A replica always counts itself, so that one alone hosts
// every group.
func (p *Pool) Refresh(now time.Time) (next time.Time) {
	p.liveMu.Lock()
	defer p.liveMu.Unlock()
	leases, err := p.leases.List(placement.LeaseSelector(p.statefulSet))
	if err != nil {
		// A cache's lister does not fail; should one, retry soon rather than place on a guess.
		p.opts.Logger.Warn("Listing the dispatcher pool's Leases", zap.Error(err))
		return now.Add(placement.RenewInterval)
	}
	live, next := placement.Live(leases, p.statefulSet, p.ordinal, int(p.replicas.Load()), now)
	if old := p.live.Swap(&live); !slices.Equal(*old, live) {
		p.opts.Logger.Info("Dispatcher pool replicas running", zap.Ints("ordinals", live), zap.Int("ordinal", p.ordinal))
		p.changed()
	}
	return next
}

// ChannelChanged invalidates the load when a channel comes or goes.
func (p *Pool) ChannelChanged() {
	p.mu.Lock()
	p.load = -1
	p.mu.Unlock()
}

// ChannelUpdated invalidates the load only when what it counts changed: a
// thousand channels' status updates would otherwise make every reconcile
// count every channel again.
func (p *Pool) ChannelUpdated(old, obj any) {
	a, okA := old.(*v1beta1.KafkaChannel)
	b, okB := obj.(*v1beta1.KafkaChannel)
	if !okA || !okB || loadKey(a) != loadKey(b) {
		p.ChannelChanged()
	}
}

// loadKey is what countLoad reads of a channel.
func loadKey(kc *v1beta1.KafkaChannel) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%t/%t/%d", kc.HasDedicatedDispatcher(), kc.DeletionTimestamp != nil, kc.Spec.NumPartitions)
	for _, s := range kc.Spec.Subscribers {
		b.WriteString("/" + string(s.UID))
	}
	return b.String()
}

// changed re-applies every channel: placement or settings changed.
func (p *Pool) changed() {
	p.ChannelChanged()
	for _, d := range p.snapshot() {
		go d.resync()
	}
}

// Reconcile implements controller.Reconciler for the key of a KafkaChannel.
func (p *Pool) Reconcile(_ context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil // not a key of ours: nothing to retry
	}
	kc, err := p.lister.KafkaChannels(namespace).Get(name)
	switch {
	case apierrs.IsNotFound(err):
		kc = nil
	case err != nil:
		return err
	case kc.HasDedicatedDispatcher():
		kc = nil // its own Deployment runs it
	}
	nn := types.NamespacedName{Namespace: namespace, Name: name}
	d, err := p.dispatcher(nn, kc != nil)
	if d == nil {
		return err
	}
	err = d.Reconcile(kc)
	if kc == nil {
		// Its groups stopped, committing what they delivered.
		p.forget(nn, d)
	}
	return err
}

// dispatcher returns the channel's Dispatcher, made if create and there is none.
func (p *Pool) dispatcher(nn types.NamespacedName, create bool) (*Dispatcher, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if d := p.dispatchers[nn]; d != nil || !create {
		return d, nil
	}
	if p.closed.Load() {
		return nil, errors.New("dispatcher pool closed")
	}
	opts := p.opts
	opts.Logger = p.opts.Logger.With(zap.String("channel", nn.String()))
	d, err := New(p.ctx, quietSource{p.source}, opts)
	if err != nil {
		return nil, err
	}
	p.dispatchers[nn] = d
	return d, nil
}

func (p *Pool) forget(nn types.NamespacedName, d *Dispatcher) {
	p.mu.Lock()
	if p.dispatchers[nn] == d {
		delete(p.dispatchers, nn)
	}
	p.mu.Unlock()
	d.Close()
}

// Hosts implements Placement: the replicas of highest rendezvous weight for
// the group host it, as many as placement.Members allows.
func (p *Pool) Hosts(group string, partitions int32) bool {
	live := *p.live.Load()
	return placement.Hosted(group, p.ordinal, live, placement.Members(int(partitions), len(live), p.maxMembers()))
}

func (p *Pool) maxMembers() int {
	if k := p.source.Current().Kafka; k != nil {
		return k.Dispatcher.PoolMaxGroupMembers
	}
	return config.DefaultPoolMaxGroupMembers
}

// Load implements Placement: the partitions of the groups this replica hosts
// over all channels, rounded up to a power of two so that the buffers sized
// from it, and the groups running with them, stay put while channels come and go.
func (p *Pool) Load() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.load < 0 {
		p.load = p.countLoad()
	}
	return p.load
}

func (p *Pool) countLoad() int {
	channels, err := p.lister.List(labels.Everything())
	if err != nil {
		return 1
	}
	load := 0
	for _, kc := range channels {
		if kc.HasDedicatedDispatcher() || kc.DeletionTimestamp != nil {
			continue
		}
		for _, s := range kc.Spec.Subscribers {
			if p.Hosts(contract.ConsumerGroup(kc.Namespace, kc.Name, string(s.UID)), kc.Spec.NumPartitions) {
				load += int(max(kc.Spec.NumPartitions, 1))
			}
		}
	}
	if load <= 1 {
		return 1
	}
	return 1 << bits.Len(uint(load-1))
}

// Ready tells whether the replica can run groups: it knows the pool's size
// and the Kafka settings are usable. A channel's or a subscriber's own
// trouble is reported by Status, never by readiness, which would stop no
// group and only hide the replica's others.
func (p *Pool) Ready() error {
	switch {
	case p.closed.Load():
		return errors.New("dispatcher closed")
	case p.replicas.Load() == 0:
		return errors.New("the size of the dispatcher pool is not known yet (its StatefulSet)")
	}
	if err := p.source.Current().Err; err != nil {
		return fmt.Errorf("kafka settings: %w", err)
	}
	return nil
}

// ChannelStatus is what this replica runs of one channel.
type ChannelStatus struct {
	Namespace   string             `json:"namespace"`
	Name        string             `json:"name"`
	Subscribers []SubscriberStatus `json:"subscribers"`
}

// Status lists the channels of which this replica runs a group, or could not.
func (p *Pool) Status() []ChannelStatus {
	var out []ChannelStatus
	for nn, d := range p.snapshot() {
		if subs := d.Status(); len(subs) > 0 {
			out = append(out, ChannelStatus{Namespace: nn.Namespace, Name: nn.Name, Subscribers: subs})
		}
	}
	slices.SortFunc(out, func(a, b ChannelStatus) int {
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	return out
}

// Report implements Prober: the replica's place in the pool and its groups by channel.
func (p *Pool) Report() any {
	return map[string]any{"ordinal": p.ordinal, "replicas": p.replicas.Load(), "running": *p.live.Load(), "channels": p.Status()}
}

// Close stops every group of every channel, in parallel, committing what was delivered.
func (p *Pool) Close() {
	p.closed.Store(true)
	var wg sync.WaitGroup
	for _, d := range p.snapshot() {
		wg.Go(d.Close)
	}
	wg.Wait()
}

// snapshot is the channels' Dispatchers at this moment, to work on outside the lock.
func (p *Pool) snapshot() map[types.NamespacedName]*Dispatcher {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.dispatchers)
}

// quietSource gives a channel's Dispatcher the pool's settings; the pool
// tells it of changes itself.
type quietSource struct{ SettingsSource }

func (quietSource) OnChange(func(client.Snapshot)) {}
