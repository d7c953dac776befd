package devenv

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"testing"
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
	_ = srv.Close()
	return 0
}
