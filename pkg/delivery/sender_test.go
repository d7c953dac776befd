package delivery

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/eventing/pkg/eventingtls"
	"knative.dev/eventing/pkg/kncloudevents"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
)

// target is an HTTP server that records what it is sent and answers with respond.
type target struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
	events   []*event.Event
}

func newTarget(t *testing.T, respond func(w http.ResponseWriter, n int)) *target {
	t.Helper()
	tg := &target{}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := binding.ToEvent(r.Context(), cehttp.NewMessageFromHttpRequest(r))
		if err != nil {
			t.Errorf("%s was sent no CloudEvent: %v", r.URL, err)
		}
		tg.mu.Lock()
		tg.requests = append(tg.requests, r)
		tg.events = append(tg.events, ev)
		n := len(tg.requests)
		tg.mu.Unlock()
		respond(w, n)
	}))
	t.Cleanup(tg.Close)
	return tg
}

func (tg *target) addressable() *duckv1.Addressable {
	u, _ := apis.ParseURL(tg.URL + "/path")
	return &duckv1.Addressable{URL: u}
}

func (tg *target) received() ([]*http.Request, []*event.Event) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return append([]*http.Request{}, tg.requests...), append([]*event.Event{}, tg.events...)
}

func answer(code int, body string) func(http.ResponseWriter, int) {
	return func(w http.ResponseWriter, _ int) {
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

// answerEvent answers with code and a binary-mode event, reply-1, whose data is body.
func answerEvent(code int, body []byte) func(http.ResponseWriter, int) {
	return func(w http.ResponseWriter, _ int) {
		w.Header().Set("Ce-Id", "reply-1")
		w.Header().Set("Ce-Source", "/subscriber")
		w.Header().Set("Ce-Type", "dev.knative-kafka.reply")
		w.Header().Set("Ce-Specversion", "1.0")
		w.Header().Set("Knative-Passed", "yes")
		w.WriteHeader(code)
		_, _ = w.Write(body)
	}
}

func testEvent() *event.Event {
	ev := event.New()
	ev.SetID("e-1")
	ev.SetSource("/delivery-test")
	ev.SetType("dev.knative-kafka.test")
	_ = ev.SetData("application/json", map[string]string{"hello": "world"})
	return &ev
}

func retries(t *testing.T, n int32, timeout string) *kncloudevents.RetryConfig {
	t.Helper()
	spec := eventingduckv1.DeliverySpec{Retry: ptr.To(n)}
	if timeout != "" {
		spec.Timeout = &timeout
	}
	rc, err := kncloudevents.RetryConfigFromDeliverySpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	return &rc
}

func send(t *testing.T, spec *Spec, stop func() bool) Result {
	t.Helper()
	return sendWithTokens(t, nil, spec, stop)
}

func sendWithTokens(t *testing.T, tokens TokenSource, spec *Spec, stop func() bool) Result {
	t.Helper()
	t.Setenv("SYSTEM_NAMESPACE", "knative-eventing")
	if spec.Header == nil {
		spec.Header = http.Header{"Kn-Namespace": {"ns"}}
	}
	s := NewSender(eventingtls.ClientConfig{}, tokens, otel.GetTracerProvider())
	return s.Send(context.Background(), binding.ToMessage(testEvent()), spec, stop)
}

func never() bool { return false }

// A failure whose body is longer than knativeerrordata holds reaches the
// dead-letter sink with the body's base64 cut at the extension's limit.
// kncloudevents encoded it into a buffer of that limit, which panics (and
// takes the dispatcher down) on any body over 768 bytes.
func TestDeadLetterToldOfALongFailure(t *testing.T) {
	body := strings.Repeat("a long failure ", 200)
	sub := newTarget(t, answer(http.StatusInternalServerError, body))
	dls := newTarget(t, answer(http.StatusAccepted, ""))

	r := send(t, &Spec{Subscriber: *sub.addressable(), DeadLetter: dls.addressable(), Retry: retries(t, 1, "")}, never)

	if r.Err != nil || !r.DeadLettered {
		t.Fatalf("result %+v, want dead-lettered", r)
	}
	if r.SubscriberAttempts != 2 || r.SubscriberStatus != http.StatusInternalServerError {
		t.Errorf("subscriber attempts %d, status %d; want 2, 500", r.SubscriberAttempts, r.SubscriberStatus)
	}
	_, evs := dls.received()
	if len(evs) != 1 {
		t.Fatalf("dead-letter sink got %d events, want 1", len(evs))
	}
	ext := evs[0].Extensions()
	full := base64.StdEncoding.EncodeToString([]byte(body))
	if got := ext["knativeerrordata"]; got != full[:1024] {
		t.Errorf("knativeerrordata = %.40q... (%d chars), want the first 1024 of the body's base64", got, len(got.(string)))
	}
	if got := ext["knativeerrordest"]; got != sub.URL+"/path" {
		t.Errorf("knativeerrordest = %v, want %s/path", got, sub.URL)
	}
	if got := ext["knativeerrorcode"]; got != int32(500) && got != "500" {
		t.Errorf("knativeerrorcode = %v, want 500", got)
	}
}

// The subscriber's answer goes to the reply; when the reply will not take
// it, the original event goes to the dead-letter sink, told of the reply's failure.
func TestReplyThatFailsDeadLetters(t *testing.T) {
	sub := newTarget(t, answerEvent(http.StatusOK, nil))
	reply := newTarget(t, answer(http.StatusBadRequest, "no"))
	dls := newTarget(t, answer(http.StatusAccepted, ""))

	r := send(t, &Spec{Subscriber: *sub.addressable(), Reply: reply.addressable(), DeadLetter: dls.addressable(), Retry: retries(t, 2, "")}, never)

	if r.Err != nil || !r.DeadLettered || r.SubscriberStatus != http.StatusOK || r.SubscriberAttempts != 1 {
		t.Fatalf("result %+v, want the subscriber's 200 once, then dead-lettered", r)
	}
	reqs, evs := reply.received()
	if len(evs) != 1 || evs[0].ID() != "reply-1" {
		t.Fatalf("reply got %d requests, want the subscriber's answer once (400 is not retried)", len(evs))
	}
	if reqs[0].Header.Get("Prefer") != "" || reqs[0].Header.Get("Knative-Passed") != "yes" || reqs[0].Header.Get("Kn-Namespace") != "ns" {
		t.Errorf("reply headers %v: want Knative-Passed and Kn-Namespace, no Prefer", reqs[0].Header)
	}
	_, dead := dls.received()
	if len(dead) != 1 || dead[0].ID() != "e-1" {
		t.Fatalf("dead-letter sink got %v, want the original event", dead)
	}
	if got := dead[0].Extensions()["knativeerrordest"]; got != reply.URL+"/path" {
		t.Errorf("knativeerrordest = %v, want the reply's URL", got)
	}
	subReqs, _ := sub.received()
	if subReqs[0].Header.Get("Prefer") != "reply" || subReqs[0].Header.Get("Kn-Namespace") != "ns" {
		t.Errorf("subscriber headers %v: want Prefer: reply and Kn-Namespace", subReqs[0].Header)
	}
}

// Once the session ends, a delivery that would retry, or go on to the
// dead-letter sink, gives up: the partition's next owner delivers it again.
func TestStopGivesUpInsteadOfRetrying(t *testing.T) {
	for _, n := range []int32{5, 0} {
		sub := newTarget(t, answer(http.StatusServiceUnavailable, ""))
		dls := newTarget(t, answer(http.StatusAccepted, ""))

		r := send(t, &Spec{Subscriber: *sub.addressable(), DeadLetter: dls.addressable(), Retry: retries(t, n, "")}, func() bool { return true })

		if !errors.Is(r.Err, ErrStopped) || r.DeadLettered || r.SubscriberAttempts != 1 {
			t.Errorf("%d retries: result %+v, want ErrStopped after one attempt", n, r)
		}
		if reqs, _ := dls.received(); len(reqs) != 0 {
			t.Errorf("%d retries: the dead-letter sink got %d requests, want none", n, len(reqs))
		}
	}
}

// An attempt that outlasts the delivery's timeout is retried; one that
// comes in time counts.
func TestTimeoutPerAttempt(t *testing.T) {
	sub := newTarget(t, func(w http.ResponseWriter, n int) {
		if n == 1 {
			time.Sleep(500 * time.Millisecond)
		}
		w.WriteHeader(http.StatusAccepted)
	})
	r := send(t, &Spec{Subscriber: *sub.addressable(), Retry: retries(t, 1, "PT0.1S")}, never)
	if r.Err != nil || r.SubscriberAttempts != 2 || r.SubscriberStatus != http.StatusAccepted {
		t.Errorf("result %+v, want delivered at the second attempt", r)
	}
}

// A subscriber that cannot be reached, without a dead-letter sink: an error
// naming it, with no response code.
func TestUnreachableSubscriber(t *testing.T) {
	sub := newTarget(t, answer(http.StatusAccepted, ""))
	a := sub.addressable()
	sub.Close()
	r := send(t, &Spec{Subscriber: *a, Retry: retries(t, 0, "")}, never)
	if r.Err == nil || !strings.Contains(r.Err.Error(), a.URL.String()) || r.SubscriberStatus != kncloudevents.NoResponse {
		t.Errorf("result %+v, want an error naming %s and no status", r, a.URL)
	}
}

// The subscriber's request carries the trace context of the delivery's span,
// a child of the caller's.
func TestTraceContextPropagates(t *testing.T) {
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() { otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator()) })
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	sub := newTarget(t, answer(http.StatusAccepted, ""))

	ctx, parent := tp.Tracer("test").Start(context.Background(), "parent")
	s := NewSender(eventingtls.ClientConfig{}, nil, tp)
	r := s.Send(ctx, binding.ToMessage(testEvent()), &Spec{Subscriber: *sub.addressable(), Retry: retries(t, 0, "")}, never)
	parent.End()
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	reqs, _ := sub.received()
	tp.ForceFlush(context.Background())
	var send sdktrace.ReadOnlySpan
	for _, s := range spans.Ended() {
		if strings.HasPrefix(s.Name(), "send ") {
			send = s
		}
	}
	if send == nil {
		t.Fatalf("no send span among %d", len(spans.Ended()))
	}
	if send.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("send span's parent %s, want %s", send.Parent().SpanID(), parent.SpanContext().SpanID())
	}
	want := "00-" + send.SpanContext().TraceID().String() + "-" + send.SpanContext().SpanID().String() + "-01"
	if got := reqs[0].Header.Get("Traceparent"); got != want {
		t.Errorf("traceparent %q, want %q", got, want)
	}
}

