#!/usr/bin/env bash
# install.sh: put the certificates from generate.sh into the cluster: the TLS Secret the webhook
# pods mount, and the CA into the caBundle of every profile-guard webhook.
set -euo pipefail
# shellcheck source=certs-scripts/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

usage() {
  cat <<USAGE
Usage: ${SCRIPT_NAME} --service NAME --namespace NS [--secret NAME] [--dir DIR]
                  [--kubeconfig PATH] [--context NAME] [--skip-webhooks] [--dry-run]

1. Creates or updates (kubectl apply) the kubernetes.io/tls Secret NS/SECRET with DIR/tls.crt,
   DIR/tls.key and DIR/ca.crt. The webhook pods mount it at /certs and reload the pair when the
   kubelet refreshes the volume (within about a minute): no restart.
2. Sets caBundle = base64(DIR/ca.crt) on every webhook of the MutatingWebhookConfiguration and the
   ValidatingWebhookConfiguration "${WEBHOOK_CONFIGURATION}" (a JSON patch per webhook, guarded by a
   test of its name). A configuration that does not exist yet is skipped with a notice: install the
   chart with --set certs.mode=certs-scripts --set certs.caBundle=\$(base64 -w0 DIR/ca.crt).
Both steps are idempotent.

  --service NAME      the webhook's Service (checks that DIR/tls.crt was issued for it) (required)
  --namespace NS      the release namespace (required)
  --secret NAME       the Secret (default: NAME-tls, the chart's default certs.secretName)
  --dir DIR           where generate.sh wrote the files (default: ./profile-guard-certs)
  --kubeconfig PATH   kubectl --kubeconfig
  --context NAME      kubectl --context
  --skip-webhooks     only the Secret
  --dry-run           print what would be applied and patched (private key redacted); change nothing
  -h, --help          this help

Environment: KUBECTL (default kubectl), WEBHOOK_CONFIGURATION (default profile-guard).
Exit codes: 0 done, 1 failure, 2 bad arguments.
USAGE
}

SERVICE="" NAMESPACE="" SECRET="" DIR="./profile-guard-certs" DRY_RUN=false SKIP_WEBHOOKS=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --service) need_value "$@"; SERVICE="$2"; shift 2 ;;
    --namespace) need_value "$@"; NAMESPACE="$2"; shift 2 ;;
    --secret) need_value "$@"; SECRET="$2"; shift 2 ;;
    --dir) need_value "$@"; DIR="$2"; shift 2 ;;
    --kubeconfig) need_value "$@"; KUBECONFIG_FLAG="$2"; shift 2 ;;
    --context) need_value "$@"; CONTEXT_FLAG="$2"; shift 2 ;;
    --skip-webhooks) SKIP_WEBHOOKS=true; shift ;;
    --dry-run) DRY_RUN=true; shift ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done
require_flag --service "$SERVICE"
require_flag --namespace "$NAMESPACE"
check_dns_label --service "$SERVICE"
check_dns_label --namespace "$NAMESPACE"
[[ -n "$SECRET" ]] || SECRET="${SERVICE}-tls"
require_files "$DIR" tls.crt tls.key ca.crt
setup_kubectl

# A certificate for another Service would fail every admission call with an x509 error.
if command -v node >/dev/null 2>&1; then
  node --input-type=module - "${DIR}/tls.crt" "${SERVICE}.${NAMESPACE}.svc" <<'JS' \
    || die "${DIR}/tls.crt is not valid for ${SERVICE}.${NAMESPACE}.svc: run generate.sh --service ${SERVICE} --namespace ${NAMESPACE}"
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
const [file, host] = process.argv.slice(2);
process.exit(new X509Certificate(readFileSync(file)).checkHost(host) ? 0 : 1);
JS
fi

apply_tls_secret "$NAMESPACE" "$SECRET" "$DIR" "$DRY_RUN"
if [[ "$SKIP_WEBHOOKS" == true ]]; then
  log "--skip-webhooks: caBundle left as it is"
else
  patch_ca_bundle "${DIR}/ca.crt" "$DRY_RUN"
fi
