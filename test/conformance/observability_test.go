//go:build e2e

package conformance

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/test/devenv"
	"github.com/knative-kafka/knative-kafka/test/framework"
)

const (
	traceID     = "4bf92f3577b34da6a3ce929d0e0e4736"
	traceparent = "00-" + traceID + "-00f067aa0ba902b7-01"
	tracestate  = "conformance=t61rcWkgMzE,other=v1"
)

// The Channel MUST recognize and pass through all tracing information from sender to subscribers using W3C Tracecontext.
func TestMust_W3CTraceContextPassThrough(t *testing.T) {
	rule(t, must, "The Channel MUST recognize and pass through all tracing information from sender to subscribers using W3C Tracecontext.")
	for _, structured := range []bool{false, true} {
		h := http.Header{"Traceparent": {traceparent}, "Tracestate": {tracestate}}
		got := deliverToMain(t, fullEvent(t, cloudevents.VersionV1), structured, h)
		tp, ts := got.Header.Get("Traceparent"), got.Header.Get("Tracestate")
		t.Logf("structured=%v: subscriber got traceparent %q tracestate %q", structured, tp, ts)
		if parts := strings.Split(tp, "-"); len(parts) != 4 || parts[1] != traceID {
			t.Errorf("structured=%v: subscriber's traceparent %q does not continue trace %s", structured, tp, traceID)
		}
		if ts != tracestate {
			t.Errorf("structured=%v: subscriber's tracestate %q, want %q", structured, ts, tracestate)
		}
	}
}

// collector is an OTLP/HTTP (protobuf) endpoint where the workloads reach this host, keeping what it is sent.
type collector struct {
	url    string
	mu     sync.Mutex
	points []point
	spans  []span
	// instruments are every metric exported so far, by name.
	instruments map[string]instrument
}

// point is one counter data point with its origin.
type point struct {
	service, metric string
	attrs           map[string]string
	value           int64
}

type span struct {
	service, name, traceID string
	attrs                  map[string]string
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = gz
	}
	b, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch r.URL.Path {
	case "/v1/metrics":
		points, exported, err := readMetrics(b)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.points = append(c.points, points...)
		for _, i := range exported {
			c.instruments[i.name] = i
		}
	case "/v1/traces":
		spans, err := traceSpans(b)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.spans = append(c.spans, spans...)
	default:
		http.NotFound(w, r)
		return
	}
	// An empty Export*ServiceResponse.
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}

func (c *collector) counterPoints() []point {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]point{}, c.points...)
}

func (c *collector) allSpans() []span {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]span{}, c.spans...)
}

// o11y is the observability fixture: the components' config-observability
// (contract.ObservabilityConfigName) exports metrics and
// traces to a local collector, the receiver and the dispatcher pool are
// restarted to read it, and a new channel carried one good and one malformed
// request. It is left configured so until the dev environment stops.
var o11y struct {
	once  sync.Once
	ready bool
	c     *collector
	ns    string
	id    string
	// defaultMetricsProtocol is metrics-protocol as installed, before the fixture changed it.
	defaultMetricsProtocol *string
}

func observed(t *testing.T) *collector {
	t.Helper()
	o11y.once.Do(func() {
		o11y.c = startCollector(t)
		configureObservability(t, o11y.c.url)
		if err := restartWorkloads(); err != nil {
			t.Fatal(err)
		}
		ch := buildSubscribed(t, "conformance-o11y", "ch", 1)
		o11y.ns = ch.ns
		e := framework.NewEvent(uniqueID(t), "conformance.o11y", nil)
		o11y.id = e.ID()
		mustAccept(t, ch.target(), e, false, http.Header{"Traceparent": {traceparent}})
		receivedID(t, ch.sinks[0], e.ID())
		h, _ := binaryHeaders(t, "application/json")
		h.Del("ce-id")
		if code := sendRaw(t, ch.target(), http.MethodPost, h, []byte("{}")); code != http.StatusBadRequest {
			t.Logf("malformed request answered %d", code)
		}
		o11y.ready = true
	})
	if !o11y.ready {
		t.Fatal("the observability fixture could not be built (see the first test that used it)")
	}
	return o11y.c
}

