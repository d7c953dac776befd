// Package dispatcher delivers the events of KafkaChannels' topics to their
// subscribers. A Dispatcher runs the consumer groups of one channel; replicas
// share a group's partitions through Kafka's group protocol.
//
// # The shared pool and dedicated dispatchers
//
// By default a channel's groups run on the shared pool, the StatefulSet
// contract.PoolName: each replica is a Pool, which keeps a Dispatcher per
// channel and tells it, through Options.Placement, which of the channel's
// groups it hosts. package placement decides that from the group's name, the
// replica's ordinal (its pod name, PoolMember), the StatefulSet's
// spec.replicas and the replicas' Leases (which of them run), so every
// replica decides alone and all agree. A group the replica no longer hosts
// (the pool was scaled, a replica stopped or came back, the channel went dedicated)
// is stopped like a subscriber that left: its member leaves, committing what
// it delivered, and the group's new member resumes there. All the groups a
// replica hosts share its buffer budget (Placement.Load).
//
// A channel annotated knative-kafka.dev/dispatcher: dedicated has a
// Deployment of its own, one replica per partition at most, whose process
// runs that channel's Dispatcher alone; the pool leaves the channel alone.
//
// # Consumer groups
//
// Each entry of spec.subscribers gets one Sarama ConsumerGroup named
// contract.ConsumerGroup(namespace, channel, subscriber UID). A change of the
// subscriber's URI, reply or delivery spec is applied to the running group in
// place, and anything that needs a new group (Kafka settings, delivery order)
// restarts it under the same name, so the committed position carries over:
// the new group's client connects (and authenticates) first, then the old
// group stops, committing what it delivered, then the new one joins. Settings
// that cannot connect (a wrong password, a user not created yet, Kafka away)
// leave the old group delivering; the dispatcher reports the error on the
// subscriber's Status entry and retries with backoff until the settings work.
// A subscriber that leaves spec.subscribers has its group stopped (its
// members leave, committing what they delivered); the controller then deletes
// the group from Kafka, which it can only do once every replica's member left.
//
// # One subscriber never stops another
//
// A subscriber that v1beta1.CheckSubscriber refuses (no subscriberUri, a
// delivery spec that does not parse; the webhook and the controller apply the
// same rule) is not started, and one whose group cannot connect is retried on
// its own: both are reported on their Status entry, the other subscribers
// deliver, and the replica stays ready. Readiness fails only for what stops
// every group: Kafka settings that cannot be built.
//
// # Readiness contract with the controller
//
// The controller reports a subscriber ready (status.subscribers[].ready) only
// when admin.SubscriberProber.OffsetsInitialized says its consumer group has a
// committed offset for every partition of the topic. This package keeps that
// promise: when a member of a group is given a partition that has no committed
// offset yet (a new subscriber), the handler's Setup commits the partition's
// newest offset, from inside the joined session (Kafka refuses offset commits
// for a group that does not exist yet), before anything is consumed. So a
// subscriber reported ready sees every event written after that moment, and
// none written before its group was created. Status() reports the same per
// subscriber (group joined, offsets initialised) for logs and probes.
//
// Only a subscriber never initialised starts at the tail. Initialised means
// the controller reported it ready (status.subscribers, which the controller
// never takes back for the same UID), or its group committed progress on some
// partition of the topic (offsets committed for the tail carry a marker, so
// that members of a new group initialising one after the other do not count).
// For an initialised subscriber, a partition without a committed offset starts
// at its oldest offset: one the topic grew, or one whose offset vanished
// (expired by offsets.retention.minutes while the dispatcher was down, or
// deleted). The dispatcher says so: a warning log naming the channel,
// subscriber, group and partitions, and an OffsetsResetToOldest warning event
// on the KafkaChannel (Options.Recorder).
//
// A committed offset out of range, mostly below the log start (retention
// deleted events that a subscriber down or behind had not had), resumes at the
// partition's oldest retained offset too, whether Sarama finds it at the start
// of a session or while fetching (the session then ends and the next one
// starts the partition anew): Sarama applies Offsets.Initial, OffsetOldest,
// which matters nowhere else since Setup commits every missing offset, and
// ConsumeClaim commits that position and says so as above.
//
// # Delivery
//
// Events are decoded from the CloudEvents Kafka binding and sent by
// pkg/delivery with the semantics of knative.dev/eventing's kncloudevents
// dispatcher: the subscriber's delivery spec (retry, backoff, timeout,
// dead-letter sink with Knative's error extensions), then the reply URI. As for Knative's InMemoryChannel, a
// subscriber's delivery spec replaces the channel's whole, and the channel's
// applies only to subscribers that have none. The trace context of the
// record's headers is the parent of the delivery. Every attempt has a
// timeout: the delivery spec's, else config-kafka's default.delivery.timeout
// (30 s), so that a subscriber that never answers holds an ordered partition
// for one retry cycle, not forever.
//
// Within a partition, delivery is ordered by default: the next event is sent
// only when the current one is done, that is delivered, dead-lettered, or
// dropped after its retries (with no dead-letter sink, or a failing one; logged
// and counted). The annotation knative-kafka.dev/delivery-order: "unordered"
// or "unordered:N" lets up to N events of a partition be in flight at once.
//
// # Offsets
//
// An offset is marked only once its event is done, and only for the
// contiguous prefix of done events, so that in unordered mode a crash
// redelivers everything that was still in flight (at least once). Marked
// offsets are committed every second and when a session ends.
//
// When the channel's spec.numPartitions grows, each group waits (bounded by
// client.GrowthTimeout, in the background) until its metadata shows the new
// partitions, which the controller creates after the spec changed, then ends
// the sessions that began with fewer, so that the group rebalances over all
// of them at once. Sarama's periodic check (Metadata.RefreshFrequency, 10
// minutes by default) stays the fallback. The new partitions start at their
// oldest offset, as above.
//
// The events from the oldest one not done to the newest one read form the
// partition's window (window.go). Behind an event that keeps retrying, the
// others complete but stay in the window, so it is bounded: once it holds
// config-kafka's unordered.window.max.events events or
// unordered.window.max.bytes bytes (keys, values and headers), the partition
// is not read (Sarama stops fetching it) until the oldest event is done. A
// crash redelivers at most the window and what was marked since the last
// commit.
//
// # Stalled partitions
//
// Each partition checks every second how long its oldest event has been in
// delivery. Past its whole retry cycle (every attempt timing out, plus the
// backoff, for the subscriber, its reply and its dead-letter sink), the
// partition makes no progress for a reason its delivery spec does not
// explain: it logs the warning "Partition stalled" with the channel, group,
// partition and offset, once per event, and counts it in
// kn.kafkachannel.dispatch.stalled.
//
// When a session ends (rebalance or shutdown), no new attempt or retry is
// started; attempts in flight get Options.DrainTimeout to finish, then they are
// cancelled, so that a rebalance is never blocked for longer. An event whose
// delivery was cut short is not marked, and the partition's next owner
// delivers it again.
//
// # Memory
//
// A dispatcher stays inside its container's memory limit, which the
// Deployment passes in MEMORY_LIMIT (Downward API, limits.memory) and
// NewController reads into Options.MemoryLimit. Of it, 64 MiB are for the
// program itself (the binary's resident pages, about 45 MiB, are no Go
// memory) and the rest is the Go runtime's soft limit (SetGoMemoryLimit), so
// that garbage is collected before the container's limit rather than at twice
// the live heap. config-kafka's dispatcher.buffer.percent of that rest is the
// budget of the Kafka buffers of all the channel's consumer groups.
//
// What a Sarama consumer group holds is fetch responses: a record's key, value
// and headers are slices of the response it was decoded from, so one record
// kept anywhere keeps its whole response. Per partition, Sarama hands one
// response over at a time and queues ChannelBufferSize records; the handler
// holds one more waiting for a delivery slot, and inFlight in delivery. So a
// partition keeps at most ChannelBufferSize + inFlight + 2 responses alive.
// sizeBuffers (buffers.go) bounds a response by asking for at most 64 KiB
// per fetch (Consumer.Fetch.Default and Consumer.Fetch.MaxBytes; a broker
// still returns a larger record when it comes first, alone, and Sarama grows
// the next request of a partition whose record was cut short), so that a
// response is at most one largest record (max.event.bytes + 64 KiB, which the
// topic's max.message.bytes allows). It then gives ChannelBufferSize what the
// budget leaves per group x partition (every replica may own every partition),
// at most Sarama's 256. Consumer.Fetch.Max stays unlimited: with a maximum,
// Sarama skips, as too large, a record that a response's overall limit cut
// short once the partition's fetch size reached it. A field that
// config-kafka's sarama sets keeps the operator's value. The sizes are part of
// a group's consumerKey, but a running group restarts only when its buffers no
// longer fit the new ones (more subscribers or partitions, another record
// size), not when they could grow. Beyond its record, a delivery holds the
// subscriber's answer only when it goes to a reply, and then at most
// max.event.bytes (Spec.MaxReplyBytes), and the first 64 KiB of a failure.
//
// # Idle cost
//
// Sarama needs a client per consumer group, so a pool replica keeps each
// group's as cheap as Sarama allows: it caches its own topic's metadata only
// (Metadata.Full off; with full metadata, memory grew with groups x topics),
// fetches long-poll (client.IdleFetchWait, 2 s, unless config-kafka's sarama
// sets Consumer.MaxWaitTime), Sarama's go-metrics are off, and a group's
// buffers fill only while its partitions have events. What remains is
// Sarama's own: two connections per group (its seed broker's and the
// partition leader's, which the coordinator shares), an empty fetch per
// MaxWaitTime and a heartbeat per Consumer.Group.Heartbeat.Interval.
//
// # Telemetry and health
//
// Metrics are OpenTelemetry instruments (see metrics.go): dispatch latency and
// event counts by outcome and response code, retries, dead-lettered events,
// stalled events; a group's counters are exported while it runs here only. Consumer lag is the controller's to measure, from Kafka,
// since a dispatcher that stalls or dies cannot report its own.
//
// The dispatcher command disables knative.dev/pkg sharedmain's default probes
// and serves its own on PORT (default 8080): GET /healthz (liveness: the
// process serves) and GET /readyz (readiness: a dedicated dispatcher's channel
// was reconciled, or a pool replica knows the pool's size, with usable Kafka
// settings; failing once SIGTERM arrived). The probes never wait for Kafka:
// reconciles, which connect groups and drain deliveries, are serialized under
// their own lock, and the probes read what the last one left. GET
// /readyz?verbose lists, per subscriber (and per channel on a pool replica),
// whether this replica's group joined and initialised its offsets, or why the
// subscriber does not run. Every replica consumes (no leader election); on
// SIGTERM the groups are closed, committing what was delivered, before the
// process exits.
package dispatcher
