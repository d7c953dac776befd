/*
Copyright 2019 The Knative Authors

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

	http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package messaging

import "k8s.io/apimachinery/pkg/runtime/schema"

const (
	GroupName = "messaging.knative.dev"
	// SubscribableDuckVersionAnnotation is the annotation we use to declare
	// which Subscribable duck version type we conform to.
	SubscribableDuckVersionAnnotation = "messaging.knative.dev/subscribable"
)

var (
	// SubscriptionsResource represents a Knative Subscription
	SubscriptionsResource = schema.GroupResource{
		Group:    GroupName,
		Resource: "subscriptions",
	}
	// ChannelsResource represents a Knative Channel
	ChannelsResource = schema.GroupResource{
		Group:    GroupName,
		Resource: "channels",
	}
	// InMemoryChannelsResource represents a Knative Channel
	InMemoryChannelsResource = schema.GroupResource{
		Group:    GroupName,
		Resource: "inmemorychannels",
	}
)
