#!/usr/bin/env bash
# Builds, from the Go module proxy, the binaries the dev environment, the
# end-to-end tests and the offline ko path run, into _output/bin (git-ignored).
# A binary is rebuilt only when its tool module's go.sum changed since it was built.
#
#   hack/build-tools.sh [control-plane] [ko] [codegen]
#
# control-plane (the default): etcd, kube-apiserver, kube-controller-manager,
#   kubectl (hack/tools/k8s), the Knative Eventing and Broker controllers (hack/tools/eventing).
# ko: ko, and go-containerregistry's registry and crane (hack/tools/ko).
# codegen: the code generators hack/update-codegen.sh runs (hack/tools/codegen).
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ROOT}/_output/bin"
K8S_VERSION=v1.35.8
mkdir -p "${BIN}"
export GOFLAGS=-mod=mod

# stamp_ok NAME MODULE_DIR: true when NAME was built from MODULE_DIR's current go.sum.
stamp_ok() {
  [[ -x "${BIN}/$1" && -f "${BIN}/.$1.stamp" ]] && cmp -s "$2/go.sum" "${BIN}/.$1.stamp"
}

build() { # NAME MODULE_DIR PACKAGE [LDFLAGS]
  local name=$1 dir=$2 pkg=$3 ldflags=${4:-}
  if stamp_ok "${name}" "${dir}"; then
    echo "  ${name}: up to date"
    return
  fi
  echo "  ${name}: building ${pkg} (a first build takes minutes)..."
  local start=${SECONDS}
  (cd "${dir}" && go build -trimpath -ldflags "-s -w ${ldflags}" -o "${BIN}/${name}" "${pkg}")
  cp "${dir}/go.sum" "${BIN}/.${name}.stamp"
  echo "  ${name}: built in $((SECONDS - start))s"
}

control_plane() {
  # Knative refuses an unstamped (v0.0.0) API server, so stamp the version.
  local version="" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    version+=" -X ${pkg}.gitVersion=${K8S_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=35"
  done
  local k8s="${ROOT}/hack/tools/k8s" eventing="${ROOT}/hack/tools/eventing"
  build etcd "${k8s}" go.etcd.io/etcd/server/v3
  build kube-apiserver "${k8s}" k8s.io/kubernetes/cmd/kube-apiserver "${version}"
  build kube-controller-manager "${k8s}" k8s.io/kubernetes/cmd/kube-controller-manager "${version}"
  build kubectl "${k8s}" k8s.io/kubernetes/cmd/kubectl "${version}"
  build eventing-controller "${eventing}" knative.dev/eventing/cmd/controller
  build mt-broker-controller "${eventing}" ./mtbroker
}

ko_tools() {
  local dir="${ROOT}/hack/tools/ko"
  build ko "${dir}" github.com/google/ko
  build registry "${dir}" github.com/google/go-containerregistry/cmd/registry
  build crane "${dir}" github.com/google/go-containerregistry/cmd/crane
}

codegen_tools() {
  local dir="${ROOT}/hack/tools/codegen" gen
  for gen in client-gen deepcopy-gen informer-gen lister-gen; do
    build "${gen}" "${dir}" "k8s.io/code-generator/cmd/${gen}"
  done
  build injection-gen "${dir}" knative.dev/pkg/codegen/cmd/injection-gen
}

echo "Building tools into ${BIN}"
for group in "${@:-control-plane}"; do
  case "${group}" in
    control-plane) control_plane ;;
    ko) ko_tools ;;
    codegen) codegen_tools ;;
    *) echo "unknown tool group ${group}" >&2; exit 2 ;;
  esac
done
