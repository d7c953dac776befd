package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/IBM/sarama"
)

// CustomRequestTimeout bounds one call to the topic sidecar, so that a hung
// sidecar fails a reconcile (which is retried) instead of blocking a worker.
const CustomRequestTimeout = 30 * time.Second

// maxReasonBytes caps how much of an error body is quoted in an error: enough
// for a human-readable reason, not enough to flood a condition message or a log.
const maxReasonBytes = 4 << 10

// CustomTopic is the JSON body of the custom flavor's topic resource.
type CustomTopic struct {
	NumPartitions     int32 `json:"numPartitions"`
	ReplicationFactor int16 `json:"replicationFactor"`
	RetentionMs       int64 `json:"retentionMs"`
}

// Custom is the TopicAdmin and SubscriberProber of the "custom" flavor: topics
// are created and deleted by an operator-provided HTTP service (a sidecar),
// while the events themselves, and consumer-group offsets, stay in Kafka.
//
// # The topic sidecar contract
//
// The service's base URL is config-kafka's "custom.topic.endpoint" (for example
// "http://localhost:8090" or "https://topics.example.com/api"); a trailing slash
// is ignored. {name} below is the Kafka topic name, path-escaped (RFC 3986, as
// Go's url.PathEscape does). Every request carries "Accept: application/json";
// requests with a body carry "Content-Type: application/json". The body is:
//
//	{"numPartitions": <int32>, "replicationFactor": <int16>, "retentionMs": <int64>}
//
// where retentionMs is the topic's retention.ms in milliseconds.
//
//   - PUT {endpoint}/topics/{name} with that body: make sure the topic exists
//     with at least numPartitions partitions. It must be idempotent: an
//     existing topic is success, and the service grows its partitions if it has
//     fewer (it never shrinks a topic, and does not need to change the
//     replication factor or retention of an existing topic). 200, 201 or 204
//     means the topic now exists with at least that many partitions; 201 says
//     this request created it, and only a topic so created is deleted with its
//     channel (200 and 204: it existed, the channel adopts it and leaves it).
//   - DELETE {endpoint}/topics/{name}: delete the topic. 200, 202 or 204 means
//     it is deleted (or its deletion is under way); 404 means it does not exist,
//     which is also success, since deletion is idempotent.
//   - GET {endpoint}/topics/{name}: 200 with the same JSON body describing the
//     topic as it is (numPartitions is its current partition count), or 404 when
//     it does not exist.
//
// Any other status (any other 2xx/3xx, every 4xx and 5xx) is a failure, and
// the response body, as plain text, is the reason: it is quoted in the error
// (first 4 KiB), which ends up in the KafkaChannel's TopicReady condition and
// the controller's log, together with the method, URL and status. Redirects
// are followed as Go's net/http does. Each request times out after 30 seconds;
// the controller retries failures with backoff.
//
// Consumer groups are Kafka's own business in every flavor, so
// OffsetsInitialized reads the group offsets and the partition count from the
// Kafka brokers (the sidecar's GET reports the same partition count; Describe
// reads it, for tools and tests), and the groups of subscribers that left are
// deleted there too: the sidecar has no part in it.
type Custom struct {
	endpoint string
	http     *http.Client
	kafka    *Kafka
}

var _ Admin = (*Custom)(nil)

// NewCustom validates the sidecar's base URL and connects to the Kafka brokers
// that hold the topics' data and consumer groups.
func NewCustom(endpoint string, brokers []string, cfg *sarama.Config) (*Custom, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("custom topic endpoint %q is not an absolute http(s) URL", endpoint)
	}
	k, err := NewKafka(brokers, cfg)
	if err != nil {
		return nil, err
	}
	return &Custom{
		endpoint: strings.TrimRight(endpoint, "/"),
		http:     &http.Client{Timeout: CustomRequestTimeout},
		kafka:    k,
	}, nil
}

