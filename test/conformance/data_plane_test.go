//go:build e2e

package conformance

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/eventing/pkg/apis/feature"
	"knative.dev/pkg/network"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
	"github.com/knative-kafka/knative-kafka/test/devenv"
	"github.com/knative-kafka/knative-kafka/test/framework"
)

// fullEvent is an event with every optional attribute, typed extensions and
// data (as cloudevents/sdk-go's test.FullEvent), with a fresh id.
func fullEvent(t *testing.T, version string) cloudevents.Event {
	at := time.Date(2020, 3, 21, 12, 34, 56, 780000000, time.UTC)
	e := cloudevents.NewEvent(version)
	e.SetID(uniqueID(t))
	e.SetType("com.example.FullEvent")
	e.SetSource("https://example.com/source")
	e.SetTime(at)
	e.SetDataSchema("https://example.com/schema")
	e.SetSubject("topic")
	e.SetExtension("exbool", true)
	e.SetExtension("exint", 42)
	e.SetExtension("exstring", "exstring")
	e.SetExtension("exbinary", []byte{0, 1, 2, 3})
	e.SetExtension("exurl", "https://example.com/source")
	e.SetExtension("extime", at)
	if err := e.SetData("text/json", "hello"); err != nil {
		t.Fatal(err)
	}
	return e
}

// deliverToMain sends e to the shared main channel and returns it as its subscriber received it.
func deliverToMain(t *testing.T, e cloudevents.Event, structured bool, header http.Header) framework.Received {
	t.Helper()
	main, _, _ := sharedChannels(t)
	mustAccept(t, main.target(), e, structured, header)
	return receivedID(t, main.sinks[0], e.ID())
}

// checkScheme checks an address is HTTP(S).
func checkScheme(u *url.URL) error {
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("address %v is neither http nor https", u)
	}
	return nil
}

// Every Channel MUST expose either an HTTP or HTTPS endpoint.
func TestMust_HTTPOrHTTPSEndpoint(t *testing.T) {
	rule(t, must, "Every Channel MUST expose either an HTTP or HTTPS endpoint.")
	main, _, _ := sharedChannels(t)
	kc := getChannel(t, main.ns, main.name)
	if kc.Status.Address == nil {
		t.Fatal("no status.address")
	}
	check(t, must, checkScheme(kc.Status.Address.URL.URL()))
	// And the endpoint really serves HTTP.
	mustAccept(t, main.target(), framework.NewEvent(uniqueID(t), "conformance.endpoint", nil), false, nil)
}

