package devenv

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakePodEnv, set in a container's env, makes this package's test binary
// play the replica of a workload instead of running the tests, so that the
// runner can be tested with real processes and no Kafka.
const fakePodEnv = "DEVENV_FAKE_POD"

func TestMain(m *testing.M) {
	if os.Getenv(fakePodEnv) != "" {
		os.Exit(runFakePod())
	}
	os.Exit(m.Run())
}

// runFakePod serves on PORT: /readyz answers 200, / tells POD_NAME and
// VERSION (which template runs). It exits 0 on SIGTERM, saying so in its log.
func runFakePod() int {
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("PORT"))
	if err != nil {
		fmt.Println(err)
		return 1
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/readyz", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "%s %s", os.Getenv("POD_NAME"), os.Getenv("VERSION"))
	})
	srv := &http.Server{Handler: mux} //nolint:gosec // a test's local process
	go func() { _ = srv.Serve(ln) }()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	fmt.Println("stopping on SIGTERM")
	if file := os.Getenv(stopTogetherEnv); file != "" {
		fmt.Println(waitForPeers(file, os.Getenv("STOP_PEERS")))
	}
	if drain, err := time.ParseDuration(os.Getenv(drainEnv)); err == nil {
		time.Sleep(drain) // as Knative's webhook drains for 45 s
	}
	_ = srv.Close()
	return 0
}

// stopTogetherEnv names a file where each fake pod, on SIGTERM, adds a line,
// then waits (bounded) for STOP_PEERS lines: all the pods were told to stop
// before any of them had stopped, as when they are stopped in parallel.
const stopTogetherEnv = "STOP_TOGETHER"

// drainEnv makes a fake pod take this long to stop after SIGTERM.
const drainEnv = "DRAIN_ON_SIGTERM"

func waitForPeers(file, peers string) string {
	n, _ := strconv.Atoi(peers)
	f, err := os.OpenFile(file, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err.Error()
	}
	fmt.Fprintln(f, os.Getenv("POD_NAME"))
	f.Close()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, _ := os.ReadFile(file); strings.Count(string(b), "\n") >= n {
			return "stopped together with its peers"
		}
	}
	return "stopped before all its peers were told to stop"
}
