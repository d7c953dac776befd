// Package receiver is the shared HTTP ingress of every KafkaChannel.
//
// One stateless receiver serves all channels. It resolves the channel of a
// request from its Host (<name>-kn-channel.<ns>.svc.<cluster-domain>) or its
// path (/<ns>/<name>), parses the CloudEvent with the CloudEvents SDK's HTTP
// binding, verifies the sender with eventing's OIDC verifier when
// authentication-oidc is on, and writes the event to the channel's topic in the
// CloudEvents Kafka binary mode with an idempotent, acks=all Sarama
// SyncProducer. It answers 202 only once Kafka acknowledged the record, so a
// sender that sees anything else knows the event is not stored and retries.
//
// Of the sender's other headers, only those Knative's channels pass to their
// subscribers go into the record (contract.PassesThrough), which the dispatcher
// writes on each subscriber's request.
//
// Records go to the partitions of the producer's cached metadata. When a
// channel's spec.numPartitions grows, the receiver refreshes the topic's
// metadata until the topic has them (Producer.FollowGrowth), rather than
// waiting for Sarama's periodic refresh.
//
// When a record fails for another reason than its size, Sarama has given up
// after its own retries: Kafka is out of reach. The producer then answers
// every waiting and new request with 503 at once, and tries every 250 ms to
// connect a new producer, which takes requests again as soon as Kafka answers
// (rather than after Sarama's fixed 10 s per-partition circuit breaker).
//
// At most Options.MaxInFlight requests hold a body at once (env
// MAX_IN_FLIGHT_REQUESTS): a request takes its slot once its body is read or
// once 16 KiB of it arrived, and gives it back once answered or, if it was
// sent to Kafka, once Sarama returned the send, which may outlast the produce
// timeout. One more gets 503 without the rest of its body read. A body must
// arrive within Options.BodyTimeout of the headers (env REQUEST_BODY_TIMEOUT,
// 10 s), else 408 and the connection is closed. Each 4xx carries a short text/plain reason; Allow is sent only with 405 and
// OPTIONS. No span or metric carries a record's key, which may be personal
// data.
//
// Status codes:
//
//	202 the event is in Kafka (acked by all in-sync replicas)
//	400 the body is not a valid CloudEvent
//	401 OIDC is on and the request has no valid token for the channel's audience
//	403 OIDC is on and no EventPolicy of the channel allows the sender
//	404 no KafkaChannel answers to this host or path
//	405 the method is not POST (OPTIONS answers the CloudEvents webhook handshake)
//	408 the body did not arrive within the body timeout
//	413 the body is over config-kafka's max.event.bytes, or Kafka refused the record as too large
//	503 the channel is not ready yet, the receiver is at its in-flight cap, or Kafka is unavailable or timed out; Retry-After is set
package receiver
