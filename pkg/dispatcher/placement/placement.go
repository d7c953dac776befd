// Package placement decides which replicas of the shared dispatcher pool host
// a consumer group, with no state of its own: rendezvous (highest random
// weight) hashing of the group's name over the ordinals of the pool's
// StatefulSet that run (Live: below spec.replicas, with an unexpired Lease).
// Every replica computes the same answer from the same facts, which all of
// them read from the API server, so each decides alone and all agree; a
// replica that comes or goes moves only the groups whose top ordinals changed.
package placement

import (
	"hash/fnv"
	"slices"
	"strconv"
)

// Members returns how many replicas host a group of a topic with that many
// partitions: one member per partition at most (another would own nothing),
// no more than the pool, and at most maxMembers (0: no cap).
func Members(partitions, replicas, maxMembers int) int {
	n := min(partitions, replicas)
	if maxMembers > 0 {
		n = min(n, maxMembers)
	}
	return max(n, 0)
}

// Ordinals is 0..replicas-1: every ordinal of a pool of that size.
func Ordinals(replicas int) []int {
	out := make([]int, replicas)
	for i := range out {
		out[i] = i
	}
	return out
}

// Hosts returns the ordinals, of live, that host the group when it has n
// members: the n of highest weight for the group. An ordinal's weight does
// not depend on the others, so one that leaves live hands only its own
// groups to the next ranked.
func Hosts(group string, live []int, n int) []int {
	w := make(map[int]uint64, len(live))
	for _, o := range live {
		w[o] = weight(group, o)
	}
	ordinals := slices.Clone(live)
	slices.SortFunc(ordinals, func(a, b int) int {
		switch {
		case w[a] > w[b]:
			return -1
		case w[a] < w[b]:
			return 1
		}
		return a - b
	})
	return ordinals[:min(n, len(ordinals))]
}

// Hosted tells whether the replica of that ordinal hosts the group.
func Hosted(group string, ordinal int, live []int, n int) bool {
	return slices.Contains(Hosts(group, live, n), ordinal)
}

// weight is the group's score on one ordinal. FNV-1a alone barely mixes the
// last bytes, which are all the ordinals differ in, so a finalizer spreads them.
func weight(group string, ordinal int) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(group))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(strconv.Itoa(ordinal)))
	return mix(h.Sum64())
}

// mix is SplitMix64's finalizer.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
