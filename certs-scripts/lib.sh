# shellcheck shell=bash
# Shared helpers of certs-scripts/*.sh (sourced, not run).

CERTS_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "${CERTS_SCRIPTS_DIR}/.." && pwd)"
SCRIPT_NAME="${0##*/}"

log() { printf '[%s] %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() { printf '%s: error: %s\n' "$SCRIPT_NAME" "$*" >&2; exit 1; }
usage_error() { printf '%s: error: %s (see %s --help)\n' "$SCRIPT_NAME" "$*" "$SCRIPT_NAME" >&2; exit 2; }

# need_value FLAG "$@": fails unless FLAG is followed by a non-empty value.
need_value() {
  [[ $# -ge 2 && -n "$2" && "$2" != --* ]] || usage_error "$1 needs a value"
}

# require_flag FLAG VALUE: fails naming FLAG when VALUE is empty.
require_flag() {
  [[ -n "$2" ]] || usage_error "$1 is required"
}

# DNS-1123 label (a Service or Namespace name).
check_dns_label() {
  [[ "$2" =~ ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$ ]] \
    || usage_error "invalid value for $1: \"$2\" (expected a DNS-1123 label: lower-case letters, digits, '-')"
}

# PG_CLI: the profile-guard CLI as an array, found in this order:
#   1. $PROFILE_GUARD_BIN (a command line, split on spaces: e.g. "npx profile-guard")
#   2. node <repo>/dist/cli/bin.js (after `npm run build` in this repository)
#   3. profile-guard on PATH (npm install -g profile-guard)
PG_CLI=()
find_cli() {
  if [[ -n "${PROFILE_GUARD_BIN:-}" ]]; then
    read -r -a PG_CLI <<<"$PROFILE_GUARD_BIN"
    command -v "${PG_CLI[0]}" >/dev/null 2>&1 \
      || die "PROFILE_GUARD_BIN=${PROFILE_GUARD_BIN}: ${PG_CLI[0]} is not an executable"
  elif [[ -f "${REPO_DIR}/dist/cli/bin.js" ]]; then
    command -v node >/dev/null 2>&1 || die "node is not on PATH (needed to run ${REPO_DIR}/dist/cli/bin.js)"
    PG_CLI=(node "${REPO_DIR}/dist/cli/bin.js")
  elif command -v profile-guard >/dev/null 2>&1; then
    PG_CLI=(profile-guard)
  else
    die "the profile-guard CLI was not found: run 'npm ci && npm run build' in ${REPO_DIR}, or install it on PATH, or set PROFILE_GUARD_BIN (e.g. PROFILE_GUARD_BIN='npx profile-guard')"
  fi
}

# KUBECTL_CMD: kubectl (or $KUBECTL) with --kubeconfig/--context when given.
KUBECTL_CMD=()
KUBECONFIG_FLAG=""
CONTEXT_FLAG=""
setup_kubectl() {
  local bin="${KUBECTL:-kubectl}"
  command -v "$bin" >/dev/null 2>&1 || die "kubectl was not found (put it on PATH or set KUBECTL=/path/to/kubectl)"
  KUBECTL_CMD=("$bin")
  [[ -z "$KUBECONFIG_FLAG" ]] || KUBECTL_CMD+=(--kubeconfig "$KUBECONFIG_FLAG")
  [[ -z "$CONTEXT_FLAG" ]] || KUBECTL_CMD+=(--context "$CONTEXT_FLAG")
}
kube() { "${KUBECTL_CMD[@]}" "$@"; }

# base64 of a file on one line (GNU and BSD base64 alike).
b64_file() { base64 <"$1" | tr -d '\n'; }

# require_files DIR NAME...: fails naming every missing file.
require_files() {
  local dir="$1" missing=() name
  shift
  for name in "$@"; do
    [[ -s "${dir}/${name}" ]] || missing+=("${dir}/${name}")
  done
  [[ ${#missing[@]} -eq 0 ]] || die "missing ${missing[*]} (run certs-scripts/generate.sh first)"
}

WEBHOOK_CONFIGURATION="${WEBHOOK_CONFIGURATION:-profile-guard}"

# patch_ca_bundle BUNDLE_FILE DRY_RUN: sets caBundle (base64 of BUNDLE_FILE) on every webhook of the
# MutatingWebhookConfiguration and ValidatingWebhookConfiguration $WEBHOOK_CONFIGURATION. Each
# webhook is addressed by index and guarded by a JSON-patch "test" of its name, so a configuration
# changed since it was read is not patched at the wrong place (the patch fails instead).
patch_ca_bundle() {
  local bundle_file="$1" dry_run="$2" bundle kind names name i ops
  bundle="$(b64_file "$bundle_file")"
  for kind in mutatingwebhookconfiguration validatingwebhookconfiguration; do
    if ! names="$(kube get "$kind" "$WEBHOOK_CONFIGURATION" -o 'jsonpath={range .webhooks[*]}{.name}{"\n"}{end}' 2>/dev/null)"; then
      log "${kind} ${WEBHOOK_CONFIGURATION} not found: nothing to patch (install the chart with --set certs.caBundle=\$(base64 -w0 ${bundle_file}))"
      continue
    fi
    ops=""
    i=0
    while IFS= read -r name; do
      [[ -n "$name" ]] || continue
      ops+="{\"op\":\"test\",\"path\":\"/webhooks/${i}/name\",\"value\":\"${name}\"},"
      ops+="{\"op\":\"add\",\"path\":\"/webhooks/${i}/clientConfig/caBundle\",\"value\":\"${bundle}\"},"
      i=$((i + 1))
    done <<<"$names"
    if [[ $i -eq 0 ]]; then
      log "${kind} ${WEBHOOK_CONFIGURATION} has no webhooks: nothing to patch"
      continue
    fi
    if [[ "$dry_run" == true ]]; then
      log "dry run: would patch caBundle ($(wc -c <"$bundle_file" | tr -d ' ') bytes of PEM from ${bundle_file}) into ${i} webhook(s) of ${kind} ${WEBHOOK_CONFIGURATION}: $(tr '\n' ' ' <<<"$names")"
    else
      kube patch "$kind" "$WEBHOOK_CONFIGURATION" --type=json -p "[${ops%,}]" >&2
      log "patched caBundle into ${i} webhook(s) of ${kind} ${WEBHOOK_CONFIGURATION}"
    fi
  done
}

# apply_tls_secret NAMESPACE SECRET DIR DRY_RUN: creates or updates (kubectl apply) the
# kubernetes.io/tls Secret holding DIR/tls.crt, DIR/tls.key and DIR/ca.crt.
apply_tls_secret() {
  local namespace="$1" secret="$2" dir="$3" dry_run="$4" manifest
  manifest="$(cat <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: ${secret}
  namespace: ${namespace}
  labels:
    app.kubernetes.io/name: profile-guard
    app.kubernetes.io/component: webhook-tls
    app.kubernetes.io/managed-by: profile-guard-certs-scripts
type: kubernetes.io/tls
data:
  tls.crt: $(b64_file "${dir}/tls.crt")
  tls.key: $(b64_file "${dir}/tls.key")
  ca.crt: $(b64_file "${dir}/ca.crt")
YAML
)"
  if [[ "$dry_run" == true ]]; then
    log "dry run: would apply Secret ${namespace}/${secret} (type kubernetes.io/tls; tls.crt, tls.key, ca.crt from ${dir}):"
    sed -E 's/^(  tls\.key: ).*/\1<redacted>/' <<<"$manifest"
  else
    kube apply -f - <<<"$manifest" >&2
    log "applied Secret ${namespace}/${secret}"
  fi
}
