package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/knative-kafka/knative-kafka/test/devenv"
	"github.com/knative-kafka/knative-kafka/test/procstat"
)

// rampCost is what every process of the environment, and the API server's
// requests, cost while the channels and subscriptions became Ready: on one
// machine they share its cores, so this says where the time went.
type rampCost struct {
	start    time.Time
	cpu      map[string]time.Duration
	requests map[string]float64
}

func (b *bench) startRamp(ctx context.Context) (*rampCost, error) {
	r := &rampCost{start: time.Now(), cpu: cpuByProcess(b.env.Processes())}
	var err error
	r.requests, err = b.apiRequests(ctx)
	return r, err
}

// print compares the costs now with those at startRamp.
func (r *rampCost) print(ctx context.Context, b *bench) error {
	elapsed := time.Since(r.start)
	now := cpuByProcess(b.env.Processes())
	requests, err := b.apiRequests(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("CPU while they became Ready (%v, %d cores): %s\n", elapsed.Round(time.Second), runtime.NumCPU(), top(diff(now, r.cpu), func(d time.Duration) string {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}))
	perRequest := diff(requests, r.requests)
	var total float64
	for _, n := range perRequest {
		total += n
	}
	fmt.Printf("API server requests meanwhile: %.0f, of which %s\n", total, top(perRequest, func(n float64) string { return strconv.FormatFloat(n, 'f', 0, 64) }))
	return nil
}

// cpuByProcess sums the CPU time of the processes by name, the pool's replicas as one.
func cpuByProcess(ps []devenv.Process) map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, p := range ps {
		name := p.Name
		if strings.Contains(name, "dispatcher") && name != devenv.IMCDispatcherName {
			name = "dispatchers"
		}
		if d, err := procstat.ReadCPU(p.PID); err == nil {
			out[name] += d
		}
	}
	return out
}

// requestLine matches a kube-apiserver request counter and captures its labels and value.
var requestLine = regexp.MustCompile(`^apiserver_request_total\{(.*)\} (\S+)$`)

// apiRequests reads the API server's request counters by verb, resource and
// code, leaving out watches and lists (the informers' own).
func (b *bench) apiRequests(ctx context.Context) (map[string]float64, error) {
	raw, err := b.env.Kube.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the API server's metrics: %w", err)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := requestLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		labels := map[string]string{}
		for _, kv := range strings.Split(m[1], ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				labels[k] = strings.Trim(v, `"`)
			}
		}
		if labels["verb"] == "WATCH" || labels["verb"] == "LIST" || labels["resource"] == "" {
			continue
		}
		n, _ := strconv.ParseFloat(m[2], 64)
		key := labels["verb"] + " " + strings.TrimSuffix(labels["resource"]+"/"+labels["subresource"], "/") + " " + labels["code"]
		out[key] += n
	}
	return out, sc.Err()
}

func diff[V time.Duration | float64](now, before map[string]V) map[string]V {
	out := map[string]V{}
	for k, v := range now {
		if d := v - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

// top formats the twelve largest entries, largest first.
func top[V time.Duration | float64](m map[string]V, format func(V) string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] })
	var parts []string
	for _, k := range keys[:min(12, len(keys))] {
		parts = append(parts, k+" "+format(m[k]))
	}
	return strings.Join(parts, ", ")
}
