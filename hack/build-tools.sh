#!/usr/bin/env bash
# Builds, from the Go module proxy, the binaries the dev environment and the
# end-to-end tests run: etcd, kube-apiserver, kube-controller-manager, kubectl
# (hack/tools/k8s) and the Knative Eventing controller (hack/tools/eventing).
# They go to _output/bin (git-ignored); a binary is rebuilt only when its tool
# module's go.sum changed since it was built.
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
stamp() { cp "$2/go.sum" "${BIN}/.$1.stamp"; }

build() { # NAME MODULE_DIR PACKAGE [LDFLAGS]
  local name=$1 dir=$2 pkg=$3 ldflags=${4:-}
  if stamp_ok "${name}" "${dir}"; then
    echo "  ${name}: up to date"
    return
  fi
  echo "  ${name}: building ${pkg} (first build takes minutes)..."
  local start=${SECONDS}
  (cd "${dir}" && go build -trimpath -ldflags "-s -w ${ldflags}" -o "${BIN}/${name}" "${pkg}")
  stamp "${name}" "${dir}"
  echo "  ${name}: built in $((SECONDS - start))s"
}

# Knative refuses an unstamped (v0.0.0) API server, so stamp the version.
VERSION_LDFLAGS=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  VERSION_LDFLAGS+=" -X ${pkg}.gitVersion=${K8S_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=35"
done

K8S="${ROOT}/hack/tools/k8s"
echo "Building tools into ${BIN}"
build etcd "${K8S}" go.etcd.io/etcd/server/v3
build kube-apiserver "${K8S}" k8s.io/kubernetes/cmd/kube-apiserver "${VERSION_LDFLAGS}"
build kube-controller-manager "${K8S}" k8s.io/kubernetes/cmd/kube-controller-manager "${VERSION_LDFLAGS}"
build kubectl "${K8S}" k8s.io/kubernetes/cmd/kubectl "${VERSION_LDFLAGS}"
build eventing-controller "${ROOT}/hack/tools/eventing" knative.dev/eventing/cmd/controller
build mt-broker-controller "${ROOT}/hack/tools/eventing" ./mtbroker
