// Package config parses the config-kafka ConfigMap, the one source of Kafka
// settings shared by the controller, webhook, receiver and dispatcher.
package config

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/IBM/sarama"
	"github.com/rickb777/date/period"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// ConfigMapName is the name of the ConfigMap in the system namespace.
const ConfigMapName = "config-kafka"

// Keys of config-kafka.
const (
	FlavorKey            = "flavor"
	NumPartitionsKey     = "default.num.partitions"
	ReplicationFactorKey = "default.replication.factor"
	RetentionKey         = "default.retention.duration"
	TopicTemplateKey     = "topic.name.template"
	TopicDeletePolicyKey = "topic.delete.policy"
	MaxEventBytesKey     = "max.event.bytes"
	CustomEndpointKey    = "custom.topic.endpoint"
	SaramaKey            = "sarama"
	DeliveryTimeoutKey   = "default.delivery.timeout"
	WindowMaxEventsKey   = "unordered.window.max.events"
	WindowMaxBytesKey    = "unordered.window.max.bytes"
	MinInSyncReplicasKey = "topic.min.insync.replicas"
	OffsetsCopyFromKey   = "offsets.copy.from"
)

// OffsetsSource names the consumer groups of another KafkaChannel
// implementation whose committed offsets a subscriber without any of its own
// starts from (see OffsetsCopyFromKey).
type OffsetsSource string

// The supported sources of offsets to copy.
const (
	// OffsetsFromNone copies nothing: a new subscriber starts at the tail.
	OffsetsFromNone OffsetsSource = ""
	// OffsetsFromDistributed is eventing-kafka's distributed KafkaChannel,
	// whose subscriber groups are kafka.<subscription UID>.
	OffsetsFromDistributed OffsetsSource = "distributed"
)

// Flavor selects how topics are managed.
type Flavor string

// The supported flavors.
const (
	FlavorKafka  Flavor = "kafka"
	FlavorAzure  Flavor = "azure"
	FlavorCustom Flavor = "custom"
)

// TopicDeletePolicy says what happens to a channel's topic when the channel is deleted.
type TopicDeletePolicy string

// The supported topic delete policies.
const (
	TopicDelete TopicDeletePolicy = "delete"
	TopicRetain TopicDeletePolicy = "retain"
)

// Built-in fallbacks, used for keys config-kafka leaves out.
const (
	DefaultNumPartitions     int32 = 1
	DefaultReplicationFactor int16 = 1
	DefaultRetention               = "PT168H"
	DefaultTopicTemplate           = "{{.Namespace}}.{{.Name}}"
	// DefaultMaxEventBytes matches Kafka's default message.max.bytes (1 MiB). The azure
	// flavor's default is smaller: what fits in an Event Hubs record.
	DefaultMaxEventBytes int64 = 1 << 20
	// DefaultDeliveryTimeout bounds one attempt to a subscriber, reply or dead-letter
	// sink when neither the Subscription nor the channel sets delivery.timeout: long
	// for an HTTP request, short enough that a subscriber that never answers holds
	// an ordered partition for timeout x attempts, not forever.
	DefaultDeliveryTimeout = 30 * time.Second
	// DefaultWindowMaxEvents matches the largest in-flight limit of the unordered
	// mode ("unordered:1000"), so that the window never caps the concurrency a
	// channel asks for, while one stuck event holds back at most this many.
	DefaultWindowMaxEvents = 1000
	// DefaultWindowMaxBytes lets the default 16 events in flight be of the default
	// max.event.bytes (1 MiB) each, and bounds what a partition redelivers after a
	// crash, and holds in memory, to 16 MiB.
	DefaultWindowMaxBytes int64 = 16 << 20
	// DefaultMinInSyncReplicas makes acks=all mean two replicas at least, so that
	// the loss of one broker never loses an event the receiver answered 202 for.
	// A topic gets at most its replication factor.
	DefaultMinInSyncReplicas int16 = 2
)

// RecordHeadroom is what the CloudEvents Kafka binding adds to an event's body (ce_* headers,
// key): a record may be this much larger than max.event.bytes.
const RecordHeadroom = 64 << 10

