package admin_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/admin"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

// newAzureAdmin builds the admin as the controller does, from the Secret an operator writes
// for the namespace behind eh and from config-kafka (flavor azure plus kv).
func newAzureAdmin(t *testing.T, eh *kafkatest.EventHubs, kv ...string) admin.Admin {
	t.Helper()
	data := map[string]string{config.FlavorKey: "azure"}
	for i := 0; i+1 < len(kv); i += 2 {
		data[kv[i]] = kv[i+1]
	}
	kafkaCfg, err := config.NewKafkaFromMap(data)
	if err != nil {
		t.Fatal(err)
	}
	secret := map[string][]byte{
		client.BrokersKey:       []byte(strings.Join(eh.Addrs, ",")),
		client.ProtocolKey:      []byte(client.SASLSSL),
		client.SASLMechanismKey: []byte("PLAIN"),
		client.UserKey:          []byte(client.AzureUser),
		client.PasswordKey:      []byte(eh.ConnectionString),
		client.CACertKey:        eh.PKI.CAPEM,
	}
	return adminFromSecret(t, secret, kafkaCfg)
}

// partitionsOf maps each event hub of the namespace to its partition count.
func partitionsOf(t *testing.T, eh *kafkatest.EventHubs) map[string]int {
	t.Helper()
	out := map[string]int{}
	for name, d := range kafkatest.TopicsWith(t, eh.Addrs, eh.Config(t)) {
		out[name] = int(d.NumPartitions)
	}
	return out
}

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

func TestAzureTopicLifecycle(t *testing.T) {
	eh := kafkatest.StartEventHubs(t)
	a := newAzureAdmin(t, eh)
	if _, ok := a.(*admin.Azure); !ok {
		t.Fatalf("admin.New for flavor azure gave %T", a)
	}
	ctx := context.Background()
	// A replication factor of 3 on this one-broker endpoint would be refused, as would a
	// max.message.bytes on Event Hubs: the azure flavor asks for neither.
	spec := admin.TopicSpec{NumPartitions: 4, ReplicationFactor: 3, Retention: 2 * time.Hour, MaxMessageBytes: config.AzureMaxRecordBytes}

	if _, err := a.EnsureTopic(ctx, "ns.ch", spec); err != nil {
		t.Fatal(err)
	}
	p, c := describeWith(t, eh.Addrs, eh.Config(t), "ns.ch")
	if p != 4 || c["retention.ms"] != "7200000" || c["max.message.bytes"] == strconv.FormatInt(config.AzureMaxRecordBytes, 10) {
		t.Errorf("event hub has %d partitions, configs %v; want 4, retention.ms 7200000 and the default max.message.bytes", p, c)
	}
	if _, err := a.EnsureTopic(ctx, "ns.ch", spec); err != nil {
		t.Fatalf("second EnsureTopic: %v", err)
	}

	// Offsets live in the namespace as in Kafka.
	if ok, err := a.OffsetsInitialized(ctx, "kafka.ns.ch.sub", "ns.ch"); err != nil || ok {
		t.Errorf("fresh group: ready=%v err=%v, want not ready", ok, err)
	}

	if err := a.DeleteTopic(ctx, "ns.ch"); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteTopic(ctx, "ns.ch"); err != nil {
		t.Fatalf("deleting a missing event hub: %v", err)
	}
	if _, ok := partitionsOf(t, eh)["ns.ch"]; ok {
		t.Error("event hub still listed after DeleteTopic")
	}
}

