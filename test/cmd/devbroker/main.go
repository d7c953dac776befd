// Command devbroker runs a kfake Kafka broker on 127.0.0.1 (or -host) for the dev
// environment, the end-to-end tests and the node of hack/node-up.sh. With -data-dir, records and consumer
// group offsets survive a restart, so events outlive a restart of the environment.
package main

import (
	"flag"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	port := flag.Int("port", 9092, "port to listen on, on 127.0.0.1")
	dataDir := flag.String("data-dir", "", "directory that keeps records and offsets across restarts (empty: in memory)")
	advertise := flag.Int("advertise-port", 0, "port that metadata names for the broker, on 127.0.0.1, when a proxy listens there in front of -port (0: -port)")
	host := flag.String("host", "127.0.0.1", "address to listen on, which metadata names; the node's pods reach the bridge's")
	flag.Parse()

	// Consumer groups' rebalances, members and assignments in the log: what a
	// stalled partition needs explained (see third_party/kfake/PATCHES.md).
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.Ports(*port), kfake.WithLogger(kfake.BasicLogger(os.Stderr, kfake.LogLevelInfo))}
	switch {
	case *advertise != 0:
		opts = append(opts, kfake.ListenFn(advertising(*advertise)))
	case *host != "127.0.0.1":
		opts = append(opts, kfake.ListenFn(on(*host)))
	}
	if *dataDir != "" {
		if err := os.MkdirAll(*dataDir, 0o755); err != nil {
			log.Fatalf("data dir: %v", err)
		}
		opts = append(opts, kfake.DataDir(*dataDir))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		log.Fatalf("starting kfake: %v", err)
	}
	log.Printf("Kafka (kfake) listening on %v, data dir %q", c.ListenAddrs(), *dataDir)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	c.Close()
	log.Print("stopped")
}

// advertising makes kfake listen as asked but name port in its metadata (it
// names its listener's address), so that every client, after bootstrapping,
// still goes through the proxy listening there.
func advertising(port int) func(network, address string) (net.Listener, error) {
	return func(network, address string) (net.Listener, error) {
		l, err := net.Listen(network, address)
		if err != nil {
			return nil, err
		}
		return advertised{Listener: l, addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}}, nil
	}
}

type advertised struct {
	net.Listener
	addr net.Addr
}

func (a advertised) Addr() net.Addr { return a.addr }

// on makes kfake listen on host rather than 127.0.0.1: it names its
// listener's address in metadata, so clients then come back to host too.
func on(host string) func(network, address string) (net.Listener, error) {
	return func(network, address string) (net.Listener, error) {
		_, port, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		return net.Listen(network, net.JoinHostPort(host, port))
	}
}
