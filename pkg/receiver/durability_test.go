package receiver

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestBrokerOutage: while Kafka is down every request gets a 5xx, never a
// 202; once it is back, requests succeed, and every acknowledged event is in
// the topic exactly once.
func TestBrokerOutage(t *testing.T) {
	port, dir := freePort(t), t.TempDir()
	start := func() *kafkatest.Broker {
		return kafkatest.Start(t, kfake.Ports(port), kfake.DataDir(dir), kfake.SeedTopics(partitions, testTopic))
	}
	broker := start()
	r := startReceiver(t, testOptions{lister: channelLister(t, readyChannel(testNS, testChannel, testTopic)), brokers: broker.Addrs, waitReady: true})
	var acked []string
	send := func(id string) int {
		resp := mustDo(t, binaryEvent(t, r.channelURL(), id, nil, "{}"))
		if resp.StatusCode == http.StatusAccepted {
			acked = append(acked, id)
		}
		return resp.StatusCode
	}
	if got := send("before"); got != http.StatusAccepted {
		t.Fatalf("before the outage: status = %d, want 202", got)
	}

	broker.Cluster.Close()
	for i := range 5 {
		if got := send(fmt.Sprint("down-", i)); got < 500 {
			t.Errorf("broker down: status = %d, want 5xx", got)
		}
	}

	broker = start()
	i := 0
	eventually(t, "a 202 after the broker returned", func() bool {
		i++
		return send(fmt.Sprint("after-", i)) == http.StatusAccepted
	})
	ids := countIDs(t, kafkatest.Records(t, broker.Addrs, testTopic))
	for _, id := range acked {
		if ids[id] != 1 {
			t.Errorf("acknowledged event %s is %d times in the topic, want 1", id, ids[id])
		}
	}
}

// TestLoadWithoutLoss: of 20,000 events from 64 concurrent senders, every
// acknowledged one is in the topic exactly once.
func TestLoadWithoutLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	const events, senders = 20000, 64
	broker := kafkatest.Start(t, kfake.SeedTopics(partitions, testTopic))
	r := startReceiver(t, testOptions{lister: channelLister(t, readyChannel(testNS, testChannel, testTopic)), brokers: broker.Addrs, waitReady: true})
	httpClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	t.Cleanup(httpClient.CloseIdleConnections)

	var (
		next   atomic.Int64
		mu     sync.Mutex
		acked  = make(map[string]bool, events)
		failed int
		wg     sync.WaitGroup
	)
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := next.Add(1); n <= events; n = next.Add(1) {
				id := fmt.Sprint("load-", n)
				resp, err := do(t, httpClient, binaryEvent(t, r.channelURL(), id, nil, `{"n":1}`))
				mu.Lock()
				if err == nil && resp.StatusCode == http.StatusAccepted {
					acked[id] = true
				} else {
					failed++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()

	ids := countIDs(t, kafkatest.Records(t, broker.Addrs, testTopic))
	for id := range acked {
		if ids[id] != 1 {
			t.Errorf("acknowledged event %s is %d times in the topic, want 1", id, ids[id])
		}
	}
	// The broker stayed up: an error would be a receiver bug, not an outage.
	if failed != 0 || len(acked) != events {
		t.Errorf("%d acknowledged, %d failed; want all %d acknowledged", len(acked), failed, events)
	}
}

// TestConfigChangeBehindTraffic: a new Kafka Secret moves the producer to
// another cluster while events flow, without failing or losing any.
func TestConfigChangeBehindTraffic(t *testing.T) {
	a := kafkatest.Start(t, kfake.SeedTopics(partitions, testTopic))
	b := kafkatest.Start(t, kfake.SeedTopics(partitions, testTopic))
	r := startReceiver(t, testOptions{lister: channelLister(t, readyChannel(testNS, testChannel, testTopic)), brokers: a.Addrs, waitReady: true})
	before := r.producer.generation()

	var (
		stop   atomic.Bool
		mu     sync.Mutex
		acked  = map[string]bool{}
		failed []int
		sent   atomic.Int64
		wg     sync.WaitGroup
	)
	for s := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				id := fmt.Sprintf("%d-%d", s, i)
				resp := mustDo(t, binaryEvent(t, r.channelURL(), id, nil, "{}"))
				sent.Add(1)
				mu.Lock()
				if resp.StatusCode == http.StatusAccepted {
					acked[id] = true
				} else {
					failed = append(failed, resp.StatusCode)
				}
				mu.Unlock()
			}
		}()
	}
	eventually(t, "traffic to the first cluster", func() bool { return sent.Load() > 200 })
	r.watcher.Set(secretData(b.Addrs), nil)
	eventually(t, "producer rebuilt", func() bool { return r.producer.generation() != before })
	switched := sent.Load()
	eventually(t, "traffic to the second cluster", func() bool { return sent.Load() > switched+200 })
	stop.Store(true)
	wg.Wait()

	inA := countIDs(t, kafkatest.Records(t, a.Addrs, testTopic))
	inB := countIDs(t, kafkatest.Records(t, b.Addrs, testTopic))
	if len(inA) == 0 || len(inB) == 0 {
		t.Errorf("records in first cluster: %d, second: %d; want both > 0", len(inA), len(inB))
	}
	for id := range acked {
		if inA[id]+inB[id] != 1 {
			t.Errorf("acknowledged event %s stored %d times, want 1", id, inA[id]+inB[id])
		}
	}
	if len(failed) != 0 {
		t.Errorf("%d requests failed during the switch (codes %v), want none", len(failed), failed)
	}
}

