package main

import (
	"hash/fnv"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
)

// delivery is one event a subscriber took (answered 2xx).
type delivery struct {
	id  string
	key string
	seq int
	at  time.Time
}

// subscriber is an HTTP endpoint on 127.0.0.1 that records what it takes. A
// flaky one is slow (0-20 ms) and fails with 503: always for a few events
// (which its retries then dead-letter), sometimes for the others.
type subscriber struct {
	name  string
	url   string
	flaky bool

	mu         sync.Mutex
	deliveries []delivery
}

// Flaky subscribers' failure rates: every event whose id hashes to 0 modulo
// alwaysFailsOneIn is refused on every attempt; any other attempt fails with
// probability sometimesFails.
const (
	alwaysFailsOneIn = 200
	sometimesFails   = 0.03
)

func startSubscriber(r *runner, name string, flaky bool) *subscriber {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		r.Fatal(err)
	}
	s := &subscriber{name: name, url: "http://" + l.Addr().String(), flaky: flaky}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	r.Cleanup(func() { _ = srv.Close() })
	return s
}

func (s *subscriber) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	msg := cehttp.NewMessageFromHttpRequest(r)
	defer msg.Finish(nil)
	ev, err := binding.ToEvent(r.Context(), msg)
	var p payload
	if err == nil {
		err = ev.DataAs(&p)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if s.flaky {
		time.Sleep(rand.N(20 * time.Millisecond)) //nolint:gosec // test jitter
		if alwaysFails(ev.ID()) || rand.Float64() < sometimesFails {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
	}
	s.mu.Lock()
	s.deliveries = append(s.deliveries, delivery{id: ev.ID(), key: p.Key, seq: p.Seq, at: time.Now()})
	s.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

func alwaysFails(id string) bool {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return h.Sum32()%alwaysFailsOneIn == 0
}

func (s *subscriber) taken() []delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]delivery(nil), s.deliveries...)
}
