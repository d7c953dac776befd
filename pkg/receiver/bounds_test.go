package receiver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/knative-kafka/knative-kafka/pkg/kafka/kafkatest"
)

const (
	otherChannel = "other"
	otherTopic   = "ns.other"
)

// twoChannels is a receiver of the test channel and of another one, with o's
// other options.
func twoChannels(t *testing.T, o testOptions) *receiverUnderTest {
	t.Helper()
	broker := kafkatest.Start(t, kfake.SeedTopics(partitions, testTopic, otherTopic))
	o.lister = channelLister(t, readyChannel(testNS, testChannel, testTopic), readyChannel(testNS, otherChannel, otherTopic))
	o.brokers, o.waitReady = broker.Addrs, true
	return startReceiver(t, o)
}

// stallBody opens a connection that sends the headers of a binary event
// whose body has size bytes, then the first sent bytes of it, then nothing.
func stallBody(t *testing.T, r *receiverUnderTest, size, sent int) net.Conn {
	t.Helper()
	addr := strings.TrimPrefix(r.url, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	_, err = fmt.Fprintf(conn, "POST /%s/%s HTTP/1.1\r\nHost: %s\r\nCe-Specversion: 1.0\r\nCe-Id: stalled\r\n"+
		"Ce-Source: /test\r\nCe-Type: dev.knative.test\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		testNS, testChannel, addr, size, strings.Repeat("x", sent))
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// answerOf is the status a stalled connection is answered, which the
// receiver must then close: the rest of the body would read as a request.
func answerOf(t *testing.T, conn net.Conn) int {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(60 * time.Second)) // only guards against a hang
	in := bufio.NewReader(conn)
	resp, err := http.ReadResponse(in, nil)
	if err != nil {
		t.Fatalf("no answer on a stalled connection: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if _, err := in.ReadByte(); !errors.Is(err, io.EOF) {
		t.Errorf("after its %d the connection of a stalled body is not closed: %v", resp.StatusCode, err)
	}
	return resp.StatusCode
}

// TestStalledBodiesHoldNoSlot: as many connections as the in-flight cap
// send their headers and a byte of the body, then stall. They must not make
// the receiver refuse the other senders (a valid event to another channel is
// stored), and each is answered 408 and closed once the body timeout passed.
func TestStalledBodiesHoldNoSlot(t *testing.T) {
	var reads atomic.Int64
	r := twoChannels(t, testOptions{bodyTimeout: 2 * time.Second, bodyReads: &reads})
	stalled := make([]net.Conn, DefaultMaxInFlight)
	for i := range stalled {
		stalled[i] = stallBody(t, r, 100, 1)
	}
	eventually(t, "the receiver reading every stalled body", func() bool { return reads.Load() == int64(len(stalled)) })

	resp := mustDo(t, binaryEvent(t, r.url+"/"+testNS+"/"+otherChannel, "while-stalled", nil, "{}"))
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("while %d bodies stall: status %d (%s), want 202", len(stalled), resp.StatusCode, readAll(resp))
	}
	for _, conn := range stalled {
		if got := answerOf(t, conn); got != http.StatusRequestTimeout {
			t.Fatalf("stalled body answered %d, want 408", got)
		}
	}
}

// TestStalledLargeBodyHoldsItsSlotNoLonger: a body larger than what a
// request may read without a slot holds one while it is read; stalled, it
// holds it only until the body timeout, then is answered 408 and closed, and
// the receiver takes events again.
func TestStalledLargeBodyHoldsItsSlotNoLonger(t *testing.T) {
	const slots = 4
	r := twoChannels(t, testOptions{bodyTimeout: 2 * time.Second, maxInFlight: slots})
	stalled := make([]net.Conn, slots)
	for i := range stalled {
		stalled[i] = stallBody(t, r, 4*unslottedBytes, 2*unslottedBytes)
	}
	other := r.url + "/" + testNS + "/" + otherChannel
	eventually(t, "the stalled bodies holding every slot", func() bool {
		return mustDo(t, binaryEvent(t, other, "refused", nil, "{}")).StatusCode == http.StatusServiceUnavailable
	})
	for _, conn := range stalled {
		if got := answerOf(t, conn); got != http.StatusRequestTimeout {
			t.Fatalf("stalled body answered %d, want 408", got)
		}
	}
	if resp := mustDo(t, binaryEvent(t, other, "after", nil, "{}")); resp.StatusCode != http.StatusAccepted {
		t.Errorf("once the stalled bodies were answered: status %d (%s), want 202", resp.StatusCode, readAll(resp))
	}
}

func readAll(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b))
}

// TestTimedOutSendsHoldTheirSlots: a send that outlived its request's
// produce timeout still holds the event's body until Sarama returns it, so it
// counts against the in-flight cap until then. While the broker hangs, after
// as many timed-out sends as the cap, the next request is refused at once,
// without starting a send; once the broker answers, the slots come back.
func TestTimedOutSendsHoldTheirSlots(t *testing.T) {
	const slots = 3
	broker := kafkatest.Start(t, kfake.SeedTopics(partitions, testTopic))
	r := startReceiver(t, testOptions{lister: channelLister(t, readyChannel(testNS, testChannel, testTopic)), brokers: broker.Addrs,
		waitReady: true, maxInFlight: slots, produceTimeout: 500 * time.Millisecond})
	eventually(t, "a 202 before the broker hangs", func() bool {
		return mustDo(t, binaryEvent(t, r.channelURL(), "warm-up", nil, "{}")).StatusCode == http.StatusAccepted
	})
	held, release := holdFirstProduce(broker)
	t.Cleanup(release)
	for i := range slots {
		resp := mustDo(t, binaryEvent(t, r.channelURL(), fmt.Sprint("timed-out-", i), nil, "{}"))
		if body := readAll(resp); resp.StatusCode != http.StatusServiceUnavailable || body != "" {
			t.Fatalf("send %d while the broker hangs: status %d (%q), want the 503 of a produce timeout", i, resp.StatusCode, body)
		}
	}
	<-held

	resp := mustDo(t, binaryEvent(t, r.channelURL(), "refused", nil, "{}"))
	if body := readAll(resp); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "maximum of 3 requests") {
		t.Errorf("with %d sends still waiting for the broker: status %d (%q), want the 503 of the in-flight cap", slots, resp.StatusCode, body)
	}
	release()
	i := 0
	eventually(t, "a 202 once the broker answers", func() bool {
		i++
		return mustDo(t, binaryEvent(t, r.channelURL(), fmt.Sprint("after-", i), nil, "{}")).StatusCode == http.StatusAccepted
	})
	if n := countIDs(t, kafkatest.Records(t, broker.Addrs, testTopic))["refused"]; n != 0 {
		t.Errorf("the refused event is %d times in the topic: a send was started beyond the cap", n)
	}
}
