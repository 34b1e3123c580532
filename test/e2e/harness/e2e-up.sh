#!/usr/bin/env bash
# e2e-up.sh: the whole e2e environment on loopback: etcd + kube-apiserver (control-plane.sh), the
# ProfilePolicy CRD, the webhook's namespace, ServiceAccount and ClusterRole as the chart ships
# them, a CA + serving certificate for 127.0.0.1, `profile-guard serve` (no --policy: ProfilePolicy
# objects govern) running as that ServiceAccount, and the chart's webhook configurations pointed at
# it. Returns once a known-bad Profile is denied through the API server.
#
# Usage: e2e-up.sh STATE_DIR
#   Needs a built project (dist/cli/bin.js: npm run build). Binaries: $KUBE_APISERVER, $ETCD,
#   $KUBECTL, $HELM, $CERT_MANAGER_CONTROLLER, $CERT_MANAGER_CAINJECTOR (the last two are only
#   recorded, for the cert-manager scenario), else test/e2e/bin/ensure-binaries.sh. Progress goes
#   to stderr; the last two lines on stdout are
#     export KUBECONFIG=<STATE_DIR>/kubeconfig
#     export PATH=<directory of the matching kubectl>:$PATH
#   STATE_DIR/e2e.env holds the PG_E2E_* variables of control-plane.sh plus those of the webhook
#   (see write_env below). Stop everything with e2e-down.sh STATE_DIR; on failure this script
#   stops what it started itself (logs are kept in STATE_DIR/logs).
set -euo pipefail

HARNESS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
E2E_DIR="$(cd "${HARNESS_DIR}/.." && pwd)"
REPO_DIR="$(cd "${E2E_DIR}/../.." && pwd)"
CONTROL_PLANE="${HARNESS_DIR}/control-plane.sh"
WEBHOOK="${HARNESS_DIR}/webhook.sh"
CHART_DIR="${REPO_DIR}/charts/profile-guard"
CLI="${REPO_DIR}/dist/cli/bin.js"

# The chart's release as the suite installs it (the webhook configurations exclude this namespace).
RELEASE_NAME="profile-guard"
RELEASE_NAMESPACE="profile-guard"

