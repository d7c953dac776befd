// Package placement decides which replicas of the shared dispatcher pool host
// a consumer group, with no state of its own: rendezvous (highest random
// weight) hashing of the group's name over the pool's StatefulSet ordinals.
// Every replica computes the same answer from the same two facts (the group
// and the pool's size), so each decides alone and all agree; a change of the
// pool's size moves only the groups whose top ordinals changed.
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

// Hosts returns the ordinals, of 0..replicas-1, that host the group when it
// has n members: the n of highest weight for the group.
func Hosts(group string, replicas, n int) []int {
	ordinals := make([]int, replicas)
	for i := range ordinals {
		ordinals[i] = i
	}
	w := make([]uint64, replicas)
	for i := range w {
		w[i] = weight(group, i)
	}
	slices.SortFunc(ordinals, func(a, b int) int {
		switch {
		case w[a] > w[b]:
			return -1
		case w[a] < w[b]:
			return 1
		}
		return a - b
	})
	return ordinals[:min(n, replicas)]
}

// Hosted tells whether the replica of that ordinal hosts the group.
func Hosted(group string, ordinal, replicas, n int) bool {
	return ordinal < replicas && slices.Contains(Hosts(group, replicas, n), ordinal)
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
