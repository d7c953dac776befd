package contract

import (
	"net/http"
	"testing"

	"knative.dev/eventing/pkg/utils"
)

// PassesThrough lets through the headers that Knative Eventing's channels pass to
// their subscribers, and no other, whatever the case of the name.
func TestPassThroughIsEventingsList(t *testing.T) {
	for _, name := range []string{
		"X-Request-Id", "x-request-id", "Retry-After", "RETRY-AFTER", "Knative-Foo", "knative-bar", "KNATIVE-X", "Knative-",
		"X-B3-Traceid", "x-b3-sampled", "X-B3-", "X-B3", "Knative", "X-Request-Idx", "X-Request", "Retry-After-X",
		"Authorization", "Cookie", "Proxy-Authorization", "Traceparent", "Tracestate", "Ce-Id", "Ce-Knative-X",
		"Content-Type", "Kn-Namespace", "Prefer", "X-Forwarded-For", "",
	} {
		want := len(utils.PassThroughHeaders(http.Header{name: {"v"}})) == 1
		if got := PassesThrough(name); got != want {
			t.Errorf("PassesThrough(%q) = %t, eventing passes it: %t", name, got, want)
		}
		if got := PassesThrough([]byte(name)); got != want {
			t.Errorf("PassesThrough([]byte(%q)) = %t, eventing passes it: %t", name, got, want)
		}
	}
}