// Retry-After lengthens the wait of a 429 or 503 up to RetryAfterMax, only
// when RetryAfterMax is set, and never shortens the policy's backoff.
func TestBackoffHonoursRetryAfter(t *testing.T) {
	five, ten := 5*time.Second, 10*time.Second
	rc := func(base time.Duration, maxAfter *time.Duration) *kncloudevents.RetryConfig {
		return &kncloudevents.RetryConfig{RetryAfterMaxDuration: maxAfter,
			Backoff: func(int, *http.Response) time.Duration { return base }}
	}
	resp := func(code int, after string) *http.Response {
		return &http.Response{StatusCode: code, Header: http.Header{"Retry-After": {after}}}
	}
	date := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	for name, tc := range map[string]struct {
		rc   *kncloudevents.RetryConfig
		resp *http.Response
		want time.Duration
	}{
		"opted out":          {rc(time.Second, nil), resp(429, "7"), time.Second},
		"seconds":            {rc(time.Second, &ten), resp(429, "7"), 7 * time.Second},
		"capped":             {rc(time.Second, &five), resp(503, "7"), five},
		"date, capped":       {rc(time.Second, &ten), resp(503, date), ten},
		"backoff is longer":  {rc(8*time.Second, &ten), resp(429, "7"), 8 * time.Second},
		"other codes ignore": {rc(time.Second, &ten), resp(500, "7"), time.Second},
		"invalid":            {rc(time.Second, &ten), resp(429, "soon"), time.Second},
		"no response":        {rc(time.Second, &ten), nil, time.Second},
	} {
		if got := backoff(tc.rc, 0, tc.resp); got != tc.want {
			t.Errorf("%s: backoff %v, want %v", name, got, tc.want)
		}
	}
}