// TestGracefulShutdown: a request in flight when the receiver is told to stop
// still gets its answer, and the event is stored; new connections are refused.
func TestGracefulShutdown(t *testing.T) {
	broker := kafkatest.Start(t, kfake.SeedTopics(partitions, testTopic))
	r := startReceiver(t, testOptions{lister: channelLister(t, readyChannel(testNS, testChannel, testTopic)), brokers: broker.Addrs, waitReady: true})

	held, release := holdFirstProduce(broker)
	status := sendAsync(t, binaryEvent(t, r.channelURL(), "in-flight", nil, "{}"))
	<-held
	stopped := make(chan error, 1)
	go func() { stopped <- r.stop() }()
	eventually(t, "listener closed", func() bool {
		conn, err := net.Dial("tcp", r.url[len("http://"):])
		if err == nil {
			conn.Close()
		}
		return err != nil
	})
	release()
	if got := <-status; got != http.StatusAccepted {
		t.Errorf("in-flight request: status = %d, want 202", got)
	}
	if err := <-stopped; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	recordByID(t, kafkatest.Records(t, broker.Addrs, testTopic), "in-flight")
}

// holdFirstProduce makes the broker hold the first produce request it gets
// until release is called; held is closed once that request reached it.
func holdFirstProduce(broker *kafkatest.Broker) (held <-chan struct{}, release func()) {
	reached, released := make(chan struct{}), make(chan struct{})
	var holding atomic.Bool
	broker.Cluster.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		if holding.CompareAndSwap(false, true) {
			close(reached)
			broker.Cluster.SleepControl(func() { <-released })
		}
		return nil, nil, false // then the broker handles the request as usual
	})
	return reached, sync.OnceFunc(func() { close(released) })
}

// sendAsync sends req and delivers its status code, 0 for a transport error.
func sendAsync(t *testing.T, req *http.Request) <-chan int {
	status := make(chan int, 1)
	go func() {
		resp, err := do(t, http.DefaultClient, req)
		if err != nil {
			status <- 0
			return
		}
		status <- resp.StatusCode
	}()
	return status
}

// TestAcceptedOnlyAfterAck: the receiver answers a request only once Kafka
// acknowledged its record. While the broker holds the produce request, the
// sender has no answer; once the broker answers, it gets its 202.
func TestAcceptedOnlyAfterAck(t *testing.T) {
	broker := kafkatest.Start(t, kfake.SeedTopics(partitions, testTopic))
	r := startReceiver(t, testOptions{lister: channelLister(t, readyChannel(testNS, testChannel, testTopic)), brokers: broker.Addrs, waitReady: true})
	held, release := holdFirstProduce(broker)
	t.Cleanup(release)

	status := sendAsync(t, binaryEvent(t, r.channelURL(), "held", nil, "{}"))
	<-held // the record reached the broker, which has not acknowledged it
	select {
	case got := <-status:
		t.Fatalf("answered %d before Kafka acknowledged the record", got)
	default:
	}
	release()
	if got := <-status; got != http.StatusAccepted {
		t.Fatalf("status = %d after the ack, want 202", got)
	}
	recordByID(t, kafkatest.Records(t, broker.Addrs, testTopic), "held")
}

