// Command local-up runs knative-kafka on this machine (see test/devenv), creates
// a sample KafkaChannel with a Subscription to an event display, prints how to
// send it an event, and tears everything down on Ctrl-C.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/knative-kafka/knative-kafka/test/devenv"
)

const sample = `apiVersion: messaging.knative.dev/v1beta1
kind: KafkaChannel
metadata:
  name: sample
  namespace: default
spec:
  numPartitions: 3
---
apiVersion: messaging.knative.dev/v1
kind: Subscription
metadata:
  name: sample-display
  namespace: default
spec:
  channel:
    apiVersion: messaging.knative.dev/v1beta1
    kind: KafkaChannel
    name: sample
  subscriber:
    uri: %s
`

func main() {
	root, err := os.Getwd()
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	env, err := devenv.Start(ctx, devenv.Options{
		Root: root,
		Dir:  filepath.Join(root, "_output", "devenv"),
		Logf: func(f string, a ...interface{}) { fmt.Printf(f+"\n", a...) },
	})
	if err != nil {
		log.Fatal(err)
	}
	defer env.Stop()

	display, err := startEventDisplay()
	if err != nil {
		log.Fatal(err)
	}
	if err := env.ApplyYAML(ctx, fmt.Sprintf(sample, display)); err != nil {
		log.Fatal(err)
	}
	for _, r := range []string{"kafkachannel/sample", "subscription/sample-display"} {
		if err := env.WaitReady(ctx, "default", r, 2*time.Minute); err != nil {
			log.Fatal(err)
		}
	}
	receiver, err := env.ReceiverURL()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf(`
knative-kafka is up (%s). State, logs and kubeconfig: %s

  export KUBECONFIG=%s
  kubectl get kafkachannels,subscriptions -A        (kubectl is in _output/bin)

Send an event to the sample channel:

  curl -i %s/default/sample \
    -H 'ce-specversion: 1.0' -H 'ce-type: dev.example' -H 'ce-source: curl' \
    -H 'ce-id: 1' -H 'content-type: application/json' -d '{"hello":"kafka"}'

It is printed below by the event display subscribed to the channel. Ctrl-C stops everything.
`, time.Since(start).Round(time.Second), env.Dir, env.AdminKubeconfig, receiver)
	<-ctx.Done()
	fmt.Println("stopping...")
}

// startEventDisplay serves an HTTP endpoint that prints each CloudEvent it receives.
func startEventDisplay() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go func() { _ = http.Serve(l, eventDisplay(os.Stdout)) }()
	return "http://" + l.Addr().String(), nil
}

// eventDisplay prints each CloudEvent it receives to out and answers 202 at
// once, 400 to a request that is no CloudEvent. A plain handler: the SDK's
// receive handler pairs each request with its response through a channel and
// stalled deliveries under a burst.
func eventDisplay(out io.Writer) http.Handler {
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