// An answer larger than the reply may carry is a failure of the reply: the
// reply gets nothing and the dead-letter sink the original event. Without a
// reply, the answer is not read at all and the event is delivered.
func TestAnswerLargerThanAnEventFailsTheReply(t *testing.T) {
	sub := newTarget(t, answerEvent(http.StatusOK, make([]byte, 64<<10)))
	reply := newTarget(t, answer(http.StatusAccepted, ""))
	dls := newTarget(t, answer(http.StatusAccepted, ""))

	r := send(t, &Spec{Subscriber: *sub.addressable(), Reply: reply.addressable(), DeadLetter: dls.addressable(),
		Retry: retries(t, 0, ""), MaxReplyBytes: 1024}, never)
	if r.Err != nil || !r.DeadLettered || r.SubscriberStatus != http.StatusOK {
		t.Fatalf("result %+v, want the subscriber's 200, then dead-lettered", r)
	}
	if reqs, _ := reply.received(); len(reqs) != 0 {
		t.Errorf("the reply got %d requests, want none", len(reqs))
	}
	_, dead := dls.received()
	if len(dead) != 1 || dead[0].ID() != "e-1" {
		t.Fatalf("dead-letter sink got %v, want the original event", dead)
	}
	data, _ := base64.StdEncoding.DecodeString(dead[0].Extensions()["knativeerrordata"].(string))
	if !strings.Contains(string(data), ErrAnswerTooLarge.Error()) {
		t.Errorf("knativeerrordata %q, want it to say the answer was too large", data)
	}

	r = send(t, &Spec{Subscriber: *sub.addressable(), Retry: retries(t, 0, ""), MaxReplyBytes: 1024}, never)
	if r.Err != nil || r.DeadLettered {
		t.Errorf("without a reply: result %+v, want delivered", r)
	}
}

