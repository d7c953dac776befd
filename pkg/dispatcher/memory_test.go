package dispatcher

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"
	"testing"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/knative-kafka/knative-kafka/pkg/config"
	"github.com/knative-kafka/knative-kafka/test/procstat"
)

// A dispatcher whose subscribers fall behind a backlog of 1 MiB events holds
// no more of it than its memory limit allows: it stays inside its container.
// The dispatcher runs in a child process, so that its peak RSS is its own.
func TestMemoryStaysWithinLimit(t *testing.T) {
	const (
		limit        = 128 << 20
		partitions   = 4
		perPartition = 32 // 128 MiB of events per subscriber: all of them would not fit
		eventBytes   = 1<<20 - 4<<10
	)
	maxRecord := strconv.FormatInt(config.Default().MaxRecordBytes(), 10)
	e := newEnv(t, partitions, kfake.BrokerConfigs(map[string]string{"message.max.bytes": maxRecord}))

	// The subscribers answer nothing until the backlog is written, so that the
	// dispatcher reads ahead as far as its buffers let it.
	gate := make(chan struct{})
	respond := func(_ cloudevents.Event, _ int, w http.ResponseWriter) {
		<-gate
		w.WriteHeader(http.StatusAccepted)
	}
	a, b := newSink(t, respond), newSink(t, respond)
	var release sync.Once
	open := func() { release.Do(func() { close(gate) }) }
	t.Cleanup(open) // before the sinks close, which waits for their requests

	subA, subB := subscriber("a", a.URL), subscriber("b", b.URL)
	subA.Delivery, subB.Delivery = linearRetry(3), linearRetry(3)
	kc := channel("", subA, subB)
	kc.Spec.NumPartitions = partitions
	helper := e.startHelperWith(helperConfig{Channel: kc, MemoryLimit: limit})
	e.waitReady("a")
	e.waitReady("b")

	data := bytes.Repeat([]byte{'x'}, eventBytes)
	var ids []string
	for seq := 0; seq < perPartition; seq++ {
		for p := int32(0); p < partitions; p++ {
			ev := event(p, seq, "large")
			if err := ev.SetData("application/octet-stream", data); err != nil {
				t.Fatal(err)
			}
			e.send(p, ev)
			ids = append(ids, ev.ID())
		}
	}
	open()
	waitFor(t, "every event delivered to both subscribers", func() bool { return a.hasAll(ids) && b.hasAll(ids) })

	m, err := procstat.ReadMemory(helper.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("dispatcher peak RSS %d MiB (%d MiB of files), limit %d MiB", m.PeakRSS>>20, m.FileRSS>>20, limit>>20)
	if m.PeakRSS > limit {
		t.Errorf("dispatcher peak RSS %d MiB exceeds its memory limit %d MiB", m.PeakRSS>>20, limit>>20)
	}
}
