// Package v1beta1 is the v1beta1 version of the KafkaChannel API.
// +k8s:deepcopy-gen=package
// +groupName=messaging.knative.dev
package v1beta1
