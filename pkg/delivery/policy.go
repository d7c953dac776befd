package delivery

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/cloudevents/sdk-go/v2/binding"
	"knative.dev/eventing/pkg/broker"
	"knative.dev/eventing/pkg/kncloudevents"
	"knative.dev/eventing/pkg/kncloudevents/attributes"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	"knative.dev/pkg/network"
	"knative.dev/pkg/system"
)

// backoff is the wait before retry n+1 (n counts from 0): the policy's, or
// what a 429 or 503 asks for in Retry-After when it is longer, up to
// RetryAfterMax. Without RetryAfterMax, Retry-After is ignored (eventing's
// delivery-retryafter feature is opt-in).
func backoff(rc *kncloudevents.RetryConfig, n int, resp *http.Response) time.Duration {
	var wait time.Duration
	if rc.Backoff != nil {
		wait = rc.Backoff(n, resp)
	}
	if rc.RetryAfterMaxDuration == nil || resp == nil ||
		(resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return wait
	}
	return max(wait, min(retryAfter(resp.Header.Get("Retry-After"), time.Now()), *rc.RetryAfterMaxDuration))
}

// retryAfter reads a Retry-After header, delay-seconds or an HTTP-date
// (RFC 9110, 10.2.3); 0 when it is absent, invalid or past.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		return max(time.Duration(s)*time.Second, 0)
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// errorExtensions tell the dead-letter sink which target failed and how: its
// URL, the response code and the response body, base64, truncated to what
// the extension may hold. A broker's filter answers with the failure of the
// trigger's subscriber, which is told instead, as kncloudevents does.
func errorExtensions(dest *apis.URL, failure sent) binding.Transformers {
	if dest == nil {
		dest = &apis.URL{}
	}
	body := failure.body
	if dest.Host == network.GetServiceHostname("broker-filter", system.Namespace()) {
		var info broker.ErrExtensionInfo
		if err := json.Unmarshal(failure.body, &info); err != nil {
			return nil
		}
		dest, body = info.ErrDestination, info.ErrResponseBody
	}
	dest = sanitizeURL(dest)
	// The base64 of the bytes that fit: every 3 bytes make 4 characters.
	fits := attributes.KnativeErrorDataExtensionMaxLength / 4 * 3
	encoded := base64.StdEncoding.EncodeToString(body[:min(len(body), fits)])
	return attributes.KnativeErrorTransformers(*dest.URL(), failure.code, encoded)
}

// sanitize gives a target without an http or https scheme (a bare host) the
// URL kncloudevents gives it: http://host/.
func sanitize(a *duckv1.Addressable) *duckv1.Addressable {
	if u := sanitizeURL(a.URL); u != a.URL {
		c := *a
		c.URL = u
		return &c
	}
	return a
}

func sanitizeURL(u *apis.URL) *apis.URL {
	if u == nil || u.Scheme == "http" || u.Scheme == "https" {
		return u
	}
	return &apis.URL{Scheme: "http", Host: u.Host, Path: "/"}
}
