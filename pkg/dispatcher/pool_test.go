package dispatcher

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"
	zapobserver "go.uber.org/zap/zaptest/observer"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coordinationv1listers "k8s.io/client-go/listers/coordination/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"

	kafka_sarama "github.com/cloudevents/sdk-go/protocol/kafka_sarama/v2"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	listers "github.com/knative-kafka/knative-kafka/pkg/client/listers/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/dispatcher/placement"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/admin"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

// poolEnv is a broker with one topic per channel, the channels and the
// pool's Leases in informers' caches, and a sink per subscriber.
type poolEnv struct {
	t        *testing.T
	addrs    []string
	settings *client.Settings
	indexer  cache.Indexer
	lister   listers.KafkaChannelLister
	leases   *poolLeases
	pools    []*Pool
	producer sarama.SyncProducer
	channels []*v1beta1.KafkaChannel
	sinks    map[string]*sink // by consumer group
}

func newPoolEnv(t *testing.T, partitions []int32) *poolEnv {
	opts := []kfake.Opt{kfake.GroupMinSessionTimeout(100 * time.Millisecond)}
	for i, p := range partitions {
		opts = append(opts, kfake.SeedTopics(p, poolTopic(i)))
	}
	b := kafkatest.Start(t, opts...)
	pcfg := kafkatest.Config()
	pcfg.Producer.Return.Successes = true
	pcfg.Producer.Partitioner = sarama.NewManualPartitioner
	producer, err := sarama.NewSyncProducer(b.Addrs, pcfg)
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	t.Cleanup(func() { _ = producer.Close() })
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	e := &poolEnv{t: t, addrs: b.Addrs, producer: producer, indexer: indexer, lister: listers.NewKafkaChannelLister(indexer), leases: newPoolLeases(),
		settings: &client.Settings{Brokers: b.Addrs, Sarama: testSaramaConfig(), Fingerprint: "test"}, sinks: map[string]*sink{}}
	for i, p := range partitions {
		kc := &v1beta1.KafkaChannel{ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: fmt.Sprintf("ch-%d", i)}}
		kc.Spec.NumPartitions = p
		kc.Status.TopicName = poolTopic(i)
		for _, uid := range []string{"a", "b"} {
			s := newSink(t, nil)
			kc.Spec.Subscribers = append(kc.Spec.Subscribers, subscriber(uid, s.URL))
			e.sinks[contract.ConsumerGroup(kc.Namespace, kc.Name, uid)] = s
		}
		if err := indexer.Add(kc); err != nil {
			t.Fatal(err)
		}
		e.channels = append(e.channels, kc)
	}
	return e
}

func poolTopic(i int) string { return fmt.Sprintf("ns.ch-%d", i) }

// replica starts the pool replica of that ordinal, which knows the pool has
// replicas replicas, renews its Lease (for an hour), and reconciles every
// channel on it; the other replicas see its Lease.
func (e *poolEnv) replica(ordinal int, replicas int32) *Pool {
	e.t.Helper()
	p := e.leases.pool(e, ordinal, Options{DrainTimeout: time.Second})
	e.t.Cleanup(p.Close)
	p.SetReplicas(replicas)
	e.renew(ordinal, time.Now(), time.Hour)
	e.reconcile(p)
	return p
}

// renew writes the Lease of the replica of that ordinal, renewed at for d,
// and has every replica read the Leases again as of at.
func (e *poolEnv) renew(ordinal int, at time.Time, d time.Duration) {
	e.t.Helper()
	e.leases.renew(e.t, ordinal, at, d)
	for _, p := range e.pools {
		p.Refresh(at)
	}
}

// poolLeases is the system namespace's Leases as an informer caches them.
type poolLeases struct {
	indexer cache.Indexer
	lister  coordinationv1listers.LeaseNamespaceLister
}

const testPool = "pool"

func newPoolLeases() *poolLeases {
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	return &poolLeases{indexer: indexer, lister: coordinationv1listers.NewLeaseLister(indexer).Leases(testNamespace)}
}

// pool makes the replica of that ordinal of testPool, reading these Leases.
func (l *poolLeases) pool(e *poolEnv, ordinal int, opts Options) *Pool {
	p := NewPool(context.Background(), testPool, ordinal, staticSource{e.settings, nil}, e.lister, l.lister, opts)
	e.pools = append(e.pools, p)
	return p
}

func (l *poolLeases) renew(t *testing.T, ordinal int, at time.Time, d time.Duration) {
	t.Helper()
	name := placement.LeaseName(testPool, ordinal)
	renewed := metav1.NewMicroTime(at)
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: name, Labels: map[string]string{placement.PoolLabel: testPool}},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: &name, LeaseDurationSeconds: ptr.To(int32(d / time.Second)), RenewTime: &renewed},
	}
	if err := l.indexer.Update(lease); err != nil {
		t.Fatal(err)
	}
}

