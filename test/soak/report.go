package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// check is what one subscriber must have got: every accepted event of its
// channel, taken or (for a flaky one) dead-lettered, and on an ordered
// channel in each key's order.
type check struct {
	sub         *subscriber
	channel     string
	ordered     bool
	deadLetters *subscriber
}

// injection is when a fault began and ended.
type injection struct {
	name     string
	at, over time.Time
}

type report struct {
	accepted []sent
	refused  int
	checks   []*check
	faults   []injection
}

func newReport(accepted []sent, refused int, checks []*check, faults []injection) *report {
	return &report{accepted: accepted, refused: refused, checks: checks, faults: faults}
}

// outcome is one subscriber's figures.
type outcome struct {
	expected, taken, deadLettered, lost, duplicates int
}

func (r *report) outcome(c *check) outcome {
	taken := c.sub.taken()
	done := map[string]bool{}
	for _, d := range taken {
		done[d.id] = true
	}
	o := outcome{taken: len(taken), duplicates: len(taken) - len(done)}
	if c.deadLetters != nil {
		for _, d := range c.deadLetters.taken() {
			if !done[d.id] {
				o.deadLettered++
			}
			done[d.id] = true
		}
	}
	for _, a := range r.accepted {
		if a.channel == c.channel {
			o.expected++
			if !done[a.id] {
				o.lost++
			}
		}
	}
	return o
}

// violations are the order violations of an ordered channel's subscriber.
func (r *report) violations(c *check) int {
	if !c.ordered {
		return 0
	}
	return orderViolations(c.sub.taken())
}

// orderViolations counts events that arrived after a later event of their
// key without having arrived before: a redelivery repeats a suffix already
// delivered, which is allowed (at least once); skipping ahead is not. Only
// keys that stay on their partition as the channel grows are checked.
func orderViolations(taken []delivery) int {
	seen := map[string]map[int]bool{}
	highest := map[string]int{}
	checked := map[string]bool{}
	violations := 0
	for _, d := range taken {
		stable, known := checked[d.key]
		if !known {
			stable = stays(d.key)
			checked[d.key] = stable
		}
		if !stable {
			continue
		}
		if seen[d.key] == nil {
			seen[d.key], highest[d.key] = map[int]bool{}, d.seq
		}
		if d.seq < highest[d.key] && !seen[d.key][d.seq] {
			violations++
		}
		seen[d.key][d.seq] = true
		highest[d.key] = max(highest[d.key], d.seq)
	}
	return violations
}

// settled tells whether every subscriber got every accepted event.
func (r *report) settled() bool {
	for _, c := range r.checks {
		if r.outcome(c).lost > 0 {
			return false
		}
	}
	return true
}

func (r *report) failures() (lost, violations int) {
	for _, c := range r.checks {
		lost += r.outcome(c).lost
		violations += r.violations(c)
	}
	return lost, violations
}

func (r *report) print(out io.Writer) {
	fmt.Fprintf(out, "\nevents accepted (202): %d; requests refused or failed (retried by their sender): %d\n\n", len(r.accepted), r.refused)
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "subscriber\taccepted\ttaken\tdead-lettered\tlost\tduplicates\tduplicates %\torder violations\t")
	for _, c := range r.checks {
		o := r.outcome(c)
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t%.2f\t%s\t\n", c.sub.name, o.expected, o.taken, o.deadLettered, o.lost,
			o.duplicates, 100*float64(o.duplicates)/float64(max(o.expected, 1)), r.orderColumn(c))
	}
	_ = w.Flush()
	fmt.Fprintln(out)
	w = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "fault\tat\tlasted\tingress stall\tdelivery stall\tredelivered\t")
	first, redeliveries := r.deliveries()
	for i, f := range r.faults {
		until := time.Now()
		if i+1 < len(r.faults) {
			until = r.faults[i+1].at
		}
		fmt.Fprintf(w, "%s\t%s\t%v\t%v\t%v\t%d\t\n", f.name, f.at.Format("15:04:05"), f.over.Sub(f.at).Round(100*time.Millisecond),
			r.ingressStall(f.at, until).Round(100*time.Millisecond), r.deliveryStall(first, f.at, until).Round(100*time.Millisecond),
			countBetween(redeliveries, f.at, until))
	}
	_ = w.Flush()
	if len(r.faults) > 0 {
		fmt.Fprintf(out, "\nredelivered before the first fault: %d\n", countBetween(redeliveries, time.Time{}, r.faults[0].at))
	}
	fmt.Fprintln(out, "\ningress stall: the longest time without a 202 after the fault began; delivery stall: the longest")
	fmt.Fprintln(out, "an event waited past the fault's start (or its acceptance) for the counting subscribers. Order is")
	fmt.Fprintln(out, "checked per partition key, for the half of the keys that keep their partition as the channel grows.")
}

// deliveries are, per subscriber, when it first took each event, and the
// times at which any subscriber took an event again.
func (r *report) deliveries() (first map[*check]map[string]time.Time, again []time.Time) {
	first = map[*check]map[string]time.Time{}
	for _, c := range r.checks {
		first[c] = map[string]time.Time{}
		for _, d := range c.sub.taken() {
			if _, seen := first[c][d.id]; seen {
				again = append(again, d.at)
			} else {
				first[c][d.id] = d.at
			}
		}
	}
	return first, again
}

func countBetween(times []time.Time, from, until time.Time) int {
	n := 0
	for _, t := range times {
		if !t.Before(from) && t.Before(until) {
			n++
		}
	}
	return n
}

func (r *report) orderColumn(c *check) string {
	if !c.ordered {
		return "(unordered)"
	}
	return fmt.Sprint(r.violations(c))
}

// ingressStall is the longest time in [from, until) without an accepted event.
func (r *report) ingressStall(from, until time.Time) time.Duration {
	var longest time.Duration
	last := from
	for _, a := range r.accepted {
		if a.at.Before(from) || !a.at.Before(until) {
			continue
		}
		longest = max(longest, a.at.Sub(last))
		last = a.at
	}
	return longest
}

// deliveryStall is the longest an event accepted before until waited, past
// from (or its acceptance, if later), for its first delivery to a counting
// subscriber; the flaky one's retries are its own.
func (r *report) deliveryStall(first map[*check]map[string]time.Time, from, until time.Time) time.Duration {
	var longest time.Duration
	for _, c := range r.checks {
		if c.sub.flaky {
			continue
		}
		for _, a := range r.accepted {
			at, ok := first[c][a.id]
			if a.channel != c.channel || !a.at.Before(until) || !ok || at.Before(from) {
				continue
			}
			longest = max(longest, at.Sub(later(a.at, from)))
		}
	}
	return longest
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
