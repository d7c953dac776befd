package dispatcher

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	listers "github.com/knative-kafka/knative-kafka/pkg/client/listers/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
	"github.com/knative-kafka/knative-kafka/pkg/receiver"
)

// These tests rotate the Kafka Secret and config-kafka under the receiver and
// the dispatcher while events flow through both, on a broker that checks SASL
// credentials and ACLs.

const (
	rotationPartitions = 3
	scramSHA512        = "SCRAM-SHA-512"
	adminUser, adminPw = "admin", "admin-pw"
	userA, passwordA   = "user-a", "password-a"
	userB, passwordB   = "user-b", "password-b"
	// batch is how many events each phase of a test waits for: enough to span
	// several offset commits and Kafka round trips.
	batch = 150
)

// producerBuilt is the receiver's log message for each SyncProducer it builds;
// counting them is how a test tells that the receiver took up new settings.
const producerBuilt = "Kafka producer ready"

func TestRotationSecretBehindTraffic(t *testing.T) {
	r := newRotationEnv(t)
	// Opened before the revocation, to check below that the broker really cuts A off.
	oldConnection := r.connect(userA, passwordA)
	tr := r.startTraffic()
	r.waitDelivered(batch)

	r.apply(r.secret(userB, passwordB), r.kafka)
	r.waitRebuilt()
	r.revoke(userA)
	r.checkRevoked(userA, passwordA, oldConnection)
	tr.waitAcked(t, tr.count()+batch)

	r.checkDelivered(tr)
}

// An operator who updates the Secret before creating its user in Kafka leaves the
// components on the old credentials; they take up the new ones once the user
// exists, without another change of the Secret.
func TestRotationSecretBeforeItsUserExists(t *testing.T) {
	r := newRotationEnv(t)
	r.deleteCredential(userB)
	tr := r.startTraffic()
	r.waitDelivered(batch)

	r.apply(r.secret(userB, passwordB), r.kafka)
	waitFor(t, "the dispatcher to report the Secret it cannot apply", func() bool {
		st := r.dispatcher.Status()
		return len(st) == 1 && st[0].Error != "" && st[0].Joined
	})
	if err := r.dispatcher.Ready(); err != nil {
		t.Errorf("a group that cannot connect made the replica unready: %v", err)
	}
	r.waitDelivered(len(r.sink.ids()) + batch)

	r.createCredential(userB, passwordB)
	r.waitRebuilt()
	r.revoke(userA)
	tr.waitAcked(t, tr.count()+batch)

	r.checkDelivered(tr)
}

func TestRotationConfigKafkaBehindTraffic(t *testing.T) {
	r := newRotationEnv(t)
	tr := r.startTraffic()
	r.waitDelivered(batch)

	r.apply(r.secret(userA, passwordA), rotationConfig(t, "ChannelBufferSize: 64"))
	r.waitRebuilt()
	if got := r.groupClient("a").Config().ChannelBufferSize; got != 64 {
		t.Errorf("rebuilt group: ChannelBufferSize %d, want the override's 64", got)
	}
	tr.waitAcked(t, tr.count()+batch)

	r.checkDelivered(tr)
}

// rotationEnv is a SASL broker, and a receiver and a dispatcher that follow the
// same client.Watcher, as the components of a cluster follow the same Secret.
type rotationEnv struct {
	t          *testing.T
	addrs      []string
	watcher    *client.Watcher
	kafka      *config.Kafka
	channelURL string
	// channels is the receiver's informer cache; producer is its producer.
	channels   cache.Indexer
	producer   *receiver.Producer
	dispatcher *Dispatcher
	sink       *sink
	// producerBuilds counts the receiver's SyncProducers.
	producerBuilds atomic.Int32
	builds         int32 // producerBuilds before the last apply
}

func newRotationEnv(t *testing.T) *rotationEnv {
	b := kafkatest.Start(t, kfake.EnableSASL(), kfake.EnableACLs(),
		kfake.Superuser(scramSHA512, adminUser, adminPw),
		kfake.User(scramSHA512, userA, passwordA, grants()...),
		kfake.User(scramSHA512, userB, passwordB, grants()...),
		kfake.GroupMinSessionTimeout(100*time.Millisecond),
		kfake.SeedTopics(rotationPartitions, testTopic))
	r := &rotationEnv{t: t, addrs: b.Addrs}
	return r.start(r.secret(userA, passwordA), rotationConfig(t, ""))
}

