//go:build e2e

package conformance

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/cloudevents/sdk-go/v2/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/test/framework"
)

// Levels of the specification's requirements.
const (
	must    = "MUST"
	mustNot = "MUST NOT"
	should  = "SHOULD"
	may     = "MAY"
)

// notMet reports that the rule is not met: see check.
func notMet(t *testing.T, level, format string, args ...interface{}) {
	t.Helper()
	check(t, level, fmt.Errorf(format, args...))
}

// unmet lists, with the reason, the SHOULD and MAY rules this project decided
// not to meet: their tests skip with it. Every other rule's test fails when
// the rule is broken, and a listed rule that turns out met fails too, so that
// this list stays true.
var unmet = map[string]string{
	"TestMay_NonHTTPEndpoints": "the channel exposes only HTTP(S) endpoints: the receiver is its one way in",
}

// rule logs the requirement a test checks.
func rule(t *testing.T, level, text string) {
	t.Helper()
	t.Logf("%s rule: %s", level, text)
}

// check fails the test when err is not nil, unless the rule is listed in
// unmet: then it skips with the reason. A listed rule without err fails.
func check(t *testing.T, level string, err error) {
	t.Helper()
	reason, listed := unmet[t.Name()]
	switch {
	case listed && err != nil:
		t.Skipf("%s not met (decided): %s; observed: %v", level, reason, err)
	case listed:
		t.Fatalf("%s rule listed as not met (%s) is met: remove it from unmet", level, reason)
	case err != nil:
		t.Fatalf("%s rule broken: %v", level, err)
	}
}

var seq atomic.Int64

// uniqueID is an event id no other test uses.
func uniqueID(t *testing.T) string {
	return fmt.Sprintf("%s-%d-%d", t.Name(), time.Now().UnixNano(), seq.Add(1))
}

// dnsName turns a test name into a namespace name.
func dnsName(t *testing.T) string {
	n := strings.ToLower(strings.TrimPrefix(t.Name(), "Test"))
	n = strings.NewReplacer("_", "-", "/", "-").Replace(n)
	if len(n) > 50 {
		n = n[:50]
	}
	return strings.Trim(n, "-")
}

// newChannel creates a namespace for the test and a Ready KafkaChannel "ch" in it.
func newChannel(t *testing.T, spec v1beta1.KafkaChannelSpec) *v1beta1.KafkaChannel {
	t.Helper()
	ns := env.Namespace(t, dnsName(t))
	return env.CreateChannel(t, ns, "ch", spec)
}

