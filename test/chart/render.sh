#!/usr/bin/env bash
# render.sh: lint and render the profile-guard Helm chart once per values file in test/chart-values/.
#
# Usage: see --help below.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "${SCRIPT_DIR}/../.." && pwd)"
CHART_DIR="${REPO_DIR}/charts/profile-guard"
VALUES_DIR="${REPO_DIR}/test/chart-values"
ENSURE_BINARIES="${REPO_DIR}/test/e2e/bin/ensure-binaries.sh"
RELEASE_NAME="${RELEASE_NAME:-profile-guard}"
RELEASE_NAMESPACE="${RELEASE_NAMESPACE:-profile-guard}"

usage() {
  cat <<USAGE
Usage: ${0##*/} [--out DIR] [--help]

For every values file test/chart-values/<variant>.yaml: runs \`helm lint --strict\` on the chart
with it, then \`helm template\` (release "${RELEASE_NAME}" in namespace "${RELEASE_NAMESPACE}",
the Kubernetes version pinned in test/e2e/bin/versions.env) and writes the manifests to
DIR/<variant>.yaml. The chart's CRDs (charts/profile-guard/crds/) are copied to DIR/crds/: apply
them, and the third-party CRDs in test/e2e/fixtures/crds/third-party/, before the variants.
Exits non-zero on the first lint or render error.

  --out DIR   where to write (default: a new temporary directory, printed on stdout)

Environment:
  HELM               helm binary (default: the one test/e2e/bin/ensure-binaries.sh provides)
  KUBE_VERSION       Kubernetes version to render for (default: KUBERNETES_VERSION of versions.env)
  RELEASE_NAME       release name (default: profile-guard)
  RELEASE_NAMESPACE  release namespace (default: profile-guard)
USAGE
}

log() { printf '[chart] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --out) [[ $# -ge 2 && -n "$2" ]] || die "--out needs a directory"; OUT="$2"; shift 2 ;;
    --out=*) OUT="${1#--out=}"; [[ -n "$OUT" ]] || die "--out needs a directory"; shift ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

if [[ -z "${HELM:-}" ]]; then
  [[ -x "$ENSURE_BINARIES" ]] || die "HELM is not set and ${ENSURE_BINARIES} is missing"
  eval "$("$ENSURE_BINARIES" helm)"
fi
[[ -n "${HELM:-}" ]] || die "no helm binary (set HELM=/path/to/helm)"
command -v "$HELM" >/dev/null 2>&1 || die "HELM=${HELM}: not an executable"

if [[ -z "${KUBE_VERSION:-}" ]]; then
  # shellcheck source=test/e2e/bin/versions.env disable=SC1091
  KUBE_VERSION="$(source "${REPO_DIR}/test/e2e/bin/versions.env" && echo "${KUBERNETES_VERSION:-}")"
fi
[[ -n "$KUBE_VERSION" ]] || die "KUBE_VERSION is not set and versions.env has no KUBERNETES_VERSION"

if [[ -z "$OUT" ]]; then
  OUT="$(mktemp -d "${TMPDIR:-/tmp}/profile-guard-chart.XXXXXX")"
fi
mkdir -p "$OUT/crds"

shopt -s nullglob
variants=("${VALUES_DIR}"/*.yaml)
[[ ${#variants[@]} -gt 0 ]] || die "no values files in ${VALUES_DIR}"

for values in "${variants[@]}"; do
  variant="$(basename "$values" .yaml)"
  log "${variant}: helm lint"
  "$HELM" lint --strict "$CHART_DIR" -f "$values" --kube-version "$KUBE_VERSION" \
    --namespace "$RELEASE_NAMESPACE" >&2 || die "${variant}: helm lint failed"
  log "${variant}: helm template -> ${OUT}/${variant}.yaml"
  "$HELM" template "$RELEASE_NAME" "$CHART_DIR" -f "$values" --namespace "$RELEASE_NAMESPACE" \
    --kube-version "$KUBE_VERSION" >"${OUT}/${variant}.yaml.tmp" || die "${variant}: helm template failed"
  mv -f "${OUT}/${variant}.yaml.tmp" "${OUT}/${variant}.yaml"
done

for crd in "${CHART_DIR}"/crds/*.yaml; do
  cp -f "$crd" "${OUT}/crds/"
done

log "rendered ${#variants[@]} variant(s) into ${OUT}"
echo "$OUT"
