package devenv

import (
	"context"
	"strings"
	"testing"
)

// Without a node, attaching says how to start one rather than failing on a
// missing kubeconfig.
func TestAttachNodeWithoutANode(t *testing.T) {
	_, err := AttachNode(context.Background(), Options{Root: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "start one with hack/node-up.sh") {
		t.Fatalf("AttachNode with no node: %v, want an error naming hack/node-up.sh", err)
	}
}
