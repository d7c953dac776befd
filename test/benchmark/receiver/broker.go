package main

import (
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kfake"
)

// segmentBytes keeps kfake's in-memory segment files small: each one grows
// by doubling and copying, which at 100 MiB segments was a fifth of the CPU
// of a run and had nothing to do with either side under test.
const segmentBytes = 8 << 20

// serveBroker is the broker child: a fresh kfake cluster that every side of
// a run writes to.
func serveBroker() (string, func(), error) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1),
		kfake.BrokerConfigs(map[string]string{"log.segment.bytes": fmt.Sprint(segmentBytes)}))
	if err != nil {
		return "", nil, err
	}
	return strings.Join(c.ListenAddrs(), " "), c.Close, nil
}
