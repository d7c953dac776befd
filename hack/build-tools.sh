#!/usr/bin/env bash
# Builds, from the Go module proxy, the binaries the dev environment, the
# end-to-end tests and the offline ko path run, into _output/bin (git-ignored).
# A binary is rebuilt only when its tool module's go.sum changed since it was built.
#
#   hack/build-tools.sh [control-plane] [kube] [imc] [ko] [codegen] [node]
#
# control-plane (the default): kube's, and the Knative Eventing and Broker
#   controllers (hack/tools/eventing), which the dev environment runs as processes.
# kube: etcd, kube-apiserver, kube-controller-manager, kubectl (hack/tools/k8s);
#   a node runs Eventing from ko's images, built without cgo, which share no
#   compiled package with those controllers.
# imc: Eventing's InMemoryChannel controller and dispatcher (hack/tools/eventing), which only the
#   side-by-side benchmarks run (test/devenv's InMemoryChannel option).
# ko: ko, and go-containerregistry's registry and crane (hack/tools/ko).
# codegen: the code generators hack/update-codegen.sh runs (hack/tools/codegen).
# node: what hack/node-up.sh adds to the control plane for a real single node:
#   kubelet, kube-scheduler, kube-proxy (hack/tools/k8s), containerd, its runc
#   shim and its client ctr (hack/tools/containerd), CoreDNS (hack/tools/coredns); and, from Debian's
#   packages, runc, the CNI plugins, iptables and conntrack.
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ROOT}/_output/bin"
K8S_VERSION=v1.35.8
mkdir -p "${BIN}"
export GOFLAGS=-mod=mod

# Compiler output and module downloads go to this log; the terminal gets one
# line per tool, and a reminder every 30 s while one builds.
LOG="${BIN}/build-tools.log"

# stamp_ok NAME MODULE_DIR: true when NAME was built from MODULE_DIR's current go.sum.
stamp_ok() {
  [[ -x "${BIN}/$1" && -f "${BIN}/.$1.stamp" ]] && cmp -s "$2/go.sum" "${BIN}/.$1.stamp"
}

# The groups run twice: first to count what is stale (MODE=plan), then to build it.
MODE=plan STALE=0 DONE=0

build() { # NAME MODULE_DIR PACKAGE [LDFLAGS]
  local name=$1 dir=$2 pkg=$3 ldflags=${4:-}
  if stamp_ok "${name}" "${dir}"; then
    # Listed only beside what is built; otherwise one line says all are up to date.
    [[ ${MODE} == run && ${STALE} -gt 0 ]] && echo "  ${name}: up to date"
    return 0
  fi
  if [[ ${MODE} == plan ]]; then
    STALE=$((STALE + 1))
    return 0
  fi
  DONE=$((DONE + 1))
  echo "  [${DONE}/${STALE}] ${name}: building ${pkg}..."
  local start=${SECONDS} last=${SECONDS}
  echo "=== ${name}: go build ${pkg} ($(date +%T))" >>"${LOG}"
  (cd "${dir}" && go build -trimpath -tags "${GO_TAGS:-}" -ldflags "-s -w ${ldflags}" -o "${BIN}/${name}" "${pkg}") >>"${LOG}" 2>&1 &
  local pid=$!
  while kill -0 "${pid}" 2>/dev/null; do
    sleep 1
    if ((SECONDS - last >= 30)); then
      last=${SECONDS}
      echo "  [${DONE}/${STALE}] ${name}: still building ($((SECONDS - start))s)"
    fi
  done
  if ! wait "${pid}"; then
    echo "  ${name}: build failed; the end of ${LOG}:" >&2
    tail -n 30 "${LOG}" >&2
    exit 1
  fi
  cp "${dir}/go.sum" "${BIN}/.${name}.stamp"
  echo "  [${DONE}/${STALE}] ${name}: built in $((SECONDS - start))s"
}

# Knative refuses an unstamped (v0.0.0) API server, so stamp every Kubernetes binary.
k8s_version_ldflags() {
  local pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    echo -n " -X ${pkg}.gitVersion=${K8S_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=35"
  done
}

kube_tools() {
  local version k8s="${ROOT}/hack/tools/k8s"
  version="$(k8s_version_ldflags)"
  build etcd "${k8s}" go.etcd.io/etcd/server/v3
  build kube-apiserver "${k8s}" k8s.io/kubernetes/cmd/kube-apiserver "${version}"
  build kube-controller-manager "${k8s}" k8s.io/kubernetes/cmd/kube-controller-manager "${version}"
  build kubectl "${k8s}" k8s.io/kubernetes/cmd/kubectl "${version}"
}

control_plane() {
  local eventing="${ROOT}/hack/tools/eventing"
  kube_tools
  build eventing-controller "${eventing}" knative.dev/eventing/cmd/controller
  build mt-broker-controller "${eventing}" ./mtbroker
}

imc_tools() {
  local eventing="${ROOT}/hack/tools/eventing"
  build imc-controller "${eventing}" ./imccontroller
  imc_dispatcher_source "${BIN}/imc-dispatcher-src"
  build imc-dispatcher "${BIN}/imc-dispatcher-src" .
}