func TestAzureLimits(t *testing.T) {
	week := 7 * 24 * time.Hour
	spec := func(partitions int32, retention time.Duration) admin.TopicSpec {
		return admin.TopicSpec{NumPartitions: partitions, ReplicationFactor: 1, Retention: retention}
	}
	tests := []struct {
		name   string
		config []string    // config-kafka keys besides flavor azure
		seed   []kfake.Opt // event hubs the namespace already has
		topic  string
		spec   admin.TopicSpec
		want   string
	}{{
		name: "partitions per event hub, standard",
		spec: spec(33, time.Hour),
		want: "33 partitions exceed the standard tier's 32 per event hub",
	}, {
		name:   "partitions per event hub, premium",
		config: []string{config.AzureTierKey, "premium"},
		spec:   spec(101, time.Hour),
		want:   "101 partitions exceed the premium tier's 100 per event hub",
	}, {
		name:   "partitions per event hub, dedicated",
		config: []string{config.AzureTierKey, "dedicated"},
		spec:   spec(1025, time.Hour),
		want:   "1025 partitions exceed the dedicated tier's 1024 per event hub",
	}, {
		name: "retention, standard",
		spec: spec(1, week+time.Hour),
		want: "a retention of 7.041666666666667 days exceeds the standard tier's maximum of 7 days",
	}, {
		name:   "retention, premium",
		config: []string{config.AzureTierKey, "premium"},
		spec:   spec(1, 91*24*time.Hour),
		want:   "a retention of 91 days exceeds the premium tier's maximum of 90 days",
	}, {
		name: "message size",
		spec: admin.TopicSpec{NumPartitions: 1, ReplicationFactor: 1, Retention: time.Hour, MaxMessageBytes: config.AzureMaxRecordBytes + 1},
		want: "records of up to 1000001 bytes exceed the 1000000 bytes Event Hubs takes",
	}, {
		name: "event hubs per namespace, standard",
		seed: []kfake.Opt{kfake.SeedTopics(1, names("hub", 10)...)},
		spec: spec(1, time.Hour),
		want: "the namespace already has 10 event hubs, the standard tier's maximum; delete one",
	}, {
		name:   "event hubs per namespace, premium with 1 processing unit",
		config: []string{config.AzureTierKey, "premium"},
		seed:   []kfake.Opt{kfake.SeedTopics(1, names("hub", 100)...)},
		spec:   spec(1, time.Hour),
		want:   "already has 100 event hubs, the premium tier's maximum for 1 capacity units (azure.capacity.units)",
	}, {
		name:   "partitions per namespace, premium with 1 processing unit",
		config: []string{config.AzureTierKey, "premium"},
		seed:   []kfake.Opt{kfake.SeedTopics(100, "hub0", "hub1")},
		spec:   spec(1, time.Hour),
		want:   "the namespace's event hubs would have 201 partitions, over the premium tier's 200 for 1 capacity units",
	}, {
		name:  "growing an event hub, standard",
		seed:  []kfake.Opt{kfake.SeedTopics(2, "ns.ch")},
		topic: "ns.ch",
		spec:  spec(4, time.Hour),
		want:  "the standard tier cannot add partitions to an existing event hub (it has 2, the channel asks for 4)",
	}, {
		name:   "growing an event hub past the namespace's partitions, premium",
		config: []string{config.AzureTierKey, "premium"},
		seed:   []kfake.Opt{kfake.SeedTopics(100, "hub0"), kfake.SeedTopics(99, "ns.ch"), kfake.SeedTopics(1, "hub1")},
		topic:  "ns.ch",
		spec:   spec(100, time.Hour),
		want:   "the namespace's event hubs would have 201 partitions, over the premium tier's 200",
	}, {
		name:  "event hub name",
		topic: "ns.ch-",
		spec:  spec(1, time.Hour),
		want:  "event hub names must start and end with a letter or digit",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eh := kafkatest.StartEventHubs(t, tc.seed...)
			a := newAzureAdmin(t, eh, tc.config...)
			topic := tc.topic
			if topic == "" {
				topic = "ns.new"
			}
			before := partitionsOf(t, eh)
			_, err := a.EnsureTopic(context.Background(), topic, tc.spec)
			if !errors.Is(err, admin.ErrEventHubsLimit) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), strconv.Quote(topic)) {
				t.Errorf("error %v, want an Event Hubs limit naming %q and saying %q", err, topic, tc.want)
			}
			if after := partitionsOf(t, eh); !maps.Equal(after, before) {
				t.Errorf("the namespace changed from %v to %v", before, after)
			}
		})
	}
}