log() { printf '[e2e-up] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $# -eq 1 && -n "$1" && "$1" != -* ]] || { sed -n '2,17p' "${BASH_SOURCE[0]}" >&2; exit 2; }
[[ -f "$CLI" ]] || die "${CLI#"$REPO_DIR"/} is missing: run npm run build first"

# binaries (one ensure-binaries.sh call for everything that is not given)
missing=()
[[ -n "${KUBE_APISERVER:-}" ]] || missing+=(kube-apiserver)
[[ -n "${ETCD:-}" ]] || missing+=(etcd)
[[ -n "${KUBECTL:-}" ]] || missing+=(kubectl)
[[ -n "${HELM:-}" ]] || missing+=(helm)
[[ -n "${CERT_MANAGER_CONTROLLER:-}" ]] || missing+=(cert-manager-controller)
[[ -n "${CERT_MANAGER_CAINJECTOR:-}" ]] || missing+=(cert-manager-cainjector)
if [[ ${#missing[@]} -gt 0 ]]; then
  assignments="$("${E2E_DIR}/bin/ensure-binaries.sh" "${missing[@]}")" || die "ensure-binaries.sh failed"
  eval "$assignments"
fi
export KUBE_APISERVER ETCD KUBECTL HELM CERT_MANAGER_CONTROLLER CERT_MANAGER_CAINJECTOR

t0=$SECONDS
CONTROL_PLANE_EXTRA_MANIFESTS="${CHART_DIR}/crds" "$CONTROL_PLANE" up "$1" >/dev/null
STATE_DIR="$(cd "$1" && pwd)"
# shellcheck disable=SC2154 # rc is assigned inside the trap
trap 'rc=$?; if [[ $rc -ne 0 ]]; then log "failed; stopping what was started (logs: ${STATE_DIR}/logs)"; "$CONTROL_PLANE" down "$STATE_DIR" >/dev/null 2>&1 || true; fi' EXIT
# shellcheck source=/dev/null
source "${STATE_DIR}/env.sh"

# shellcheck source=test/e2e/bin/versions.env disable=SC1091
KUBE_VERSION="$(source "${E2E_DIR}/bin/versions.env" && echo "$KUBERNETES_VERSION")"
k() { "$KUBECTL" --kubeconfig "$KUBECONFIG" --context admin "$@"; }
helm_show() { # template...: the chart rendered for this release, only the given templates
  local args=() t
  for t in "$@"; do args+=(--show-only "templates/${t}"); done
  "$HELM" template "$RELEASE_NAME" "$CHART_DIR" --namespace "$RELEASE_NAMESPACE" \
    --kube-version "$KUBE_VERSION" \
    --set certs.mode=certs-scripts --set certs.caBundle="$CA_BUNDLE" "${args[@]}"
}

port_in_use() { grep -q "$(printf ':%04X ' "$1")" /proc/net/tcp /proc/net/tcp6 2>/dev/null; }
free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 30000))
    [[ "$p" == "${1:-}" ]] && continue
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  die "could not find a free port"
}

WEBHOOK_DIR="${STATE_DIR}/webhook"
mkdir -p "$WEBHOOK_DIR"

# --- TLS: certs-scripts' CA and serving certificate (for 127.0.0.1), published like a Secret -----
# The kubelet publishes a Secret volume as <dir>/..<timestamp>/<files>, a ..data symlink to it and
# <file> -> ..data/<file> links; an update swaps ..data atomically. The server reads this layout.
CA_DIR="${WEBHOOK_DIR}/ca"
SERVING_DIR="${WEBHOOK_DIR}/serving"
log "generating the webhook's CA and serving certificate"
PROFILE_GUARD_BIN="node ${CLI}" "${REPO_DIR}/certs-scripts/generate.sh" --service "$RELEASE_NAME" \
  --namespace "$RELEASE_NAMESPACE" --out "$CA_DIR" --ip 127.0.0.1 --dns localhost >&2 ||
  die "certs-scripts/generate.sh failed"
"${HARNESS_DIR}/publish-serving-cert.sh" "$SERVING_DIR" "${CA_DIR}/tls.crt" "${CA_DIR}/tls.key"
CA_BUNDLE="$(base64 -w0 "${CA_DIR}/ca.crt")"

# --- the webhook's namespace, ServiceAccount and RBAC, exactly as the chart ships them ---------
log "installing namespace ${RELEASE_NAMESPACE}, ServiceAccount and ClusterRole from the chart"
k create namespace "$RELEASE_NAMESPACE" >/dev/null
helm_show serviceaccount.yaml clusterrole.yaml | k apply -f - >&2
SA_NAME="$(helm_show serviceaccount.yaml | awk '/^  name:/ {print $2; exit}')"
[[ -n "$SA_NAME" ]] || die "could not read the ServiceAccount name from the chart"
SA_TOKEN="$(k create token "$SA_NAME" -n "$RELEASE_NAMESPACE" --duration=72h)"
WEBHOOK_KUBECONFIG="${WEBHOOK_DIR}/kubeconfig"
(
  umask 077
  "$KUBECTL" --kubeconfig "$WEBHOOK_KUBECONFIG" config set-cluster e2e --server="$PG_E2E_APISERVER_URL" \
    --certificate-authority="$PG_E2E_CA_FILE" --embed-certs=true >/dev/null
  "$KUBECTL" --kubeconfig "$WEBHOOK_KUBECONFIG" config set-credentials profile-guard --token="$SA_TOKEN" >/dev/null
  "$KUBECTL" --kubeconfig "$WEBHOOK_KUBECONFIG" config set-context e2e --cluster=e2e --user=profile-guard >/dev/null
  "$KUBECTL" --kubeconfig "$WEBHOOK_KUBECONFIG" config use-context e2e >/dev/null
)

# --- profile-guard serve ----------------------------------------------------------------------
WEBHOOK_PORT="$(free_port)"
METRICS_PORT="$(free_port "$WEBHOOK_PORT")"
{
  echo "# written by e2e-up.sh; source it (after env.sh) to reach the webhook"
  printf 'export PG_E2E_REPO_DIR=%q\n' "$REPO_DIR"
  printf 'export PG_E2E_HELM=%q\n' "$HELM"
  printf 'export PG_E2E_CERT_MANAGER_CONTROLLER=%q\n' "$CERT_MANAGER_CONTROLLER"
  printf 'export PG_E2E_CERT_MANAGER_CAINJECTOR=%q\n' "$CERT_MANAGER_CAINJECTOR"
  printf 'export PG_E2E_WEBHOOK_CONFIGURATIONS=%q\n' "${STATE_DIR}/webhook-configurations.yaml"
  printf 'export PG_E2E_RELEASE_NAMESPACE=%q\n' "$RELEASE_NAMESPACE"
  printf 'export PG_E2E_WEBHOOK_SA=%q\n' "system:serviceaccount:${RELEASE_NAMESPACE}:${SA_NAME}"
  printf 'export PG_E2E_WEBHOOK_URL=%q\n' "https://127.0.0.1:${WEBHOOK_PORT}"
  printf 'export PG_E2E_WEBHOOK_PORT=%q\n' "$WEBHOOK_PORT"
  printf 'export PG_E2E_METRICS_PORT=%q\n' "$METRICS_PORT"
  printf 'export PG_E2E_WEBHOOK_CA_DIR=%q\n' "$CA_DIR"
  printf 'export PG_E2E_SERVING_DIR=%q\n' "$SERVING_DIR"
  printf 'export PG_E2E_WEBHOOK_KUBECONFIG=%q\n' "$WEBHOOK_KUBECONFIG"
} >"${STATE_DIR}/webhook.env"
cat "${STATE_DIR}/env.sh" "${STATE_DIR}/webhook.env" >"${STATE_DIR}/e2e.env"
"$WEBHOOK" start "$STATE_DIR" >&2

# --- the chart's webhook configurations, with clientConfig.url instead of the Service ----------
log "registering the chart's webhook configurations (clientConfig.url https://127.0.0.1:${WEBHOOK_PORT})"
helm_show mutatingwebhookconfiguration.yaml validatingwebhookconfiguration.yaml |
  node "${HARNESS_DIR}/url-client-config.mjs" "https://127.0.0.1:${WEBHOOK_PORT}" \
    >"${STATE_DIR}/webhook-configurations.yaml"
k apply -f "${STATE_DIR}/webhook-configurations.yaml" >&2

# --- wait until the API server really calls the webhook ---------------------------------------
"${HARNESS_DIR}/wait-for-admission.sh" 90 >&2

trap - EXIT
log "ready in $((SECONDS - t0))s; stop with: ${HARNESS_DIR#"$PWD"/}/e2e-down.sh ${1}"
"$CONTROL_PLANE" env "$STATE_DIR"
