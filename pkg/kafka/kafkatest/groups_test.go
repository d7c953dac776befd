package kafkatest

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Kafka keeps a member alive while it waits in JoinGroup for the others
// (they may take up to the rebalance timeout to finish their sessions): its
// session timeout only runs between heartbeats. The test broker must do the
// same, or every rebalance slower than a session timeout evicts the members
// already waiting and leaves their JoinGroup unanswered until Sarama's read
// timeout; the dispatcher pool's moves stalled partitions for minutes that way.
func TestMembersWaitingInJoinOutliveTheirSession(t *testing.T) {
	const (
		topic   = "slow-rejoin"
		session = time.Second
		slow    = 3 * session // how long one member takes to end its session
	)
	b := Start(t, kfake.SeedTopics(2, topic), kfake.GroupMinSessionTimeout(100*time.Millisecond))
	cfg := Config()
	cfg.Consumer.Group.Session.Timeout = session
	cfg.Consumer.Group.Heartbeat.Interval = 100 * time.Millisecond
	cfg.Consumer.Group.Rebalance.Timeout = 5 * time.Second
	cfg.Net.ReadTimeout = 30 * time.Second // what an unanswered JoinGroup waits for

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gens := make(chan int32, 100)
	join := func(name string, slowToLeave bool) {
		g, err := sarama.NewConsumerGroup(b.Addrs, "group", cfg)
		if err != nil {
			t.Fatal(err)
		}
		h := &sessionRecorder{generations: gens, slowToLeave: slowToLeave, slow: slow}
		var wg sync.WaitGroup
		wg.Go(func() {
			for ctx.Err() == nil {
				if err := g.Consume(ctx, []string{topic}, h); err != nil && ctx.Err() == nil {
					t.Logf("%s: %v", name, err)
				}
			}
		})
		t.Cleanup(func() {
			cancel()
			wg.Wait()
			_ = g.Close()
		})
	}
	join("fast", false)
	join("slow", true)
	waitGenerationOf(t, gens, 2, 10*time.Second)

	// A third member makes the two rebalance: the fast one and the new one
	// wait in JoinGroup while the slow one finishes, longer than a session.
	start := time.Now()
	join("new", false)
	waitGenerationOf(t, gens, 3, slow+10*time.Second)
	t.Logf("all three members in one generation after %v", time.Since(start).Round(time.Millisecond))
}

// sessionRecorder sends each session's generation; a slowToLeave member's
// claim returns only `slow` after its session ended.
type sessionRecorder struct {
	generations chan<- int32
	slowToLeave bool
	slow        time.Duration
}

func (h *sessionRecorder) Setup(s sarama.ConsumerGroupSession) error {
	h.generations <- s.GenerationID()
	return nil
}

func (*sessionRecorder) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h *sessionRecorder) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	<-s.Context().Done()
	if h.slowToLeave {
		time.Sleep(h.slow)
	}
	return nil
}

// waitGenerationOf waits until n sessions began in one generation.
func waitGenerationOf(t *testing.T, gens <-chan int32, n int, timeout time.Duration) {
	t.Helper()
	count := map[int32]int{}
	deadline := time.After(timeout)
	for {
		select {
		case g := <-gens:
			if count[g]++; count[g] == n {
				return
			}
		case <-deadline:
			t.Fatalf("no generation of %d members within %v (sessions per generation: %v)", n, timeout, count)
		}
	}
}

