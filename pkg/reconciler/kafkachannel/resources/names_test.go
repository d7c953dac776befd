package resources

import "testing"

// Every name derived from a channel is unique per (namespace, name): channel
// "a-b" in namespace "c" and channel "a" in namespace "b-c" share nothing.
func TestNamesUniquePerChannel(t *testing.T) {
	for _, tc := range []struct {
		what string
		name func(ns, name string) string
	}{
		{"dispatcher Deployment", DispatcherName},
		{"consumer group", func(ns, name string) string { return ConsumerGroup(ns, name, "uid") }},
		{"channel host", func(ns, name string) string { return ChannelHostName(name, ns) }},
	} {
		if a, b := tc.name("c", "a-b"), tc.name("b-c", "a"); a == b {
			t.Errorf("%s: c/a-b and b-c/a are both %q", tc.what, a)
		}
	}
}
