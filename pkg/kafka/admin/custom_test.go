package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/admin"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

// sidecar is a real topic sidecar: it implements the custom flavor's REST
// contract on top of Kafka's admin API (kfake here), so that the tests prove
// the contract is enough to get a real topic of the right shape.
type sidecar struct {
	ca sarama.ClusterAdmin
	mu sync.Mutex // one admin operation at a time, as a simple sidecar would do
}

func startSidecar(t *testing.T, addrs []string) *httptest.Server {
	t.Helper()
	ca, err := sarama.NewClusterAdmin(addrs, kafkatest.Config())
	if err != nil {
		t.Fatal(err)
	}
	s := &sidecar{ca: ca}
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /topics/{name}", s.put)
	mux.HandleFunc("DELETE /topics/{name}", s.delete)
	mux.HandleFunc("GET /topics/{name}", s.get)
	srv := httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(func() {
		srv.Close()
		ca.Close()
	})
	return srv
}

func (s *sidecar) put(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := r.PathValue("name")
	var body admin.CustomTopic
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, "bad JSON: "+err.Error(), http.StatusBadRequest)
		return
	}
	retention := strconv.FormatInt(body.RetentionMs, 10)
	err := s.ca.CreateTopic(name, &sarama.TopicDetail{
		NumPartitions:     body.NumPartitions,
		ReplicationFactor: body.ReplicationFactor,
		ConfigEntries:     map[string]*string{"retention.ms": &retention},
	}, false)
	if err == nil {
		w.WriteHeader(http.StatusCreated)
		return
	}
	if !errors.Is(err, sarama.ErrTopicAlreadyExists) {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	have, err := s.partitions(name)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if have < body.NumPartitions {
		if err := s.ca.CreatePartitions(name, body.NumPartitions, nil, false); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

func (s *sidecar) delete(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.ca.DeleteTopic(r.PathValue("name"))
	switch {
	case err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, sarama.ErrUnknownTopicOrPartition):
		http.Error(w, "no such topic", http.StatusNotFound)
	default:
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func (s *sidecar) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := r.PathValue("name")
	md, err := s.ca.DescribeTopics([]string{name})
	if err == nil && len(md) == 1 && errors.Is(md[0].Err, sarama.ErrUnknownTopicOrPartition) {
		http.Error(w, "no such topic", http.StatusNotFound)
		return
	}
	if err != nil || len(md) != 1 || !errors.Is(md[0].Err, sarama.ErrNoError) || len(md[0].Partitions) == 0 {
		http.Error(w, fmt.Sprintf("describing %s: %v %v", name, err, md), http.StatusInternalServerError)
		return
	}
	entries, err := s.ca.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: name, ConfigNames: []string{"retention.ms"}})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	out := admin.CustomTopic{
		NumPartitions:     int32(len(md[0].Partitions)),
		ReplicationFactor: int16(len(md[0].Partitions[0].Replicas)),
	}
	for _, e := range entries {
		if e.Name == "retention.ms" {
			out.RetentionMs, _ = strconv.ParseInt(e.Value, 10, 64)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func (s *sidecar) partitions(name string) (int32, error) {
	md, err := s.ca.DescribeTopics([]string{name})
	if err != nil {
		return 0, err
	}
	if len(md) != 1 || !errors.Is(md[0].Err, sarama.ErrNoError) {
		return 0, fmt.Errorf("describing %s: %v", name, md)
	}
	return int32(len(md[0].Partitions)), nil
}

// newCustomAdmin builds the admin the way the controller does: Settings from
// the Secret's data and config-kafka, then the factory.
func newCustomAdmin(t *testing.T, brokers []string, endpoint string) admin.Admin {
	t.Helper()
	kafkaCfg, err := config.NewKafkaFromMap(map[string]string{"flavor": "custom", "custom.topic.endpoint": endpoint})
	if err != nil {
		t.Fatal(err)
	}
	return adminFromSecret(t, map[string][]byte{"brokers": []byte(strings.Join(brokers, ","))}, kafkaCfg)
}

// adminFromSecret builds an admin as the controller does: Settings from the Secret's
// data and config-kafka, then the factory. It is closed when the test ends.
func adminFromSecret(t *testing.T, secret map[string][]byte, kafkaCfg *config.Kafka) admin.Admin {
	t.Helper()
	settings, err := client.NewSettings(secret, kafkaCfg, "test")
	if err != nil {
		t.Fatal(err)
	}
	a, err := admin.New(settings, kafkaCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func TestCustomTopicLifecycle(t *testing.T) {
	b := kafkatest.Start(t)
	srv := startSidecar(t, b.Addrs)
	a := newCustomAdmin(t, b.Addrs, srv.URL+"/") // a trailing slash in config must not double up
	if _, ok := a.(*admin.Custom); !ok {
		t.Fatalf("admin.New for flavor custom gave %T", a)
	}
	ctx := context.Background()
	spec := admin.TopicSpec{NumPartitions: 3, ReplicationFactor: 1, Retention: 2 * time.Hour}

	// 201: this call created the topic, so its channel may delete it.
	if created, err := a.EnsureTopic(ctx, "ns.ch", spec); err != nil || !created {
		t.Fatalf("EnsureTopic: created %v, %v; want true, no error", created, err)
	}
	if p, c := describe(t, b.Addrs, "ns.ch"); p != 3 || c["retention.ms"] != "7200000" {
		t.Errorf("topic has %d partitions, retention.ms %q; want 3 and 7200000", p, c["retention.ms"])
	}
	// The GET side of the contract reports the same shape.
	got, found, err := a.(*admin.Custom).Describe(ctx, "ns.ch")
	if want := (admin.CustomTopic{NumPartitions: 3, ReplicationFactor: 1, RetentionMs: 7200000}); err != nil || !found || got != want {
		t.Errorf("Describe = %+v, %v, %v; want %+v, true, nil", got, found, err, want)
	}

	// Idempotent: the sidecar answers 200 for an existing topic, which changes nothing.
	if created, err := a.EnsureTopic(ctx, "ns.ch", spec); err != nil || created {
		t.Fatalf("second EnsureTopic: created %v, %v; want false (the topic existed), no error", created, err)
	}
	if p, _ := describe(t, b.Addrs, "ns.ch"); p != 3 {
		t.Errorf("after second call: %d partitions, want 3", p)
	}

	spec.NumPartitions = 5
	if _, err := a.EnsureTopic(ctx, "ns.ch", spec); err != nil {
		t.Fatalf("growing: %v", err)
	}
	if p, _ := describe(t, b.Addrs, "ns.ch"); p != 5 {
		t.Errorf("after growing: %d partitions, want 5", p)
	}

	// Consumer groups are read from Kafka, not from the sidecar.
	if ok, err := a.OffsetsInitialized(ctx, "fresh-group", "ns.ch"); err != nil || ok {
		t.Errorf("fresh group: ready=%v err=%v, want not ready", ok, err)
	}
	commit(t, b.Addrs, "g1", "ns.ch", 0, 1, 2, 3, 4)
	if ok, err := a.OffsetsInitialized(ctx, "g1", "ns.ch"); err != nil || !ok {
		t.Errorf("all partitions committed: ready=%v err=%v, want ready", ok, err)
	}

	if err := a.DeleteTopic(ctx, "ns.ch"); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteTopic(ctx, "ns.ch"); err != nil {
		t.Fatalf("deleting a missing topic (sidecar says 404): %v", err)
	}
	if _, found, err := a.(*admin.Custom).Describe(ctx, "ns.ch"); err != nil || found {
		t.Errorf("Describe after delete: found=%v err=%v, want not found", found, err)
	}
	if _, ok := kafkatest.Topics(t, b.Addrs)["ns.ch"]; ok {
		t.Error("topic still in Kafka after DeleteTopic")
	}
}

func TestCustomSidecarErrorIsClear(t *testing.T) {
	b := kafkatest.Start(t)
	var mu sync.Mutex
	var uris []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		uris = append(uris, r.Method+" "+r.RequestURI)
		mu.Unlock()
		http.Error(w, "quota of 10 topics exceeded for team-a", http.StatusInternalServerError)
	}))
	defer srv.Close()
	a := newCustomAdmin(t, b.Addrs, srv.URL)
	ctx := context.Background()

	_, err := a.EnsureTopic(ctx, "team-a.ch", admin.TopicSpec{NumPartitions: 1, ReplicationFactor: 1, Retention: time.Hour})
	if err == nil {
		t.Fatal("EnsureTopic succeeded on a 500")
	}
	t.Log(err) // what an operator reads in TopicReady
	for _, want := range []string{"quota of 10 topics exceeded for team-a", srv.URL, "PUT", "500", `"team-a.ch"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	err = a.DeleteTopic(ctx, "team-a.ch")
	if err == nil || !strings.Contains(err.Error(), "quota of 10") || !strings.Contains(err.Error(), "DELETE") {
		t.Errorf("DeleteTopic on a 500: %v", err)
	}

	// Topic names are path-escaped, so a name can never address another resource.
	_ = a.DeleteTopic(ctx, "a/b c")
	mu.Lock()
	defer mu.Unlock()
	if last := uris[len(uris)-1]; last != "DELETE /topics/a%2Fb%20c" {
		t.Errorf("request line %q, want the name path-escaped", last)
	}
}

func TestCustomUnreachableEndpointIsClear(t *testing.T) {
	b := kafkatest.Start(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	endpoint := srv.URL
	srv.Close() // nothing listens there any more
	a := newCustomAdmin(t, b.Addrs, endpoint)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := a.EnsureTopic(ctx, "ns.ch", admin.TopicSpec{NumPartitions: 1, ReplicationFactor: 1, Retention: time.Hour})
	if err == nil {
		t.Fatal("EnsureTopic succeeded against a closed endpoint")
	}
	t.Log(err)
	for _, want := range []string{endpoint, "Put", "/topics/ns.ch"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestCustomRejectsBadEndpoint(t *testing.T) {
	b := kafkatest.Start(t)
	_, err := admin.NewCustom("localhost:8090", b.Addrs, kafkatest.Config())
	if err == nil || !strings.Contains(err.Error(), "localhost:8090") {
		t.Errorf("a URL without scheme: %v, want an error naming it", err)
	}
}
