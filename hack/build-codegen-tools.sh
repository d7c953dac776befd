#!/usr/bin/env bash
# Builds the pinned code generators of hack/tools/codegen into _output/bin (git-ignored).
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ROOT}/_output/bin"
mkdir -p "${BIN}"
cd "${ROOT}/hack/tools/codegen"
GOFLAGS=-mod=mod GOBIN="${BIN}" go install \
  k8s.io/code-generator/cmd/client-gen \
  k8s.io/code-generator/cmd/deepcopy-gen \
  k8s.io/code-generator/cmd/informer-gen \
  k8s.io/code-generator/cmd/lister-gen \
  knative.dev/pkg/codegen/cmd/injection-gen
