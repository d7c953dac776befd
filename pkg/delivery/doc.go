// Package delivery sends one event to a subscriber with Knative's delivery
// semantics, as eventing's kncloudevents dispatcher does: the subscriber is
// asked with Prefer: reply, retried as the delivery spec's RetryConfig says
// (its CheckRetry, backoff, Retry-After up to RetryAfterMax and per-attempt
// timeout), an event it answers with goes to the reply, and an event that the
// subscriber or the reply would not take goes to the dead-letter sink with the
// knativeerrordest, knativeerrorcode and knativeerrordata extensions; OIDC
// tokens and the trust of https targets (their CA certificates and eventing's
// trust bundles) as kncloudevents gives them.
//
// It exists because kncloudevents cost the dispatcher more CPU per event than
// the rest of the delivery (see test/benchmark/dispatcher): a retryablehttp
// client and a request copy per event, and OpenTelemetry's HTTP client
// instrumentation, whose counting wrapper of the request body made net/http
// write the headers and the body of every request in two system calls. Here
// a request is built once per target from the record and sent over one
// transport per set of CA certificates, shared by every target, with one span
// per target.
//
// What a delivery does that kncloudevents did not: a delivery whose session
// is ending (stop) gives up instead of retrying, so that the partition's next
// owner retries it, and the subscriber's own attempts and last response code
// are reported apart from the reply's and the dead-letter sink's. Where
// kncloudevents parts from Knative's data-plane contract, the contract
// wins: a 3xx is a failed attempt, its redirect not followed (net/http's
// client followed it); a 202 is never read as a reply, even one that reads
// as an event; and a request that cannot be made (its OIDC token) is a
// failed attempt, retried and then dead-lettered like any other, where
// kncloudevents gave up before the first attempt, and each attempt fetches
// its own token rather than one per delivery. The RetryConfig's Backoff is
// called with n - 1 before retry n, as retryablehttp called it; the
// dispatcher builds it to wait what the DeliverySpec defines for retry n,
// which kncloudevents' does not (see the README's Guarantees).
package delivery
