package main

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	messagingv1 "knative.dev/eventing/pkg/apis/messaging/v1"
	eventingclient "knative.dev/eventing/pkg/client/clientset/versioned"
	eventinginformers "knative.dev/eventing/pkg/client/informers/externalversions"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/knative-kafka/knative-kafka/pkg/apis/messaging/v1beta1"
	"github.com/knative-kafka/knative-kafka/pkg/client/clientset/versioned"
	kcinformers "github.com/knative-kafka/knative-kafka/pkg/client/informers/externalversions"
	"github.com/knative-kafka/knative-kafka/test/devenv"
)

// role is what a process of the environment is to a channel implementation.
type role int

const (
	other role = iota
	dataPlane
	controlPlane
	broker
)

// impl is a channel implementation measured: this project's KafkaChannel or
// Eventing's InMemoryChannel, on the same environment and with the same load.
type impl interface {
	name() string
	kind() string
	ref(channel string) duckv1.KReference
	// create creates a channel; partitions and the KafkaChannel annotations
	// apply to KafkaChannel only.
	create(ctx context.Context, namespace, channel string, partitions int, annotations map[string]string) error
	// watch calls note with every channel of the namespace as it is seen
	// added or changed, until ctx ends.
	watch(ctx context.Context, namespace string, note func(channel string, ready bool, address *apis.URL))
	role(p devenv.Process) role
}

// implsFor parses -impl.
func implsFor(flagValue string, kafka versioned.Interface, ev eventingclient.Interface) ([]impl, error) {
	k, m := kafkaImpl{kafka}, imcImpl{ev}
	switch flagValue {
	case "kafka":
		return []impl{k}, nil
	case "imc":
		return []impl{m}, nil
	case "both":
		return []impl{k, m}, nil
	}
	return nil, fmt.Errorf("-impl %q: want kafka, imc or both", flagValue)
}

type kafkaImpl struct{ client versioned.Interface }

func (kafkaImpl) name() string { return "kafka" }
func (kafkaImpl) kind() string { return "KafkaChannel" }

func (kafkaImpl) ref(channel string) duckv1.KReference {
	return duckv1.KReference{APIVersion: v1beta1.SchemeGroupVersion.String(), Kind: "KafkaChannel", Name: channel}
}

func (k kafkaImpl) create(ctx context.Context, namespace, channel string, partitions int, annotations map[string]string) error {
	kc := &v1beta1.KafkaChannel{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: channel, Annotations: annotations},
		Spec: v1beta1.KafkaChannelSpec{NumPartitions: int32(partitions)}}
	_, err := k.client.MessagingV1beta1().KafkaChannels(namespace).Create(ctx, kc, metav1.CreateOptions{})
	return err
}

func (k kafkaImpl) watch(ctx context.Context, namespace string, note func(string, bool, *apis.URL)) {
	f := kcinformers.NewSharedInformerFactoryWithOptions(k.client, 0, kcinformers.WithNamespace(namespace))
	_, _ = f.Messaging().V1beta1().KafkaChannels().Informer().AddEventHandler(onObject(func(kc *v1beta1.KafkaChannel) {
		note(kc.Name, kc.IsReady(), addressURL(kc.Status.Address))
	}))
	f.Start(ctx.Done())
}

// role: the receiver and every dispatcher of this project (the pool's
// replicas, dedicated Deployments) are its data plane.
func (kafkaImpl) role(p devenv.Process) role {
	switch {
	case p.Name == devenv.ReceiverName, strings.Contains(p.Name, "dispatcher") && p.Name != devenv.IMCDispatcherName:
		return dataPlane
	case p.Name == devenv.ControllerName:
		return controlPlane
	case p.Name == devenv.BrokerName:
		return broker
	}
	return other
}

type imcImpl struct{ client eventingclient.Interface }

func (imcImpl) name() string { return "imc" }
func (imcImpl) kind() string { return "InMemoryChannel" }

func (imcImpl) ref(channel string) duckv1.KReference {
	return duckv1.KReference{APIVersion: messagingv1.SchemeGroupVersion.String(), Kind: "InMemoryChannel", Name: channel}
}

func (m imcImpl) create(ctx context.Context, namespace, channel string, _ int, _ map[string]string) error {
	imc := &messagingv1.InMemoryChannel{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: channel}}
	_, err := m.client.MessagingV1().InMemoryChannels(namespace).Create(ctx, imc, metav1.CreateOptions{})
	return err
}

func (m imcImpl) watch(ctx context.Context, namespace string, note func(string, bool, *apis.URL)) {
	f := eventinginformers.NewSharedInformerFactoryWithOptions(m.client, 0, eventinginformers.WithNamespace(namespace))
	_, _ = f.Messaging().V1().InMemoryChannels().Informer().AddEventHandler(onObject(func(c *messagingv1.InMemoryChannel) {
		note(c.Name, c.IsReady(), addressURL(c.Status.Address))
	}))
	f.Start(ctx.Done())
}

func (imcImpl) role(p devenv.Process) role {
	switch p.Name {
	case devenv.IMCDispatcherName:
		return dataPlane
	case devenv.IMCControllerName:
		return controlPlane
	}
	return other
}

func addressURL(a *duckv1.Addressable) *apis.URL {
	if a == nil {
		return nil
	}
	return a.URL
}
