//go:build e2e

package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/test/framework"
)

// Metrics are on by default (config/400-config-observability.yaml): every
// component, as installed, serves Prometheus metrics on its metrics port, and
// an event through a channel shows in the receiver's, the dispatcher's and the
// controller's series of that channel.
func TestMetricsExportedByDefault(t *testing.T) {
	ns := env.Namespace(t, "e2e-metrics")
	env.CreateChannel(t, ns, "ch", v1beta1.KafkaChannelSpec{})
	sink := framework.NewSink(t)
	env.Subscribe(t, ns, "sub", "ch", framework.SubscriptionOptions{Subscriber: sink.URL})
	code, err := framework.Send(context.Background(), env.MustReceiverURL(t), ns, "ch", framework.NewEvent("counted", "e2e.metrics", nil), nil)
	if err != nil || code != http.StatusAccepted {
		t.Fatalf("sending: status %d, err %v", code, err)
	}
	sink.WaitForID(t, time.Minute, "counted")

	topic := `messaging_destination_name="` + ns + `.ch"`
	for _, w := range []struct {
		workload string
		want     []string // each a substring of one sample line
	}{
		{contract.ReceiverName, []string{"kn_kafkachannel_receiver_events_total{", `kn_channel_namespace="` + ns + `"`, `http_response_status_code="202"`}},
		{contract.PoolName, []string{"kn_kafkachannel_dispatch_events_total{", topic, `kn_kafkachannel_outcome="delivered"`}},
		// The lag is measured every 30 s.
		{"kafka-channel-controller", []string{"kn_kafkachannel_consumer_lag{", topic}},
		{"kafka-channel-webhook", []string{"target_info{"}},
	} {
		var scraped string
		err := framework.Poll(90*time.Second, func() (bool, error) {
			scraped = scrape(t, w.workload)
			return hasSample(scraped, w.want), nil
		})
		if err != nil {
			t.Errorf("%s: no sample with %q in its metrics; got:\n%s", w.workload, w.want, scraped)
		}
	}
}

// scrape reads the metrics of every pod of a workload, joined.
func scrape(t *testing.T, workload string) string {
	t.Helper()
	var all strings.Builder
	for _, pod := range env.Pods(workload) {
		url, err := env.MetricsURL(pod)
		if err != nil {
			continue
		}
		resp, err := http.Get(url)
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		all.Write(b)
	}
	return all.String()
}

func hasSample(metrics string, parts []string) bool {
	for _, line := range strings.Split(metrics, "\n") {
		found := true
		for _, p := range parts {
			found = found && strings.Contains(line, p)
		}
		if found {
			return true
		}
	}
	return false
}
