package receiver

import (
	"fmt"
	"io"
	"net/http"
)

// notFound tells a sender where channels are.
const notFound = "no KafkaChannel at this address: send to http://<name>-kn-channel.<namespace>.svc.<cluster domain>/ or to /<namespace>/<name>"

// answer writes a request's one response, and remembers its status for the
// metrics. It is also the http.ResponseWriter of eventing's OIDC verifier,
// which answers 401 and 403 itself.
type answer struct {
	w          http.ResponseWriter
	method     string
	retryAfter string
	status     int
}

var _ http.ResponseWriter = (*answer)(nil)

// send answers code. A 4xx tells the sender why, from err or from the code;
// a 5xx does not (its cause is logged), and code 0 means that the response
// was written already.
func (a *answer) send(code int, err error) {
	reason := ""
	switch {
	case code == 0:
		return
	case err != nil && code < http.StatusInternalServerError:
		reason = err.Error()
	case code == http.StatusNotFound:
		reason = notFound
	case code == http.StatusMethodNotAllowed:
		reason = fmt.Sprintf("method %s not allowed: send events with POST", a.method)
	}
	a.refuse(code, reason)
}

// refuse answers code with reason as its body, none if empty, and the
// headers that go with code: Allow for 405 and OPTIONS, Retry-After for 503.
func (a *answer) refuse(code int, reason string) {
	h := a.w.Header()
	switch {
	case a.method == http.MethodOptions && code == http.StatusOK:
		h.Set("Allow", "POST, OPTIONS")
		h.Set("WebHook-Allowed-Origin", "*") // CloudEvents' HTTP webhook spec: any origin,
		h.Set("WebHook-Allowed-Rate", "*")   // unlimited requests per minute
	case code == http.StatusMethodNotAllowed:
		h.Set("Allow", "POST, OPTIONS")
	case code == http.StatusServiceUnavailable:
		h.Set("Retry-After", a.retryAfter)
	}
	if reason != "" {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
	}
	a.WriteHeader(code)
	if reason != "" {
		_, _ = io.WriteString(a.w, reason+"\n")
	}
}

func (a *answer) Header() http.Header { return a.w.Header() }

func (a *answer) WriteHeader(code int) {
	if a.status != 0 {
		return
	}
	a.status = code
	a.w.WriteHeader(code)
}

func (a *answer) Write(b []byte) (int, error) {
	if a.status == 0 {
		a.WriteHeader(http.StatusOK)
	}
	return a.w.Write(b)
}

// statusOrOK is the status answered, 200 if the handler wrote none.
func (a *answer) statusOrOK() int {
	if a.status == 0 {
		return http.StatusOK
	}
	return a.status
}
