#!/usr/bin/env bash
# Collects the license files of every vendored module into third_party/VENDOR-LICENSE,
# as Knative repositories ship them with their images. Run after hack/update-deps.sh.
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${ROOT}/third_party/VENDOR-LICENSE"
rm -rf "${OUT}"
mkdir -p "${OUT}"
missing=()
for module in $(grep '^# ' "${ROOT}/vendor/modules.txt" | awk '{print $2}'); do
  dir="${ROOT}/vendor/${module}"
  [[ -d "${dir}" ]] || continue
  licenses=$(find "${dir}" -maxdepth 1 -type f \( -iname 'LICENSE*' -o -iname 'COPYING*' -o -iname 'NOTICE*' \))
  if [[ -z "${licenses}" ]]; then
    missing+=("${module}")
    continue
  fi
  mkdir -p "${OUT}/${module}"
  cp ${licenses} "${OUT}/${module}/"
done
if (( ${#missing[@]} )); then
  printf 'No license file at the root of: %s\n' "${missing[@]}" >"${OUT}/MISSING.txt"
fi
echo "Collected licenses of $(find "${OUT}" -mindepth 1 -type f | wc -l) files into ${OUT}"
