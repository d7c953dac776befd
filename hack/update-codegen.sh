#!/usr/bin/env bash
# Regenerates deepcopy, clientset, listers, informers and knative injection
# (clients, informers and the KafkaChannel reconciler) from pkg/apis.
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODULE=github.com/knative-kafka/knative-kafka
# Every API group/version: KafkaChannel's (Knative's group) and this project's own.
APIS=(messaging/v1beta1 kafka/v1alpha1)
PKGS=("${APIS[@]/#/${MODULE}/pkg/apis/}")
INPUTS=()
for api in "${APIS[@]}"; do INPUTS+=(--input "${api}"); done
HEADER="${ROOT}/hack/boilerplate/boilerplate.go.txt"
BIN="${ROOT}/_output/bin"

"${ROOT}/hack/build-tools.sh" codegen >/dev/null
cd "${ROOT}"
export GOFLAGS=-mod=vendor

echo "=== deepcopy"
"${BIN}/deepcopy-gen" --go-header-file "${HEADER}" --output-file zz_generated.deepcopy.go \
  "${APIS[@]/#/./pkg/apis/}"

echo "=== clientset, listers, informers"
rm -rf pkg/client
"${BIN}/client-gen" --go-header-file "${HEADER}" \
  --clientset-name versioned \
  --input-base "${MODULE}/pkg/apis" "${INPUTS[@]}" \
  --output-dir pkg/client/clientset --output-pkg "${MODULE}/pkg/client/clientset"
"${BIN}/lister-gen" --go-header-file "${HEADER}" \
  --output-dir pkg/client/listers --output-pkg "${MODULE}/pkg/client/listers" \
  "${PKGS[@]}"
"${BIN}/informer-gen" --go-header-file "${HEADER}" \
  --versioned-clientset-package "${MODULE}/pkg/client/clientset/versioned" \
  --listers-package "${MODULE}/pkg/client/listers" \
  --output-dir pkg/client/informers --output-pkg "${MODULE}/pkg/client/informers" \
  "${PKGS[@]}"

echo "=== knative injection"
"${BIN}/injection-gen" --go-header-file "${HEADER}" \
  --input-dirs "$(IFS=,; echo "${PKGS[*]}")" \
  --versioned-clientset-package "${MODULE}/pkg/client/clientset/versioned" \
  --external-versions-informers-package "${MODULE}/pkg/client/informers/externalversions" \
  --listers-package "${MODULE}/pkg/client/listers" \
  --output-package "${MODULE}/pkg/client/injection" \
  --output-dir pkg/client/injection
