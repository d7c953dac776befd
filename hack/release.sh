#!/usr/bin/env bash
# Writes the release manifest: config/ resolved by ko, every image built,
# pushed to $KO_DOCKER_REPO and named by digest, so that what a cluster runs is
# exactly what was built. Install it with `kubectl apply -f release.yaml`.
#
#   KO_DOCKER_REPO=<your registry>/knative-kafka hack/release.sh [release.yaml]
#
# PLATFORMS (default linux/amd64,linux/arm64) and KO_DEFAULTBASEIMAGE are
# passed to ko. hack/ko-resolve.sh runs this against a registry on 127.0.0.1.
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-release.yaml}"
: "${KO_DOCKER_REPO:?set KO_DOCKER_REPO to the repository the images are pushed to}"
"${ROOT}/hack/build-tools.sh" ko

(cd "${ROOT}" && "${ROOT}/_output/bin/ko" resolve --base-import-paths --platform="${PLATFORMS:-linux/amd64,linux/arm64}" -f config) >"${OUT}"

# Every image of the release is one that ko built, by digest: nothing left
# for ko to resolve, no tag that could later name another image.
if grep -q 'ko://' "${OUT}"; then
  echo "release: ${OUT} still names ko:// images" >&2
  exit 1
fi
unpinned="$(grep -E '^\s*(- )?(image|value): ' "${OUT}" | grep -F "${KO_DOCKER_REPO}/" | grep -v '@sha256:' || true)"
if [[ -n "${unpinned}" ]]; then
  echo "release: images not pinned by digest in ${OUT}:" >&2
  echo "${unpinned}" >&2
  exit 1
fi
echo "Wrote ${OUT}: $(grep -c "${KO_DOCKER_REPO}/" "${OUT}") image references, each by digest"
