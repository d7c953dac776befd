package dispatcher

import (
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/types"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
)

// failFirst makes a sink fail the event with the given seq the first n times.
func failFirst(seq, n int) func(cloudevents.Event, int, http.ResponseWriter) {
	return func(ev cloudevents.Event, attempt int, w http.ResponseWriter) {
		if seqOf(ev) == seq && attempt <= n {
			http.Error(w, "not yet", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}
}

func seqOf(ev cloudevents.Event) int {
	v, _ := types.ToInteger(ev.Extensions()["seq"])
	return int(v)
}

func TestOrderedDeliveryWithRetries(t *testing.T) {
	const partitions, perPartition, failing = 3, 10, 4
	e := newEnv(t, partitions)
	s := newSink(t, failFirst(failing, 2))
	sub := subscriber("a", s.URL)
	sub.Delivery = linearRetry(3)
	d := e.dispatcher(Options{})
	if err := d.Reconcile(channel("", sub)); err != nil {
		t.Fatal(err)
	}
	e.waitReady("a")
	ids := e.produce(partitions, 0, perPartition, "")
	waitFor(t, "every event accepted", func() bool { return len(s.ids()) >= len(ids)+2*partitions })

	// Every attempt of a partition, in the order the subscriber saw them: event
	// k three times, and nothing after it before it was accepted.
	var want []int
	for seq := 0; seq < perPartition; seq++ {
		want = append(want, seq)
		if seq == failing {
			want = append(want, seq, seq)
		}
	}
	for p, got := range byPartition(s.ids()) {
		if !slices.Equal(got, want) {
			t.Errorf("partition %s: attempts %v, want %v", p, got, want)
		}
	}
	if len(byPartition(s.ids())) != partitions {
		t.Errorf("events of %d partitions delivered, want %d", len(byPartition(s.ids())), partitions)
	}
}

func TestDeadLetter(t *testing.T) {
	const failing, total = 2, 6
	alwaysFail := func(ev cloudevents.Event, _ int, w http.ResponseWriter) {
		if seqOf(ev) == failing {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}
	for _, withSink := range []bool{true, false} {
		name := map[bool]string{true: "with sink", false: "without sink"}[withSink]
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, 1)
			s := newSink(t, alwaysFail)
			dls := newSink(t, nil)
			sub := subscriber("a", s.URL)
			sub.Delivery = linearRetry(2)
			if withSink {
				sub.Delivery.DeadLetterSink = &duckv1.Destination{URI: apis.HTTP(strings.TrimPrefix(dls.URL, "http://"))}
			}
			reader := sdkmetric.NewManualReader()
			d := e.dispatcher(Options{MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))})
			if err := d.Reconcile(channel("", sub)); err != nil {
				t.Fatal(err)
			}
			e.waitReady("a")
			e.produce(1, 0, total, "")
			// The events after the failing one flow either way.
			waitFor(t, "the last event", func() bool { return slices.Contains(s.ids(), "0-5") })

			want := []int{0, 1, 2, 2, 2, 3, 4, 5} // 1 attempt + 2 retries of the failing event
			if got := byPartition(s.ids())["0"]; !slices.Equal(got, want) {
				t.Errorf("subscriber attempts %v, want %v", got, want)
			}
			if !withSink {
				if n := counterValue(t, reader, "kn.kafkachannel.dispatch.events", outcomeDropped); n != 1 {
					t.Errorf("dropped events counted %d, want 1", n)
				}
				return
			}
			waitFor(t, "the dead letter", func() bool { return len(dls.ids()) > 0 })
			dl := dls.events()[0]
			if dl.ID() != "0-2" {
				t.Fatalf("dead letter %s, want 0-2", dl.ID())
			}
			ext := dl.Extensions()
			if ext["knativeerrordest"] != s.URL {
				t.Errorf("knativeerrordest = %v, want %s", ext["knativeerrordest"], s.URL)
			}
			if ext["knativeerrorcode"] != "500" && ext["knativeerrorcode"] != int32(500) {
				t.Errorf("knativeerrorcode = %v (%T), want 500", ext["knativeerrorcode"], ext["knativeerrorcode"])
			}
			if data, _ := base64.StdEncoding.DecodeString(ext["knativeerrordata"].(string)); !strings.Contains(string(data), "boom") {
				t.Errorf("knativeerrordata = %q, want the subscriber's body", data)
			}
			if n := counterValue(t, reader, "kn.kafkachannel.dispatch.dead_lettered", ""); n != 1 {
				t.Errorf("dead_lettered = %d, want 1", n)
			}
			if n := counterValue(t, reader, "kn.kafkachannel.dispatch.retries", ""); n != 2 {
				t.Errorf("retries = %d, want 2", n)
			}
		})
	}
}