// A member that dies while it waits in JoinGroup is expired by its session
// timeout like any other, as Kafka schedules every member's expiry when the
// join completes. The test broker armed that timer only once the JoinGroup
// answer was queued on the member's connection, which fails at random once
// the connection is gone (the broker picks between a free slot in the
// connection's queue and its end): such a member was never expired, and the
// partition the leader assigned it stayed undelivered until some other member
// rebalanced the group (the pool's scale-down left one so, stopping a replica
// whose JoinGroup was waiting). Members die so in turn until four made it
// into a generation; the keeper must get every partition back after each,
// which all four did without the fix in one run of 16.
func TestMembersThatDiedInJoinGroupAreExpired(t *testing.T) {
	const (
		topic    = "ghost"
		ghosts   = 4
		attempts = 3 * ghosts // a ghost may find the group mid-rebalance and get no generation
		// Long enough for a loaded machine (the unit suite runs packages in
		// parallel) not to expire the keeper between two of its heartbeats.
		session = 2 * time.Second
		slow    = 3 * time.Second // keeps the rebalance open while the ghost dies
	)
	b := Start(t, kfake.SeedTopics(2, topic), kfake.GroupMinSessionTimeout(100*time.Millisecond))
	cfg := Config()
	cfg.Consumer.Group.Session.Timeout = session
	cfg.Consumer.Group.Heartbeat.Interval = 200 * time.Millisecond
	cfg.Consumer.Group.Rebalance.Timeout = 5 * time.Second

	ctx, cancel := context.WithCancel(context.Background())
	g, err := sarama.NewConsumerGroup(b.Addrs, "group", cfg)
	if err != nil {
		t.Fatal(err)
	}
	claims := make(chan int, 100)
	h := &claimRecorder{claims: claims, slow: slow}
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			_ = g.Consume(ctx, []string{topic}, h)
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait(); _ = g.Close() })
	if !waitClaims(claims, func(n int) bool { return n == 2 }, 10*time.Second) {
		t.Fatal("the keeper never claimed both partitions")
	}
	joined := 0
	for range attempts {
		joinAndDie(t, b.Addrs[0], cfg, topic, slow/2)
		// The keeper shares the partitions with the ghost for a generation,
		// then takes them both back once the ghost's session expired.
		if !waitClaims(claims, func(n int) bool { return n < 2 }, slow+5*time.Second) {
			t.Log("a ghost got no generation; another one joins")
			continue
		}
		if !waitClaims(claims, func(n int) bool { return n == 2 }, slow+session+5*time.Second) {
			t.Fatalf("ghost %d kept its partition: the keeper never claimed both again", joined+1)
		}
		if joined++; joined == ghosts {
			return
		}
	}
	t.Fatalf("only %d of %d ghosts made it into a generation in %d attempts", joined, ghosts, attempts)
}

// joinAndDie joins the group over a connection of its own and closes it
// after wait, while the JoinGroup is still held by the rebalance: the TCP
// connection itself, as a process that dies does, since Sarama's Close would
// wait for the JoinGroup's answer.
func joinAndDie(t *testing.T, addr string, cfg *sarama.Config, topic string, wait time.Duration) {
	dialer := &capturingDialer{}
	own := *cfg
	own.Net.Proxy.Enable, own.Net.Proxy.Dialer = true, dialer
	conn := sarama.NewBroker(addr)
	if err := conn.Open(&own); err != nil {
		t.Error(err)
		return
	}
	req := &sarama.JoinGroupRequest{Version: 5, GroupId: "group", ProtocolType: "consumer",
		SessionTimeout:   int32(cfg.Consumer.Group.Session.Timeout / time.Millisecond),
		RebalanceTimeout: int32(cfg.Consumer.Group.Rebalance.Timeout / time.Millisecond)}
	if err := req.AddGroupProtocolMetadata(sarama.RangeBalanceStrategyName, &sarama.ConsumerGroupMemberMetadata{Topics: []string{topic}}); err != nil {
		t.Error(err)
		return
	}
	resp, err := conn.JoinGroup(req) // MEMBER_ID_REQUIRED, with the member ID to join with
	if err != nil {
		t.Error(err)
		return
	}
	req.MemberId = resp.MemberId
	go func() { _, _ = conn.JoinGroup(req) }()
	time.Sleep(wait)
	dialer.close()
}

// capturingDialer dials TCP and keeps the connections, to close them under
// Sarama's feet.
type capturingDialer struct {
	mu    sync.Mutex
	conns []net.Conn
}

func (d *capturingDialer) Dial(network, addr string) (net.Conn, error) {
	c, err := net.Dial(network, addr)
	if err == nil {
		d.mu.Lock()
		d.conns = append(d.conns, c)
		d.mu.Unlock()
	}
	return c, err
}

func (d *capturingDialer) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.conns {
		_ = c.Close()
	}
}

// claimRecorder sends the number of partitions each session claimed; its
// claims return only `slow` after their session ended.
type claimRecorder struct {
	claims chan<- int
	slow   time.Duration
}

func (h *claimRecorder) Setup(s sarama.ConsumerGroupSession) error {
	n := 0
	for _, ps := range s.Claims() {
		n += len(ps)
	}
	h.claims <- n
	return nil
}

func (*claimRecorder) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h *claimRecorder) ConsumeClaim(s sarama.ConsumerGroupSession, _ sarama.ConsumerGroupClaim) error {
	<-s.Context().Done()
	time.Sleep(h.slow)
	return nil
}

// waitClaims waits for a session whose claimed partition count satisfies ok.
func waitClaims(claims <-chan int, ok func(int) bool, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		select {
		case n := <-claims:
			if ok(n) {
				return true
			}
		case <-deadline:
			return false
		}
	}
}
