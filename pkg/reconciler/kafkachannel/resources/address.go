package resources

import (
	"fmt"

	"k8s.io/utils/ptr"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	"knative.dev/pkg/network"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
)

// Names of a channel's addresses in status.addresses, as eventing's channels name them.
const (
	HTTPAddressName  = "http"
	HTTPSAddressName = "https"
)

// HTTPAddress is the channel's plain address: its own <name>-kn-channel
// Service, which the receiver routes on by Host.
func HTTPAddress(channelNamespace, channelName string) duckv1.Addressable {
	return duckv1.Addressable{
		Name: ptr.To(HTTPAddressName),
		URL:  apis.HTTP(contract.ChannelHostName(channelName, channelNamespace)),
	}
}

// HTTPSAddress is the channel's address under transport encryption. The
// receiver's certificate is issued for its own Service, not for every
// channel's, so the address is that Service, routed on by path; caCerts are
// what a sender must trust (nil: a CA its trust bundles hold).
func HTTPSAddress(systemNamespace, channelNamespace, channelName string, caCerts *string) duckv1.Addressable {
	return duckv1.Addressable{
		Name:    ptr.To(HTTPSAddressName),
		URL:     ReceiverHTTPSURL(systemNamespace, channelNamespace, channelName),
		CACerts: caCerts,
	}
}

// ReceiverHTTPSURL is https://<receiver>.<system namespace>.svc.<cluster domain>/<namespace>/<name>.
func ReceiverHTTPSURL(systemNamespace, channelNamespace, channelName string) *apis.URL {
	u := apis.HTTPS(network.GetServiceHostname(contract.ReceiverName, systemNamespace))
	u.Path = fmt.Sprintf("/%s/%s", channelNamespace, channelName)
	return u
}