// EnsureTopic implements TopicAdmin with PUT {endpoint}/topics/{name}.
func (c *Custom) EnsureTopic(ctx context.Context, topic string, spec TopicSpec) (bool, error) {
	body, err := json.Marshal(CustomTopic{
		NumPartitions:     spec.NumPartitions,
		ReplicationFactor: spec.ReplicationFactor,
		RetentionMs:       spec.Retention.Milliseconds(),
	})
	if err != nil {
		return false, fmt.Errorf("creating topic %q: %w", topic, err)
	}
	resp, err := c.do(ctx, http.MethodPut, topic, body)
	if err != nil {
		return false, fmt.Errorf("creating topic %q: %w", topic, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusCreated:
		return true, nil
	case http.StatusOK, http.StatusNoContent:
		return false, nil
	}
	return false, fmt.Errorf("creating topic %q: %w", topic, c.statusErr(resp))
}

// DeleteTopic implements TopicAdmin with DELETE {endpoint}/topics/{name}.
func (c *Custom) DeleteTopic(ctx context.Context, topic string) error {
	resp, err := c.do(ctx, http.MethodDelete, topic, nil)
	if err != nil {
		return fmt.Errorf("deleting topic %q: %w", topic, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusAccepted, http.StatusNoContent, http.StatusNotFound:
		return nil
	}
	return fmt.Errorf("deleting topic %q: %w", topic, c.statusErr(resp))
}

// Describe reads the topic with GET {endpoint}/topics/{name}; found is false
// (and the error nil) when the sidecar answers 404.
func (c *Custom) Describe(ctx context.Context, topic string) (t CustomTopic, found bool, err error) {
	resp, err := c.do(ctx, http.MethodGet, topic, nil)
	if err != nil {
		return t, false, fmt.Errorf("describing topic %q: %w", topic, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return t, false, nil
	default:
		return t, false, fmt.Errorf("describing topic %q: %w", topic, c.statusErr(resp))
	}
	if err := json.NewDecoder(resp.Body).Decode(&t); err != nil {
		return t, false, fmt.Errorf("describing topic %q: GET %s: decoding the answer: %w", topic, c.topicURL(topic), err)
	}
	return t, true, nil
}

// OffsetsInitialized implements SubscriberProber on Kafka: offsets live in the
// brokers whatever manages the topics.
func (c *Custom) OffsetsInitialized(ctx context.Context, group, topic string) (bool, error) {
	return c.kafka.OffsetsInitialized(ctx, group, topic)
}

// Lag implements LagReader on Kafka.
func (c *Custom) Lag(ctx context.Context, topic string, groups []string) (map[string]map[int32]int64, error) {
	return c.kafka.Lag(ctx, topic, groups)
}

// ConsumerGroups implements GroupAdmin on Kafka.
func (c *Custom) ConsumerGroups(ctx context.Context, match func(string) bool) ([]string, error) {
	return c.kafka.ConsumerGroups(ctx, match)
}

// DeleteConsumerGroup implements GroupAdmin on Kafka.
func (c *Custom) DeleteConsumerGroup(ctx context.Context, group string) error {
	return c.kafka.DeleteConsumerGroup(ctx, group)
}

// Close implements TopicAdmin; it closes the Kafka connection. Idle HTTP
// connections are released too, so a replaced admin (rotated settings) does
// not keep sockets to the sidecar open.
func (c *Custom) Close() error {
	c.http.CloseIdleConnections()
	return c.kafka.Close()
}

func (c *Custom) topicURL(topic string) string {
	return c.endpoint + "/topics/" + url.PathEscape(topic)
}

// do sends one request; a transport failure (refused, timeout, cancelled)
// is returned with the method and URL so the operator knows which sidecar failed.
func (c *Custom) do(ctx context.Context, method, topic string, body []byte) (*http.Response, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	u := c.topicURL(topic)
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, u, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// Client.Do's *url.Error already names the method and URL; do not repeat them.
		return nil, fmt.Errorf("custom topic endpoint %s: %w", c.endpoint, err)
	}
	return resp, nil
}

// statusErr turns an unexpected answer into an error that quotes the
// sidecar's reason, which is all an operator has to go on.
func (c *Custom) statusErr(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxReasonBytes))
	reason := strings.TrimSpace(string(b))
	if reason == "" {
		reason = "(no reason given)"
	}
	return fmt.Errorf("custom topic endpoint %s: %s %s: %s: %s",
		c.endpoint, resp.Request.Method, resp.Request.URL, resp.Status, reason)
}
