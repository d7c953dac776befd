// Command scale measures what many channels cost. It starts the dev
// environment (a real API server, Knative Eventing's controller, the kfake
// broker in a process of its own, this project's components as processes),
// creates -channels KafkaChannels with -subscribers Subscriptions each, and
// prints:
//   - the time from their creation until each channel and each subscription
//     is Ready (p50, p99, max);
//   - the data-plane processes (receiver, dispatchers), their total RSS, and
//     the controller's RSS;
//   - the data plane's CPU while idle over -idle, and the broker's apart;
//   - the broker's connections;
//   - one event sent through every channel, and how many deliveries arrived.
//
// Goals for 1,000 channels x 2 subscribers on the shared pool: all Ready in
// < 60 s, data plane <= 2 GiB RSS, idle data plane <= 0.25 core, every event
// delivered. -dedicated gives every channel a dispatcher Deployment of its
// own instead, for comparison. The run stops by itself (-timeout bounds each
// wait) and stops every process it started.
//
// -impl imc measures Knative Eventing's InMemoryChannel the same way (its data
// plane: its one dispatcher), and -impl both measures KafkaChannel, then, on
// the same environment once KafkaChannel's namespace is gone, InMemoryChannel,
// and prints the figures side by side with their ratios kafka/imc. -e2e 1,16,64
// adds, for each, an end-to-end benchmark: 1 KB events from that many senders
// through one channel to one subscriber, with the rate, the latency from send
// to delivery, and the CPU time per delivered event of the channel's own
// processes (KafkaChannel: receiver, dispatchers and the broker; InMemoryChannel:
// its dispatcher), each read from /proc.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	eventingclient "knative.dev/eventing/pkg/client/clientset/versioned"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/test/devenv"
)

var (
	channels    = flag.Int("channels", 1000, "KafkaChannels to create")
	subscribers = flag.Int("subscribers", 2, "Subscriptions per channel")
	partitions  = flag.Int("partitions", 1, "partitions per channel")
	implFlag    = flag.String("impl", "kafka", "the channel implementation measured: kafka (this project's KafkaChannel), imc (Eventing's InMemoryChannel) or both, one after the other on the same environment")
	dedicated   = flag.Bool("dedicated", false, "give every channel a dispatcher Deployment of its own, rather than the shared pool")
	idle        = flag.Duration("idle", 60*time.Second, "how long to measure the idle CPU")
	timeout     = flag.Duration("timeout", 10*time.Minute, "bound of each wait")
	verbose     = flag.Bool("v", false, "print the dev environment's progress")
)