# imc_dispatcher_source writes, into DIR, a module that builds Eventing's
# InMemoryChannel dispatcher (cmd/in_memory/channel_dispatcher and its
# reconciler package, as one main package, against hack/tools/eventing's
# go.mod and go.sum) taking its fixed ports, 8080 and 8443, from PORT and
# HTTPS_PORT, as the dev environment gives every process ports of its own: the
# Eventing controller's probes hold :8080. Nothing else of Eventing's source
# changes; it fails if the two constants are not where they were.
imc_dispatcher_source() {
  local out=$1 tools="${ROOT}/hack/tools/eventing" pkg cmd f
  pkg="$(cd "${tools}" && go list -f '{{.Dir}}' knative.dev/eventing/pkg/reconciler/inmemorychannel/dispatcher)"
  cmd="$(cd "${tools}" && go list -f '{{.Dir}}' knative.dev/eventing/cmd/in_memory/channel_dispatcher)"
  rm -rf "${out}" && mkdir -p "${out}"
  sed 's|^module .*|module knative-kafka.local/imc-dispatcher|' "${tools}/go.mod" >"${out}/go.mod"
  cp "${tools}/go.sum" "${out}/go.sum"
  for f in "${pkg}"/*.go; do
    [[ ${f} == *_test.go ]] && continue
    sed -e 's/^package dispatcher$/package main/' -e '/^\s*httpPort\s*= 8080$/d' -e '/^\s*httpsPort\s*= 8443$/d' "${f}" >"${out}/$(basename "${f}")"
  done
  if grep -q -E 'https?Port\s*=' "${out}"/*.go || [[ $(grep -c -E 'https?Port,' "${out}/controller.go") != 2 ]]; then
    echo "  imc-dispatcher: httpPort and httpsPort are no longer the constants of ${pkg}/controller.go" >&2
    exit 1
  fi
  sed -e '/inmemorychannel "knative.dev\/eventing\/pkg\/reconciler\/inmemorychannel\/dispatcher"/d' \
    -e 's/inmemorychannel\.NewController/NewController/' "${cmd}/main.go" >"${out}/main.go"
  cat >"${out}/ports.go" <<'GO'
package main

import (
	"os"
	"strconv"
)

var httpPort, httpsPort = portFromEnv("PORT", 8080), portFromEnv("HTTPS_PORT", 8443)

func portFromEnv(name string, fallback int) int {
	if p, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return p
	}
	return fallback
}
GO
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

# Debian's packages the node runs, installed when a command is missing: a CI
# machine starts with Go alone.
DEBIAN_PACKAGES=(runc:runc containernetworking-plugins:/usr/lib/cni/bridge
  iptables:iptables-save conntrack:conntrack)

missing_packages() {
  local entry
  for entry in "${DEBIAN_PACKAGES[@]}"; do
    command -v "${entry#*:}" >/dev/null || echo "${entry%%:*}"
  done
}

node_packages() {
  local missing
  missing="$(missing_packages | tr '\n' ' ')"
  [[ -z "${missing// /}" ]] && return 0
  if [[ ${MODE} == plan ]]; then
    STALE=$((STALE + 1))
    return 0
  fi
  DONE=$((DONE + 1))
  echo "  [${DONE}/${STALE}] Debian packages: installing ${missing}..."
  local start=${SECONDS}
  {
    echo "=== apt-get install ${missing} ($(date +%T))"
    apt-get update
    # shellcheck disable=SC2086 # one word per package
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing}
  } >>"${LOG}" 2>&1 || {
    echo "  Debian packages: install failed; the end of ${LOG}:" >&2
    tail -n 30 "${LOG}" >&2
    exit 1
  }
  echo "  [${DONE}/${STALE}] Debian packages: installed in $((SECONDS - start))s"
}

node_tools() {
  local version k8s="${ROOT}/hack/tools/k8s" containerd="${ROOT}/hack/tools/containerd"
  version="$(k8s_version_ldflags)"
  node_packages
  build kubelet "${k8s}" k8s.io/kubernetes/cmd/kubelet "${version}"
  build kube-scheduler "${k8s}" k8s.io/kubernetes/cmd/kube-scheduler "${version}"
  build kube-proxy "${k8s}" k8s.io/kubernetes/cmd/kube-proxy "${version}"
  # Static, and without btrfs's C headers: the snapshotter here is overlayfs.
  CGO_ENABLED=0 GO_TAGS=no_btrfs build containerd "${containerd}" github.com/containerd/containerd/v2/cmd/containerd
  CGO_ENABLED=0 GO_TAGS=no_btrfs build containerd-shim-runc-v2 "${containerd}" \
    github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2
  # containerd's own client: the node tests kill a container through the runtime.
  CGO_ENABLED=0 GO_TAGS=no_btrfs build ctr "${containerd}" github.com/containerd/containerd/v2/cmd/ctr
  # Static: it runs in a pod, from an image with nothing else in it.
  CGO_ENABLED=0 build coredns "${ROOT}/hack/tools/coredns" .
}

run_groups() {
  local group
  for group in "${@:-control-plane}"; do
    case "${group}" in
      control-plane) control_plane ;;
      kube) kube_tools ;;
      imc) imc_tools ;;
      ko) ko_tools ;;
      codegen) codegen_tools ;;
      node) node_tools ;;
      *) echo "unknown tool group ${group}" >&2; exit 2 ;;
    esac
  done
}

run_groups "$@"
MODE=run
if ((STALE > 0)); then
  echo "Building ${STALE} tool(s) into ${BIN} (a first build of the whole control plane takes about 7 minutes on 2 cores;"
  echo "  module downloads and compiler output go to ${LOG})"
else
  echo "Tools in ${BIN} are up to date"
fi
run_groups "$@"