// A 3xx is a failed attempt, as the data-plane contract's table says, not a
// redirect to follow: a subscriber behind a login proxy would otherwise take
// a body-less GET of the login page for the event. The contract does not
// retry 3xx; the dead-letter sink is told the 3xx.
func TestRedirectIsAFailure(t *testing.T) {
	var followed sync.Mutex
	okRequests := 0
	sub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ok" {
			followed.Lock()
			okRequests++
			followed.Unlock()
			return
		}
		http.Redirect(w, r, "/ok", http.StatusFound)
	}))
	t.Cleanup(sub.Close)
	dls := newTarget(t, answer(http.StatusAccepted, ""))
	u, _ := apis.ParseURL(sub.URL + "/path")

	r := send(t, &Spec{Subscriber: duckv1.Addressable{URL: u}, DeadLetter: dls.addressable(), Retry: retries(t, 2, "")}, never)

	if r.Err != nil || !r.DeadLettered || r.SubscriberStatus != http.StatusFound || r.SubscriberAttempts != 1 {
		t.Errorf("result %+v, want the subscriber's 302 once (3xx is not retried), then dead-lettered", r)
	}
	followed.Lock()
	defer followed.Unlock()
	if okRequests != 0 {
		t.Errorf("the redirect was followed %d times, want never", okRequests)
	}
	_, dead := dls.received()
	if len(dead) != 1 || dead[0].ID() != "e-1" {
		t.Fatalf("dead-letter sink got %v, want the event", dead)
	}
	if got := dead[0].Extensions()["knativeerrorcode"]; got != int32(302) && got != "302" {
		t.Errorf("knativeerrorcode = %v, want 302", got)
	}
}

// A 202 is never a reply, even when it carries an event: the contract says
// it must not be processed as one. A 200 with the same event is.
func TestAcceptedIsNeverAReply(t *testing.T) {
	for code, want := range map[int]int{http.StatusAccepted: 0, http.StatusOK: 1} {
		sub := newTarget(t, answerEvent(code, []byte(`{"reply":true}`)))
		reply := newTarget(t, answer(http.StatusAccepted, ""))

		r := send(t, &Spec{Subscriber: *sub.addressable(), Reply: reply.addressable(), Retry: retries(t, 0, "")}, never)

		if r.Err != nil || r.DeadLettered || r.SubscriberStatus != code {
			t.Errorf("%d: result %+v, want delivered", code, r)
		}
		if _, evs := reply.received(); len(evs) != want {
			t.Errorf("%d with an event: the reply got %d events, want %d", code, len(evs), want)
		}
	}
}

// tokens is a token source whose n-th token (from 1) is "token-n", or an
// error when fails says so.
type tokens struct {
	mu    sync.Mutex
	calls int
	fails func(n int) bool
}

