package client

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/knative-kafka/knative-kafka/pkg/systemsecrets"
)

// secretInformer returns the context's informer of the Kafka Secrets: only
// those labelled SecretLabel=true in the system namespace are listed and
// cached (see systemsecrets).
var secretInformer = systemsecrets.Register("the Kafka Secret", func(o *metav1.ListOptions) {
	o.LabelSelector = SecretLabel + "=true"
})
