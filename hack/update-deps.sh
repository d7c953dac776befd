#!/usr/bin/env bash
# Tidies and vendors the product module. The tool modules under hack/tools keep their own go.mod.
set -o errexit -o nounset -o pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
go mod tidy
go mod vendor
