package main

import (
	"fmt"
	"os"
	"text/tabwriter"
	"time"
)

// point is one sender count, measured on every side.
type point struct {
	senders                 int
	raw, receiver, httpOnly result
	// dials counts the connections the receiver's client opened.
	dials int64
}

// printTables prints the comparison the benchmark is for, then what each
// event cost, which explains the comparison.
func printTables(points []point) {
	out := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(out, "senders\traw ev/s\traw p50\traw p99\treceiver ev/s\treceiver p50\treceiver p99\tratio\terrors raw/recv\t")
	for i := range points {
		p := &points[i]
		r, v := p.raw, p.receiver
		fmt.Fprintf(out, "%d\t%.0f\t%s\t%s\t%.0f\t%s\t%s\t%.2f\t%d/%d\t\n",
			p.senders, r.rate, ms(r.p50), ms(r.p99), v.rate, ms(v.p50), ms(v.p99), ratio(v, r), r.errors, v.errors)
	}
	fmt.Fprintln(out, "\nsenders\tcpu/ev raw\tcpu/ev recv+client\tbroker cpu/ev raw\tbroker cpu/ev recv\t"+
		"http-only ev/s\thttp-only cpu/ev\tceiling\trecv conns\t")
	for i := range points {
		p := &points[i]
		r, v, h := p.raw, p.receiver, p.httpOnly
		fmt.Fprintf(out, "%d\t%s\t%s\t%s\t%s\t%.0f\t%s\t%.2f\t%d\t\n",
			p.senders, us(r.selfCPU), us(v.selfCPU), us(r.brokerCPU), us(v.brokerCPU),
			h.rate, us(h.selfCPU), ratio(h, r), p.dials)
	}
	_ = out.Flush()
}

func ratio(a, b result) float64 {
	if b.rate == 0 {
		return 0
	}
	return a.rate / b.rate
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}

func us(d time.Duration) string {
	if d < 0 {
		return "-"
	}
	return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
}
