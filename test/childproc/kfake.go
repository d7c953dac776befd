package childproc

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// kfakeRole is the role of a broker child, which every binary calling Main serves.
const kfakeRole = "kfake"

// KfakeConfig shapes a kfake cluster of one broker on 127.0.0.1.
type KfakeConfig struct {
	// BrokerConfigs are Kafka broker settings, such as "log.segment.bytes".
	BrokerConfigs map[string]string `json:",omitempty"`
	// GroupMinSessionTimeout, when set, lets consumer groups use shorter
	// session timeouts than Kafka's default minimum (6 s).
	GroupMinSessionTimeout time.Duration `json:",omitempty"`
}

// StartKfake runs a kfake broker in a child process, so that its CPU time is
// not billed to the process under test; the broker addresses are Brokers(c).
func StartKfake(cfg KfakeConfig) (*Child, error) {
	return Start(kfakeRole, cfg)
}

// Brokers are the addresses of a broker child.
func Brokers(c *Child) []string { return strings.Fields(c.Addr()) }

func serveKfake(raw []byte) (Server, error) {
	var cfg KfakeConfig
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, err
	}
	opts := []kfake.Opt{kfake.NumBrokers(1)}
	if cfg.BrokerConfigs != nil {
		opts = append(opts, kfake.BrokerConfigs(cfg.BrokerConfigs))
	}
	if cfg.GroupMinSessionTimeout > 0 {
		opts = append(opts, kfake.GroupMinSessionTimeout(cfg.GroupMinSessionTimeout))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, err
	}
	return kfakeServer{Cluster: c}, nil
}

type kfakeServer struct {
	*kfake.Cluster
	NoCommands
}

func (s kfakeServer) Addr() string { return strings.Join(s.ListenAddrs(), " ") }
