package dispatcher

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"

	"github.com/knative-kafka/knative-kafka/pkg/kafka/client"
)

// probeBound is how fast /readyz must answer whatever Kafka does: well within
// a kubelet probe's default 1 s timeout. A correctness bound, not a benchmark.
const probeBound = time.Second

// switchSource serves Kafka settings that a test changes, as client.Watcher
// does when the Secret or config-kafka changes.
type switchSource struct {
	mu       sync.Mutex
	snap     client.Snapshot
	onChange []func(client.Snapshot)
}

func (s *switchSource) Current() client.Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap
}

func (s *switchSource) OnChange(f func(client.Snapshot)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onChange = append(s.onChange, f)
}

func (s *switchSource) set(settings *client.Settings) {
	s.mu.Lock()
	s.snap = client.Snapshot{Settings: settings}
	fs := s.onChange
	s.mu.Unlock()
	for _, f := range fs {
		f(s.snap)
	}
}

// blackHole is a Kafka address that accepts connections and never answers, as
// a broker behind a broken network path does; accepted counts its connections.
func blackHole(t *testing.T) (addr string, accepted func() int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String(), func() int { mu.Lock(); defer mu.Unlock(); return len(conns) }
}

// verboseReport reads what /readyz?verbose reports of a dedicated dispatcher.
func verboseReport(t *testing.T, url string) (report struct{ Subscribers []SubscriberStatus }) {
	t.Helper()
	resp, err := http.Get(url + ReadinessPath + "?verbose")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&report); err != nil {
		t.Fatalf("GET %s?verbose: %v", ReadinessPath, err)
	}
	return report
}

// getReadyz probes like a kubelet, giving up after twice the bound so that a
// blocked probe fails the test instead of hanging it.
func getReadyz(t *testing.T, url string) (status int, took time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*probeBound)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+ReadinessPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	took = time.Since(start)
	if err != nil {
		t.Fatalf("GET %s after %v: %v", ReadinessPath, took, err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, took
}

// While a change of the Kafka settings connects to a Kafka that never answers,
// the probes answer at once from what the dispatcher last knew, and the group
// on the old settings goes on delivering.
func TestReadinessAnswersWhileKafkaHangs(t *testing.T) {
	e := newEnv(t, 1)
	s := newSink(t, nil)
	src := &switchSource{snap: client.Snapshot{Settings: e.settings}}
	d, err := New(context.Background(), src, Options{DrainTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	probes := httptest.NewServer(ProbeHandler(context.Background(), d))
	t.Cleanup(probes.Close)
	if err := d.Reconcile(channel("", subscriber("a", s.URL))); err != nil {
		t.Fatal(err)
	}
	e.waitReady("a")

	addr, accepted := blackHole(t)
	hung := testSaramaConfig()
	hung.Net.ReadTimeout = 10 * time.Second // how long the rotation hangs
	hung.Metadata.Retry.Max = 0
	src.set(&client.Settings{Brokers: []string{addr}, Sarama: hung, Fingerprint: "hung"})
	waitFor(t, "the rotation to connect to the hung Kafka", func() bool { return accepted() > 0 })

	status, took := getReadyz(t, probes.URL)
	if took > probeBound {
		t.Errorf("GET %s took %v while the rotation connects, want under %v", ReadinessPath, took, probeBound)
	}
	if status != http.StatusOK {
		t.Errorf("GET %s = %d while the old group delivers, want 200", ReadinessPath, status)
	}
	ids := e.produce(1, 0, 5, "")
	waitFor(t, "delivery on the old settings", func() bool { return s.hasAll(ids) })
}

// A subscriber the dispatcher refuses (no subscriberUri, a delivery spec it
// cannot parse) is reported on its own; the others deliver and the replica
// stays ready.
func TestBadSubscriberIsolated(t *testing.T) {
	e := newEnv(t, 1)
	s := newSink(t, nil)
	noURI := subscriber("b", s.URL)
	noURI.SubscriberURI, noURI.ReplyURI = nil, apis.HTTP("reply")
	badDelivery := subscriber("c", s.URL)
	badDelivery.Delivery = &eventingduckv1.DeliverySpec{BackoffPolicy: ptr.To(eventingduckv1.BackoffPolicyLinear), BackoffDelay: ptr.To("soon")}
	d := e.dispatcher(Options{})
	probes := httptest.NewServer(ProbeHandler(context.Background(), d))
	t.Cleanup(probes.Close)

	_ = d.Reconcile(channel("", subscriber("a", s.URL), noURI, badDelivery))
	e.waitReady("a")
	ids := e.produce(1, 0, 5, "")
	waitFor(t, "delivery to the good subscriber", func() bool { return s.hasAll(ids) })
	if status, _ := getReadyz(t, probes.URL); status != http.StatusOK {
		t.Errorf("GET %s = %d with one good subscriber, want 200", ReadinessPath, status)
	}
	got := map[types.UID]SubscriberStatus{}
	for _, st := range verboseReport(t, probes.URL).Subscribers {
		got[st.UID] = st
	}
	if st := got["a"]; st.Error != "" || !st.OffsetsInitialized {
		t.Errorf("good subscriber reported %+v, want initialised and no error", st)
	}
	for _, uid := range []types.UID{"b", "c"} {
		if st, ok := got[uid]; !ok || st.Error == "" || st.Joined {
			t.Errorf("refused subscriber %s reported %+v (listed %v), want its error and no group", uid, st, ok)
		}
	}
}