// counterValue sums an Int64 counter's points, those with the outcome if one is given.
func counterValue(t *testing.T, reader sdkmetric.Reader, name, outcome string) int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			sum, ok := m.Data.(metricdata.Sum[int64])
			if m.Name != name || !ok {
				continue
			}
			for _, dp := range sum.DataPoints {
				if v, _ := dp.Attributes.Value(attrOutcome); outcome == "" || v.AsString() == outcome {
					n += dp.Value
				}
			}
		}
	}
	return n
}

func TestReply(t *testing.T) {
	e := newEnv(t, 1)
	replies := newSink(t, nil)
	s := newSink(t, replyWithReplyID(t))
	sub := subscriber("a", s.URL)
	sub.ReplyURI = apis.HTTP(strings.TrimPrefix(replies.URL, "http://"))
	d := e.dispatcher(Options{})
	if err := d.Reconcile(channel("", sub)); err != nil {
		t.Fatal(err)
	}
	e.waitReady("a")
	ids := e.produce(1, 0, 5, "")
	var want []string
	for _, id := range ids {
		want = append(want, "reply-"+id)
	}
	waitFor(t, "every reply", func() bool { return replies.hasAll(want) })
	if got := replies.ids(); !slices.Equal(got, want) {
		t.Errorf("replies %v, want %v", got, want)
	}
}

func TestTwoReplicasShareAndHandOver(t *testing.T) {
	const partitions = 4
	e := newEnv(t, partitions)
	s := newSink(t, nil)
	kc := channel("", subscriber("a", s.URL))
	r1, r2 := sdkmetric.NewManualReader(), sdkmetric.NewManualReader()
	d1 := e.dispatcher(Options{MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(r1))})
	d2 := e.dispatcher(Options{MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(r2))})
	for _, d := range []*Dispatcher{d1, d2} {
		if err := d.Reconcile(kc); err != nil {
			t.Fatal(err)
		}
	}
	e.waitReady("a")
	waitFor(t, "both replicas in the group", func() bool { return d1.Status()[0].Joined && d2.Status()[0].Joined })

	ids := e.produce(partitions, 0, 50, "")
	waitFor(t, "the first half", func() bool { return s.hasAll(ids) })
	n1, n2 := counterValue(t, r1, "kn.kafkachannel.dispatch.events", outcomeDelivered), counterValue(t, r2, "kn.kafkachannel.dispatch.events", outcomeDelivered)
	if n1 == 0 || n2 == 0 {
		t.Fatalf("replicas delivered %d and %d events; want both to own partitions", n1, n2)
	}
	// Stop one replica while events keep coming: its partitions move to the other.
	done := make(chan []string)
	go func() { done <- e.produce(partitions, 50, 150, "") }()
	d1.Close()
	ids = append(ids, <-done...)
	waitFor(t, "every event after the hand-over", func() bool { return s.hasAll(ids) })
	t.Logf("%d events, %d duplicates after stopping one of two replicas", len(ids), s.duplicates())
	for p, seqs := range byPartition(s.ids()) {
		if !slices.IsSorted(dedupe(seqs)) {
			t.Errorf("partition %s out of order: %v", p, seqs)
		}
	}
}

// dedupe drops the redelivered seqs that follow a hand-over (at least once).
func dedupe(seqs []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, s := range seqs {
		if !seen[s] {
			out = append(out, s)
		}
		seen[s] = true
	}
	return out
}

func TestKillAndRestart(t *testing.T) {
	for _, order := range []string{"", "unordered:8"} {
		t.Run("order="+order, func(t *testing.T) {
			const partitions = 2
			e := newEnv(t, partitions)
			// A slow subscriber spreads the stream over a few offset commits.
			s := newSink(t, func(_ cloudevents.Event, _ int, w http.ResponseWriter) {
				time.Sleep(10 * time.Millisecond)
				w.WriteHeader(http.StatusAccepted)
			})
			kc := channel(order, subscriber("a", s.URL))
			helper := e.startHelper(kc)
			e.waitReady("a")

			ids := e.produce(partitions, 0, 150, "")
			// Past the first offset commits (every second), before the end of the stream.
			waitFor(t, "two thirds of the events", func() bool { return len(s.ids()) >= 2*len(ids)/3 })
			if err := helper.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = helper.Wait()
			delivered := len(s.ids())

			ids = append(ids, e.produce(partitions, 150, 200, "")...)
			d := e.dispatcher(Options{})
			if err := d.Reconcile(kc); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "every event after the restart", func() bool { return s.hasAll(ids) })
			t.Logf("killed after %d deliveries; %d events, %d duplicates", delivered, len(ids), s.duplicates())
		})
	}
}

