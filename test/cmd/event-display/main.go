// Command event-display is the sample's subscriber as a container image
// (hack/node-up.sh builds it with ko): it prints each CloudEvent it receives
// to its log and answers 202.
package main

import (
	"log"
	"net/http"
	"os"
	"time"

	"github.com/knative-kafka/knative-kafka/test/eventdisplay"
)

func main() {
	addr := ":8080"
	if port := os.Getenv("PORT"); port != "" {
		addr = ":" + port
	}
	srv := &http.Server{Addr: addr, Handler: eventdisplay.Handler(os.Stdout), ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