func getChannel(t *testing.T, ns, name string) *v1beta1.KafkaChannel {
	t.Helper()
	kc, err := env.Kafka.MessagingV1beta1().KafkaChannels(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return kc
}

// target is how a request names its channel: by path /<ns>/<name>, or by the
// Host of the channel's address with path /.
type target struct {
	ns, name string
	byHost   bool
}

func (tg target) request(ctx context.Context, t *testing.T, method string, body []byte) *http.Request {
	t.Helper()
	url := env.MustReceiverURL(t) + "/" + tg.ns + "/" + tg.name
	if tg.byHost {
		url = env.MustReceiverURL(t) + "/"
	}
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	if tg.byHost {
		req.Host = contract.ChannelHostName(tg.name, tg.ns)
	}
	return req
}

// sendEvent posts e to the channel in binary or structured mode, with extra
// headers, and returns the response status.
func sendEvent(t *testing.T, tg target, e cloudevents.Event, structured bool, header http.Header) int {
	t.Helper()
	ctx := context.Background()
	if structured {
		ctx = binding.WithForceStructured(ctx)
	}
	req := tg.request(ctx, t, http.MethodPost, nil)
	if err := cehttp.WriteRequest(ctx, binding.ToMessage(&e), req); err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	return do(t, req)
}

// sendRaw posts a body with the given headers and returns the response status.
func sendRaw(t *testing.T, tg target, method string, header http.Header, body []byte) int {
	t.Helper()
	req := tg.request(context.Background(), t, method, body)
	for k, vs := range header {
		req.Header[k] = vs
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func mustAccept(t *testing.T, tg target, e cloudevents.Event, structured bool, header http.Header) {
	t.Helper()
	if code := sendEvent(t, tg, e, structured, header); code != http.StatusAccepted {
		t.Fatalf("sending event %s to %s/%s (byHost=%v, structured=%v): status %d, want 202", e.ID(), tg.ns, tg.name, tg.byHost, structured, code)
	}
}

// Headers the conformance sink adds to each recorded request.
const (
	pathHeader = "X-Conformance-Path"
	modeHeader = "X-Conformance-Mode"
)

// newSink is framework's sink served by a server that lives for the whole
// test binary (shared fixtures outlive the test that built them) and that
// records each request's path and content mode.
func newSink(t *testing.T) *framework.Sink {
	t.Helper()
	s := framework.NewSink(t)
	l := framework.Listen(t)
	s.URL = "http://" + l.Addr().String()
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set(pathHeader, r.URL.Path)
		mode := "binary"
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/cloudevents") {
			mode = "structured"
		}
		r.Header.Set(modeHeader, mode)
		s.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(l) }()
	return s
}

// receivedID waits until the sink got the event with this id and returns the first copy.
func receivedID(t *testing.T, s *framework.Sink, id string) framework.Received {
	t.Helper()
	return s.WaitForID(t, time.Minute, id)
}

// markerThrough sends a new event to a channel of one partition and waits
// until s received it. A partition is delivered in order, so whatever was to
// reach s from what the channel accepted before has reached it by then: what
// a test asserts s did not get, it never will.
func markerThrough(t *testing.T, tg target, s *framework.Sink) {
	t.Helper()
	if n := getChannel(t, tg.ns, tg.name).Spec.NumPartitions; n != 1 {
		t.Fatalf("a marker orders nothing on %s/%s: it has %d partitions", tg.ns, tg.name, n)
	}
	e := framework.NewEvent(uniqueID(t), "conformance.marker", nil)
	mustAccept(t, tg, e, false, nil)
	receivedID(t, s, e.ID())
}

// eventDiff lists how got differs from sent: every context attribute, every
// extension (in its canonical string form, as the HTTP binding carries it)
// and the data bytes.
func eventDiff(sent, got cloudevents.Event) []string {
	var diffs []string
	cmp := func(what string, a, b interface{}) {
		sa, sb := canonical(a), canonical(b)
		if sa != sb {
			diffs = append(diffs, fmt.Sprintf("%s: sent %q, received %q", what, sa, sb))
		}
	}
	cmp("specversion", sent.SpecVersion(), got.SpecVersion())
	cmp("id", sent.ID(), got.ID())
	cmp("source", sent.Source(), got.Source())
	cmp("type", sent.Type(), got.Type())
	cmp("subject", sent.Subject(), got.Subject())
	cmp("time", timeOrEmpty(sent.Time()), timeOrEmpty(got.Time()))
	cmp("dataschema", sent.DataSchema(), got.DataSchema())
	cmp("datacontenttype", sent.DataContentType(), got.DataContentType())
	cmp("datacontentencoding", sent.DeprecatedDataContentEncoding(), got.DeprecatedDataContentEncoding())
	cmp("data", string(sent.Data()), string(got.Data()))
	names := map[string]bool{}
	for k := range sent.Extensions() {
		names[k] = true
	}
	for k := range got.Extensions() {
		names[k] = true
	}
	var sorted []string
	for k := range names {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		cmp("extension "+k, sent.Extensions()[k], got.Extensions()[k])
	}
	return diffs
}

func canonical(v interface{}) string {
	if v == nil {
		return "<absent>"
	}
	s, err := types.Format(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return s
}

func timeOrEmpty(t time.Time) interface{} {
	if t.IsZero() {
		return nil
	}
	return t
}