func main() {
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "knative-kafka-scale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	logf := func(string, ...interface{}) {}
	if *verbose {
		logf = func(f string, a ...interface{}) {
			fmt.Fprintf(os.Stderr, "[devenv %5.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(f, a...))
		}
	}
	env, err := devenv.Start(ctx, devenv.Options{Root: root, Dir: dir, Logf: logf, InMemoryChannel: *implFlag != "kafka"})
	if err != nil {
		return fmt.Errorf("dev environment: %w (logs in %s)", err, filepath.Join(dir, "logs"))
	}
	defer env.Stop()
	kafka, ev, err := clients(env)
	if err != nil {
		return err
	}
	impls, err := implsFor(*implFlag, kafka, ev)
	if err != nil {
		return err
	}
	var results []result
	for i, im := range impls {
		if i > 0 {
			if err := results[i-1].bench.deleteNamespace(ctx); err != nil {
				return fmt.Errorf("deleting %s's channels: %w", impls[i-1].kind(), err)
			}
		}
		fmt.Printf("\n=== %s (load average %s)\n", im.kind(), loadAverage())
		r, err := measureImpl(ctx, env, im, ev)
		if err != nil {
			return fmt.Errorf("%s: %w", im.kind(), err)
		}
		results = append(results, r)
	}
	if len(results) == 2 {
		printRatios(results[0], results[1])
	}
	return nil
}

// result is what one implementation measured.
type result struct {
	bench     *bench
	ready     readiness
	idle      usage
	delivered int
	e2e       []e2ePoint
}

// measureImpl runs the scale benchmark, then the end-to-end one, on one implementation.
func measureImpl(ctx context.Context, env *devenv.Env, im impl, ev eventingclient.Interface) (result, error) {
	var r result
	var err error
	// First, while no other channel costs the data plane anything.
	if r.e2e, err = measureEndToEnd(ctx, env, im, ev); err != nil {
		return r, err
	}
	b, err := newBench(ctx, env, im, ev, "scale-"+im.name())
	r.bench = b
	if err != nil {
		return r, err
	}
	mode := "shared pool"
	if *dedicated {
		mode = "dedicated Deployments"
	}
	if im.name() == "imc" {
		mode = "its one dispatcher"
	}
	fmt.Printf("%d %ss x %d subscribers, %d partition(s) each, on %s\n", *channels, im.kind(), *subscribers, *partitions, mode)
	if r.ready, err = b.createAll(ctx); err != nil {
		return r, err
	}
	r.ready.print()
	if r.idle, err = b.measureIdle(ctx); err != nil {
		return r, err
	}
	r.idle.print()
	if r.delivered, err = b.sendOneEach(ctx); err != nil {
		return r, err
	}
	want := *channels * *subscribers
	fmt.Printf("events: %d sent, %d of %d deliveries arrived (goal: all)\n", *channels, r.delivered, want)
	if r.delivered < want {
		return r, fmt.Errorf("%d deliveries missing", want-r.delivered)
	}
	return r, nil
}

// measureEndToEnd runs the end-to-end benchmark (-e2e) in a namespace of
// its own, deleted afterwards.
func measureEndToEnd(ctx context.Context, env *devenv.Env, im impl, ev eventingclient.Interface) ([]e2ePoint, error) {
	if len(senderCounts()) == 0 {
		return nil, nil
	}
	b, err := newBench(ctx, env, im, ev, "e2e-"+im.name())
	if err != nil {
		return nil, err
	}
	b.channels, b.subscribers, b.partitions = 1, 1, *e2ePartitions
	b.annotations = nil
	if *e2eOrder != "" {
		b.annotations = map[string]string{v1beta1.DeliveryOrderAnnotation: *e2eOrder}
	}
	points, err := b.endToEnd(ctx)
	if err != nil {
		return points, err
	}
	return points, b.deleteNamespace(ctx)
}

// printRatios prints the side-by-side table: each figure of both, and kafka/imc.
func printRatios(k, m result) {
	fmt.Printf("\n=== side by side: %s / %s\n", k.bench.impl.kind(), m.bench.impl.kind())
	row := func(what, a, b, ratio string) { fmt.Printf("%-38s %14s %14s %8s\n", what, a, b, ratio) }
	row("", k.bench.impl.name(), m.bench.impl.name(), "ratio")
	ready := func(what string, a, b []time.Duration) {
		a50, a99, _ := percentiles(a)
		b50, b99, _ := percentiles(b)
		row(what+" Ready p50", a50.Round(time.Millisecond).String(), b50.Round(time.Millisecond).String(), ratio(float64(a50), float64(b50)))
		row(what+" Ready p99", a99.Round(time.Millisecond).String(), b99.Round(time.Millisecond).String(), ratio(float64(a99), float64(b99)))
	}
	ready("channels", k.ready.channels, m.ready.channels)
	ready("subscriptions", k.ready.subscriptions, m.ready.subscriptions)
	row("data-plane RSS", mib(k.idle.dataRSS), mib(m.idle.dataRSS), ratio(float64(k.idle.dataRSS), float64(m.idle.dataRSS)))
	row("data-plane RSS + broker's", mib(k.idle.dataRSS+k.idle.brokerRSS), mib(m.idle.dataRSS), ratio(float64(k.idle.dataRSS+k.idle.brokerRSS), float64(m.idle.dataRSS)))
	row("idle data-plane CPU (cores)", fmt.Sprintf("%.3f", k.idle.dataCores), fmt.Sprintf("%.3f", m.idle.dataCores), ratio(k.idle.dataCores, m.idle.dataCores))
	row("deliveries", strconv.Itoa(k.delivered), strconv.Itoa(m.delivered), "")
	for i := range min(len(k.e2e), len(m.e2e)) {
		a, b := k.e2e[i], m.e2e[i]
		what := fmt.Sprintf("e2e %d senders: ", a.senders)
		row(what+"events/s", fmt.Sprintf("%.0f", a.rate), fmt.Sprintf("%.0f", b.rate), ratio(a.rate, b.rate))
		row(what+"latency p50", ms(a.p50), ms(b.p50), ratio(float64(a.p50), float64(b.p50)))
		row(what+"latency p99", ms(a.p99), ms(b.p99), ratio(float64(a.p99), float64(b.p99)))
		row(what+"CPU per event", us(a.cpu), us(b.cpu), ratio(float64(a.cpu), float64(b.cpu)))
	}
	fmt.Printf("load average at the end: %s\n", loadAverage())
}

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// loadAverage is the machine's 1, 5 and 15 minute load averages: how
// shared the cores were.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// percentiles of durations: p50, p99 and max.
func percentiles(ds []time.Duration) (p50, p99, top time.Duration) {
	if len(ds) == 0 {
		return 0, 0, 0
	}
	sorted := append([]time.Duration(nil), ds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	at := func(q float64) time.Duration { return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))] }
	return at(0.50), at(0.99), sorted[len(sorted)-1]
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func names(procs []devenv.Process) string {
	var out []string
	for _, p := range procs {
		out = append(out, p.Name)
	}
	if len(out) > 6 {
		return strings.Join(out[:6], ", ") + fmt.Sprintf(", ... (%d in all)", len(out))
	}
	return strings.Join(out, ", ")
}
