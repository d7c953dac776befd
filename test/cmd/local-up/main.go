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
	"strings"
	"syscall"
	"time"

	"github.com/knative-kafka/knative-kafka/test/devenv"
	"github.com/knative-kafka/knative-kafka/test/eventdisplay"
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
	unlock, err := lockEnv(root, fmt.Sprintf("hack/local-up.sh (pid %d)", os.Getpid()))
	if err != nil {
		return err
	}
	defer unlock()
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

// lockEnv takes _output/dev-env.lock, which hack/node-up.sh takes too: one
// environment of a checkout at a time, since both keep their state in
// _output. The end-to-end tests' environments, in directories of their own,
// take no lock. The lock file names its holder, for the refusal.
func lockEnv(root, holder string) (unlock func(), err error) {
	path := filepath.Join(root, "_output", "dev-env.lock")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		other, _ := os.ReadFile(path)
		f.Close()
		if len(strings.TrimSpace(string(other))) == 0 {
			other = []byte("another environment")
		}
		return nil, fmt.Errorf("refusing to start: %s holds %s; stop it first", strings.TrimSpace(string(other)), path)
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.WriteAt([]byte(holder+"\n"), 0); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = f.Truncate(0)
		f.Close()
	}, nil
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
	go func() { _ = http.Serve(l, eventdisplay.Handler(os.Stdout)) }()
	return "http://" + l.Addr().String(), nil
}
