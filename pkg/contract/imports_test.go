package contract

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/knative-kafka/knative-kafka"

// The data plane reads the contract here, never the control plane's code: a
// rename made for the reconciler's sake must not reach a running dispatcher
// through an import, and the data plane's binaries stay free of it.
func TestDataPlaneDoesNotImportTheControlPlane(t *testing.T) {
	dataPlane := []string{"./pkg/dispatcher/...", "./pkg/receiver/...", "./pkg/delivery/...", "./cmd/dispatcher", "./cmd/receiver"}
	root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	cmd := exec.Command("go", append([]string{"list", "-deps", "-f", "{{.ImportPath}}"}, dataPlane...)...)
	cmd.Dir = strings.TrimSpace(string(root))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, module+"/pkg/reconciler") || strings.HasPrefix(pkg, module+"/pkg/webhook") {
			t.Errorf("the data plane imports %s", pkg)
		}
	}
}