// MaxRecordBytes is the largest record an accepted event can make. Topics are created to
// take it, so that an event the receiver admits is never refused by the broker.
func (k *Kafka) MaxRecordBytes() int64 {
	return k.MaxEventBytes + RecordHeadroom
}

// ChannelDefaults are the topic shape given to a KafkaChannel that does not set it.
type ChannelDefaults struct {
	NumPartitions     int32
	ReplicationFactor int16
	RetentionDuration string
}

// Kafka is the parsed content of config-kafka.
type Kafka struct {
	Flavor            Flavor
	Defaults          ChannelDefaults
	TopicTemplate     *template.Template
	TopicDeletePolicy TopicDeletePolicy
	// MaxEventBytes bounds a request body at the receiver; keep it at or below
	// the topic's max.message.bytes so a 202 is never promised for an event Kafka refuses.
	MaxEventBytes int64
	// CustomEndpoint is the base URL of the topic-management sidecar of the custom flavor.
	CustomEndpoint string
	// Azure describes the Event Hubs namespace of the azure flavor.
	Azure Azure
	// Sarama holds optional Sarama overrides as YAML, applied by the client config builder.
	Sarama string
	// Dispatcher shapes the dispatcher Deployments and their Kafka buffers.
	Dispatcher Dispatcher
	// DeliveryTimeout is the per-attempt timeout of deliveries whose Subscription
	// and channel leave delivery.timeout unset.
	DeliveryTimeout time.Duration
	// MinInSyncReplicas is the min.insync.replicas of the topics created, capped
	// at each topic's replication factor.
	MinInSyncReplicas int16
	// Window bounds the events of a partition that the dispatcher has read but not
	// yet marked (see Window).
	Window Window
	// OffsetsCopyFrom is where a subscriber's partitions without a committed
	// offset take one from, before anything else: a migration aid.
	OffsetsCopyFrom OffsetsSource
}

// Window bounds the window of a partition in unordered delivery: the events
// from the oldest one not yet done to the newest one read. When either limit is
// reached, the dispatcher stops reading the partition until the oldest event is
// done; everything in the window is what a crash redelivers.
type Window struct {
	MaxEvents int
	// MaxBytes counts the records' keys, values and headers.
	MaxBytes int64
}

// Default is config-kafka with every key left out.
func Default() *Kafka {
	k, err := NewKafkaFromMap(nil)
	if err != nil {
		panic(err) // the built-in defaults are valid by construction
	}
	return k
}

// NewKafkaFromConfigMap parses config-kafka; it is the constructor configmap watchers use.
func NewKafkaFromConfigMap(cm *corev1.ConfigMap) (*Kafka, error) {
	if cm == nil {
		return Default(), nil
	}
	k, err := NewKafkaFromMap(cm.Data)
	if err != nil {
		return nil, fmt.Errorf("ConfigMap %s/%s: %w", cm.Namespace, cm.Name, err)
	}
	return k, nil
}

