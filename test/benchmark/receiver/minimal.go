package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/IBM/sarama"

	"github.com/knative-kafka/knative-kafka/test/childproc"
)

// roleMinimal is the child that does the receiver's job with nothing but
// net/http and a SyncProducer configured as the receiver's: it reads the
// body, writes it to the topic named by the path with the request's Ce-*
// headers and Content-Type as record headers, and answers 202 on the ack.
// No routing to a channel, no validation, no metrics, no spans: the least
// code there is for this job, measured under the same load and in one
// process, as the receiver is, so that it batches as the receiver can.
const roleMinimal = "minimal"

type minimal struct {
	childproc.NoCommands
	url      string
	srv      *http.Server
	producer sarama.SyncProducer
}

func serveMinimal(raw []byte) (childproc.Server, error) {
	var brokers []string
	if err := json.Unmarshal(raw, &brokers); err != nil {
		return nil, err
	}
	cfg, err := rawConfig(brokers)
	if err != nil {
		return nil, err
	}
	producer, err := sarama.NewSyncProducer(brokers, cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = producer.Close()
		return nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		msg := &sarama.ProducerMessage{Topic: strings.TrimPrefix(r.URL.Path, "/"), Value: sarama.ByteEncoder(body)}
		for k, v := range r.Header {
			if name, ok := strings.CutPrefix(k, "Ce-"); ok || k == "Content-Type" {
				if !ok {
					name = "content-type"
				} else {
					name = "ce_" + strings.ToLower(name)
				}
				msg.Headers = append(msg.Headers, sarama.RecordHeader{Key: []byte(name), Value: []byte(v[0])})
			}
		}
		if _, _, err := producer.SendMessage(msg); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})}
	go func() { _ = srv.Serve(ln) }()
	return &minimal{url: "http://" + ln.Addr().String(), srv: srv, producer: producer}, nil
}

func (m *minimal) Addr() string { return m.url }

func (m *minimal) Close() {
	_ = m.srv.Shutdown(context.Background())
	_ = m.producer.Close()
}
