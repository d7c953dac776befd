package main

import (
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/knative-kafka/knative-kafka/test/procstat"
)

// point is one sender count, measured on every side.
type point struct {
	senders                 int
	raw, receiver, httpOnly result
	// minimal is the least code that does the receiver's job, in one process.
	minimal result
	// dials counts the connections the receiver's client opened.
	dials int64
	// failed counts the sends that failed, every round and side.
	failed int
	// peak is the receiver's memory after the point.
	peak procstat.Memory
}

// printTables prints the figures the benchmark is for, R_recv and R_min,
// with the CPU costs they are made of, then the rates and latencies.
func printTables(points []point, idle procstat.Memory) {
	out := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(out, "\ncpu/ev of each side's own process\t\t\t\t\t\t\t\t\t\t")
	fmt.Fprintln(out, "senders\treceiver\thttp-only\traw\tR_recv\tminimal\tR_min\tsenders→recv\tbroker (recv)\tbroker (raw)\trecv peak RSS\t")
	for i := range points {
		p := &points[i]
		v, h, r, m := p.receiver, p.httpOnly, p.raw, p.minimal
		fmt.Fprintf(out, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", p.senders, us(v.sideCPU), us(h.sideCPU),
			us(r.sideCPU), ratio(v.sideCPU, h.sideCPU+r.sideCPU), us(m.sideCPU), ratio(v.sideCPU, m.sideCPU),
			us(v.senderCPU), us(v.brokerCPU), us(r.brokerCPU), mib(p.peak.PeakRSS))
	}
	fmt.Fprintln(out, "\nsenders\treceiver ev/s\tp50\tp99\thttp-only ev/s\tp50\tp99\traw ev/s\tp50\tp99\tminimal ev/s\tp50\tp99\terrors recv/raw/min\trecv conns\t")
	for i := range points {
		p := &points[i]
		v, h, r, m := p.receiver, p.httpOnly, p.raw, p.minimal
		fmt.Fprintf(out, "%d\t%.0f\t%s\t%s\t%.0f\t%s\t%s\t%.0f\t%s\t%s\t%.0f\t%s\t%s\t%d/%d/%d\t%d\t\n", p.senders,
			v.rate, ms(v.p50), ms(v.p99), h.rate, ms(h.p50), ms(h.p99), r.rate, ms(r.p50), ms(r.p99),
			m.rate, ms(m.p50), ms(m.p99), v.errors, r.errors, m.errors, p.dials)
	}
	_ = out.Flush()
	fmt.Printf("\nreceiver RSS idle: %s (of which mapped files %s); goals: < 40 MiB idle, < 80 MiB at 64 senders, R_recv <= 1.25 at 64 senders (below the minimal receiver's own R_recv), R_min <= 1.25\n",
		mib(idle.RSS), mib(idle.FileRSS))
}

// ratio is the receiver's CPU per event over a baseline's: R_recv over a
// bare HTTP server's plus a raw producer's, R_min over the minimal receiver's.
func ratio(recv, baseline time.Duration) string {
	if recv <= 0 || baseline <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(recv)/float64(baseline))
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}

func us(d time.Duration) string {
	if d < 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fµs", float64(d)/float64(time.Microsecond))
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
