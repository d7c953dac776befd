#!/usr/bin/env bash
# The base image ko builds on offline (hack/ko-resolve.sh, hack/node-up.sh), in
# place of ko's default, which is not reachable offline. Like that one: static
# binaries only, linux/amd64, run by the numeric non-root user 65532 (the
# Deployments require runAsNonRoot, which a kubelet enforces only on a numeric
# user other than 0), with /etc/passwd, CA certificates and a writable /tmp.
# Pushes it to REGISTRY (plain HTTP) and prints its name.
#
#   hack/base-image.sh 127.0.0.1:5000   # prints 127.0.0.1:5000/base:nonroot
set -o errexit -o nounset -o pipefail

REGISTRY="${1:?usage: hack/base-image.sh REGISTRY}"
CRANE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/_output/bin/crane"
TMP="$(mktemp -d)"
trap 'rm -rf "${TMP}"' EXIT

mkdir -p "${TMP}/root/etc/ssl/certs" "${TMP}/root/tmp" "${TMP}/root/home/nonroot"
chmod 1777 "${TMP}/root/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"${TMP}/root/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"${TMP}/root/etc/group"
cp /etc/ssl/certs/ca-certificates.crt "${TMP}/root/etc/ssl/certs/" 2>/dev/null || true
# Owned by root whoever runs this, and the same bytes each time.
tar -C "${TMP}/root" --owner=0 --group=0 --numeric-owner --mtime=@0 --sort=name -cf "${TMP}/layer.tar" .
"${CRANE}" append --insecure -f "${TMP}/layer.tar" -t "${REGISTRY}/base:build" >/dev/null
"${CRANE}" mutate --insecure --set-platform linux/amd64 --user 65532:65532 \
  "${REGISTRY}/base:build" -t "${REGISTRY}/base:nonroot" >/dev/null
echo "${REGISTRY}/base:nonroot"
