package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/IBM/sarama"

	"github.com/knative-kafka/knative-kafka/test/childproc"
)

// roleRaw is a child process that delivers a topic's records the plainest
// way: the baseline of the CPU runs.
const roleRaw = "raw"

// rawConfig is what a raw child consumes, and where it delivers.
type rawConfig struct {
	Brokers      []string
	Topic, Group string
	URL          string
}

// rawServer is a plain Sarama consumer group which, like Sarama's
// examples/consumergroup, reads each claimed partition in a goroutine of its
// own, POSTs each record to the subscriber as a binary-mode CloudEvent with a
// plain keep-alive net/http client, and marks it; offsets are autocommitted.
type rawServer struct {
	childproc.NoCommands
	cg     sarama.ConsumerGroup
	cancel context.CancelFunc
	done   chan struct{}
}

func serveRaw(raw []byte) (childproc.Server, error) {
	var cfg rawConfig
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, err
	}
	cg, err := sarama.NewConsumerGroup(cfg.Brokers, cfg.Group, rawConsumerConfig())
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &rawServer{cg: cg, cancel: cancel, done: make(chan struct{})}
	go logErrors(cg)
	go s.consume(ctx, cfg.Topic, &rawHandler{url: cfg.URL, client: keepAliveClient()})
	return s, nil
}

// rawConsumerConfig is the benchmark's Sarama config with what the
// dispatcher's consumerConfig sets that bears on consuming: errors returned,
// metadata of its own topic only, sticky balancing, autocommit every second.
// The group's starting offsets are committed before it starts (see
// commitStart), so Offsets.Initial does not matter.
func rawConsumerConfig() *sarama.Config {
	cfg := saramaConfig()
	cfg.Consumer.Return.Errors = true
	cfg.Metadata.Full = false
	cfg.Consumer.Offsets.AutoCommit.Enable = true
	cfg.Consumer.Offsets.AutoCommit.Interval = time.Second
	cfg.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategySticky()}
	return cfg
}

// keepAliveClient keeps a connection per partition alive: net/http keeps two
// per host by default, and the others would be closed after each request.
func keepAliveClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: t}
}

// consume is Sarama's consumer-group loop: Consume returns at every rebalance.
func (s *rawServer) consume(ctx context.Context, topic string, h sarama.ConsumerGroupHandler) {
	defer close(s.done)
	for ctx.Err() == nil {
		if err := s.cg.Consume(ctx, []string{topic}, h); errors.Is(err, sarama.ErrClosedConsumerGroup) {
			return
		} else if err != nil {
			fmt.Fprintln(os.Stderr, "raw consumer:", err)
			time.Sleep(time.Second)
		}
	}
}

func logErrors(cg sarama.ConsumerGroup) {
	for err := range cg.Errors() {
		fmt.Fprintln(os.Stderr, "raw consumer group:", err)
	}
}

func (s *rawServer) Addr() string { return "" }

// Close ends the session, which commits what was marked, and leaves the group.
func (s *rawServer) Close() {
	s.cancel()
	<-s.done
	_ = s.cg.Close()
}

type rawHandler struct {
	url    string
	client *http.Client
}

func (*rawHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (*rawHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

// ConsumeClaim delivers a partition's records one at a time, in order.
func (h *rawHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for {
		select {
		case msg, ok := <-claim.Messages():
			if !ok {
				return nil
			}
			if err := h.post(sess.Context(), msg); err != nil {
				if sess.Context().Err() != nil {
					return nil // cut short by the end of the session: not delivered, not marked
				}
				fmt.Fprintln(os.Stderr, "raw delivery:", err)
			}
			sess.MarkMessage(msg, "")
		case <-sess.Context().Done():
			return nil
		}
	}
}

// post sends a binary-mode record as a binary-mode HTTP CloudEvent: its
// ce_* headers become Ce-* headers, content-type Content-Type, its value the body.
func (h *rawHandler) post(ctx context.Context, msg *sarama.ConsumerMessage) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(msg.Value))
	if err != nil {
		return err
	}
	for _, hd := range msg.Headers {
		key := string(hd.Key)
		switch {
		case key == "content-type":
			req.Header.Set("Content-Type", string(hd.Value))
		case strings.HasPrefix(key, "ce_"):
			req.Header.Set("Ce-"+key[len("ce_"):], string(hd.Value))
		}
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("subscriber answered %s", resp.Status)
	}
	return nil
}
