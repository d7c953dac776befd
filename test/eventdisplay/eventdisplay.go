// Package eventdisplay is the sample's subscriber: it prints each CloudEvent
// it receives. hack/local-up.sh serves it in its own process; hack/node-up.sh
// runs it as a pod (test/cmd/event-display).
package eventdisplay

import (
	"fmt"
	"io"
	"net/http"

	cloudevents "github.com/cloudevents/sdk-go/v2"
)

// Handler prints each CloudEvent it receives to out and answers 202 at once,
// 400 to a request that is no CloudEvent. A plain handler: the SDK's receive
// handler pairs each request with its response through a channel and stalled
// deliveries under a burst.
func Handler(out io.Writer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, err := cloudevents.NewEventFromHTTPRequest(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(out, "event display received:\n%s\n", e)
		w.WriteHeader(http.StatusAccepted)
	})
}
