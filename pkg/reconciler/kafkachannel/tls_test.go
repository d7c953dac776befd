package kafkachannel

import (
	"testing"

	"k8s.io/client-go/tools/cache"

	. "github.com/knative-kafka/knative-kafka/pkg/reconciler/testing"
)

// The receiver's Secret re-reconciles every channel when what their https
// addresses carry changes, and only then.
func TestOnCAChange(t *testing.T) {
	secret := NewServerTLSSecret(systemNS, []byte("CA 1"))
	renewed := secret.DeepCopy()
	renewed.Data["tls.crt"] = []byte("renewed cert PEM")
	rotated := secret.DeepCopy()
	rotated.Data["ca.crt"] = []byte("CA 2")
	for _, tc := range []struct {
		name  string
		event func(cache.ResourceEventHandler)
		want  int
	}{
		{"created", func(h cache.ResourceEventHandler) { h.OnAdd(secret, false) }, 1},
		{"deleted", func(h cache.ResourceEventHandler) { h.OnDelete(secret) }, 1},
		{"deleted, seen late", func(h cache.ResourceEventHandler) {
			h.OnDelete(cache.DeletedFinalStateUnknown{Key: systemNS + "/" + secret.Name, Obj: secret})
		}, 1},
		{"CA rotated", func(h cache.ResourceEventHandler) { h.OnUpdate(secret, rotated) }, 1},
		{"certificate renewed, same CA", func(h cache.ResourceEventHandler) { h.OnUpdate(secret, renewed) }, 0},
		{"resync", func(h cache.ResourceEventHandler) { h.OnUpdate(secret, secret) }, 0},
		{"ca.crt removed", func(h cache.ResourceEventHandler) {
			h.OnUpdate(secret, NewServerTLSSecret(systemNS, nil))
		}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resyncs := 0
			tc.event(onCAChange(func(any) { resyncs++ }))
			if resyncs != tc.want {
				t.Errorf("%d resyncs, want %d", resyncs, tc.want)
			}
		})
	}
}