func (e *poolEnv) reconcile(p *Pool) {
	e.t.Helper()
	for _, kc := range e.channels {
		if err := p.Reconcile(context.Background(), kc.Namespace+"/"+kc.Name); err != nil {
			e.t.Fatalf("reconciling %s on ordinal %d: %v", kc.Name, p.ordinal, err)
		}
	}
}

// running is the consumer groups a replica runs, by name.
func running(p *Pool) map[string]bool {
	out := map[string]bool{}
	for _, ch := range p.Status() {
		for _, s := range ch.Subscribers {
			if s.Error == "" {
				out[s.Group] = true
			}
		}
	}
	return out
}

// waitAllReady waits until every group has committed offsets on every partition.
func (e *poolEnv) waitAllReady() {
	e.t.Helper()
	k, err := admin.NewKafka(e.addrs, kafkatest.Config())
	if err != nil {
		e.t.Fatalf("admin: %v", err)
	}
	defer k.Close()
	for _, kc := range e.channels {
		for _, s := range kc.Spec.Subscribers {
			group := contract.ConsumerGroup(kc.Namespace, kc.Name, string(s.UID))
			waitFor(e.t, "offsets of "+group, func() bool {
				ok, err := k.OffsetsInitialized(context.Background(), group, kc.Status.TopicName)
				return err == nil && ok
			})
		}
	}
}

// produce writes events seq from..to-1 to every partition of every channel and returns their ids by channel.
func (e *poolEnv) produce(from, to int) map[string][]string {
	e.t.Helper()
	ids := map[string][]string{}
	for _, kc := range e.channels {
		for seq := from; seq < to; seq++ {
			for p := range kc.Spec.NumPartitions {
				ev := event(p, seq, kc.Name)
				msg := &sarama.ProducerMessage{Topic: kc.Status.TopicName, Partition: p}
				if err := kafka_sarama.WriteProducerMessage(context.Background(), binding.ToMessage(&ev), msg); err != nil {
					e.t.Fatalf("encoding: %v", err)
				}
				if _, _, err := e.producer.SendMessage(msg); err != nil {
					e.t.Fatalf("producing: %v", err)
				}
				ids[kc.Name] = append(ids[kc.Name], ev.ID())
			}
		}
	}
	return ids
}

// waitDelivered waits until every subscriber of every channel got every event
// of ids, and checks that each partition's first deliveries kept its order.
func (e *poolEnv) waitDelivered(ids map[string][]string) {
	e.t.Helper()
	for _, kc := range e.channels {
		for _, s := range kc.Spec.Subscribers {
			group := contract.ConsumerGroup(kc.Namespace, kc.Name, string(s.UID))
			sk := e.sinks[group]
			waitFor(e.t, "every event delivered to "+group, func() bool { return sk.hasAll(ids[kc.Name]) })
			for p, seqs := range byPartition(firsts(sk.ids())) {
				for i := 1; i < len(seqs); i++ {
					if seqs[i] < seqs[i-1] {
						e.t.Fatalf("%s partition %s: first deliveries out of order: %v", group, p, seqs)
					}
				}
			}
		}
	}
}

