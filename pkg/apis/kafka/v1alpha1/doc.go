// Package v1alpha1 is the v1alpha1 version of this project's own API group,
// kafka.knative-kafka.dev: ResetOffset, which rewinds one subscriber.
// +k8s:deepcopy-gen=package
// +groupName=kafka.knative-kafka.dev
package v1alpha1