// NewKafkaFromMap parses config-kafka's data; a bad value is an error naming its key.
func NewKafkaFromMap(data map[string]string) (*Kafka, error) {
	p := parser{data: data}
	k := &Kafka{
		Flavor: Flavor(p.str(FlavorKey, string(FlavorKafka))),
		Defaults: ChannelDefaults{
			NumPartitions:     int32(p.positive(NumPartitionsKey, int64(DefaultNumPartitions), 1<<31-1)),
			ReplicationFactor: int16(p.positive(ReplicationFactorKey, int64(DefaultReplicationFactor), 1<<15-1)),
			RetentionDuration: p.str(RetentionKey, DefaultRetention),
		},
		TopicDeletePolicy: TopicDeletePolicy(p.str(TopicDeletePolicyKey, string(TopicDelete))),
		CustomEndpoint:    p.str(CustomEndpointKey, ""),
		Azure:             parseAzure(&p),
		Sarama:            p.str(SaramaKey, ""),
		Dispatcher:        parseDispatcher(&p),
		DeliveryTimeout:   p.duration(DeliveryTimeoutKey, DefaultDeliveryTimeout),
		MinInSyncReplicas: int16(p.positive(MinInSyncReplicasKey, int64(DefaultMinInSyncReplicas), 1<<15-1)),
		Window: Window{
			MaxEvents: int(p.positive(WindowMaxEventsKey, DefaultWindowMaxEvents, 1_000_000)),
			MaxBytes:  p.positive(WindowMaxBytesKey, DefaultWindowMaxBytes, 1<<40),
		},
		OffsetsCopyFrom: OffsetsSource(p.str(OffsetsCopyFromKey, string(OffsetsFromNone))),
	}
	k.MaxEventBytes = p.positive(MaxEventBytesKey, k.defaultMaxEventBytes(), 1<<62)
	p.check(validFlavor(k.Flavor), FlavorKey)
	p.check(validPolicy(k.TopicDeletePolicy), TopicDeletePolicyKey)
	p.check(validOffsetsSource(k.OffsetsCopyFrom), OffsetsCopyFromKey)
	p.check(validSarama(k), SaramaKey)
	retention, err := ParseRetention(k.Defaults.RetentionDuration)
	if err != nil {
		p.fail(RetentionKey, err)
	}
	if k.Flavor == FlavorCustom && k.CustomEndpoint == "" {
		p.fail(CustomEndpointKey, fmt.Errorf("required by flavor %q", FlavorCustom))
	}
	if k.Flavor == FlavorAzure {
		k.checkAzureDefaults(&p, retention)
	}
	tmpl, err := ParseTopicTemplate(p.str(TopicTemplateKey, DefaultTopicTemplate))
	if err != nil {
		p.fail(TopicTemplateKey, err)
	}
	k.TopicTemplate = tmpl
	return k, p.err
}

// ApplySarama applies the "sarama" key to cfg: YAML whose keys are sarama.Config
// field names, e.g. "Net: {DialTimeout: 5000000000}". Durations are in
// nanoseconds (strings such as "5s" do not decode); codecs such as
// Producer.Compression take their names ("snappy").
func (k *Kafka) ApplySarama(cfg *sarama.Config) error {
	if k.Sarama == "" {
		return nil
	}
	return yaml.Unmarshal([]byte(k.Sarama), cfg)
}

// validSarama tries the overrides on Sarama's defaults, so that overrides no
// client could use are refused with config-kafka (by the webhook, and by the
// components, which keep the last valid config-kafka) rather than reported
// later as a problem of the Kafka Secret.
func validSarama(k *Kafka) error {
	cfg := sarama.NewConfig()
	if err := k.ApplySarama(cfg); err != nil {
		return err
	}
	// Sarama skips, with only an error on the consumer's channel, a record it
	// cannot fetch whole within Consumer.Fetch.Max: an accepted event would be
	// lost to every subscriber.
	if fetchMax := int64(cfg.Consumer.Fetch.Max); fetchMax > 0 && fetchMax < k.MaxRecordBytes() {
		return fmt.Errorf("Consumer.Fetch.Max %d is below the largest record an accepted event makes (%d: %s plus %d bytes of headers); "+
			"the dispatcher would skip such records: leave it 0 (no limit) or raise it", fetchMax, k.MaxRecordBytes(), MaxEventBytesKey, RecordHeadroom)
	}
	return cfg.Validate()
}

// ParseRetention reads an ISO-8601 duration such as PT168H; it must be positive.
func ParseRetention(s string) (time.Duration, error) {
	return parseDuration(s, "PT168H")
}

// parseDuration reads a positive ISO-8601 duration; example is named in the error.
func parseDuration(s, example string) (time.Duration, error) {
	pd, err := period.Parse(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not an ISO-8601 duration such as %s: %w", s, example, err)
	}
	d, _ := pd.Duration()
	if d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration", s)
	}
	return d, nil
}

