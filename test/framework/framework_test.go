package framework

import (
	"strings"
	"testing"

	"github.com/knative-kafka/knative-kafka/test/devenv"
)

// An environment name the framework does not know is refused, naming the
// ones it does, before anything starts.
func TestUnknownEnvironmentRefused(t *testing.T) {
	t.Setenv("KNATIVE_KAFKA_ENV", "cluster")
	_, err := startOrAttach(devenv.Options{Root: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), `KNATIVE_KAFKA_ENV="cluster": want process (the default) or node`) {
		t.Fatalf("KNATIVE_KAFKA_ENV=cluster: %v, want it refused", err)
	}
}