func TestLateSubscriberStartsAtTheTail(t *testing.T) {
	const partitions = 2
	e := newEnv(t, partitions)
	a, b := newSink(t, nil), newSink(t, nil)
	d := e.dispatcher(Options{})
	if err := d.Reconcile(channel("", subscriber("a", a.URL))); err != nil {
		t.Fatal(err)
	}
	e.waitReady("a")
	before := e.produce(partitions, 0, 20, "before")
	waitFor(t, "a's first events", func() bool { return a.hasAll(before) })

	if err := d.Reconcile(channel("", subscriber("a", a.URL), subscriber("b", b.URL))); err != nil {
		t.Fatal(err)
	}
	e.waitReady("b")
	after := e.produce(partitions, 20, 40, "after")
	waitFor(t, "b's events", func() bool { return b.hasAll(after) })
	waitFor(t, "a's events", func() bool { return a.hasAll(after) })
	for _, ev := range b.events() {
		if ev.Extensions()["tag"] != "after" {
			t.Errorf("b got %s, sent before it was ready", ev.ID())
		}
	}
}

func TestSubscriberUpdateKeepsPosition(t *testing.T) {
	e := newEnv(t, 1)
	first, second := newSink(t, nil), newSink(t, nil)
	d := e.dispatcher(Options{})
	if err := d.Reconcile(channel("", subscriber("a", first.URL))); err != nil {
		t.Fatal(err)
	}
	e.waitReady("a")
	ids := e.produce(1, 0, 10, "")
	waitFor(t, "events at the first URI", func() bool { return first.hasAll(ids) })

	// A new URI is applied in place; a new delivery order restarts the group under the same name.
	if err := d.Reconcile(channel("", subscriber("a", second.URL))); err != nil {
		t.Fatal(err)
	}
	more := e.produce(1, 10, 20, "")
	waitFor(t, "events at the second URI", func() bool { return second.hasAll(more) })
	if err := d.Reconcile(channel("unordered:4", subscriber("a", second.URL))); err != nil {
		t.Fatal(err)
	}
	last := e.produce(1, 20, 30, "")
	waitFor(t, "events after the restart", func() bool { return second.hasAll(last) })
	if n := len(second.ids()); n != len(more)+len(last) {
		t.Errorf("second subscriber got %d requests, want %d: %v", n, len(more)+len(last), second.ids())
	}
}

func TestUnorderedBoundedConcurrency(t *testing.T) {
	const inFlight = 4
	e := newEnv(t, 1)
	release := make(chan struct{})
	s := newSink(t, func(ev cloudevents.Event, _ int, w http.ResponseWriter) {
		<-release // hold every request until the window is full
		w.WriteHeader(http.StatusAccepted)
	})
	d := e.dispatcher(Options{})
	if err := d.Reconcile(channel("unordered:4", subscriber("a", s.URL))); err != nil {
		t.Fatal(err)
	}
	e.waitReady("a")
	ids := e.produce(1, 0, 40, "")
	waitFor(t, "a full window", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.inFlight == inFlight })
	close(release)
	waitFor(t, "every event", func() bool { return s.hasAll(ids) })
	if s.maxInFlight != inFlight {
		t.Errorf("max in flight %d, want %d", s.maxInFlight, inFlight)
	}
}

// Deliveries to one subscriber reuse their connections: as many as
// deliveries are in flight at once, not one per event. With net/http's
// default of 2 idle connections per host, 8 partitions opened a new
// connection for about half of their events.
func TestDeliveriesReuseConnections(t *testing.T) {
	const partitions, perPartition = 8, 25
	e := newEnv(t, partitions)
	var conns, requests atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
		requests.Add(1)
	}))
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	d := e.dispatcher(Options{})
	if err := d.Reconcile(channel("", subscriber("a", srv.URL))); err != nil {
		t.Fatal(err)
	}
	e.waitReady("a")
	ids := e.produce(partitions, 0, perPartition, "")
	waitFor(t, "every event delivered", func() bool { return requests.Load() >= int64(len(ids)) })
	if n := conns.Load(); n > 2*partitions {
		t.Errorf("%d connections opened for %d events of %d partitions, want at most %d", n, len(ids), partitions, 2*partitions)
	}
}
