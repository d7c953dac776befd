package kafkatest

import (
	"context"
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
