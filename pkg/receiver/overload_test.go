package receiver

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"

	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
	"github.com/knative-kafka/knative-kafka/test/procstat"
)

// overloadFor is how long TestOverloadMemoryFlat keeps its senders at it;
// -receiver.overload-for=60s is the long version.
var overloadFor = flag.Duration("receiver.overload-for", 10*time.Second, "how long TestOverloadMemoryFlat's senders run")

// Helper process: a receiver in its own process, so that a test reads its RSS alone.
const helperEnv = "RECEIVER_TEST_HELPER"

// helperConfig is what the helper serves, passed as JSON in helperEnv.
type helperConfig struct {
	Brokers     []string
	MaxInFlight int
}

func TestMain(m *testing.M) {
	if cfg := os.Getenv(helperEnv); cfg != "" {
		if err := runHelper(cfg); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	os.Exit(m.Run())
}

// runHelper serves the test channel, prints its URL and serves until its
// stdin closes, so that it cannot outlive the test.
func runHelper(raw string) error {
	var cfg helperConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		return err
	}
	lister, err := newChannelLister(readyChannel(testNS, testChannel, testTopic))
	if err != nil {
		return err
	}
	_, producer, handler, err := buildHandler(testOptions{lister: lister, brokers: cfg.Brokers, maxInFlight: cfg.MaxInFlight}, zap.NewNop())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _, _ = bufio.NewReader(os.Stdin).ReadString('\n'); cancel() }()
	go producer.Run(ctx)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("http://%s\n", ln.Addr())
	server := &Server{Handler: handler, Logger: zap.NewNop(), DrainPeriod: -1, ShutdownTimeout: time.Second, Ready: producer.Ready}
	return server.Serve(ctx, ln)
}

// startHelper starts a receiver process and returns its URL and PID.
func startHelper(t *testing.T, cfg helperConfig) (string, int) {
	t.Helper()
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+string(raw))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting helper: %v", err)
	}
	t.Cleanup(func() { _ = stdin.Close(); _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("helper did not report its address: %v", err)
	}
	return strings.TrimSpace(url), cmd.Process.Pid
}

// TestOverloadMemoryFlat: while Kafka holds every produce, 64 senders that
// give up after 500 ms and send again would pile up requests in the
// receiver, each holding its body; the in-flight cap answers them 503 at
// once, so the receiver's memory stays flat. Once Kafka answers, it accepts.
func TestOverloadMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("overload test")
	}
	const (
		senders     = 64
		maxInFlight = 16
		bodyBytes   = 256 << 10
		// Generous: the cap allows some 16 x 3 x 256 KiB; without it the
		// senders pile up more than a GiB in 10 s.
		bound = 128 << 20
	)
	broker := kafkatest.Start(t, kfake.SeedTopics(partitions, testTopic))
	url, pid := startHelper(t, helperConfig{Brokers: broker.Addrs, MaxInFlight: maxInFlight})
	channelURL := url + "/" + testNS + "/" + testChannel
	eventually(t, "a 202 from the receiver", func() bool {
		resp, err := do(t, http.DefaultClient, binaryEvent(t, channelURL, "warm-up", nil, "{}"))
		return err == nil && resp.StatusCode == http.StatusAccepted
	})
	before := readMemory(t, pid)

	held, release := holdFirstProduce(broker)
	t.Cleanup(release)
	httpClient := &http.Client{Timeout: 500 * time.Millisecond, Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	t.Cleanup(httpClient.CloseIdleConnections)
	body := strings.Repeat("x", bodyBytes)
	var (
		stop                 = time.Now().Add(*overloadFor)
		accepted, overloaded atomic.Int64
		gaveUp, other        atomic.Int64
		wg                   sync.WaitGroup
	)
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(stop); i++ {
				resp, err := do(t, httpClient, binaryEvent(t, channelURL, fmt.Sprintf("%d-%d", s, i), nil, body))
				switch {
				case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
					gaveUp.Add(1)
				case err == nil && resp.StatusCode == http.StatusServiceUnavailable:
					overloaded.Add(1)
				case err == nil && resp.StatusCode == http.StatusAccepted:
					accepted.Add(1)
				default:
					other.Add(1)
				}
			}
		}()
	}
	<-held
	wg.Wait()
	after := readMemory(t, pid)
	t.Logf("%v of %d senders while Kafka held the produce: %d gave up, %d answered 503, %d accepted, %d other",
		*overloadFor, senders, gaveUp.Load(), overloaded.Load(), accepted.Load(), other.Load())
	t.Logf("receiver RSS before %d MiB, after %d MiB, peak %d MiB", before.RSS>>20, after.RSS>>20, after.PeakRSS>>20)
	if grew := after.PeakRSS - before.RSS; grew > bound {
		t.Errorf("receiver peak RSS grew by %d MiB under overload, want under %d MiB", grew>>20, bound>>20)
	}
	if overloaded.Load() == 0 {
		t.Error("no sender was answered 503 while the receiver was at its cap")
	}

	release()
	eventually(t, "a 202 once Kafka answers", func() bool {
		resp, err := do(t, http.DefaultClient, binaryEvent(t, channelURL, "after", nil, "{}"))
		return err == nil && resp.StatusCode == http.StatusAccepted
	})
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func readMemory(t *testing.T, pid int) procstat.Memory {
	t.Helper()
	m, err := procstat.ReadMemory(pid)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