// Within the quotas the same requests go through: the checks refuse only what they must.
func TestAzureWithinLimits(t *testing.T) {
	tests := []struct {
		name   string
		config []string
		seed   []kfake.Opt
		topic  string
		spec   admin.TopicSpec
		want   int // partitions of topic afterwards
	}{{
		name:  "an existing event hub in a full namespace",
		seed:  []kfake.Opt{kfake.SeedTopics(1, names("hub", 9)...), kfake.SeedTopics(2, "ns.ch")},
		topic: "ns.ch",
		spec:  admin.TopicSpec{NumPartitions: 2, ReplicationFactor: 1, Retention: time.Hour},
		want:  2,
	}, {
		name:   "premium grows an event hub",
		config: []string{config.AzureTierKey, "premium"},
		seed:   []kfake.Opt{kfake.SeedTopics(2, "ns.ch")},
		topic:  "ns.ch",
		spec:   admin.TopicSpec{NumPartitions: 4, ReplicationFactor: 1, Retention: time.Hour},
		want:   4,
	}, {
		name:   "premium with 2 processing units takes a 101st event hub",
		config: []string{config.AzureTierKey, "premium", config.AzureCapacityUnitsKey, "2"},
		seed:   []kfake.Opt{kfake.SeedTopics(1, names("hub", 100)...)},
		topic:  "ns.ch",
		spec:   admin.TopicSpec{NumPartitions: 100, ReplicationFactor: 1, Retention: 90 * 24 * time.Hour},
		want:   100,
	}, {
		name:  "standard at its maxima",
		seed:  []kfake.Opt{kfake.SeedTopics(1, names("hub", 9)...)},
		topic: "ns.ch",
		spec:  admin.TopicSpec{NumPartitions: 32, ReplicationFactor: 1, Retention: 7 * 24 * time.Hour, MaxMessageBytes: config.AzureMaxRecordBytes},
		want:  32,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eh := kafkatest.StartEventHubs(t, tc.seed...)
			a := newAzureAdmin(t, eh, tc.config...)
			if _, err := a.EnsureTopic(context.Background(), tc.topic, tc.spec); err != nil {
				t.Fatal(err)
			}
			if got := partitionsOf(t, eh)[tc.topic]; got != tc.want {
				t.Errorf("%s has %d partitions, want %d", tc.topic, got, tc.want)
			}
		})
	}
}

// The namespace is counted from metadata, which Event Hubs serves, not with ListTopics, which
// needs DescribeConfigs, which it has not always served: here DescribeConfigs closes the connection.
func TestAzureNeedsNoDescribeConfigs(t *testing.T) {
	eh := kafkatest.StartEventHubs(t, kfake.SeedTopics(1, names("hub", 9)...))
	a := newAzureAdmin(t, eh)
	eh.Cluster.ControlKey(int16(kmsg.DescribeConfigs), func(kmsg.Request) (kmsg.Response, error, bool) {
		eh.Cluster.KeepControl()
		return nil, errors.New("DescribeConfigs is not served"), true
	})
	ctx := context.Background()
	spec := admin.TopicSpec{NumPartitions: 1, ReplicationFactor: 1, Retention: time.Hour}
	if _, err := a.EnsureTopic(ctx, "ns.ch", spec); err != nil {
		t.Errorf("the 10th event hub: %v", err)
	}
	if _, err := a.EnsureTopic(ctx, "ns.more", spec); !errors.Is(err, admin.ErrEventHubsLimit) {
		t.Errorf("the 11th event hub: %v, want the limit error", err)
	}
}

// An event hub an operator created beforehand (in the portal, with the CLI or a template) is
// used as it is, even where the namespace refuses CreateTopics.
func TestAzurePreProvisionedEventHub(t *testing.T) {
	eh := kafkatest.StartEventHubs(t, kfake.SeedTopics(4, "ns.ch"))
	a := newAzureAdmin(t, eh)
	eh.Cluster.ControlKey(int16(kmsg.CreateTopics), func(kmsg.Request) (kmsg.Response, error, bool) {
		eh.Cluster.KeepControl()
		return nil, errors.New("CreateTopics is not served"), true
	})
	ctx := context.Background()
	if _, err := a.EnsureTopic(ctx, "ns.ch", admin.TopicSpec{NumPartitions: 2, ReplicationFactor: 1, Retention: time.Hour}); err != nil {
		t.Errorf("pre-provisioned event hub: %v", err)
	}
	// The control above is real: a new event hub cannot be created.
	if _, err := a.EnsureTopic(ctx, "ns.other", admin.TopicSpec{NumPartitions: 1, ReplicationFactor: 1, Retention: time.Hour}); err == nil {
		t.Error("created an event hub although CreateTopics is refused")
	}
}
