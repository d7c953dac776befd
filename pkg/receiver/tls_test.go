package receiver

import (
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"knative.dev/eventing/pkg/apis/feature"

	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

// Knative's transport-encryption decides which listener takes events:
// plain HTTP alone when disabled, both when permissive, HTTPS alone when
// strict. The other listener answers 404 (eventing's own servers' answer,
// which senders retry) and stores nothing; probes answer on both.
func TestTransportEncryptionDecidesTheListener(t *testing.T) {
	broker := kafkatest.Start(t, kfake.SeedTopics(partitions, testTopic))
	pki := kafkatest.NewPKI(t)
	var mode atomic.Value
	r := startReceiver(t, testOptions{
		lister: channelLister(t, readyChannel(testNS, testChannel, testTopic)), brokers: broker.Addrs, waitReady: true,
		secure:   pki.ServerTLS(t),
		features: func() feature.Flags { return feature.Flags{feature.TransportEncryption: mode.Load().(feature.Flag)} },
	})
	https := &http.Client{Transport: &http.Transport{TLSClientConfig: pki.ClientTLS(t)}}
	send := func(c *http.Client, base, id string) (int, string) {
		t.Helper()
		resp, err := do(t, c, binaryEvent(t, base+"/"+testNS+"/"+testChannel, id, nil, "{}"))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	tests := []struct {
		mode             feature.Flag
		plain, encrypted int
		refusal          string
	}{
		{feature.Disabled, http.StatusAccepted, http.StatusNotFound, "send events over plain HTTP"},
		{feature.Permissive, http.StatusAccepted, http.StatusAccepted, ""},
		{feature.Strict, http.StatusNotFound, http.StatusAccepted, "send events over HTTPS"},
	}
	want := map[string]int{}
	for _, tc := range tests {
		mode.Store(tc.mode)
		for _, side := range []struct {
			name   string
			client *http.Client
			url    string
			want   int
		}{{"http", http.DefaultClient, r.url, tc.plain}, {"https", https, r.secureURL, tc.encrypted}} {
			id := string(tc.mode) + "-" + side.name
			code, body := send(side.client, side.url, id)
			if code != side.want {
				t.Errorf("%s: %s answered %d, want %d", tc.mode, side.name, code, side.want)
			}
			if code == http.StatusAccepted {
				want[id] = 1
			} else if !strings.Contains(body, tc.refusal) {
				t.Errorf("%s: %s refused with %q, want it to say %q", tc.mode, side.name, body, tc.refusal)
			}
			probe, _ := http.NewRequest(http.MethodGet, side.url+ReadinessPath, nil)
			if resp, err := do(t, side.client, probe); err != nil || resp.StatusCode != http.StatusOK {
				t.Errorf("%s: readiness over %s: %v, %v", tc.mode, side.name, resp, err)
			}
		}
	}
	got := countIDs(t, kafkatest.Records(t, broker.Addrs, testTopic))
	if len(got) != len(want) {
		t.Errorf("topic holds %v, want exactly the accepted %v", got, want)
	}
	for id := range want {
		if got[id] != 1 {
			t.Errorf("accepted event %s stored %d times, want once", id, got[id])
		}
	}
}

// A client that does not trust the receiver's CA gets no answer at all: TLS
// is verified, not merely offered.
func TestHTTPSIsVerified(t *testing.T) {
	broker := kafkatest.Start(t, kfake.SeedTopics(partitions, testTopic))
	r := startReceiver(t, testOptions{
		lister: channelLister(t, readyChannel(testNS, testChannel, testTopic)), brokers: broker.Addrs, waitReady: true,
		secure:   kafkatest.NewPKI(t).ServerTLS(t),
		features: func() feature.Flags { return feature.Flags{feature.TransportEncryption: feature.Strict} },
	})
	other := &http.Client{Transport: &http.Transport{TLSClientConfig: kafkatest.NewPKI(t).ClientTLS(t)}}
	_, err := do(t, other, binaryEvent(t, r.secureURL+"/"+testNS+"/"+testChannel, "1", nil, "{}"))
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a client trusting another CA got %v, want a certificate error", err)
	}
}

// Under strict transport encryption a replica without a certificate could
// take no event: it is not ready, saying why, until the certificate comes, so
// that a rollout keeps the replicas that still serve one. Permissive mode
// still takes plain HTTP and stays ready.
func TestStrictWithoutCertificateIsNotReady(t *testing.T) {
	broker := kafkatest.Start(t, kfake.SeedTopics(partitions, testTopic))
	pki := kafkatest.NewPKI(t)
	var mode atomic.Value
	mode.Store(feature.Strict)
	var cert atomic.Pointer[tls.Certificate]
	r := startReceiver(t, testOptions{
		lister: channelLister(t, readyChannel(testNS, testChannel, testTopic)), brokers: broker.Addrs, waitReady: true,
		secure:   pki.ServerTLS(t),
		features: func() feature.Flags { return feature.Flags{feature.TransportEncryption: mode.Load().(feature.Flag)} },
		certificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			if c := cert.Load(); c != nil {
				return c, nil
			}
			return nil, errors.New("no certificate in the Secret")
		},
	})
	readiness := func() (int, string) {
		req, _ := http.NewRequest(http.MethodGet, r.url+ReadinessPath, nil)
		resp := mustDo(t, req)
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := readiness(); code != http.StatusServiceUnavailable || !strings.Contains(body, "no certificate in the Secret") {
		t.Errorf("strict without a certificate: readiness %d %q, want 503 with the reason", code, body)
	}
	mode.Store(feature.Permissive)
	if code, body := readiness(); code != http.StatusOK {
		t.Errorf("permissive without a certificate: readiness %d %q, want 200 (plain HTTP takes events)", code, body)
	}
	mode.Store(feature.Strict)
	c := pki.ServerTLS(t).Certificates[0]
	cert.Store(&c)
	if code, body := readiness(); code != http.StatusOK {
		t.Errorf("strict with a certificate: readiness %d %q, want 200", code, body)
	}
}
