package resources

import "testing"

func TestAddresses(t *testing.T) {
	ca := "CA PEM"
	https := HTTPSAddress("knative-eventing", "ns", "orders", &ca)
	if got, want := https.URL.String(), "https://kafka-channel-receiver.knative-eventing.svc.cluster.local/ns/orders"; got != want {
		t.Errorf("https URL = %s, want %s", got, want)
	}
	if *https.Name != "https" || https.CACerts != &ca {
		t.Errorf("https address = %+v, want named https with the CA", https)
	}
	http := HTTPAddress("ns", "orders")
	if got, want := http.URL.String(), "http://orders-kn-channel.ns.svc.cluster.local"; got != want || *http.Name != "http" || http.CACerts != nil {
		t.Errorf("http address = %+v (%s), want %s named http", http, got, want)
	}
}
