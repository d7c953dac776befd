package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/knative-kafka/knative-kafka/test/procstat"
)

// serveBrokerFlag turns this binary into the broker child: it serves kfake,
// prints the listen addresses as its first line and stops when its stdin
// closes, so that it cannot outlive a benchmark that died.
const serveBrokerFlag = "serve-broker"

// segmentBytes keeps kfake's in-memory segment files small: each one grows
// by doubling and copying, which at 100 MiB segments was a fifth of the CPU
// of a run and had nothing to do with either side under test.
const segmentBytes = 8 << 20

// broker is the fresh kfake cluster that both sides of a run write to.
type broker struct {
	addrs []string
	// cpu is the CPU time the broker used so far; nil when it shares this
	// process and cannot be told apart.
	cpu  cpuClock
	desc string
	stop func()
}

func newCluster() (*kfake.Cluster, error) {
	return kfake.NewCluster(kfake.NumBrokers(1),
		kfake.BrokerConfigs(map[string]string{"log.segment.bytes": fmt.Sprint(segmentBytes)}))
}

func startBroker(outOfProcess bool) (*broker, error) {
	if outOfProcess {
		return startChildBroker()
	}
	c, err := newCluster()
	if err != nil {
		return nil, err
	}
	return &broker{addrs: c.ListenAddrs(), desc: "kfake in the benchmark process", stop: c.Close}, nil
}

// startChildBroker runs the broker in a child process, so that its CPU and
// heap are not billed to the process that hosts the receiver.
func startChildBroker() (*broker, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-"+serveBrokerFlag)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() { stopChild(cmd, stdin) }
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		stop()
		return nil, fmt.Errorf("broker child did not report its address: %w", err)
	}
	pid := cmd.Process.Pid
	return &broker{
		addrs: strings.Fields(line),
		cpu:   func() (time.Duration, error) { return procstat.ReadCPU(pid) },
		desc:  fmt.Sprintf("kfake in a child process (pid %d)", pid),
		stop:  stop,
	}, nil
}

// stopChild closes the child's stdin, which stops it, and kills it by PID
// if it does not exit in time.
func stopChild(cmd *exec.Cmd, stdin io.Closer) {
	_ = stdin.Close()
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// serveBroker is the child's main.
func serveBroker() {
	c, err := newCluster()
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Println(strings.Join(c.ListenAddrs(), " "))
	if _, err := io.Copy(io.Discard, os.Stdin); err != nil && !errors.Is(err, os.ErrClosed) {
		log.Print(err)
	}
}