// Every Channel MUST expose either an HTTP or HTTPS endpoint; under Knative's
// strict transport encryption, the HTTPS one alone, which the MAY rule on
// ports lets sit on a port other than 443.
func TestMust_HTTPSEndpointUnderStrictTransportEncryption(t *testing.T) {
	rule(t, must, "Every Channel MUST expose either an HTTP or HTTPS endpoint.")
	rule(t, may, "The HTTP(S) endpoint MAY be on any port, not just the standard 80 and 443.")
	ns := env.Namespace(t, dnsName(t))
	env.ReceiverCertificate(t, kafkatest.NewPKI(t, network.GetServiceHostname(contract.ReceiverName, devenv.SystemNamespace)))
	env.SetTransportEncryption(t, feature.Strict)
	env.CreateChannel(t, ns, "ch", v1beta1.KafkaChannelSpec{})
	sink := framework.NewSink(t)
	env.Subscribe(t, ns, "sub", "ch", framework.SubscriptionOptions{Subscriber: sink.URL})
	var kc *v1beta1.KafkaChannel
	err := framework.Poll(time.Minute, func() (bool, error) {
		kc = getChannel(t, ns, "ch")
		return kc.IsReady() && kc.Status.Address != nil && kc.Status.Address.URL.Scheme == "https", nil
	})
	if err != nil {
		t.Fatalf("no https status.address under strict transport encryption: %+v", kc.Status.Address)
	}
	check(t, must, checkScheme(kc.Status.Address.URL.URL()))
	https, err := url.Parse(env.MustReceiverHTTPSURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("status.address %s; the receiver serves HTTPS on port %s here (8443 behind Service port 443 in a cluster)", kc.Status.Address.URL, https.Port())
	id := uniqueID(t)
	var code int
	_ = framework.Poll(30*time.Second, func() (bool, error) { // until the mode reached the receiver
		code, err = env.SendTLS(t, *kc.Status.Address, framework.NewEvent(id, "conformance.https", nil))
		return code != http.StatusNotFound, nil
	})
	if err != nil || code != http.StatusAccepted {
		t.Fatalf("sending over HTTPS to %s: status %d, err %v; want 202", kc.Status.Address.URL, code, err)
	}
	sink.WaitForID(t, time.Minute, id)
}

// The endpoint(s) MUST conform to 0.3 or 1.0 CloudEvents specification.
func TestMust_CloudEventsVersions03And10(t *testing.T) {
	rule(t, must, "The endpoint(s) MUST conform to 0.3 or 1.0 CloudEvents specification.")
	for _, v := range []string{cloudevents.VersionV03, cloudevents.VersionV1} {
		for _, structured := range []bool{false, true} {
			got := deliverToMain(t, fullEvent(t, v), structured, nil)
			t.Logf("specversion %s structured=%v: accepted and delivered", v, structured)
			if got.Event.SpecVersion() != v {
				t.Errorf("specversion %s delivered as %s", v, got.Event.SpecVersion())
			}
		}
	}
}

// The Channel MUST NOT perform an upgrade of the passed in version. It MUST emit the event with the same version.
func TestMustNot_UpgradeEventVersion(t *testing.T) {
	rule(t, mustNot, "The Channel MUST NOT perform an upgrade of the passed in version. It MUST emit the event with the same version.")
	got := deliverToMain(t, fullEvent(t, cloudevents.VersionV03), false, nil)
	if v := got.Event.SpecVersion(); v != cloudevents.VersionV03 {
		t.Fatalf("0.3 event emitted as specversion %s", v)
	}
}

func binaryHeaders(t *testing.T, contentType string) (http.Header, string) {
	id := uniqueID(t)
	h := http.Header{}
	h.Set("ce-specversion", "1.0")
	h.Set("ce-type", "sometype")
	h.Set("ce-source", "conformance.request.sender.test.knative.dev")
	h.Set("ce-id", id)
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return h, id
}

// It MUST support Binary Content Mode of the HTTP Protocol Binding for CloudEvents.
func TestMust_BinaryContentMode(t *testing.T) {
	rule(t, must, "It MUST support Binary Content Mode of the HTTP Protocol Binding for CloudEvents.")
	main, _, _ := sharedChannels(t)
	for _, ct := range []string{"application/vnd.apache.thrift.binary", "application/xml", "application/json"} {
		h, id := binaryHeaders(t, ct)
		if code := sendRaw(t, main.target(), http.MethodPost, h, []byte("{}")); code != http.StatusAccepted {
			t.Errorf("binary event with content type %s: status %d, want 202", ct, code)
			continue
		}
		got := receivedID(t, main.sinks[0], id)
		if string(got.Event.Data()) != "{}" || got.Event.DataContentType() != ct {
			t.Errorf("binary event with content type %s delivered as %q with data %q", ct, got.Event.DataContentType(), got.Event.Data())
		}
	}
}

// It MUST support Structured Content Mode of the HTTP Protocol Binding for CloudEvents.
func TestMust_StructuredContentMode(t *testing.T) {
	rule(t, must, "It MUST support Structured Content Mode of the HTTP Protocol Binding for CloudEvents.")
	main, _, _ := sharedChannels(t)
	id := uniqueID(t)
	body := fmt.Sprintf(`{
    "specversion" : "1.0",
    "type" : "sometype",
    "source" : "json.request.sender.test.knative.dev",
    "id" : %q,
    "time" : "2020-07-06T09:23:12Z",
    "datacontenttype" : "application/json",
    "data" : {
        "message" : "helloworld"
    }
}`, id)
	h := http.Header{"Content-Type": {"application/cloudevents+json"}}
	if code := sendRaw(t, main.target(), http.MethodPost, h, []byte(body)); code != http.StatusAccepted {
		t.Fatalf("structured event: status %d, want 202", code)
	}
	got := receivedID(t, main.sinks[0], id)
	if !strings.Contains(strings.ReplaceAll(string(got.Event.Data()), " ", ""), `"message":"helloworld"`) {
		t.Errorf("structured event delivered with data %q", got.Event.Data())
	}
}

// Channels MAY expose other, non-HTTP endpoints in addition to HTTP at their discretion.
func TestMay_NonHTTPEndpoints(t *testing.T) {
	rule(t, may, "Channels MAY expose other, non-HTTP endpoints in addition to HTTP at their discretion.")
	main, _, _ := sharedChannels(t)
	kc := getChannel(t, main.ns, main.name)
	var other []string
	for _, a := range kc.Status.Addresses {
		if checkScheme(a.URL.URL()) != nil {
			other = append(other, a.URL.String())
		}
		t.Logf("status.addresses: %s", a.URL)
	}
	if len(other) == 0 {
		notMet(t, may, "the channel exposes only HTTP(S) endpoints (%d in status.addresses)", len(kc.Status.Addresses))
	}
	t.Logf("non-HTTP endpoints: %v", other)
	check(t, may, nil)
}

// When dispatching the event, the channel MAY use a different HTTP Message mode of the one used by the event.
func TestMay_DifferentHTTPMessageModeOnDispatch(t *testing.T) {
	rule(t, may, "When dispatching the event, the channel MAY use a different HTTP Message mode of the one used by the event.")
	modes := map[bool]string{}
	for _, structured := range []bool{false, true} {
		got := deliverToMain(t, fullEvent(t, cloudevents.VersionV1), structured, nil)
		modes[structured] = got.Header.Get(modeHeader)
	}
	t.Logf("sent binary -> delivered %s; sent structured -> delivered %s", modes[false], modes[true])
	if modes[false] == "binary" && modes[true] == "structured" {
		notMet(t, may, "the channel keeps the sender's HTTP message mode")
	}
}

// The HTTP(S) endpoint MAY be on any port, not just the standard 80 and 443.
func TestMay_AnyPort(t *testing.T) {
	rule(t, may, "The HTTP(S) endpoint MAY be on any port, not just the standard 80 and 443.")
	main, _, _ := sharedChannels(t)
	kc := getChannel(t, main.ns, main.name)
	u, err := url.Parse(env.MustReceiverURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("status.address %s; the receiver serving it listens on port %s here (the PORT env of its Deployment, 8080 behind Service port 80 in a cluster)", kc.Status.Address.URL, u.Port())
	if u.Port() == "80" || u.Port() == "443" {
		notMet(t, may, "the receiver runs on a standard port")
	}
	// An event through the non-standard port is accepted.
	mustAccept(t, main.target(), framework.NewEvent(uniqueID(t), "conformance.port", nil), false, nil)
}

// malformed is one request that does not carry a valid CloudEvent.
type malformed struct {
	what   string
	header http.Header
	body   string
}

func malformedRequests(t *testing.T) []malformed {
	var out []malformed
	for _, drop := range []string{"ce-specversion", "ce-type", "ce-source", "ce-id"} {
		h, _ := binaryHeaders(t, "application/json")
		h.Del(drop)
		out = append(out, malformed{"binary without " + drop, h, "{}"})
	}
	h, _ := binaryHeaders(t, "application/json")
	h.Set("ce-specversion", "9.9")
	out = append(out, malformed{"binary with unknown specversion 9.9", h, "{}"})
	structured := http.Header{"Content-Type": {"application/cloudevents+json"}}
	out = append(out,
		malformed{"structured, body not JSON", structured, `{"specversion": "1.0", "id": `},
		malformed{"structured without id", structured, `{"specversion":"1.0","type":"t","source":"s"}`},
		malformed{"no CloudEvent at all", http.Header{"Content-Type": {"text/plain"}}, "hello"},
	)
	return out
}

// checkMalformed sends every malformed request and checks the status.
func checkMalformed(t *testing.T, want string, ok func(int) bool) {
	main, _, _ := sharedChannels(t)
	for _, m := range malformedRequests(t) {
		code := sendRaw(t, main.target(), http.MethodPost, m.header, []byte(m.body))
		t.Logf("%s: %d", m.what, code)
		if !ok(code) {
			t.Errorf("%s: status %d, want %s", m.what, code, want)
		}
	}
}

// If a Channel receives an event queueing request and is unable to parse a valid CloudEvent, then it MUST reject the request.
func TestMust_RejectUnparsableCloudEvent(t *testing.T) {
	rule(t, must, "If a Channel receives an event queueing request and is unable to parse a valid CloudEvent, then it MUST reject the request.")
	checkMalformed(t, "4xx", func(c int) bool { return c >= 400 && c <= 499 })
}

// If a Channel receives an event queueing request and is unable to parse a valid CloudEvent, then it MUST respond with 400 Bad Request.
func TestMust_Malformed400(t *testing.T) {
	rule(t, must, "If a Channel receives an event queueing request and is unable to parse a valid CloudEvent, then it MUST respond with 400 Bad Request.")
	checkMalformed(t, "400", func(c int) bool { return c == http.StatusBadRequest })
}

// Channels MUST reject all HTTP event queueing requests with a method other than POST responding with HTTP status code 405 Method Not Supported.
func TestMust_Reject405NonPost(t *testing.T) {
	rule(t, must, "Channels MUST reject all HTTP event queueing requests with a method other than POST responding with HTTP status code 405 Method Not Supported.")
	main, _, _ := sharedChannels(t)
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead} {
		for _, byHost := range []bool{false, true} {
			h, _ := binaryHeaders(t, "application/json")
			tg := main.target()
			tg.byHost = byHost
			if code := sendRaw(t, tg, method, h, []byte("{}")); code != http.StatusMethodNotAllowed {
				t.Errorf("%s (byHost=%v): status %d, want 405", method, byHost, code)
			}
		}
	}
}

// The HTTP event queueing request's URL MUST correspond to a single, unique Channel at any given moment in time.
func TestMust_URLUniqueChannel(t *testing.T) {
	rule(t, must, "The HTTP event queueing request's URL MUST correspond to a single, unique Channel at any given moment in time.")
	main, multi, other := sharedChannels(t)
	// main and other share a name in two namespaces; main and multi share a namespace.
	channels := []*subscribed{main, multi, other}
	sent := map[*subscribed][]string{}
	for _, c := range channels {
		for _, byHost := range []bool{false, true} {
			e := framework.NewEvent(uniqueID(t), "conformance.unique", nil)
			tg := c.target()
			tg.byHost = byHost
			mustAccept(t, tg, e, false, nil)
			sent[c] = append(sent[c], e.ID())
		}
	}
	for _, c := range channels {
		for _, id := range sent[c] {
			receivedID(t, c.sinks[0], id)
		}
	}
	for _, c := range channels {
		markerThrough(t, c.target(), c.sinks[0])
	}
	for _, c := range channels {
		for _, d := range channels {
			if c == d {
				continue
			}
			for _, id := range sent[d] {
				if n := len(framework.WithID(c.sinks[0].Received(), id)); n > 0 {
					t.Errorf("event %s sent to %s/%s also reached a subscriber of %s/%s", id, d.ns, d.name, c.ns, c.name)
				}
			}
		}
	}
}

// This MAY be done via the host, path, query string, or any combination of these.
func TestMay_RoutingByHostPathQuery(t *testing.T) {
	rule(t, may, "This MAY be done via the host, path, query string, or any combination of these.")
	main, _, _ := sharedChannels(t)
	var ways []string
	for _, byHost := range []bool{false, true} {
		e := framework.NewEvent(uniqueID(t), "conformance.routing", nil)
		tg := main.target()
		tg.byHost = byHost
		if code := sendEvent(t, tg, e, false, nil); code != http.StatusAccepted {
			continue
		}
		receivedID(t, main.sinks[0], e.ID())
		ways = append(ways, map[bool]string{false: "path /<namespace>/<name>", true: "host <name>-kn-channel.<namespace>.svc.cluster.local"}[byHost])
	}
	if len(ways) == 0 {
		notMet(t, may, "neither host nor path routing delivered an event")
	}
	t.Logf("routing works by %s", strings.Join(ways, " and by "))
}

// If a Channel receives a request that does not correspond to a known channel, then it MUST respond with a 404 Not Found.
func TestMust_Unknown404(t *testing.T) {
	rule(t, must, "If a Channel receives a request that does not correspond to a known channel, then it MUST respond with a 404 Not Found.")
	main, _, _ := sharedChannels(t)
	for _, tg := range []target{
		{ns: main.ns, name: "no-such-channel"},
		{ns: "no-such-namespace", name: main.name},
		{ns: main.ns, name: "no-such-channel", byHost: true},
		{ns: "no-such-namespace", name: main.name, byHost: true},
	} {
		if code := sendEvent(t, tg, framework.NewEvent(uniqueID(t), "conformance.unknown", nil), false, nil); code != http.StatusNotFound {
			t.Errorf("%s/%s (byHost=%v): status %d, want 404", tg.ns, tg.name, tg.byHost, code)
		}
	}
}

// The Channel MUST respond with 202 Accepted if the event queueing request is accepted by the server.
func TestMust_Accepted202(t *testing.T) {
	rule(t, must, "The Channel MUST respond with 202 Accepted if the event queueing request is accepted by the server.")
	main, _, _ := sharedChannels(t)
	for _, structured := range []bool{false, true} {
		for _, byHost := range []bool{false, true} {
			e := framework.NewEvent(uniqueID(t), "conformance.accepted", map[string]string{"hello": "world"})
			tg := main.target()
			tg.byHost = byHost
			mustAccept(t, tg, e, structured, nil)
			receivedID(t, main.sinks[0], e.ID())
		}
	}
}

// Channels MUST output CloudEvents.
func TestMust_OutputCloudEvents(t *testing.T) {
	rule(t, must, "Channels MUST output CloudEvents.")
	for _, structured := range []bool{false, true} {
		got := deliverToMain(t, fullEvent(t, cloudevents.VersionV1), structured, nil)
		// The sink only records requests it could read as a CloudEvent.
		if err := got.Event.Validate(); err != nil {
			t.Errorf("delivered event is not a valid CloudEvent: %v", err)
		}
		t.Logf("sent structured=%v, received a valid CloudEvent in %s mode", structured, got.Header.Get(modeHeader))
	}
}

// The output MUST match the CloudEvent version of the Input.
func TestMust_OutputVersionMatchesInput(t *testing.T) {
	rule(t, must, "The output MUST match the CloudEvent version of the Input.")
	for _, v := range []string{cloudevents.VersionV03, cloudevents.VersionV1} {
		for _, structured := range []bool{false, true} {
			if got := deliverToMain(t, fullEvent(t, v), structured, nil).Event.SpecVersion(); got != v {
				t.Errorf("input specversion %s (structured=%v) output as %s", v, structured, got)
			}
		}
	}
}

// checkUnaltered sends full events in each version and mode and fails on any difference at the subscriber.
func checkUnaltered(t *testing.T) {
	for _, v := range []string{cloudevents.VersionV03, cloudevents.VersionV1} {
		for _, structured := range []bool{false, true} {
			sent := fullEvent(t, v)
			got := deliverToMain(t, sent, structured, nil)
			for _, d := range eventDiff(sent, got.Event) {
				t.Errorf("specversion %s structured=%v: %s", v, structured, d)
			}
		}
	}
}

// Channels MUST NOT alter an event that goes through them.
func TestMustNot_AlterEvent(t *testing.T) {
	rule(t, mustNot, "Channels MUST NOT alter an event that goes through them.")
	checkUnaltered(t)
}

// All CloudEvent attributes, including the data attribute, MUST be received at the subscriber identical to how they were received by the Channel.
func TestMust_AttributesIdentical(t *testing.T) {
	rule(t, must, "All CloudEvent attributes, including the data attribute, MUST be received at the subscriber identical to how they were received by the Channel.")
	checkUnaltered(t)
	// Binary data too, byte for byte.
	e := framework.NewEvent(uniqueID(t), "conformance.bytes", nil)
	data := []byte{0, 1, 2, 0xfe, 0xff, '\n', 0}
	_ = e.SetData("application/octet-stream", data)
	got := deliverToMain(t, e, false, nil)
	if string(got.Event.Data()) != string(data) {
		t.Errorf("binary data %v received as %v", data, got.Event.Data())
	}
}

// Every Channel SHOULD support sending events via Binary Content Mode or Structured Content Mode of the HTTP Protocol Binding for CloudEvents.
func TestShould_SendBinaryOrStructured(t *testing.T) {
	rule(t, should, "Every Channel SHOULD support sending events via Binary Content Mode or Structured Content Mode of the HTTP Protocol Binding for CloudEvents.")
	for _, structured := range []bool{false, true} {
		got := deliverToMain(t, fullEvent(t, cloudevents.VersionV1), structured, nil)
		mode := got.Header.Get(modeHeader)
		if mode == "binary" && got.Header.Get("Ce-Id") == "" {
			notMet(t, should, "delivery is neither binary nor structured mode: headers %v", got.Header)
		}
		t.Logf("sent structured=%v: delivered in %s content mode", structured, mode)
	}
}

// Channels MUST send events to all subscribers which are marked with a status of ready: True in the channel's status.subscribers.
func TestMust_SendToAllReadySubscribers(t *testing.T) {
	rule(t, must, "Channels MUST send events to all subscribers which are marked with a status of ready: True in the channel's status.subscribers.")
	_, multi, _ := sharedChannels(t)
	kc := getChannel(t, multi.ns, multi.name)
	ready := 0
	for _, s := range kc.Status.Subscribers {
		if s.Ready == corev1.ConditionTrue {
			ready++
		}
	}
	if ready != len(multi.sinks) {
		t.Fatalf("%d of %d subscribers ready in status.subscribers: %+v", ready, len(multi.sinks), kc.Status.Subscribers)
	}
	e := framework.NewEvent(uniqueID(t), "conformance.all", nil)
	mustAccept(t, multi.target(), e, false, nil)
	for i, s := range multi.sinks {
		receivedID(t, s, e.ID())
		t.Logf("subscriber %d received %s", i, e.ID())
	}
}

// The events MUST be sent to the subscriberURI field of spec.subscribers.
func TestMust_SendToSubscriberURI(t *testing.T) {
	rule(t, must, "The events MUST be sent to the subscriberURI field of spec.subscribers.")
	_, multi, _ := sharedChannels(t)
	kc := getChannel(t, multi.ns, multi.name)
	uris := map[string]bool{}
	for _, s := range kc.Spec.Subscribers {
		uris[s.SubscriberURI.String()] = true
	}
	e := framework.NewEvent(uniqueID(t), "conformance.uri", nil)
	mustAccept(t, multi.target(), e, false, nil)
	for i, s := range multi.sinks {
		if !uris[multi.subscriberURI(i)] {
			t.Errorf("spec.subscribers lacks subscriberUri %s: %v", multi.subscriberURI(i), kc.Spec.Subscribers)
		}
		got := receivedID(t, s, e.ID())
		if p := got.Header.Get(pathHeader); s.URL+p != multi.subscriberURI(i) {
			t.Errorf("event delivered to %s%s, want subscriberUri %s", s.URL, p, multi.subscriberURI(i))
		}
	}
}