// ParseTopicTemplate parses and trial-runs a topic name template.
func ParseTopicTemplate(s string) (*template.Template, error) {
	t, err := template.New("topic").Option("missingkey=error").Parse(s)
	if err != nil {
		return nil, err
	}
	if err := topicPerChannel(t); err != nil {
		return nil, err
	}
	return t, nil
}

// channelsToTellApart are channels (namespace, name) that a topic template
// must give distinct topics: a template that leaves out the namespace or the
// name, or joins them ambiguously ("-" is in both), would have channels share
// a topic, read each other's events and delete it under each other.
var channelsToTellApart = [][2]string{
	{"namespace", "name"}, {"other", "name"}, {"namespace", "other"},
	{"a-b", "c"}, {"a", "b-c"}, {"c", "a-b"}, {"b-c", "a"},
}

// topicPerChannel trial-runs the template on channelsToTellApart.
func topicPerChannel(t *template.Template) error {
	seen := make(map[string][2]string, len(channelsToTellApart))
	for _, ch := range channelsToTellApart {
		topic, err := renderTopic(t, ch[0], ch[1])
		if err != nil {
			return err
		}
		if prev, ok := seen[topic]; ok {
			return fmt.Errorf("channels %s/%s and %s/%s would share topic %q: use both {{.Namespace}} and {{.Name}}, separated by a dot",
				prev[0], prev[1], ch[0], ch[1], topic)
		}
		seen[topic] = ch
	}
	return nil
}

// TopicName renders the topic name of a channel.
func (k *Kafka) TopicName(namespace, name string) (string, error) {
	return renderTopic(k.TopicTemplate, namespace, name)
}

func renderTopic(t *template.Template, namespace, name string) (string, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, struct{ Namespace, Name string }{namespace, name}); err != nil {
		return "", fmt.Errorf("rendering topic name: %w", err)
	}
	topic := b.String()
	if err := ValidTopicName(topic); err != nil {
		return "", err
	}
	return topic, nil
}

// ValidTopicName applies Kafka's rules for topic names.
func ValidTopicName(topic string) error {
	if topic == "" || topic == "." || topic == ".." || len(topic) > 249 {
		return fmt.Errorf("topic name %q must be 1 to 249 characters and not '.' or '..'", topic)
	}
	for _, r := range topic {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("topic name %q may only hold ASCII letters, digits, '.', '_' and '-'", topic)
		}
	}
	return nil
}

func validFlavor(f Flavor) error {
	switch f {
	case FlavorKafka, FlavorAzure, FlavorCustom:
		return nil
	}
	return fmt.Errorf("unknown flavor %q, want one of kafka, azure, custom", f)
}

func validPolicy(p TopicDeletePolicy) error {
	switch p {
	case TopicDelete, TopicRetain:
		return nil
	}
	return fmt.Errorf("unknown policy %q, want delete or retain", p)
}

func validOffsetsSource(s OffsetsSource) error {
	switch s {
	case OffsetsFromNone, OffsetsFromDistributed:
		return nil
	}
	return fmt.Errorf("unknown source %q, want %q or nothing", s, OffsetsFromDistributed)
}

// parser collects the first error so that one bad key is reported by name.
type parser struct {
	data map[string]string
	err  error
}

func (p *parser) str(key, def string) string {
	if v, ok := p.data[key]; ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	return def
}

func (p *parser) positive(key string, def, max int64) int64 {
	s := p.str(key, "")
	if s == "" {
		return def
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > max {
		p.fail(key, fmt.Errorf("%q is not an integer between 1 and %d", s, max))
		return def
	}
	return n
}

func (p *parser) duration(key string, def time.Duration) time.Duration {
	s := p.str(key, "")
	if s == "" {
		return def
	}
	d, err := parseDuration(s, "PT30S")
	if err != nil {
		p.fail(key, err)
		return def
	}
	return d
}

func (p *parser) check(err error, key string) {
	if err != nil {
		p.fail(key, err)
	}
}

func (p *parser) fail(key string, err error) {
	if p.err == nil {
		p.err = fmt.Errorf("invalid %s: %w", key, err)
	}
}
