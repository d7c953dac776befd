#!/usr/bin/env bash
# The ko path, offline: hack/release.sh, exactly as a release is made, pushing
# the images to a throwaway registry on 127.0.0.1 (ko talks plain HTTP to
# loopback registries) on top of hack/base-image.sh's base, like ko's default
# one: what it writes runs on a real node too. Writes the resolved manifests to
# _output/release.yaml (or $1); the end-to-end tests then install those
# manifests instead of config/. KO_RESOLVE_REGISTRY=127.0.0.1:PORT pushes to
# that registry instead, which keeps the images.
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ROOT}/_output/bin"
OUT="${1:-${ROOT}/_output/release.yaml}"
"${ROOT}/hack/build-tools.sh" ko

WORK="$(mktemp -d)"
REGISTRY_PID=""
cleanup() {
  local rc=$?
  if [[ -n "${REGISTRY_PID}" ]]; then
    kill "${REGISTRY_PID}" 2>/dev/null || true
    wait "${REGISTRY_PID}" 2>/dev/null || true
  fi
  rm -rf "${WORK}"
  exit "${rc}" # the registry's exit status must not become the script's
}
trap cleanup EXIT

REGISTRY="${KO_RESOLVE_REGISTRY:-}"
if [[ -z "${REGISTRY}" ]]; then
  PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "${BIN}/registry" -port "${PORT}" >"${WORK}/registry.log" 2>&1 &
  REGISTRY_PID=$!
  for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:${PORT}/v2/" >/dev/null && break
    sleep 0.1
  done
  REGISTRY="127.0.0.1:${PORT}"
fi

BASE="$("${ROOT}/hack/base-image.sh" "${REGISTRY}")"
KO_DOCKER_REPO="${REGISTRY}/knative-kafka" KO_DEFAULTBASEIMAGE="${BASE}" PLATFORMS=linux/amd64 \
  "${ROOT}/hack/release.sh" "${OUT}"
