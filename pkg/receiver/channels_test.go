package receiver

import (
	"strings"
	"testing"

	"knative.dev/eventing/pkg/channel"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
)

func TestFromHost(t *testing.T) {
	long := strings.Repeat("x", 60) // its Service name is hashed by kmeta.ChildName
	c := channels{lister: channelLister(t, readyChannel("ns", "ch", "t"), readyChannel("ns", long, "t2"))}
	tests := []struct {
		host string
		want *channel.ChannelReference
	}{
		{host: "ch-kn-channel.ns.svc.cluster.local", want: &channel.ChannelReference{Namespace: "ns", Name: "ch"}},
		{host: "ch-kn-channel.ns.svc.example.org:80", want: &channel.ChannelReference{Namespace: "ns", Name: "ch"}},
		{host: "CH-kn-channel.NS.svc.cluster.local.", want: &channel.ChannelReference{Namespace: "ns", Name: "ch"}},
		{host: "ch-kn-channel.ns", want: &channel.ChannelReference{Namespace: "ns", Name: "ch"}},
		{host: contract.ChannelHostName(long, "ns"), want: &channel.ChannelReference{Namespace: "ns", Name: long}},
		{host: "ch-kn-channel.other.svc.cluster.local"},
		{host: "ch.ns.svc.cluster.local"},
		{host: "ch-kn-channel.ns.pod.cluster.local"},
		{host: "-kn-channel.ns.svc.cluster.local"},
		{host: "localhost"},
		{host: ""},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			kc, err := c.fromHost(tc.host)
			got := refOf(kc)
			if tc.want == nil {
				if _, ok := err.(channel.UnknownHostError); !ok {
					t.Errorf("fromHost = %v, %v; want UnknownHostError", got, err)
				}
				return
			}
			if err != nil || got != *tc.want {
				t.Errorf("fromHost = %v, %v; want %v", got, err, *tc.want)
			}
		})
	}
}

func TestFromPath(t *testing.T) {
	c := channels{lister: channelLister(t, readyChannel("ns", "ch", "t"))}
	for path, ok := range map[string]bool{
		"/ns/ch": true, "/ns/ch/": true,
		"/ns/other": false, "/ns": false, "/ns/ch/x": false, "ns/ch": false, "//ns/ch": false, "/": false, "/ns//ch": false, "/ns/ch//": false,
	} {
		kc, err := c.fromPath(path)
		got := refOf(kc)
		if ok && (err != nil || got != (channel.ChannelReference{Namespace: "ns", Name: "ch"})) {
			t.Errorf("fromPath(%q) = %v, %v; want ns/ch", path, got, err)
		}
		if _, unknown := err.(channel.UnknownHostError); !ok && !unknown {
			t.Errorf("fromPath(%q) = %v, %v; want UnknownHostError", path, got, err)
		}
	}
}
