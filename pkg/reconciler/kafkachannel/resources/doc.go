// Package resources builds, as pure functions, the Kubernetes objects the
// KafkaChannel reconciler wants to exist. The names they carry that outlive a
// release are package contract's.
package resources
