package dispatcher

import (
	"strings"
	"sync"

	"go.opentelemetry.io/otel"
	"k8s.io/utils/ptr"
	"knative.dev/eventing/pkg/kncloudevents"
	duckv1 "knative.dev/pkg/apis/duck/v1"
)

// clientCAs are the CA certificates kncloudevents' client of each https URL
// was built with. kncloudevents caches one client per URL, process-wide, and
// keeps the CA certificates it was first given: a target whose certificate a
// new CA reissued under the same URL would stay untrusted until a restart.
var clientCAs = struct {
	sync.Mutex
	byURL map[string]string
}{byURL: map[string]string{}}

// trustCACerts has kncloudevents rebuild the client of each https target of
// sub whose CA certificates changed, as eventing's InMemoryChannel dispatcher
// does at every reconcile; only on a change, so that the others keep their
// connections. Trust bundles need nothing of the kind: every TLS handshake
// reads them from ClientConfig's lister.
func (d *Dispatcher) trustCACerts(sub *subscription) {
	clientCAs.Lock()
	defer clientCAs.Unlock()
	for _, a := range []*duckv1.Addressable{&sub.subscriber, sub.reply, sub.deadLetter} {
		// eventingtls.IsHttpsSink would format and parse the URL again.
		if a == nil || !strings.EqualFold(a.URL.Scheme, "https") {
			continue
		}
		url, ca := a.URL.String(), ptr.Deref(a.CACerts, "")
		if old, seen := clientCAs.byURL[url]; seen && old != ca {
			kncloudevents.AddOrUpdateAddressableHandler(d.opts.ClientConfig, *a, d.opts.MeterProvider, otel.GetTracerProvider())
		}
		clientCAs.byURL[url] = ca
	}
}
