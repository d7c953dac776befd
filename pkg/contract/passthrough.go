package contract

// passThroughNames and passThroughPrefixes name the HTTP headers that a
// KafkaChannel carries from a sender's request to its subscribers' requests,
// as Knative Eventing's own channels do (knative.dev/eventing/pkg/utils
// PassThroughHeaders): X-Request-Id and Retry-After, and those named
// Knative-* (Knative's) or X-B3-* (Zipkin's B3 trace context). The receiver
// writes each value as a record header named by the lower-case header name,
// which no CloudEvents header (ce_*, content-type) is; the dispatcher writes
// those back on the subscriber's request. Nothing else passes: not
// Authorization, nor Cookie. Records keep these names, so a dispatcher reads
// them from events another release wrote. Kept in step with eventing's list by
// TestPassThroughIsEventingsList.
var (
	passThroughNames    = []string{"x-request-id", "retry-after"}
	passThroughPrefixes = []string{"knative-", "x-b3-"}
)

// PassesThrough tells whether a header (or a record header) of this name passes
// through, whatever its case; it allocates nothing, since the receiver asks
// it of every header of every request.
func PassesThrough[T ~string | ~[]byte](name T) bool {
	for _, n := range passThroughNames {
		if len(name) == len(n) && hasPrefixFold(name, n) {
			return true
		}
	}
	for _, p := range passThroughPrefixes {
		if hasPrefixFold(name, p) {
			return true
		}
	}
	return false
}

// hasPrefixFold tells whether s starts with prefix, a lower-case ASCII string, in any case.
func hasPrefixFold[T ~string | ~[]byte](s T, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := range len(prefix) {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}
