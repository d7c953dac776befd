#!/usr/bin/env bash
# Runs knative-kafka on this machine with no cluster: see README.md, "Run it locally".
set -o errexit -o nounset -o pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec go run ./test/cmd/local-up "$@"
