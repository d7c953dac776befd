package contract

import "testing"

// Each format is what a running cluster already holds: committed offsets
// under the group id, tokens for the audience, addresses with the host,
// Deployments with the environment. A failure here means an upgrade breaks
// them, not that the test needs a new expected value.
func TestFormatsArePinned(t *testing.T) {
	for _, tc := range []struct{ what, got, want string }{
		{"consumer group", ConsumerGroup("ns", "ch.x", "7f3c1a2e-uid"), "kafka.ns.ch.x.7f3c1a2e-uid"},
		{"audience", Audience("NS", "Ch"), "messaging.knative.dev/kafkachannel/ns/ch"},
		{"channel Service", ChannelServiceName("ch"), "ch-kn-channel"},
		{"channel host", ChannelHostName("ch", "ns"), "ch-kn-channel.ns.svc.cluster.local"},
		{"dispatcher Deployment", DispatcherName("ns", "ch"), "ch.ns-kafka-dispatcher"},
		{"legacy dispatcher Deployment", LegacyDispatcherName("ns", "ch"), "ch-ns-kafka-dispatcher"},
		{"receiver", ReceiverName, "kafka-channel-receiver"},
		{"dispatcher pool", PoolName, "kafka-channel-dispatcher"},
		{"dispatcher ServiceAccount", DispatcherServiceAccount, "kafka-channel-dispatcher"},
		{"observability config", ObservabilityConfigName, "config-kafka-channel-observability"},
		{"channel namespace env", ChannelNamespaceEnv, "CHANNEL_NAMESPACE"},
		{"channel name env", ChannelNameEnv, "CHANNEL_NAME"},
		{"memory limit env", MemoryLimitEnv, "MEMORY_LIMIT"},
		{"channel label", ChannelNameLabel, "messaging.knative.dev/channel"},
		{"channel namespace label", ChannelNamespaceLabel, "knative-kafka.dev/channel-namespace"},
		{"role label", RoleLabel, "messaging.knative.dev/role"},
		{"dispatcher role", DispatcherRole, "kafka-channel-dispatcher"},
		{"channel Service role", ChannelServiceRole, "kafka-channel"},
		{"receiver role", ReceiverRole, "kafka-channel-receiver"},
		{"paused subscriber annotation", PausedAnnotation("7f3c1a2e-uid"), "resetoffset.kafka.knative-kafka.dev/7f3c1a2e-uid"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.what, tc.got, tc.want)
		}
	}
}

// A group is told apart from another channel's even where names share a prefix.
func TestIsConsumerGroupOf(t *testing.T) {
	for _, tc := range []struct {
		ns, channel, group string
		want               bool
	}{
		{"ns", "b", "kafka.ns.b.uid", true},
		{"ns", "b", "kafka.ns.b.c.uid", false},
		{"ns", "b.c", "kafka.ns.b.c.uid", true},
		{"ns", "b", "kafka.ns.b.", false},
		{"ns", "b", "kafka.other.b.uid", false},
	} {
		if got := IsConsumerGroupOf(tc.ns, tc.channel, tc.group); got != tc.want {
			t.Errorf("IsConsumerGroupOf(%q, %q, %q) = %v, want %v", tc.ns, tc.channel, tc.group, got, tc.want)
		}
	}
}
