package main

import (
	"fmt"

	"github.com/knative-kafka/knative-kafka/test/childproc"
)

// segmentBytes keeps kfake's in-memory segment files small: each one grows
// by doubling and copying, which at 100 MiB segments was a fifth of the CPU
// of a run and had nothing to do with either side under test.
const segmentBytes = 8 << 20

// startBroker starts the fresh kfake broker that every side of a run writes
// to, in a child process.
func startBroker() (*childproc.Child, error) {
	return childproc.StartKfake(childproc.KfakeConfig{
		BrokerConfigs: map[string]string{"log.segment.bytes": fmt.Sprint(segmentBytes)},
	})
}
