package manifests

import (
	"path/filepath"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"knative.dev/pkg/network"
	"sigs.k8s.io/yaml"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
	"github.com/knative-kafka/knative-kafka/pkg/servertls"
)

// config/tls/ (optional, applied apart from config/) asks cert-manager for the
// Secret the receiver serves and the controller reads the CA of, valid for the
// host of every channel's https address.
func TestReceiverCertificate(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, "config", "tls", "*.yaml"))
	if err != nil || len(files) != 1 {
		t.Fatalf("config/tls/ holds %v (%v), want the receiver's Certificate", files, err)
	}
	docs := documents(t, files[0])
	if len(docs) != 1 {
		t.Fatalf("%s holds %d documents, want 1", files[0], len(docs))
	}
	var cert unstructured.Unstructured
	if err := yaml.Unmarshal(docs[0], &cert.Object); err != nil {
		t.Fatal(err)
	}
	if gvk := cert.GroupVersionKind().String(); gvk != "cert-manager.io/v1, Kind=Certificate" || cert.GetNamespace() != systemNamespace {
		t.Fatalf("%s is a %s in %q, want a cert-manager.io/v1 Certificate in %s", files[0], gvk, cert.GetNamespace(), systemNamespace)
	}
	if name, _, _ := unstructured.NestedString(cert.Object, "spec", "secretName"); name != servertls.SecretName {
		t.Errorf("spec.secretName = %q, want %q, the Secret the receiver serves", name, servertls.SecretName)
	}
	names, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames")
	if host := network.GetServiceHostname(contract.ReceiverName, systemNamespace); !slices.Contains(names, host) {
		t.Errorf("spec.dnsNames = %q, want it to hold %q, the host of channels' https addresses", names, host)
	}
	issuer, _, _ := unstructured.NestedStringMap(cert.Object, "spec", "issuerRef")
	if issuer["name"] != "knative-eventing-ca-issuer" || issuer["kind"] != "ClusterIssuer" {
		t.Errorf("spec.issuerRef = %v, want Knative Eventing's ClusterIssuer knative-eventing-ca-issuer", issuer)
	}
}