func startCollector(t *testing.T) *collector {
	t.Helper()
	l := framework.Listen(t)
	c := &collector{url: "http://" + l.Addr().String(), instruments: map[string]instrument{}}
	go func() { _ = (&http.Server{Handler: c, ReadHeaderTimeout: 10 * time.Second}).Serve(l) }()
	return c
}

func configureObservability(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	cms := env.Kube.CoreV1().ConfigMaps(devenv.SystemNamespace)
	cm, err := cms.Get(ctx, contract.ObservabilityConfigName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	// A node outlives the binary: its config and workloads go back as they were.
	installed := cm.DeepCopy()
	env.Restore(func() {
		now, err := cms.Get(ctx, installed.Name, metav1.GetOptions{})
		if err == nil {
			now.Data = installed.Data
			_, err = cms.Update(ctx, now, metav1.UpdateOptions{})
		}
		if err == nil {
			err = restartWorkloads()
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "restoring %s: %v\n", installed.Name, err)
		}
	})
	p := cm.Data["metrics-protocol"]
	o11y.defaultMetricsProtocol = &p
	for k, v := range map[string]string{
		"metrics-protocol":        "http/protobuf",
		"metrics-endpoint":        url + "/v1/metrics",
		"metrics-export-interval": "1s",
		"tracing-protocol":        "http/protobuf",
		"tracing-endpoint":        url + "/v1/traces",
		"tracing-sampling-rate":   "1",
	} {
		cm.Data[k] = v
	}
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// restartWorkloads rolls the receiver, the dispatcher pool and the
// controller, as kubectl rollout restart does (sharedmain reads the
// observability config at start), and waits until every replica was replaced
// and is ready.
func restartWorkloads() error {
	for _, w := range []struct{ kind, name string }{
		{"deployments", devenv.ReceiverName}, {"statefulsets", contract.PoolName}, {"deployments", devenv.ControllerName},
	} {
		if err := env.RolloutRestart(w.kind, w.name); err != nil {
			return err
		}
	}
	return nil
}

// waitPoint waits for a counter data point matching pred.
func waitPoint(t *testing.T, what string, pred func(point) bool) (point, bool) {
	t.Helper()
	c := observed(t)
	var found point
	err := framework.Poll(time.Minute, func() (bool, error) {
		for _, p := range c.counterPoints() {
			if pred(p) {
				found = p
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		var names []string
		seen := map[string]bool{}
		for _, p := range c.counterPoints() {
			if k := p.service + "/" + p.metric; !seen[k] {
				seen[k] = true
				names = append(names, k)
			}
		}
		t.Logf("no counter point for %s; counters exported: %v", what, names)
		return point{}, false
	}
	t.Logf("%s: %s/%s %v = %d", what, found.service, found.metric, found.attrs, found.value)
	return found, true
}

func inNamespace(p point) bool {
	for k, v := range p.attrs {
		if strings.HasSuffix(k, "namespace") || strings.HasSuffix(k, "namespace.name") {
			return v == o11y.ns
		}
	}
	return true
}

// The metric rules share a shape: a counter data point the channel exports.
var metricRules = []struct {
	text string
	what string
	pred func(point) bool
}{
	{"Channels SHOULD expose a variety of metrics: [Number of malformed incoming event queueing events (400 Bad Request responses)]",
		"400 responses", func(p point) bool {
			return p.attrs["http.response.status_code"] == "400" && p.value >= 1 && inNamespace(p)
		}},
	{"Channels SHOULD expose a variety of metrics: [Number of accepted incoming event queuing events (202 Accepted responses)]",
		"202 responses", func(p point) bool {
			return p.attrs["http.response.status_code"] == "202" && p.value >= 1 && inNamespace(p)
		}},
	{"Channels SHOULD expose a variety of metrics: [Number of egress CloudEvents produced (with the former metric, used to derive channel queue size)]",
		"egress events", func(p point) bool {
			return strings.Contains(p.metric, "dispatch") && strings.HasSuffix(p.metric, "events") && p.value >= 1
		}},
}

func checkMetricRule(t *testing.T, i int) {
	r := metricRules[i]
	rule(t, should, r.text)
	if _, ok := waitPoint(t, r.what, r.pred); !ok {
		notMet(t, should, "no exported counter of %s within a minute of config-observability exporting to a collector", r.what)
	}
}

// Channels SHOULD expose a variety of metrics: [Number of malformed incoming event queueing events (400 Bad Request responses)]
func TestShould_MetricMalformed400Count(t *testing.T) { checkMetricRule(t, 0) }

// Channels SHOULD expose a variety of metrics: [Number of accepted incoming event queuing events (202 Accepted responses)]
func TestShould_MetricAccepted202Count(t *testing.T) { checkMetricRule(t, 1) }

// Channels SHOULD expose a variety of metrics: [Number of egress CloudEvents produced (with the former metric, used to derive channel queue size)]
func TestShould_MetricEgressCount(t *testing.T) { checkMetricRule(t, 2) }

// Metrics SHOULD be enabled by default, with a configuration parameter included to disable them if desired.
func TestShould_MetricsEnabledByDefault(t *testing.T) {
	rule(t, should, "Metrics SHOULD be enabled by default, with a configuration parameter included to disable them if desired.")
	var p string
	if o11y.defaultMetricsProtocol != nil { // as installed, before the observability fixture changed it
		p = *o11y.defaultMetricsProtocol
	} else {
		cm, err := env.Kube.CoreV1().ConfigMaps(devenv.SystemNamespace).Get(context.Background(), contract.ObservabilityConfigName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p = cm.Data["metrics-protocol"]
	}
	t.Logf("%s metrics-protocol = %q (the parameter that enables/disables metrics)", contract.ObservabilityConfigName, p)
	if p == "" || p == "none" {
		notMet(t, should, "metrics are off by default: %s leaves metrics-protocol unset or none", contract.ObservabilityConfigName)
	}
	check(t, should, nil)
}

// spansOfTrace waits for spans of the fixture's trace.
func spansOfTrace(t *testing.T) []span {
	t.Helper()
	c := observed(t)
	var got []span
	_ = framework.Poll(time.Minute, func() (bool, error) {
		got = nil
		for _, s := range c.allSpans() {
			if s.traceID == traceID {
				got = append(got, s)
			}
		}
		services := map[string]bool{}
		for _, s := range got {
			services[s.service] = true
		}
		return len(services) >= 2, nil // receiver and dispatcher
	})
	for _, s := range got {
		t.Logf("span %s/%q %v", s.service, s.name, s.attrs)
	}
	return got
}

// The Channel SHOULD sample and write traces to the location specified in config-tracing.
func TestShould_TracesToConfiguredLocation(t *testing.T) {
	rule(t, should, "The Channel SHOULD sample and write traces to the location specified in config-tracing.")
	spans := spansOfTrace(t)
	if len(spans) == 0 {
		notMet(t, should, "no span of trace %s reached the tracing-endpoint of config-observability (config-tracing's successor)", traceID)
	}
}

// spanRule checks that some span of the trace has every wanted attribute (value "" means any).
func spanRule(t *testing.T, text string, want map[string]string) {
	rule(t, should, text)
	spans := spansOfTrace(t)
	for _, s := range spans {
		ok := true
		for k, v := range want {
			if got, has := s.attrs[k]; !has || (v != "" && got != v) {
				ok = false
			}
		}
		if ok {
			t.Logf("span %s/%q has %v", s.service, s.name, want)
			return
		}
	}
	notMet(t, should, "none of the %d spans of trace %s has attributes %v", len(spans), traceID, want)
}

// Spans emitted by the Channel SHOULD follow the OpenTelemetry Semantic Conventions for Messaging Systems whenever possible.
func TestShould_SpansMessagingSemanticConventions(t *testing.T) {
	spanRule(t, "Spans emitted by the Channel SHOULD follow the OpenTelemetry Semantic Conventions for Messaging Systems whenever possible.",
		map[string]string{"messaging.system": "", "messaging.destination.name": ""})
}

// Spans emitted by the Channel SHOULD set the knative attributes.
func TestShould_SpansKnativeAttributes(t *testing.T) {
	spanRule(t, "Spans emitted by the Channel SHOULD set the knative attributes.",
		map[string]string{"messaging.system": "knative", "messaging.destination": "", "messaging.protocol": "", "messaging.message_id": o11y.id})
}
