package placement

import (
	"fmt"
	"slices"
	"testing"
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
// the group and the pool's size, and are n distinct ordinals of the pool.
func TestHostsAreDeterministicAndDistinct(t *testing.T) {
	for i := range 200 {
		group := fmt.Sprintf("kafka.ns-%d.channel.uid-%d", i%7, i)
		for replicas := 1; replicas <= 6; replicas++ {
			for n := 1; n <= replicas; n++ {
				a, b := Hosts(group, replicas, n), Hosts(group, replicas, n)
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
					if !Hosted(group, o, replicas, n) {
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
		count[Hosts(fmt.Sprintf("kafka.default.channel-%d.%08x", i, i*7919), replicas, 1)[0]]++
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
		before, after := Hosts(group, 2, 1)[0], Hosts(group, 3, 1)[0]
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
