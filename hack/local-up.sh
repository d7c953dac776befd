#!/usr/bin/env bash
# Runs knative-kafka on this machine with no cluster: see README.md, "Run it locally".
set -o errexit -o nounset -o pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# go run says nothing while it compiles, which takes a minute or two the first time.
echo "compiling the dev environment (go run ./test/cmd/local-up)..."
exec go run ./test/cmd/local-up "$@"