// firsts keeps the first delivery of each id: an at-least-once redelivery repeats an earlier one.
func firsts(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// The pool places each group on placement.Members replicas, the same ones
// every replica computes, and every subscriber of every channel gets every
// event; when the pool shrinks and grows again, the groups move with no event
// lost and each partition's order kept.
func TestPoolSharesChannelsAndMovesGroups(t *testing.T) {
	e := newPoolEnv(t, []int32{1, 1, 1, 1, 1, 3})
	// Both replicas run before either places a group: ordinal 0 alone would host them all.
	e.renew(1, time.Now(), time.Hour)
	r0, r1 := e.replica(0, 2), e.replica(1, 2)
	e.waitAllReady()
	checkPlacement := func(replicas int, pools ...*Pool) {
		t.Helper()
		for _, kc := range e.channels {
			for _, s := range kc.Spec.Subscribers {
				group := contract.ConsumerGroup(kc.Namespace, kc.Name, string(s.UID))
				live := placement.Ordinals(replicas)
				want := placement.Hosts(group, live, placement.Members(int(kc.Spec.NumPartitions), replicas, 2))
				for ordinal, p := range pools {
					if got, hosted := running(p)[group], placement.Hosted(group, ordinal, live, len(want)); got != hosted {
						t.Errorf("ordinal %d runs %s: %v, want %v (hosts %v)", ordinal, group, got, hosted, want)
					}
				}
			}
		}
	}
	checkPlacement(2, r0, r1)
	if len(running(r0)) == 0 || len(running(r1)) == 0 {
		t.Fatalf("one replica runs every group: %d and %d", len(running(r0)), len(running(r1)))
	}
	e.waitDelivered(e.produce(0, 5))

	// Scale 2 -> 1: ordinal 1 leaves (committing), ordinal 0 takes every group.
	first := e.produce(5, 10)
	r1.Close()
	r0.SetReplicas(1)
	waitFor(t, "ordinal 0 running every group", func() bool { return len(running(r0)) == len(e.sinks) })
	more := e.produce(10, 15)
	e.waitDelivered(first)
	e.waitDelivered(more)

	// Scale 1 -> 2: groups move back to a new ordinal 1.
	r0.SetReplicas(2)
	r1 = e.replica(1, 2)
	waitFor(t, "groups placed on two replicas again", func() bool { return len(running(r0))+len(running(r1)) == countMembers(e, 2) })
	checkPlacement(2, r0, r1)
	e.waitDelivered(e.produce(15, 20))
}

// A replica that does not run (its pod Pending for want of room, or on a
// lost node) renews no Lease and hosts no group: in a pool of 2 whose
// replica 1 never starts, replica 0 runs every group and every event is
// delivered.
func TestPoolPlacesGroupsOnRunningReplicasOnly(t *testing.T) {
	e := newPoolEnv(t, []int32{1, 1, 1, 1, 1, 3})
	r0 := e.replica(0, 2)
	waitFor(t, "ordinal 0 running every group", func() bool { return len(running(r0)) == len(e.sinks) })
	e.waitAllReady()
	e.waitDelivered(e.produce(0, 5))
}

// A replica whose Lease expires loses its groups to the others and gets them
// back when it renews it. A replica counts itself whatever its Lease says, so
// that one cut off from the API server keeps its groups (two may then run
// one, which Kafka's group protocol makes safe); a Lease beyond the pool's
// size counts for nothing.
func TestPoolFollowsLeases(t *testing.T) {
	e := newPoolEnv(t, nil)
	r0, r1 := e.leases.pool(e, 0, Options{}), e.leases.pool(e, 1, Options{})
	for _, p := range e.pools {
		t.Cleanup(p.Close)
		p.SetReplicas(2)
	}
	var groups []string
	for i := range 100 {
		groups = append(groups, contract.ConsumerGroup(testNamespace, fmt.Sprintf("ch-%d", i), "uid"))
	}
	hosted := func(p *Pool) (n int) {
		for _, g := range groups {
			if p.Hosts(g, 1) {
				n++
			}
		}
		return n
	}
	t0 := time.Now()
	e.renew(0, t0, 20*time.Second)
	e.renew(1, t0, 20*time.Second)
	split := hosted(r0)
	if split == 0 || split == len(groups) || split+hosted(r1) != len(groups) {
		t.Fatalf("with both Leases fresh, ordinals 0 and 1 host %d and %d of %d groups, want them shared", split, hosted(r1), len(groups))
	}

	if next := r0.Refresh(t0.Add(time.Second)); !next.Equal(t0.Add(20 * time.Second)) {
		t.Errorf("Refresh asks to be called again at %v, want when ordinal 1's Lease expires, %v", next, t0.Add(20*time.Second))
	}
	for _, p := range e.pools {
		p.Refresh(t0.Add(21 * time.Second))
	}
	if n := hosted(r0); n != len(groups) {
		t.Errorf("ordinal 1's Lease expired: ordinal 0 hosts %d of %d groups, want all", n, len(groups))
	}
	if n := hosted(r1); n != len(groups) {
		t.Errorf("ordinal 0's Lease expired too: ordinal 1, which counts itself, hosts %d of %d groups, want all", n, len(groups))
	}

	e.renew(0, t0.Add(30*time.Second), 20*time.Second)
	e.renew(1, t0.Add(30*time.Second), 20*time.Second)
	e.renew(2, t0.Add(30*time.Second), 20*time.Second) // beyond spec.replicas
	if a, b := hosted(r0), hosted(r1); a != split || a+b != len(groups) {
		t.Errorf("both Leases renewed: ordinals 0 and 1 host %d and %d groups, want %d and %d as before", a, b, split, len(groups)-split)
	}
}

// countMembers is the number of group members a pool of that size runs.
func countMembers(e *poolEnv, replicas int) int {
	n := 0
	for _, kc := range e.channels {
		n += len(kc.Spec.Subscribers) * placement.Members(int(kc.Spec.NumPartitions), replicas, 2)
	}
	return n
}

// A channel with a dedicated dispatcher, or deleted, has no group on the pool.
func TestPoolLeavesDedicatedAndDeletedChannels(t *testing.T) {
	e := newPoolEnv(t, []int32{1, 1})
	r0 := e.replica(0, 1)
	waitFor(t, "both channels' groups running", func() bool { return len(running(r0)) == 4 })

	dedicated := e.channels[0].DeepCopy()
	dedicated.Annotations = map[string]string{v1beta1.DispatcherAnnotation: v1beta1.DedicatedDispatcher}
	if err := e.indexer.Update(dedicated); err != nil {
		t.Fatal(err)
	}
	if err := e.indexer.Delete(e.channels[1]); err != nil {
		t.Fatal(err)
	}
	e.reconcile(r0)
	if got := running(r0); len(got) != 0 {
		t.Errorf("the pool still runs %v", got)
	}
	if n := len(r0.dispatchers); n != 0 {
		t.Errorf("the pool keeps %d channels it does not run", n)
	}
}

func TestPoolMember(t *testing.T) {
	for name, want := range map[string]struct {
		set     string
		ordinal int
	}{
		"kafka-channel-dispatcher-0":  {"kafka-channel-dispatcher", 0},
		"kafka-channel-dispatcher-12": {"kafka-channel-dispatcher", 12},
	} {
		set, ordinal, err := PoolMember(name)
		if err != nil || set != want.set || ordinal != want.ordinal {
			t.Errorf("PoolMember(%q) = %q, %d, %v; want %q, %d", name, set, ordinal, err, want.set, want.ordinal)
		}
	}
	for _, bad := range []string{"", "dispatcher", "dispatcher-x", "-1"} {
		if _, _, err := PoolMember(bad); err == nil {
			t.Errorf("PoolMember(%q) accepted a name that is not <statefulset>-<ordinal>", bad)
		}
	}
}

// Load counts the group partitions a replica hosts, rounded up to a power of
// two. A channel's status update leaves it counted; a new subscriber or a
// grown topic has it counted again.
func TestPoolLoad(t *testing.T) {
	e := newPoolEnv(t, []int32{1, 1, 3})
	p := e.leases.pool(e, 0, Options{})
	p.SetReplicas(1)
	// 2 subscribers x (1 + 1 + 3) partitions = 10 -> 16.
	if got := p.Load(); got != 16 {
		t.Fatalf("Load() = %d, want 16", got)
	}
	old := e.channels[2]
	update := func(kc *v1beta1.KafkaChannel) {
		t.Helper()
		if err := e.indexer.Update(kc); err != nil {
			t.Fatal(err)
		}
		p.ChannelUpdated(old, kc)
		old = kc
	}

	statusOnly := old.DeepCopy()
	statusOnly.Status.Subscribers = []eventingduckv1.SubscriberStatus{{UID: "a", Ready: corev1.ConditionTrue}}
	update(statusOnly)
	p.mu.Lock()
	cached := p.load
	p.mu.Unlock()
	if cached != 16 {
		t.Errorf("after a status update the load is %d, want 16 still counted", cached)
	}

	grown := old.DeepCopy()
	grown.Spec.NumPartitions = 12 // 2 x (1 + 1 + 12) = 28 -> 32
	update(grown)
	if got := p.Load(); got != 32 {
		t.Errorf("after the topic grew: Load() = %d, want 32", got)
	}
	more := old.DeepCopy()
	more.Spec.Subscribers = append(more.Spec.Subscribers, subscriber("c", "http://c.example"))
	update(more) // 2 x 2 + 3 x 12 = 40 -> 64
	if got := p.Load(); got != 64 {
		t.Errorf("after a subscriber came: Load() = %d, want 64", got)
	}
}

// A budget too small for the pool's groups is warned about once, not at the
// reconcile of every channel that shares it.
func TestPoolWarnsOnceOfATooSmallBudget(t *testing.T) {
	e := newPoolEnv(t, []int32{1, 1, 1})
	core, logs := zapobserver.New(zap.WarnLevel)
	p := e.leases.pool(e, 0, Options{DrainTimeout: time.Second, Logger: zap.New(core), MemoryLimit: 80 << 20})
	t.Cleanup(p.Close)
	p.SetReplicas(1)
	e.reconcile(p)
	e.reconcile(p)
	if n := logs.FilterMessageSnippet("memory limit is too small").Len(); n != 1 {
		t.Errorf("%d warnings of the budget over two reconciles of three channels, want 1", n)
	}
}
