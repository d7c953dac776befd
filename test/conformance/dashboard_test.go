//go:build e2e

package conformance

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"sigs.k8s.io/yaml"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/test/framework"
)

// docs/ ships a Grafana dashboard and Prometheus alert rules. Every metric
// they query must be one the running components export (under the name
// Prometheus gives it), or the panel stays empty and the alert never fires.
func TestDashboardAndAlertsQueryExportedMetrics(t *testing.T) {
	c := observed(t)
	deadLetter(t)
	wanted := queriedMetrics(t)
	var missing []string
	err := framework.Poll(2*time.Minute, func() (bool, error) {
		missing = missing[:0]
		exported := c.prometheusNames()
		for _, m := range wanted {
			if !exported[m] && !rare[m] {
				missing = append(missing, m)
			}
		}
		return len(missing) == 0, nil
	})
	if err != nil {
		t.Errorf("queried by docs/ but not exported: %v (exported: %v)", missing, c.prometheusNames())
	}
	for m := range rare {
		if !slices.Contains(wanted, m) {
			t.Errorf("%s is listed as rare but docs/ does not query it", m)
		}
	}
}

// rare metrics are recorded only on a fault this test does not cause (an
// event that outlives its retry cycle), so OpenTelemetry exports nothing for
// them here; their instrument names are checked in the dispatcher's unit tests.
var rare = map[string]bool{"kn_kafkachannel_dispatch_stalled_total": true}

// deadLetter makes a subscriber fail an event until it is dead-lettered, so
// that retries and dead letters are counted.
func deadLetter(t *testing.T) {
	t.Helper()
	ns := env.Namespace(t, "conformance-dashboard")
	failing, dls := framework.NewSink(t), framework.NewSink(t)
	failing.Respond = func(cloudevents.Event, int) (int, *cloudevents.Event) { return http.StatusInternalServerError, nil }
	env.CreateChannel(t, ns, "ch", v1beta1.KafkaChannelSpec{})
	env.Subscribe(t, ns, "failing", "ch", framework.SubscriptionOptions{Subscriber: failing.URL, Delivery: framework.DeadLetter(t, dls.URL, 1)})
	e := framework.NewEvent(uniqueID(t), "conformance.dashboard", nil)
	mustAccept(t, target{ns: ns, name: "ch"}, e, false, nil)
	dls.WaitForID(t, time.Minute, e.ID())
}

// queriedMetrics are the metric names in the dashboard's and the alerts'
// queries, histogram series (_bucket, _sum, _count) under their family's name.
func queriedMetrics(t *testing.T) []string {
	t.Helper()
	var exprs []string
	var dashboard struct {
		Panels []struct {
			Targets []struct{ Expr string }
		}
	}
	unmarshal(t, "grafana-dashboard.json", json.Unmarshal, &dashboard)
	for _, p := range dashboard.Panels {
		for _, target := range p.Targets {
			exprs = append(exprs, target.Expr)
		}
	}
	var rules struct {
		Groups []struct {
			Rules []struct{ Expr string }
		}
	}
	unmarshal(t, "prometheus-rules.yaml", func(b []byte, v interface{}) error { return yaml.Unmarshal(b, v) }, &rules)
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			exprs = append(exprs, r.Expr)
		}
	}
	names := map[string]bool{}
	for _, e := range exprs {
		// Label names (in by/without lists and selectors) are not metrics.
		e = labelLists.ReplaceAllString(e, "")
		for _, m := range metricName.FindAllString(e, -1) {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if family, ok := strings.CutSuffix(m, suffix); ok && strings.HasSuffix(family, "_seconds") {
					m = family
				}
			}
			names[m] = true
		}
	}
	if len(names) == 0 {
		t.Fatal("no metric found in docs/' queries")
	}
	out := make([]string, 0, len(names))
	for m := range names {
		out = append(out, m)
	}
	slices.Sort(out)
	return out
}

var (
	metricName = regexp.MustCompile(`\bkn_kafkachannel_[a-z_]+\b`)
	labelLists = regexp.MustCompile(`\b(by|without)\s*\([^)]*\)|\{[^}]*\}`)
)

func unmarshal(t *testing.T, file string, decode func([]byte, interface{}) error, v interface{}) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", file))
	if err != nil {
		t.Fatal(err)
	}
	if err := decode(b, v); err != nil {
		t.Fatalf("docs/%s: %v", file, err)
	}
}

// prometheusNames are the names Prometheus gives the exported metrics (the
// OpenTelemetry-to-Prometheus rules: dots become underscores, a seconds unit
// adds _seconds, a monotonic sum _total, a unit in braces nothing).
func (c *collector) prometheusNames() map[string]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]bool{}
	for _, i := range c.instruments {
		name := strings.NewReplacer(".", "_", "-", "_").Replace(i.name)
		if i.unit == "s" {
			name += "_seconds"
		}
		if i.kind == "counter" {
			name += "_total"
		}
		out[name] = true
	}
	return out
}
