//go:build tools

// Package containerd pins the container runtime of the single node that
// hack/node-up.sh runs: containerd v2 and its runc shim (runc itself comes
// from Debian's package). Its own module: never vendored with the product.
package containerd

import (
	_ "github.com/containerd/containerd/v2/cmd/containerd"
	_ "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2"
)
