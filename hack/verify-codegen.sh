#!/usr/bin/env bash
# Fails when the generated code in the tree differs from what update-codegen.sh produces.
# It regenerates in place and restores the tree's files afterwards.
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GENERATED=(pkg/client pkg/apis/messaging/v1beta1/zz_generated.deepcopy.go pkg/apis/kafka/v1alpha1/zz_generated.deepcopy.go)
SAVED="$(mktemp -d)"
cd "${ROOT}"
cp -a --parents "${GENERATED[@]}" "${SAVED}/"
restore() { rm -rf "${GENERATED[@]}"; cp -a "${SAVED}/." "${ROOT}/"; rm -rf "${SAVED}"; }
trap restore EXIT

hack/update-codegen.sh >/dev/null
status=0
for path in "${GENERATED[@]}"; do
  diff -ruN "${SAVED}/${path}" "${path}" || status=1
done
if [[ ${status} -ne 0 ]]; then
  echo "Generated code is stale: run hack/update-codegen.sh" >&2
  exit 1
fi
echo "Generated code is up to date."
