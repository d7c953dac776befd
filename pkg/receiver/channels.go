package receiver

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/eventing/pkg/channel"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	listers "github.com/knative-kafka/knative-kafka/pkg/client/listers/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/reconciler/kafkachannel/resources"
)

// maxLabel is the longest DNS label; kmeta.ChildName hashes channel names
// whose Service name would exceed it, so such Service names are not reversible.
const maxLabel = 63

// errChannelNotReady: the channel exists but its topic is not ready (yet).
var errChannelNotReady = errors.New("channel not ready: its topic does not exist yet")

// channels resolves requests to KafkaChannels from the informer cache.
type channels struct {
	lister listers.KafkaChannelLister
}

// fromRequest is the channel a request is for: by path /<ns>/<name>, or by
// Host <name>-kn-channel.<ns>.svc.<cluster-domain> when the path is "/".
func (c channels) fromRequest(r *http.Request) (channel.ChannelReference, error) {
	if r.URL.Path == "/" || r.URL.Path == "" {
		return c.fromHost(r.Host)
	}
	return c.fromPath(r.URL.Path)
}

// fromPath resolves /<ns>/<name> (a trailing slash allowed). A path that
// names no channel is UnknownHostError: the Handler answers 404.
func (c channels) fromPath(path string) (channel.ChannelReference, error) {
	parts := strings.Split(strings.TrimSuffix(path, "/"), "/")
	if len(parts) != 3 || parts[0] != "" {
		return channel.ChannelReference{}, channel.UnknownHostError(path)
	}
	ref := channel.ChannelReference{Namespace: parts[1], Name: parts[2]}
	if _, err := c.get(ref); err != nil {
		return ref, channel.UnknownHostError(path)
	}
	return ref, nil
}

// fromHost resolves <service>.<ns>[.svc[.<cluster-domain>]][:port], where
// <service> is the channel's Service name.
func (c channels) fromHost(host string) (channel.ChannelReference, error) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	labels := strings.Split(strings.ToLower(strings.TrimSuffix(host, ".")), ".")
	if len(labels) < 2 || (len(labels) > 2 && labels[2] != "svc") {
		return channel.ChannelReference{}, channel.UnknownHostError(host)
	}
	service, namespace := labels[0], labels[1]
	if name, ok := strings.CutSuffix(service, channel.K8ServiceNameSuffix); ok && name != "" {
		ref := channel.ChannelReference{Namespace: namespace, Name: name}
		if _, err := c.get(ref); err == nil {
			return ref, nil
		}
	}
	if len(service) == maxLabel {
		if ref, ok := c.byServiceName(namespace, service); ok {
			return ref, nil
		}
	}
	return channel.ChannelReference{}, channel.UnknownHostError(host)
}

// byServiceName finds the channel whose hashed Service name is service.
func (c channels) byServiceName(namespace, service string) (channel.ChannelReference, bool) {
	list, err := c.lister.KafkaChannels(namespace).List(labels.Everything())
	if err != nil {
		return channel.ChannelReference{}, false
	}
	for _, kc := range list {
		if resources.ChannelServiceName(kc.Name) == service && kc.DeletionTimestamp == nil {
			return channel.ChannelReference{Namespace: kc.Namespace, Name: kc.Name}, true
		}
	}
	return channel.ChannelReference{}, false
}

// get returns the channel; one being deleted counts as gone.
func (c channels) get(ref channel.ChannelReference) (*v1beta1.KafkaChannel, error) {
	kc, err := c.lister.KafkaChannels(ref.Namespace).Get(ref.Name)
	if err != nil {
		return nil, err
	}
	if kc.DeletionTimestamp != nil {
		return nil, apierrors.NewNotFound(v1beta1.Resource("kafkachannels"), ref.Name)
	}
	return kc, nil
}

// policies are the EventPolicies the controller found applying to the
// channel; eventing's receiver enforces them when OIDC is on.
func (c channels) policies(ref channel.ChannelReference) ([]eventingduckv1.AppliedEventPolicyRef, error) {
	kc, err := c.get(ref)
	if err != nil {
		return nil, err
	}
	return kc.Status.Policies, nil
}

// topic is the topic of a ready channel. A channel that does not exist is
// channel.UnknownChannelError (404); one whose topic is not ready is
// errChannelNotReady (503).
func (c channels) topic(ref channel.ChannelReference) (string, error) {
	kc, err := c.get(ref)
	if apierrors.IsNotFound(err) {
		return "", &channel.UnknownChannelError{Channel: ref}
	}
	if err != nil {
		return "", fmt.Errorf("looking up channel %s: %w", ref.String(), err)
	}
	if !topicReady(kc) {
		return "", errChannelNotReady
	}
	return kc.Status.TopicName, nil
}

// topicReady is true once the controller recorded the topic and marked it ready.
// The channel's other conditions (dispatcher, Service) do not matter here:
// an event stored in the topic waits there for the dispatcher.
func topicReady(kc *v1beta1.KafkaChannel) bool {
	cond := kc.Status.GetCondition(v1beta1.KafkaChannelConditionTopicReady)
	return kc.Status.TopicName != "" && cond != nil && cond.IsTrue()
}
