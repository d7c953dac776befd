// Command local-up runs knative-kafka on this machine (see test/devenv), creates
// a sample KafkaChannel with a Subscription to an event display, prints how to
// send it an event, and tears everything down on Ctrl-C.
package main

import (
	"context"
	"flag"
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
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

// run returns only once the environment has stopped, so that an error
// after its start leaves no process behind.
func run() error {
	receiverPort := flag.Int("receiver-port", 0,
		"the receiver's HTTP port on 127.0.0.1; 0 keeps one in _output/devenv/receiver.port, the same at every start")
	imc := flag.Bool("imc", false,
		"also install and run Knative Eventing's InMemoryChannel (its controller and dispatcher), to compare with")
	flag.Parse()
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	env, err := devenv.Start(ctx, devenv.Options{
		Root:            root,
		Dir:             filepath.Join(root, "_output", "devenv"),
		ReceiverPort:    *receiverPort,
		InMemoryChannel: *imc,
		Logf:            func(f string, a ...interface{}) { fmt.Printf(f+"\n", a...) },
	})
	if err != nil {
		return err
	}
	defer func() {
		stopping := time.Now()
		fmt.Println("stopping...")
		env.Stop()
		fmt.Printf("stopped in %s\n", time.Since(stopping).Round(100*time.Millisecond))
	}()
	receiver, err := startSample(ctx, env)
	if err != nil {
		return err
	}
	metrics, err := receiverMetrics(env)
	if err != nil {
		return err
	}
	https, err := env.ReceiverHTTPSURL()
	if err != nil {
		return err
	}
	fmt.Print(readyTable(ready{
		kubeconfig: env.AdminKubeconfig, receiver: receiver, https: https, metrics: metrics, broker: env.BrokerAddr,
		logs: env.LogDir(), took: time.Since(start),
	}))
	if *imc {
		if url, err := env.IMCDispatcherURL(); err == nil {
			fmt.Printf("InMemoryChannel dispatcher: %s (Host: <name>-kn-channel.<namespace>.svc.cluster.local)\n", url)
		}
	}
	watchReceiver(ctx, env.ReceiverURL, receiver, time.Second, os.Stdout)
	return nil
}

// startSample creates the sample channel, subscribed by an event display,
// and returns the receiver's URL once both are ready.
func startSample(ctx context.Context, env *devenv.Env) (string, error) {
	display, err := startEventDisplay()
	if err != nil {
		return "", err
	}
	if err := env.ApplyYAML(ctx, fmt.Sprintf(sample, display)); err != nil {
		return "", err
	}
	for _, r := range []string{"kafkachannel/sample", "subscription/sample-display"} {
		if err := env.WaitReady(ctx, "default", r, 2*time.Minute); err != nil {
			return "", err
		}
	}
	return env.ReceiverURL()
}

func receiverMetrics(env *devenv.Env) (string, error) {
	pods := env.Pods(devenv.ReceiverName)
	if len(pods) == 0 {
		return "", fmt.Errorf("the receiver is not running")
	}
	return env.MetricsURL(pods[0])
}

// ready is what a newcomer needs once the environment is up.
type ready struct {
	kubeconfig, receiver, https, metrics, broker, logs string
	took                                               time.Duration
}

func readyTable(r ready) string {
	return fmt.Sprintf(`
knative-kafka is up (%s):

  KUBECONFIG  %s
  receiver    %s
  HTTPS       %[7]s (the receiver's, for transport encryption: see README)
  metrics     %[6]s (the receiver's; every component serves its own)
  Kafka       %[4]s
  logs        %[5]s

  export KUBECONFIG=%[2]s
  kubectl get kafkachannels,subscriptions -A        (kubectl is in _output/bin)

Send an event to the sample channel:

  curl -i %[3]s/default/sample \
    -H 'ce-specversion: 1.0' -H 'ce-type: dev.example' -H 'ce-source: curl' \
    -H 'ce-id: 1' -H 'content-type: application/json' -d '{"hello":"kafka"}'

It is printed below by the event display subscribed to the channel. Ctrl-C stops everything.
`, r.took.Round(time.Second), r.kubeconfig, r.receiver, r.broker, r.logs, r.metrics, r.https)
}

// watchReceiver prints the receiver's URL whenever it is no longer last,
// until ctx ends.
func watchReceiver(ctx context.Context, url func() (string, error), last string, every time.Duration, out io.Writer) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
		if u, err := url(); err == nil && u != last {
			fmt.Fprintf(out, "the receiver's URL is now %s\n", u)
			last = u
		}
	}
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
