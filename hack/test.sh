#!/usr/bin/env bash
# Runs every check and test of the project: the command README.md names and CI runs.
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${ROOT}"

step() { echo; echo "=== $* ($(date +%T))"; }

step "verify generated code"
hack/verify-codegen.sh

step "go vet"
go vet ./... && go vet -tags e2e ./test/...

step "go build"
go build ./...

# go test -json through testsummary: package results as plain go test prints
# them, every failed test's output, and at the end what was skipped and why.
SUMMARY="${ROOT}/_output/bin/testsummary"
mkdir -p "${ROOT}/_output/bin"
go build -o "${SUMMARY}" ./test/cmd/testsummary

step "build the control plane (the first time only; test/devenv's own tests run it)"
hack/build-tools.sh control-plane

step "unit and integration tests (in-process kfake brokers; test/devenv on a real control plane)"
go test -json -count=1 -timeout 30m ./... | "${SUMMARY}" -save "${ROOT}/_output/test-unit.json"

step "the ko path, offline: ko resolve -f config against a registry on 127.0.0.1"
hack/ko-resolve.sh "${ROOT}/_output/release.yaml"

step "what ko builds runs on a node: every image has a numeric non-root user, as runAsNonRoot requires (test/node, no node needed)"
go test -tags node -count=1 -run '^TestKoResolvedImagesRunAsNonRoot$' ./test/node/

step "end-to-end and conformance tests on the ko-resolved manifests"
KNATIVE_KAFKA_MANIFESTS="${ROOT}/_output/release.yaml" \
  go test -json -count=1 -tags e2e -p 1 -timeout 50m ./test/e2e/... ./test/conformance/... |
  "${SUMMARY}" -save "${ROOT}/_output/test-e2e.json"

step "short soak: continual traffic through six kinds of fault, nothing accepted lost (the full one: go run ./test/soak)"
KNATIVE_KAFKA_MANIFESTS="${ROOT}/_output/release.yaml" go run ./test/soak -short

step "short profile of the scale benchmark (the full one: go run ./test/benchmark/scale)"
go run ./test/benchmark/scale -channels 50 -subscribers 2 -idle 10s -timeout 5m

step "short profile of the side-by-side benchmark, KafkaChannel and InMemoryChannel (the full one: go run ./test/benchmark/scale -impl both -e2e 1,16,64)"
go run ./test/benchmark/scale -impl both -channels 10 -subscribers 2 -idle 3s -timeout 5m -e2e 1,16 -e2e-duration 2s -e2e-warmup 500ms

step "short profiles of the receiver and dispatcher benchmarks (the full ones: go run ./test/benchmark/receiver, go run ./test/benchmark/dispatcher)"
go run ./test/benchmark/receiver -senders 1,16 -duration 1s -warmup 200ms -rounds 1
go run ./test/benchmark/dispatcher -cpu-events 2000 -cpu-rounds 1 -burst-seconds 1 -latency-seconds 0.5

step "on a real node (hack/node-up.sh, test/node): the install smoke, every conformance rule, a Broker through KafkaChannel, a pool replica killed through containerd and one the node has no room for; then the host as it was"
go test -json -count=1 -tags node -timeout 60m ./test/node/ | "${SUMMARY}" -save "${ROOT}/_output/test-node.json"

step "summary of every test run above"
"${SUMMARY}" -report "${ROOT}/_output/test-unit.json" "${ROOT}/_output/test-e2e.json" \
  "${ROOT}/_output/test-node.json" "${ROOT}/_output/test-on-node.json"
