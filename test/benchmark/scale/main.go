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
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/knative-kafka/knative-kafka/test/devenv"
)

var (
	channels    = flag.Int("channels", 1000, "KafkaChannels to create")
	subscribers = flag.Int("subscribers", 2, "Subscriptions per channel")
	partitions  = flag.Int("partitions", 1, "partitions per channel")
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
	env, err := devenv.Start(ctx, devenv.Options{Root: root, Dir: dir, Logf: logf})
	if err != nil {
		return fmt.Errorf("dev environment: %w (logs in %s)", err, filepath.Join(dir, "logs"))
	}
	defer env.Stop()

	b, err := newBench(ctx, env)
	if err != nil {
		return err
	}
	mode := "shared pool"
	if *dedicated {
		mode = "dedicated Deployments"
	}
	fmt.Printf("%d channels x %d subscribers, %d partition(s) each, on %s\n", *channels, *subscribers, *partitions, mode)
	ready, err := b.createAll(ctx)
	if err != nil {
		return err
	}
	ready.print()
	usage, err := b.measureIdle(ctx)
	if err != nil {
		return err
	}
	usage.print()
	delivered, err := b.sendOneEach(ctx)
	if err != nil {
		return err
	}
	want := *channels * *subscribers
	fmt.Printf("events: %d sent, %d of %d deliveries arrived (goal: all)\n", *channels, delivered, want)
	if delivered < want {
		return fmt.Errorf("%d deliveries missing", want-delivered)
	}
	return nil
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
