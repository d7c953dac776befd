package delivery

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"k8s.io/utils/ptr"
	"knative.dev/eventing/pkg/eventingtls"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	"knative.dev/pkg/network"
)

// maxIdleConnsPerHost is how many idle connections are kept per host, as
// Knative's own dispatchers (InMemoryChannel, eventing-kafka) keep them.
// net/http keeps 2 by default, fewer than the deliveries a dispatcher has in
// flight to one host (a partition each, more unordered): the others would
// open a new connection per event. No bound on the total: a pool replica
// sends to as many hosts as it hosts subscribers, and an idle connection
// closes after the transport's 90 s anyway.
const maxIdleConnsPerHost = 100

// clients hold one transport per set of CA certificates that targets carry,
// so that targets share their connections to a host (a broker's filter
// serves every trigger under one host), and a target whose CA certificates
// change is sent through a transport that trusts the new ones at once.
// Eventing's trust bundles are read at every TLS handshake. A transport whose
// CA certificates no target carries any more only keeps idle connections,
// which close after 90 s.
type clients struct {
	trust eventingtls.ClientConfig

	mu         sync.Mutex
	transports map[string]*http.Transport
	clients    map[clientKey]*http.Client
}

// clientKey: a transport's CA certificates and the attempts' timeout.
type clientKey struct {
	ca      string
	timeout time.Duration
}

func newClients(trust eventingtls.ClientConfig) *clients {
	return &clients{trust: trust, transports: map[string]*http.Transport{}, clients: map[clientKey]*http.Client{}}
}

// get is a client for target whose every attempt ends after timeout (none when 0).
func (c *clients) get(target *duckv1.Addressable, timeout time.Duration) *http.Client {
	ca := ""
	if strings.EqualFold(target.URL.Scheme, "https") {
		ca = ptr.Deref(target.CACerts, "")
	}
	key := clientKey{ca: ca, timeout: timeout}
	c.mu.Lock()
	defer c.mu.Unlock()
	if client, ok := c.clients[key]; ok {
		return client
	}
	t, ok := c.transports[ca]
	if !ok {
		t = c.newTransport(ca)
		c.transports[ca] = t
	}
	client := &http.Client{Transport: t, Timeout: timeout, CheckRedirect: noRedirects}
	c.clients[key] = client
	return client
}

// noRedirects makes a 3xx the attempt's answer. The data-plane contract
// counts a 3xx as a failure; following it would take a subscriber behind a
// login proxy, whose redirect ends in a body-less GET of a login page that
// answers 200, for one that took the event.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func (c *clients) newTransport(ca string) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 0, maxIdleConnsPerHost
	cfg := eventingtls.ClientConfig{TrustBundleConfigMapLister: c.trust.TrustBundleConfigMapLister}
	if ca != "" {
		cfg.CACerts = &ca
	}
	t.DialTLSContext = func(ctx context.Context, network_, addr string) (net.Conn, error) {
		tlsConfig, err := eventingtls.GetTLSClientConfig(cfg)
		if err != nil {
			return nil, err
		}
		return network.DialTLSWithBackOff(ctx, network_, addr, tlsConfig)
	}
	return t
}
