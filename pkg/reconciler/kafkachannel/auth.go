package kafkachannel

import (
	"context"
	"fmt"

	"knative.dev/eventing/pkg/apis/feature"
	"knative.dev/eventing/pkg/auth"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
)

// reconcileAuth publishes, when Knative OIDC is on, the audience senders must
// request tokens for, and the EventPolicies the receiver enforces. Eventing's
// own helpers decide both, so a KafkaChannel is secured as an InMemoryChannel is.
func (r *Reconciler) reconcileAuth(ctx context.Context, kc *v1beta1.KafkaChannel) error {
	flags := feature.FromContext(ctx)
	var audience *string
	if flags.IsOIDCAuthentication() {
		aud := contract.Audience(kc.Namespace, kc.Name)
		audience = &aud
	}
	if kc.Status.Address != nil {
		kc.Status.Address.Audience = audience
	}
	for i := range kc.Status.Addresses {
		kc.Status.Addresses[i].Audience = audience
	}
	err := auth.UpdateStatusWithEventPolicies(flags, &kc.Status.AppliedEventPoliciesStatus, &kc.Status,
		r.EventPolicyLister, kc.GetGroupVersionKind(), kc.ObjectMeta)
	if err != nil {
		return fmt.Errorf("reading the EventPolicies of the channel: %w", err)
	}
	return nil
}
