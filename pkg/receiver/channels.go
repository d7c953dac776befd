package receiver

import (
	"errors"
	"net"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"knative.dev/eventing/pkg/channel"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	listers "github.com/knative-kafka/knative-kafka/pkg/client/listers/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/contract"
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
// The request is served with this one look-up of the cache.
func (c channels) fromRequest(r *http.Request) (*v1beta1.KafkaChannel, error) {
	if r.URL.Path == "/" || r.URL.Path == "" {
		return c.fromHost(r.Host)
	}
	return c.fromPath(r.URL.Path)
}

// fromPath resolves /<ns>/<name> (a trailing slash allowed). A path that
// names no channel is UnknownHostError: the Handler answers 404.
func (c channels) fromPath(path string) (*v1beta1.KafkaChannel, error) {
	rest, ok := strings.CutPrefix(strings.TrimSuffix(path, "/"), "/")
	namespace, name, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || namespace == "" || name == "" || strings.Contains(name, "/") {
		return nil, channel.UnknownHostError(path)
	}
	kc, err := c.get(channel.ChannelReference{Namespace: namespace, Name: name})
	if err != nil {
		return nil, channel.UnknownHostError(path)
	}
	return kc, nil
}

// fromHost resolves <service>.<ns>[.svc[.<cluster-domain>]][:port], where
// <service> is the channel's Service name.
func (c channels) fromHost(host string) (*v1beta1.KafkaChannel, error) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	labels := strings.Split(strings.ToLower(strings.TrimSuffix(host, ".")), ".")
	if len(labels) < 2 || (len(labels) > 2 && labels[2] != "svc") {
		return nil, channel.UnknownHostError(host)
	}
	service, namespace := labels[0], labels[1]
	if name, ok := strings.CutSuffix(service, channel.K8ServiceNameSuffix); ok && name != "" {
		if kc, err := c.get(channel.ChannelReference{Namespace: namespace, Name: name}); err == nil {
			return kc, nil
		}
	}
	if len(service) == maxLabel {
		if kc, ok := c.byServiceName(namespace, service); ok {
			return kc, nil
		}
	}
	return nil, channel.UnknownHostError(host)
}

// byServiceName finds the channel whose hashed Service name is service.
func (c channels) byServiceName(namespace, service string) (*v1beta1.KafkaChannel, bool) {
	list, err := c.lister.KafkaChannels(namespace).List(labels.Everything())
	if err != nil {
		return nil, false
	}
	for _, kc := range list {
		if contract.ChannelServiceName(kc.Name) == service && kc.DeletionTimestamp == nil {
			return kc, true
		}
	}
	return nil, false
}

// refOf is the reference of kc; zero when nil.
func refOf(kc *v1beta1.KafkaChannel) channel.ChannelReference {
	if kc == nil {
		return channel.ChannelReference{}
	}
	return channel.ChannelReference{Namespace: kc.Namespace, Name: kc.Name}
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

// topic is the topic of a ready channel; errChannelNotReady (503) if its
// topic is not ready.
func topic(kc *v1beta1.KafkaChannel) (string, error) {
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
