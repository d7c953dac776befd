package dispatcher

import (
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

// holdingSink is a sink that holds the first attempt of the event with the
// given seq until release is called (at the latest when the test ends), and
// accepts everything else.
func holdingSink(t *testing.T, seq int) (s *sink, release func()) {
	held := make(chan struct{})
	release = sync.OnceFunc(func() { close(held) })
	s = newSink(t, func(ev cloudevents.Event, attempt int, w http.ResponseWriter) {
		if seqOf(ev) == seq && attempt == 1 {
			<-held
		}
		w.WriteHeader(http.StatusAccepted)
	})
	t.Cleanup(release) // before the sink's Close, which waits for its requests
	return s, release
}

func TestUnorderedWindowPausesBehindAStuckEvent(t *testing.T) {
	const window = 10
	e := newEnv(t, 1)
	e.kafka = map[string]string{config.WindowMaxEventsKey: strconv.Itoa(window)}
	s, release := holdingSink(t, 0)
	reader := sdkmetric.NewManualReader()
	d := e.dispatcher(Options{MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))})
	if err := d.Reconcile(channel("unordered:4", subscriber("a", s.URL))); err != nil {
		t.Fatal(err)
	}
	e.waitReady("a")
	ids := e.produce(1, 0, 40, "")
	waitFor(t, "the events behind the stuck one", func() bool {
		return counterValue(t, reader, "kn.kafkachannel.dispatch.events", outcomeDelivered) >= window-1
	})
	if got := len(dedupe(byPartition(s.ids())["0"])); got != window {
		t.Errorf("while its first event was stuck the subscriber got %d events, want the window's %d", got, window)
	}
	release()
	waitFor(t, "every event once the stuck one is done", func() bool { return s.hasAll(ids) })
}

func TestKillUnorderedRedeliversOnlyTheWindow(t *testing.T) {
	const partitions, perPartition, window = 2, 1000, 16
	e := newEnv(t, partitions)
	e.kafka = map[string]string{config.WindowMaxEventsKey: strconv.Itoa(window)}
	var mu sync.Mutex
	answered := map[string]bool{}
	// The subscriber starts answering once the whole stream is in Kafka, so
	// that the dispatcher has a backlog to read ahead into.
	backlog := make(chan struct{})
	s := newSink(t, func(ev cloudevents.Event, _ int, w http.ResponseWriter) {
		<-backlog
		time.Sleep(time.Duration(rand.IntN(51)) * time.Millisecond) // the subscriber's latency
		mu.Lock()
		answered[ev.ID()] = true
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	})
	kc := channel("unordered:16", subscriber("a", s.URL))
	helper := e.startHelper(kc)
	e.waitReady("a")
	ids := e.produce(partitions, 0, perPartition, "")
	close(backlog)
	// Mid-stream, past a first offset commit (every second) on each partition.
	waitFor(t, "a commit on every partition", func() bool {
		c := committedOffsets(t, e, "a", partitions)
		return c["0"] > 0 && c["1"] > 0
	})
	if err := helper.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = helper.Wait()
	seen := byPartition(s.ids())
	mu.Lock()
	prefix := map[string]int{} // per partition, the first seq not answered before the kill
	for p := range seen {
		for answered[p+"-"+strconv.Itoa(prefix[p])] {
			prefix[p]++
		}
	}
	mu.Unlock()
	committed := committedOffsets(t, e, "a", partitions)

	// Everything past the answered prefix was in the window: the dispatcher read
	// no further than the window past the oldest event not done.
	beyond := map[string]int{}
	for p, seqs := range seen {
		for _, seq := range dedupe(seqs) {
			if seq >= prefix[p] {
				beyond[p]++
			}
		}
		if beyond[p] > window {
			t.Errorf("partition %s: %d events sent past the first one not done (%d), window %d", p, beyond[p], prefix[p], window)
		}
	}

	d := e.dispatcher(Options{})
	if err := d.Reconcile(kc); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every event after the restart", func() bool { return s.hasAll(ids) })
	// Redelivered: what was not committed yet, that is what was done since the
	// last commit (every second), and the window.
	for p, seqs := range byPartition(s.ids()) {
		dups := len(seqs) - len(dedupe(seqs))
		if limit := prefix[p] - int(committed[p]) + window; dups > limit {
			t.Errorf("partition %s: %d duplicates; want at most %d done since the last commit + the window %d", p, dups, prefix[p]-int(committed[p]), window)
		}
		t.Logf("partition %s: killed with %d events answered, %d committed, %d sent past the first one not done; %d duplicates",
			p, prefix[p], committed[p], beyond[p], dups)
	}
}

// committedOffsets are the offsets the subscriber's group committed, by partition.
func committedOffsets(t *testing.T, e *env, uid string, partitions int32) map[string]int64 {
	t.Helper()
	ca, err := sarama.NewClusterAdmin(e.addrs, kafkatest.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close()
	var ps []int32
	for p := range partitions {
		ps = append(ps, p)
	}
	resp, err := ca.ListConsumerGroupOffsets(contract.ConsumerGroup(testNamespace, testChannel, uid), map[string][]int32{testTopic: ps})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, p := range ps {
		if b := resp.GetBlock(testTopic, p); b != nil {
			out[strconv.Itoa(int(p))] = b.Offset
		}
	}
	return out
}

func TestDefaultTimeoutFreesAPartitionFromASubscriberThatNeverAnswers(t *testing.T) {
	e := newEnv(t, 1)
	e.kafka = map[string]string{config.DeliveryTimeoutKey: "PT1S"}
	s, _ := holdingSink(t, 2)
	sub := subscriber("a", s.URL)
	sub.Delivery = linearRetry(2) // no timeout: config-kafka's default applies
	d := e.dispatcher(Options{})
	if err := d.Reconcile(channel("", sub)); err != nil {
		t.Fatal(err)
	}
	e.waitReady("a")
	e.produce(1, 0, 6, "")
	waitFor(t, "the events after the one never answered", func() bool { return slices.Contains(s.ids(), "0-5") })
	if got, want := byPartition(s.ids())["0"], []int{0, 1, 2, 2, 3, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("attempts %v, want %v: the unanswered attempt timed out and was retried", got, want)
	}
}
