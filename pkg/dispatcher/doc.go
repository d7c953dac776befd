// Package dispatcher delivers the events of one KafkaChannel's topic to the
// channel's subscribers. It runs as the channel's dispatcher Deployment (one
// replica per partition at most); replicas share the partitions through Kafka
// consumer groups.
//
// # Consumer groups
//
// Each entry of spec.subscribers gets one Sarama ConsumerGroup named
// resources.ConsumerGroup(namespace, channel, subscriber UID). A change of the
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
// # Delivery
//
// Events are decoded from the CloudEvents Kafka binding and sent with
// knative.dev/eventing's kncloudevents dispatcher: the subscriber's delivery
// spec (retry, backoff, timeout, dead-letter sink with Knative's error
// extensions), then the reply URI. As for Knative's InMemoryChannel, a
// subscriber's delivery spec replaces the channel's whole, and the channel's
// applies only to subscribers that have none. The trace context of the
// record's headers is the parent of the delivery.
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
// When a session ends (rebalance or shutdown), no new attempt or retry is
// started; attempts in flight get Options.DrainTimeout to finish, then they are
// cancelled, so that a rebalance is never blocked for longer. An event whose
// delivery was cut short is not marked, and the partition's next owner
// delivers it again.
//
// # Telemetry and health
//
// Metrics are OpenTelemetry instruments (see metrics.go): dispatch latency and
// event counts by outcome and response code, retries, dead-lettered events,
// and consumer lag.
//
// The dispatcher command disables knative.dev/pkg sharedmain's default probes
// and serves its own on PORT (default 8080): GET /healthz (liveness: the
// process serves) and GET /readyz (readiness: the channel was reconciled with
// usable Kafka settings; failing once SIGTERM arrived). The probes never wait
// for Kafka: reconciles, which connect groups and drain deliveries, are
// serialized under their own lock, and the probes read what the last one left. The readiness body
// lists, per subscriber, whether this replica's group joined and initialised
// its offsets, or why the subscriber does not run. Every replica consumes (no leader election); on SIGTERM the
// groups are closed, committing what was delivered, before the process exits.
package dispatcher
