package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/knative-kafka/knative-kafka/test/eventdisplay"
)

// The sample's event display is what a newcomer judges the channel by: a
// burst of concurrent deliveries must all be accepted at once, in binary and
// structured mode, and a request that is no CloudEvent refused.
func TestEventDisplayAcceptsABurst(t *testing.T) {
	var out lockedBuffer
	srv := httptest.NewServer(eventdisplay.Handler(&out))
	defer srv.Close()

	const senders = 200
	codes := make(chan int, senders)
	var wg sync.WaitGroup
	for i := 0; i < senders; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			codes <- post(t, srv.URL, binaryEvent(i))
		}(i)
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != http.StatusAccepted {
			t.Errorf("a binary event got %d, want 202", code)
		}
	}
	if code := post(t, srv.URL, structuredEvent()); code != http.StatusAccepted {
		t.Errorf("a structured event got %d, want 202", code)
	}
	bad, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("not an event"))
	if code := post(t, srv.URL, bad); code != http.StatusBadRequest {
		t.Errorf("a request that is no CloudEvent got %d, want 400", code)
	}
	if got := strings.Count(out.String(), "event display received"); got != senders+1 {
		t.Errorf("printed %d events, want %d", got, senders+1)
	}
}

func binaryEvent(i int) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, "", strings.NewReader(`{"hello":"kafka"}`))
	r.Header = http.Header{
		"Ce-Specversion": {"1.0"}, "Ce-Type": {"dev.example"}, "Ce-Source": {"test"},
		"Ce-Id": {fmt.Sprint(i)}, "Content-Type": {"application/json"},
	}
	return r
}

func structuredEvent() *http.Request {
	r, _ := http.NewRequest(http.MethodPost, "", strings.NewReader(
		`{"specversion":"1.0","type":"dev.example","source":"test","id":"s","data":{"hello":"kafka"}}`))
	r.Header.Set("Content-Type", "application/cloudevents+json")
	return r
}

// post sends r to url and returns the status code, 0 on a transport error.
func post(t *testing.T, url string, r *http.Request) int {
	req, err := http.NewRequest(http.MethodPost, url, r.Body)
	if err != nil {
		t.Error(err)
		return 0
	}
	req.Header = r.Header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// lockedBuffer is written by concurrent handlers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Once ready, local-up prints in one place what a newcomer needs: where the
// kubeconfig, the receiver (HTTP and HTTPS), its metrics, the Kafka broker and the logs are, and a curl
// line that sends the sample channel an event.
func TestReadyTable(t *testing.T) {
	got := readyTable(ready{
		kubeconfig: "/r/_output/devenv/admin.kubeconfig", receiver: "http://127.0.0.1:31000",
		https: "https://127.0.0.1:31003", metrics: "http://127.0.0.1:31002/metrics", broker: "127.0.0.1:31001", logs: "/r/_output/devenv/logs",
	})
	for _, want := range []string{
		"KUBECONFIG  /r/_output/devenv/admin.kubeconfig",
		"receiver    http://127.0.0.1:31000",
		"HTTPS       https://127.0.0.1:31003",
		"metrics     http://127.0.0.1:31002/metrics",
		"Kafka       127.0.0.1:31001",
		"logs        /r/_output/devenv/logs",
		"curl -i http://127.0.0.1:31000/default/sample",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the table lacks %q:\n%s", want, got)
		}
	}
}

// Should the receiver's URL ever change (its port taken by another program
// at a restart), local-up says so, once per change.
func TestReceiverURLChangesArePrinted(t *testing.T) {
	urls := []string{"http://a", "http://a", "http://b", "", "http://b", "http://c"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	next := func() (string, error) {
		if len(urls) == 0 {
			cancel()
			return "", errors.New("done")
		}
		u := urls[0]
		urls = urls[1:]
		if u == "" {
			return "", errors.New("the receiver is not running")
		}
		return u, nil
	}
	var out bytes.Buffer
	watchReceiver(ctx, next, "http://a", time.Millisecond, &out)
	want := "the receiver's URL is now http://b\nthe receiver's URL is now http://c\n"
	if out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}

// hack/local-up.sh and hack/node-up.sh share a checkout's _output: while one
// holds the lock, the other refuses to start, naming the holder.
func TestLocalUpRefusesWhileAnotherEnvironmentRuns(t *testing.T) {
	root := t.TempDir()
	unlock, err := lockEnv(root, "hack/node-up.sh (pid 42)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockEnv(root, "hack/local-up.sh"); err == nil || !strings.Contains(err.Error(), "hack/node-up.sh (pid 42)") {
		t.Fatalf("second lock: %v, want a refusal naming hack/node-up.sh (pid 42)", err)
	}
	unlock()
	again, err := lockEnv(root, "hack/local-up.sh")
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	again()
}
