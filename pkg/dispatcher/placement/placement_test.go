package placement

import (
	"fmt"
	"slices"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestMembers(t *testing.T) {
	for _, tc := range []struct{ partitions, replicas, max, want int }{
		{1, 2, 2, 1},    // one partition: a second member would own nothing
		{10, 2, 2, 2},   // the pool bounds it
		{10, 5, 3, 3},   // the cap bounds it
		{10, 5, 0, 5},   // no cap
		{4, 0, 2, 0},    // no pool
		{12, 12, 0, 12}, // one member per partition
	} {
		if got := Members(tc.partitions, tc.replicas, tc.max); got != tc.want {
			t.Errorf("Members(%d, %d, %d) = %d, want %d", tc.partitions, tc.replicas, tc.max, got, tc.want)
		}
	}
}

// Every replica must reach the same answer alone: the hosts depend only on
// the group and the live ordinals, and are n distinct ones of them.
func TestHostsAreDeterministicAndDistinct(t *testing.T) {
	for i := range 200 {
		group := fmt.Sprintf("kafka.ns-%d.channel.uid-%d", i%7, i)
		for replicas := 1; replicas <= 6; replicas++ {
			for n := 1; n <= replicas; n++ {
				live := Ordinals(replicas)
				a, b := Hosts(group, live, n), Hosts(group, live, n)
				if !slices.Equal(a, b) {
					t.Fatalf("Hosts(%q, %d, %d) = %v then %v", group, replicas, n, a, b)
				}
				if len(a) != n {
					t.Fatalf("Hosts(%q, %d, %d) = %v: want %d hosts", group, replicas, n, a, n)
				}
				seen := map[int]bool{}
				for _, o := range a {
					if o < 0 || o >= replicas || seen[o] {
						t.Fatalf("Hosts(%q, %d, %d) = %v: not distinct ordinals of the pool", group, replicas, n, a)
					}
					seen[o] = true
					if !Hosted(group, o, live, n) {
						t.Fatalf("Hosted(%q, %d, %d, %d) = false for a host", group, o, replicas, n)
					}
				}
			}
		}
	}
}

// A pool spreads its groups: no replica gets much more than its share.
func TestHostsSpreadGroups(t *testing.T) {
	const groups, replicas = 3000, 3
	count := make([]int, replicas)
	for i := range groups {
		count[Hosts(fmt.Sprintf("kafka.default.channel-%d.%08x", i, i*7919), Ordinals(replicas), 1)[0]]++
	}
	for o, c := range count {
		if c < groups/replicas*85/100 || c > groups/replicas*115/100 {
			t.Errorf("ordinal %d hosts %d of %d groups: want about %d (counts %v)", o, c, groups, groups/replicas, count)
		}
	}
}

// Scaling the pool moves only the groups the new size gives to others: from
// 2 to 3 replicas, a group moves only onto the new ordinal, never between
// the two that stayed.
func TestScalingMovesFewGroups(t *testing.T) {
	const groups = 3000
	moved := 0
	for i := range groups {
		group := fmt.Sprintf("kafka.default.channel-%d.uid", i)
		before, after := Hosts(group, Ordinals(2), 1)[0], Hosts(group, Ordinals(3), 1)[0]
		if before != after {
			if after != 2 {
				t.Fatalf("group %s moved from ordinal %d to %d when ordinal 2 joined", group, before, after)
			}
			moved++
		}
	}
	if moved < groups/3*85/100 || moved > groups/3*115/100 {
		t.Errorf("%d of %d groups moved to the new replica, want about a third", moved, groups)
	}
}

// A replica that stops running hands its groups to the others and no other
// group moves; when it runs again, they come back to it.
func TestLosingAReplicaMovesOnlyItsGroups(t *testing.T) {
	const groups = 3000
	for i := range groups {
		group := fmt.Sprintf("kafka.default.channel-%d.uid", i)
		for _, n := range []int{1, 2} {
			all, without1 := Hosts(group, []int{0, 1, 2}, n), Hosts(group, []int{0, 2}, n)
			for _, o := range all {
				if o != 1 && !slices.Contains(without1, o) {
					t.Fatalf("group %s (%d members): ordinal %d lost it when ordinal 1 stopped (hosts %v, then %v)", group, n, o, all, without1)
				}
			}
			if slices.Contains(without1, 1) || len(without1) != n {
				t.Fatalf("group %s (%d members): hosts %v without ordinal 1", group, n, without1)
			}
		}
	}
}

func lease(name string, renewed time.Time, seconds int32) *coordinationv1.Lease {
	t := metav1.NewMicroTime(renewed)
	return &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: coordinationv1.LeaseSpec{RenewTime: &t, LeaseDurationSeconds: &seconds}}
}

// Live counts self and the ordinals below the pool's size with an unexpired
// Lease; next is the first of those Leases' expiries.
func TestLive(t *testing.T) {
	now := time.Now()
	leases := []*coordinationv1.Lease{
		lease("pool-1", now.Add(-5*time.Second), 20),    // live until now+15s
		lease("pool-2", now.Add(-30*time.Second), 20),   // expired
		lease("pool-3", now.Add(-10*time.Second), 20),   // live until now+10s
		lease("pool-4", now, 20),                        // beyond the pool's size
		lease("pool-x", now, 20),                        // not a replica's
		lease("other-0", now, 20),                       // another pool's
		lease("pool-01", now, 20),                       // not a name a replica has
		{ObjectMeta: metav1.ObjectMeta{Name: "pool-2"}}, // never renewed
	}
	live, next := Live(leases, "pool", 0, 4, now)
	if !slices.Equal(live, []int{0, 1, 3}) || !next.Equal(now.Add(10*time.Second)) {
		t.Errorf("Live = %v, next in %v; want [0 1 3], next in 10s", live, next.Sub(now))
	}
	// Its own Lease expired, a replica still counts itself; no Lease to expire: next is zero.
	if live, next := Live(leases[1:2], "pool", 2, 4, now); !slices.Equal(live, []int{2}) || !next.IsZero() {
		t.Errorf("Live of ordinal 2 with its own Lease expired = %v, %v; want [2], zero", live, next)
	}
	// A replica beyond the pool's size (scaled down) hosts nothing, itself included.
	if live, _ := Live(leases, "pool", 4, 4, now); !slices.Equal(live, []int{1, 3}) {
		t.Errorf("Live of ordinal 4 in a pool of 4 = %v, want [1 3]", live)
	}
}
