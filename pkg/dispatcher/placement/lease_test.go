package placement

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// A replica is counted in by the others from its first renewal; until then
// it hosts groups they host too. So the first renewal follows readiness at
// once, not at the next RenewInterval: the pool had each replica host every
// group for up to 5 s after it started (the e2e's dead-letter test saw a
// session cut short mid-retry, and the event's retries redone).
func TestHeartbeatRenewsAsSoonAsReady(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	leases := fake.NewClientset().CoordinationV1().Leases("system")
	var isReady atomic.Bool
	ready := func() error {
		if !isReady.Load() {
			return errors.New("the pool's size is not known yet")
		}
		return nil
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Heartbeat(ctx, leases, "pool", 1, ready, func(err error) { t.Errorf("renewal failed: %v", err) })
	}()

	time.Sleep(2 * ReadyPoll)
	if _, err := leases.Get(ctx, "pool-1", metav1.GetOptions{}); err == nil {
		t.Fatal("a replica not ready renewed its Lease")
	}
	isReady.Store(true)
	readyAt := time.Now()
	var renewedAt time.Time
	for renewedAt.IsZero() && time.Since(readyAt) < RenewInterval {
		l, err := leases.Get(ctx, "pool-1", metav1.GetOptions{})
		if err == nil && l.Spec.RenewTime != nil && l.Labels[PoolLabel] == "pool" {
			renewedAt = time.Now()
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Half a RenewInterval: the bound tells "at once" from "at the next tick"
	// however slow the machine, with ReadyPoll 50 times smaller.
	if renewedAt.IsZero() || renewedAt.Sub(readyAt) > RenewInterval/2 {
		t.Errorf("the Lease was renewed %v after the replica became ready, want within %v", renewedAt.Sub(readyAt), RenewInterval/2)
	}
	cancel()
	<-done
}