// TestOutageFastAndBack: once the producer saw that Kafka is unreachable it
// answers 503 with Retry-After within a second, rather than holding senders;
// and it accepts again within about 2 s of the broker's return, rather than
// after Sarama's fixed 10 s per-partition circuit breaker.
func TestOutageFastAndBack(t *testing.T) {
	const fast, back = time.Second, 3 * time.Second
	port := freePort(t)
	start := func() *kafkatest.Broker {
		return kafkatest.Start(t, kfake.Ports(port), kfake.SeedTopics(partitions, testTopic))
	}
	broker := start()
	r := startReceiver(t, testOptions{lister: channelLister(t, readyChannel(testNS, testChannel, testTopic)), brokers: broker.Addrs, waitReady: true})
	send := func(id string) (int, string, time.Duration) {
		began := time.Now()
		// One key, one partition: Sarama's breakers are per partition.
		resp := mustDo(t, binaryEvent(t, r.channelURL(), id, map[string]string{"Ce-Partitionkey": "k"}, "{}"))
		return resp.StatusCode, resp.Header.Get("Retry-After"), time.Since(began)
	}
	if code, _, _ := send("before"); code != http.StatusAccepted {
		t.Fatalf("before the outage: status = %d, want 202", code)
	}

	broker.Cluster.Close()
	code, _, took := send("first-down")
	t.Logf("first request after the broker stopped: %d in %v", code, took)
	for i := range 10 {
		code, retryAfter, took := send(fmt.Sprint("down-", i))
		t.Logf("broker down: %d in %v", code, took)
		if code != http.StatusServiceUnavailable || retryAfter == "" || took > fast {
			t.Errorf("broker down: status %d, Retry-After %q, in %v; want 503 with Retry-After within %v", code, retryAfter, took, fast)
		}
	}

	start()
	returned := time.Now()
	i := 0
	eventually(t, "a 202 after the broker returned", func() bool {
		i++
		code, _, _ := send(fmt.Sprint("after-", i))
		return code == http.StatusAccepted
	})
	t.Logf("first 202 %v after the broker returned", time.Since(returned))
	if took := time.Since(returned); took > back {
		t.Errorf("first 202 %v after the broker returned, want within %v", took, back)
	}
}

// TestOneChannelsTroubleIsNotAnOutage: a record refused for its own topic
// (here a topic that does not exist, as after an operator deleted it) fails
// that request only. It must not pass for "Kafka out of reach", which would
// answer every other channel's requests 503 and rebuild the producer.
func TestOneChannelsTroubleIsNotAnOutage(t *testing.T) {
	broker := kafkatest.Start(t, kfake.SeedTopics(partitions, testTopic))
	good := readyChannel(testNS, testChannel, testTopic)
	gone := readyChannel(testNS, "gone", "ns.no-such-topic")
	r := startReceiver(t, testOptions{lister: channelLister(t, good, gone), brokers: broker.Addrs, waitReady: true})
	before := r.producer.generation()

	resp := mustDo(t, binaryEvent(t, r.url+"/"+testNS+"/gone", "lost-topic", nil, "{}"))
	if resp.StatusCode < 500 {
		t.Fatalf("event for a channel whose topic is gone: status %d, want a 5xx the sender retries", resp.StatusCode)
	}
	if r.producer.generation() != before || before.isLost() {
		t.Error("a record refused for its own topic was taken for Kafka out of reach: the producer of every channel was dropped")
	}
	if resp := mustDo(t, binaryEvent(t, r.channelURL(), "other-channel", nil, "{}")); resp.StatusCode != http.StatusAccepted {
		t.Errorf("another channel's event: status %d, want 202", resp.StatusCode)
	}
}

// TestTopicRecreatedUnderTheSameName: a channel deleted and created again
// under the same name gets a new topic of the old name. The idempotent
// producer's sequence for its partitions continued the old topic's, which
// the broker refuses (OutOfOrderSequenceNumber) without storing the record;
// the receiver sends it again, from a new sequence, and answers 202, rather
// than a 503 that a Broker's ingress passes on as a failure.
func TestTopicRecreatedUnderTheSameName(t *testing.T) {
	broker := kafkatest.Start(t, kfake.SeedTopics(1, testTopic))
	r := startReceiver(t, testOptions{lister: channelLister(t, readyChannel(testNS, testChannel, testTopic)), brokers: broker.Addrs, waitReady: true})
	for i := range 3 {
		if resp := mustDo(t, binaryEvent(t, r.channelURL(), fmt.Sprint("old-", i), nil, "{}")); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("event to the first topic: status %d, want 202", resp.StatusCode)
		}
	}
	admin, err := sarama.NewClusterAdmin(broker.Addrs, kafkatest.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.DeleteTopic(testTopic); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the topic created again", func() bool {
		return admin.CreateTopic(testTopic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false) == nil
	})

	if resp := mustDo(t, binaryEvent(t, r.channelURL(), "new", nil, "{}")); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("first event to the topic created again: status %d, want 202", resp.StatusCode)
	}
	if ids := countIDs(t, kafkatest.Records(t, broker.Addrs, testTopic)); ids["new"] != 1 || len(ids) != 1 {
		t.Errorf("the new topic holds %v, want the one event new", ids)
	}
}