func (ts *tokens) GetJWT(types.NamespacedName, string) (string, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.calls++
	if ts.fails != nil && ts.fails(ts.calls) {
		return "", fmt.Errorf("token request %d refused", ts.calls)
	}
	return fmt.Sprintf("token-%d", ts.calls), nil
}

func (ts *tokens) count() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.calls
}

// oidcSpec sends to sub as a service account, with an audience.
func oidcSpec(sub *target, n int32, t *testing.T) *Spec {
	a := sub.addressable()
	a.Audience = ptr.To("subscriber")
	return &Spec{Subscriber: *a, ServiceAccount: &types.NamespacedName{Namespace: "ns", Name: "sa"}, Retry: retries(t, n, "")}
}

func authorizations(tg *target) []string {
	reqs, _ := tg.received()
	var got []string
	for _, r := range reqs {
		got = append(got, r.Header.Get("Authorization"))
	}
	return got
}

// A token that cannot be had is a failed attempt, retried as the
// subscriber's policy says, not the end of the delivery.
func TestTokenFailureIsRetried(t *testing.T) {
	sub := newTarget(t, answer(http.StatusAccepted, ""))
	ts := &tokens{fails: func(n int) bool { return n <= 2 }}

	r := sendWithTokens(t, ts, oidcSpec(sub, 3, t), never)

	if r.Err != nil || r.SubscriberAttempts != 3 || r.SubscriberStatus != http.StatusAccepted {
		t.Errorf("result %+v, want delivered at the third attempt", r)
	}
	if got := authorizations(sub); len(got) != 1 || got[0] != "Bearer token-3" {
		t.Errorf("the subscriber was sent %q, want one request with the third token", got)
	}
	if ts.count() != 3 {
		t.Errorf("%d token requests, want 3", ts.count())
	}
}

// A token that can never be had fails the delivery after every attempt:
// without a dead-letter sink, an error; with one, the dead-letter sink gets
// the event, told of the failure as of any that has no response.
func TestTokenNeverHadFailsAfterTheRetries(t *testing.T) {
	sub := newTarget(t, answer(http.StatusAccepted, ""))
	dls := newTarget(t, answer(http.StatusAccepted, ""))
	always := func(int) bool { return true }

	r := sendWithTokens(t, &tokens{fails: always}, oidcSpec(sub, 2, t), never)
	if r.Err == nil || r.DeadLettered || r.SubscriberAttempts != 3 || r.SubscriberStatus != kncloudevents.NoResponse {
		t.Errorf("without a dead-letter sink: result %+v, want an error after 3 attempts, no response", r)
	}

	spec := oidcSpec(sub, 2, t)
	spec.DeadLetter = dls.addressable() // no audience: no token
	r = sendWithTokens(t, &tokens{fails: always}, spec, never)
	if r.Err != nil || !r.DeadLettered || r.SubscriberAttempts != 3 {
		t.Errorf("with a dead-letter sink: result %+v, want dead-lettered after 3 attempts", r)
	}
	if reqs, _ := sub.received(); len(reqs) != 0 {
		t.Errorf("the subscriber got %d requests, want none", len(reqs))
	}
	_, dead := dls.received()
	if len(dead) != 1 {
		t.Fatalf("dead-letter sink got %d events, want 1", len(dead))
	}
	ext := dead[0].Extensions()
	data, _ := base64.StdEncoding.DecodeString(ext["knativeerrordata"].(string))
	if got := ext["knativeerrorcode"]; (got != int32(500) && got != "500") || !strings.Contains(string(data), "token request 3 refused") {
		t.Errorf("knativeerrorcode %v, knativeerrordata %q: want 500 and the last token error", got, data)
	}
}

// Every attempt carries a token of its own, so that a long retry cycle
// never sends one that expired since the first.
func TestEveryAttemptGetsItsToken(t *testing.T) {
	sub := newTarget(t, func(w http.ResponseWriter, n int) {
		if n < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	r := sendWithTokens(t, &tokens{}, oidcSpec(sub, 3, t), never)
	if r.Err != nil || r.SubscriberAttempts != 3 {
		t.Errorf("result %+v, want delivered at the third attempt", r)
	}
	want := []string{"Bearer token-1", "Bearer token-2", "Bearer token-3"}
	if got := authorizations(sub); !slices.Equal(got, want) {
		t.Errorf("the subscriber was sent %q, want %q", got, want)
	}
}
