package dispatcher

import (
	"os"
	"runtime/debug"
	"strconv"

	"github.com/knative-kafka/knative-kafka/pkg/contract"
)

// programReserve is the part of the container's memory that the Go runtime
// does not manage: mostly the resident pages of the binary itself (about 45
// MiB for a dispatcher), with a margin. The rest, heapLimit, is what Go may use.
const programReserve = 64 << 20

// heapLimit is the memory the Go runtime may use under a container limit: all
// but programReserve, and at least half of it.
func heapLimit(containerLimit int64) int64 {
	return max(containerLimit-programReserve, containerLimit/2)
}

// memoryLimitFromEnv is the container's memory limit in bytes, which the
// dispatcher Deployment passes in contract.MemoryLimitEnv; 0 when unknown.
func memoryLimitFromEnv() int64 {
	limit, err := strconv.ParseInt(os.Getenv(contract.MemoryLimitEnv), 10, 64)
	if err != nil || limit < 0 {
		return 0
	}
	return limit
}

// SetGoMemoryLimit makes the Go runtime collect garbage harder as it nears
// what it may use under the container's limit, rather than only at twice the
// live heap (GOGC=100), which a dispatcher holding large buffers would exceed
// its container's limit by; unless GOMEMLIMIT already chose a limit, or the
// container has none. A process that runs a Dispatcher with
// Options.MemoryLimit calls it first, as NewController does.
func SetGoMemoryLimit(containerLimit int64) {
	if containerLimit <= 0 || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(heapLimit(containerLimit))
}
