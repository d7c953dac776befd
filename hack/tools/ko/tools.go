//go:build tools

// Package ko pins the image tools of the offline ko path (hack/ko-resolve.sh):
// ko itself, and go-containerregistry's registry and crane for a local registry
// and a minimal base image. Its own module: never vendored.
package ko

import (
	_ "github.com/google/go-containerregistry/cmd/crane"
	_ "github.com/google/go-containerregistry/cmd/registry"
	_ "github.com/google/ko"
)
