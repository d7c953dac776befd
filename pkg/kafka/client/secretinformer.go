package client

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/knative-kafka/knative-kafka/pkg/systemsecrets"
)

// secretInformer returns the context's informer of the Kafka Secret: only
// SecretName, if labelled SecretLabel=true, is listed and cached (see
// systemsecrets). Asking for it by name is what lets RBAC grant the receiver
// and the dispatchers that one Secret of the system namespace.
var secretInformer = systemsecrets.Register("the Kafka Secret", func(o *metav1.ListOptions) {
	o.FieldSelector = fields.OneTermEqualSelector("metadata.name", SecretName).String()
	o.LabelSelector = SecretLabel + "=true"
})