// start runs the real receiver and dispatcher of one channel, with subscriber
// "a", on one watcher of the given Secret and config-kafka.
func (r *rotationEnv) start(secret map[string][]byte, kafka *config.Kafka) *rotationEnv {
	r.kafka = kafka
	r.watcher = client.NewStaticWatcher(secret, kafka, "rotation-test")
	r.sink = newSink(r.t, nil)
	kc := channel("", subscriber("a", r.sink.URL))
	kc.Status.InitializeConditions()
	kc.Status.MarkTopicTrue()
	r.startReceiver(kc)
	r.startDispatcher(kc, secret)
	return r
}

// grants lets a user do everything the receiver and the dispatcher do.
func grants() []kfake.ACL {
	resources := map[kmsg.ACLResourceType]string{
		kmsg.ACLResourceTypeTopic:   "*",
		kmsg.ACLResourceTypeGroup:   "*",
		kmsg.ACLResourceTypeCluster: "kafka-cluster",
	}
	var out []kfake.ACL
	for rt, name := range resources {
		out = append(out, kfake.ACL{Resource: rt, Name: name, Pattern: kmsg.ACLResourcePatternTypeLiteral,
			Operation: kmsg.ACLOperationAll, Allow: true})
	}
	return out
}

// rotationConfig is config-kafka with the test's group tuning and extra Sarama overrides.
func rotationConfig(t *testing.T, overrides string) *config.Kafka {
	t.Helper()
	k, err := config.NewKafkaFromMap(map[string]string{config.SaramaKey: groupTuning + overrides})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (r *rotationEnv) secret(user, password string) map[string][]byte {
	return map[string][]byte{
		client.BrokersKey:       []byte(strings.Join(r.addrs, ",")),
		client.ProtocolKey:      []byte(client.SASLPlaintext),
		client.SASLMechanismKey: []byte(scramSHA512),
		client.UserKey:          []byte(user),
		client.PasswordKey:      []byte(password),
	}
}

// clientConfig is what the components build from a Secret for user.
func (r *rotationEnv) clientConfig(user, password string) *sarama.Config {
	r.t.Helper()
	s, err := client.NewSettings(r.secret(user, password), r.kafka, "rotation-test-"+user)
	if err != nil {
		r.t.Fatal(err)
	}
	return s.Sarama
}

func (r *rotationEnv) startReceiver(kc *v1beta1.KafkaChannel) {
	t := r.t
	logger := zaptest.NewLogger(t, zaptest.WrapOptions(zap.Hooks(func(e zapcore.Entry) error {
		if e.Message == producerBuilt {
			r.producerBuilds.Add(1)
		}
		return nil
	})))
	producer := receiver.NewProducer(r.watcher, logger, 10*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); producer.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	r.channels, r.producer = channelIndexer(t, kc), producer
	h, err := receiver.NewHandler(receiver.Options{Channels: listers.NewKafkaChannelLister(r.channels), Producer: producer, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	r.channelURL = srv.URL + "/" + testNamespace + "/" + testChannel
	waitFor(t, "the receiver's producer", func() bool { return producer.Ready() == nil })
}

func channelIndexer(t *testing.T, kc *v1beta1.KafkaChannel) cache.Indexer {
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	if err := indexer.Add(kc); err != nil {
		t.Fatal(err)
	}
	return indexer
}

func (r *rotationEnv) startDispatcher(kc *v1beta1.KafkaChannel, secret map[string][]byte) {
	d, err := New(context.Background(), r.watcher, Options{DrainTimeout: time.Second, Logger: zaptest.NewLogger(r.t)})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(d.Close)
	if err := d.Reconcile(kc); err != nil {
		r.t.Fatal(err)
	}
	r.dispatcher = d
	s, err := client.NewSettings(secret, r.kafka, "rotation-test-admin")
	if err != nil {
		r.t.Fatal(err)
	}
	waitGroupReady(r.t, r.addrs, s.Sarama, "a")
}

// apply changes the Secret and config-kafka, as an operator editing them would.
func (r *rotationEnv) apply(secret map[string][]byte, kafka *config.Kafka) {
	r.builds = r.producerBuilds.Load()
	r.kafka = kafka
	r.watcher.Set(secret, kafka)
}

// waitRebuilt waits until the receiver built a new producer and the
// subscriber's group runs, joined, on the settings now in force.
func (r *rotationEnv) waitRebuilt() {
	r.t.Helper()
	want := r.watcher.Current().Settings.Fingerprint
	waitFor(r.t, "a new producer", func() bool { return r.producerBuilds.Load() > r.builds })
	waitFor(r.t, "the group rebuilt on the new settings", func() bool {
		c := r.dispatcher.probeState().consumers["a"]
		return c != nil && c.key.fingerprint == want && c.joined.Load()
	})
	if err := r.dispatcher.Ready(); err != nil {
		r.t.Errorf("dispatcher not ready after the change: %v", err)
	}
}

func (r *rotationEnv) groupClient(uid types.UID) sarama.Client {
	return r.dispatcher.probeState().consumers[uid].client
}

func (r *rotationEnv) connect(user, password string) sarama.Client {
	r.t.Helper()
	c, err := sarama.NewClient(r.addrs, r.clientConfig(user, password))
	if err != nil {
		r.t.Fatalf("connecting as %s: %v", user, err)
	}
	r.t.Cleanup(func() { _ = c.Close() })
	return c
}

// revoke deletes user's credential and denies it everything, so that neither a
// new connection nor one it authenticated before can be what keeps events flowing.
func (r *rotationEnv) revoke(user string) {
	r.t.Helper()
	r.deleteCredential(user)
	r.withAdmin(func(admin sarama.ClusterAdmin) error {
		deny := sarama.Acl{Principal: "User:" + user, Host: "*", Operation: sarama.AclOperationAll, PermissionType: sarama.AclPermissionDeny}
		for rt, name := range map[sarama.AclResourceType]string{
			sarama.AclResourceTopic: "*", sarama.AclResourceGroup: "*", sarama.AclResourceCluster: "kafka-cluster",
		} {
			res := sarama.Resource{ResourceType: rt, ResourceName: name, ResourcePatternType: sarama.AclPatternLiteral}
			if err := admin.CreateACL(res, deny); err != nil {
				return fmt.Errorf("denying %s on %v: %w", user, rt, err)
			}
		}
		return nil
	})
}

func (r *rotationEnv) deleteCredential(user string) {
	r.t.Helper()
	r.withAdmin(func(admin sarama.ClusterAdmin) error {
		res, err := admin.DeleteUserScramCredentials([]sarama.AlterUserScramCredentialsDelete{{Name: user, Mechanism: sarama.SCRAM_MECHANISM_SHA_512}})
		return scramResult("deleting the credential of "+user, res, err)
	})
}

func (r *rotationEnv) createCredential(user, password string) {
	r.t.Helper()
	r.withAdmin(func(admin sarama.ClusterAdmin) error {
		res, err := admin.UpsertUserScramCredentials([]sarama.AlterUserScramCredentialsUpsert{{
			Name: user, Mechanism: sarama.SCRAM_MECHANISM_SHA_512, Iterations: 4096, Salt: []byte("rotation-salt"), Password: []byte(password),
		}})
		return scramResult("creating the credential of "+user, res, err)
	})
}

func scramResult(what string, res []*sarama.AlterUserScramCredentialsResult, err error) error {
	if err == nil && (len(res) != 1 || res[0].ErrorCode != sarama.ErrNoError) {
		err = fmt.Errorf("results %+v", res)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// withAdmin runs f with a ClusterAdmin of the broker's superuser.
func (r *rotationEnv) withAdmin(f func(sarama.ClusterAdmin) error) {
	r.t.Helper()
	admin, err := sarama.NewClusterAdmin(r.addrs, r.clientConfig(adminUser, adminPw))
	if err != nil {
		r.t.Fatal(err)
	}
	defer admin.Close()
	if err := f(admin); err != nil {
		r.t.Fatal(err)
	}
}

// checkRevoked checks the premise of the test: the broker refuses user on a
// new connection, and on the connection it authenticated before.
func (r *rotationEnv) checkRevoked(user, password string, old sarama.Client) {
	r.t.Helper()
	if c, err := sarama.NewClient(r.addrs, r.clientConfig(user, password)); err == nil {
		_ = c.Close()
		r.t.Fatalf("%s still connects after the revocation", user)
	}
	if err := old.RefreshMetadata(testTopic); err == nil {
		r.t.Fatalf("%s's old connection still reads metadata of %s after the revocation", user, testTopic)
	}
}

func (r *rotationEnv) waitDelivered(n int) {
	r.t.Helper()
	waitFor(r.t, fmt.Sprintf("%d deliveries", n), func() bool { return len(r.sink.ids()) >= n })
}

// checkDelivered stops the traffic and checks that every acknowledged event
// reached the subscriber, in order per partition, once.
func (r *rotationEnv) checkDelivered(tr *traffic) {
	t := r.t
	t.Helper()
	tr.finish()
	acked, refused := tr.results()
	waitFor(t, "every acknowledged event at the subscriber", func() bool { return r.sink.hasAll(acked) })
	ids := r.sink.ids()
	dups := r.sink.duplicates()
	t.Logf("%d events acknowledged, %d deliveries, %d duplicates, %d refused requests", len(acked), len(ids), dups, len(refused))
	for p, seqs := range byPartition(ids) {
		if !slices.IsSorted(dedupe(seqs)) {
			t.Errorf("partition %s delivered out of order: %v", p, seqs)
		}
	}
	// The old group commits what it delivered before it leaves, so the new one starts after it.
	if dups != 0 {
		t.Errorf("%d events delivered twice across the rebuild; want none", dups)
	}
	// The receiver swaps producers behind the traffic: no sender sees an error.
	if len(refused) != 0 {
		t.Errorf("%d requests refused during the change, want none: %v", len(refused), refused[:min(len(refused), 5)])
	}
}

// traffic sends events to the receiver: one sender per partition, each waiting
// for its event's 202 before sending the next, with a partition key that
// lands on its partition, so that its order is the partition's order.
type traffic struct {
	stop   atomic.Bool
	wg     sync.WaitGroup
	client *http.Client

	mu      sync.Mutex
	acked   []string
	refused []string
}

func (r *rotationEnv) startTraffic() *traffic {
	return r.startTrafficWith(partitionKeys(rotationPartitions))
}

// startTrafficWith starts one sender per key; sender i numbers its events "i-<seq>".
func (r *rotationEnv) startTrafficWith(keys []string) *traffic {
	tr := &traffic{client: &http.Client{Timeout: waitLimit}}
	for i, key := range keys {
		tr.wg.Go(func() { tr.send(r.channelURL, i, key) })
	}
	r.t.Cleanup(tr.finish)
	return tr
}

// partitionKeys finds one partition key per partition, as the receiver's
// producer (Sarama's hash partitioner) places them.
func partitionKeys(partitions int32) []string {
	keys := make([]string, partitions)
	hash := sarama.NewHashPartitioner(testTopic)
	for i, found := 0, int32(0); found < partitions; i++ {
		key := fmt.Sprint("key-", i)
		p, _ := hash.Partition(&sarama.ProducerMessage{Key: sarama.StringEncoder(key)}, partitions)
		if keys[p] == "" {
			keys[p], found = key, found+1
		}
	}
	return keys
}

// send retries a refused event (as a Knative sender would) before moving on to
// the next, so that each partition's acknowledged events are numbered 0, 1, 2...
func (tr *traffic) send(url string, partition int, key string) {
	for seq := 0; !tr.stop.Load(); {
		id := fmt.Sprintf("%d-%d", partition, seq)
		if err := tr.post(url, id, key); err != nil {
			tr.record(&tr.refused, fmt.Sprintf("%s: %v", id, err))
			time.Sleep(20 * time.Millisecond)
			continue
		}
		tr.record(&tr.acked, id)
		seq++
	}
}

func (tr *traffic) post(url, id, key string) error {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"rotation":true}`))
	if err != nil {
		return err
	}
	for k, v := range map[string]string{
		"Ce-Specversion": "1.0", "Ce-Id": id, "Ce-Type": "dev.knative-kafka.test", "Ce-Source": "/rotation-test",
		"Ce-Partitionkey": key, "Content-Type": "application/json",
	} {
		req.Header.Set(k, v)
	}
	resp, err := tr.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

func (tr *traffic) record(list *[]string, s string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	*list = append(*list, s)
}

func (tr *traffic) count() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.acked)
}

func (tr *traffic) waitAcked(t *testing.T, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d acknowledged events", n), func() bool { return tr.count() >= n })
}

// finish stops the senders and waits for their last answers.
func (tr *traffic) finish() {
	tr.stop.Store(true)
	tr.wg.Wait()
	tr.client.CloseIdleConnections()
}

func (tr *traffic) results() (acked, refused []string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return slices.Clone(tr.acked), slices.Clone(tr.refused)
}
