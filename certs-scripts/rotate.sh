#!/usr/bin/env bash
# rotate.sh: renew profile-guard's serving certificate in place, or move to a new CA without a
# moment in which the API server distrusts the certificate the webhook serves.
set -euo pipefail
# shellcheck source=certs-scripts/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

usage() {
  cat <<USAGE
Usage: ${SCRIPT_NAME} --service NAME --namespace NS [--dir DIR] [--secret NAME] [--days N]
                 [--new-ca [--grace SECONDS] | --finish] [--kubeconfig PATH] [--context NAME]
                 [--dry-run]

Default (same CA): issues a new serving certificate from the CA in DIR, with the subjectAltNames
of the current DIR/tls.crt, and updates the Secret. The caBundle does not change; the pods reload
the new pair from the refreshed Secret volume without a restart.

--new-ca (CA rotation, in order):
  1. a new CA and a serving certificate signed by it, in DIR/next/;
  2. caBundle = old CA + new CA on every webhook: the API server trusts both;
  3. the Secret gets the new pair; the pods switch to it as the kubelet refreshes the volume;
  4. after --grace seconds (default 120: the kubelet's volume refresh takes up to about a minute),
     caBundle = new CA only, and DIR holds the new CA (the old files move to DIR/previous-<time>/).
  Interrupted after step 3 (DIR/next/ exists)? Run again with --finish to do step 4.
  Afterwards set certs.caBundle in your Helm values to base64(DIR/ca.crt): a helm upgrade with the
  old value would put the old CA back.

  --service NAME      the webhook's Service (required)
  --namespace NS      the release namespace (required)
  --dir DIR           the directory generate.sh wrote (default: ./profile-guard-certs)
  --secret NAME       the TLS Secret (default: NAME-tls)
  --days N            validity of the new serving certificate in days (default 365)
  --new-ca            rotate the CA too (see above)
  --grace SECONDS     wait between steps 3 and 4 (default 120)
  --finish            step 4 only, for a rotation whose DIR/next/ is in place
  --kubeconfig PATH   kubectl --kubeconfig
  --context NAME      kubectl --context
  --dry-run           print the steps; change nothing (no files, no cluster objects)
  -h, --help          this help

Environment: KUBECTL, WEBHOOK_CONFIGURATION (default profile-guard), PROFILE_GUARD_BIN (see
generate.sh --help). Exit codes: 0 done, 1 failure, 2 bad arguments.
USAGE
}

SERVICE="" NAMESPACE="" DIR="./profile-guard-certs" SECRET="" DAYS="" NEW_CA=false FINISH=false
GRACE=120 DRY_RUN=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --service) need_value "$@"; SERVICE="$2"; shift 2 ;;
    --namespace) need_value "$@"; NAMESPACE="$2"; shift 2 ;;
    --dir) need_value "$@"; DIR="$2"; shift 2 ;;
    --secret) need_value "$@"; SECRET="$2"; shift 2 ;;
    --days) need_value "$@"; DAYS="$2"; shift 2 ;;
    --new-ca) NEW_CA=true; shift ;;
    --finish) FINISH=true; shift ;;
    --grace) need_value "$@"; GRACE="$2"; shift 2 ;;
    --kubeconfig) need_value "$@"; KUBECONFIG_FLAG="$2"; shift 2 ;;
    --context) need_value "$@"; CONTEXT_FLAG="$2"; shift 2 ;;
    --dry-run) DRY_RUN=true; shift ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done
require_flag --service "$SERVICE"
require_flag --namespace "$NAMESPACE"
check_dns_label --service "$SERVICE"
check_dns_label --namespace "$NAMESPACE"
[[ -z "$DAYS" || "$DAYS" =~ ^[1-9][0-9]*$ ]] || usage_error "invalid value for --days: \"$DAYS\" (expected a positive whole number)"
[[ "$GRACE" =~ ^[0-9]+$ ]] || usage_error "invalid value for --grace: \"$GRACE\" (expected a whole number of seconds)"
[[ "$NEW_CA" != true || "$FINISH" != true ]] || usage_error "--new-ca and --finish exclude each other"
[[ -n "$SECRET" ]] || SECRET="${SERVICE}-tls"
NEXT="${DIR}/next"
setup_kubectl

# current_sans FILE: the --dns/--ip arguments that reproduce FILE's subjectAltNames.
current_sans() {
  node --input-type=module - "$1" <<'JS'
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
const sans = new X509Certificate(readFileSync(process.argv[2])).subjectAltName ?? '';
for (const san of sans.split(', ').filter(Boolean)) {
  if (san.startsWith('DNS:')) console.log(`--dns\n${san.slice(4)}`);
  else if (san.startsWith('IP Address:')) console.log(`--ip\n${san.slice(11)}`);
}
JS
}

# issue OUT [--ca-dir DIR]: a serving certificate (and a CA unless --ca-dir) in OUT, with the
# subjectAltNames of the current DIR/tls.crt.
issue() {
  local out="$1" args
  shift
  mapfile -t args < <(current_sans "${DIR}/tls.crt")
  [[ -z "$DAYS" ]] || args+=(--days "$DAYS")
  "${PG_CLI[@]}" certs --service "$SERVICE" --namespace "$NAMESPACE" --out "$out" "${args[@]}" "$@" >&2
  chmod 600 "${out}/tls.key"
  [[ ! -f "${out}/ca.key" ]] || chmod 600 "${out}/ca.key"
}

finish() {
  require_files "$NEXT" ca.crt ca.key tls.crt tls.key
  if [[ "$DRY_RUN" == true ]]; then
    log "dry run: would set caBundle to the new CA (${NEXT}/ca.crt) only, and move ${NEXT}/* to ${DIR}/ (the old files to ${DIR}/previous-<time>/)"
    return
  fi
  patch_ca_bundle "${NEXT}/ca.crt" false
  local previous
  previous="${DIR}/previous-$(date -u +%Y%m%dT%H%M%SZ)"
  mkdir -p "$previous"
  mv "${DIR}/ca.crt" "${DIR}/ca.key" "${DIR}/tls.crt" "${DIR}/tls.key" "$previous/"
  mv "${NEXT}/ca.crt" "${NEXT}/ca.key" "${NEXT}/tls.crt" "${NEXT}/tls.key" "${DIR}/"
  rm -rf "$NEXT"
  log "CA rotation done: ${DIR} holds the new CA; the old files are in ${previous}"
  log "set certs.caBundle in your Helm values to: \$(base64 -w0 ${DIR}/ca.crt)"
}

if [[ "$FINISH" == true ]]; then
  [[ -d "$NEXT" ]] || die "no CA rotation in progress (${NEXT} does not exist)"
  require_files "$DIR" ca.crt ca.key tls.crt tls.key
  finish
  exit 0
fi

require_files "$DIR" ca.crt ca.key tls.crt tls.key
command -v node >/dev/null 2>&1 || die "node is not on PATH (needed to read ${DIR}/tls.crt)"
find_cli

if [[ "$NEW_CA" != true ]]; then
  if [[ "$DRY_RUN" == true ]]; then
    log "dry run: would issue a new serving certificate from the CA in ${DIR} for: $(current_sans "${DIR}/tls.crt" | paste -sd' ' -)"
    log "dry run: would apply Secret ${NAMESPACE}/${SECRET} with it; caBundle unchanged"
    exit 0
  fi
  issue "$DIR" --ca-dir "$DIR"
  apply_tls_secret "$NAMESPACE" "$SECRET" "$DIR" false
  log "serving certificate renewed from the same CA; caBundle unchanged"
  exit 0
fi

[[ ! -e "$NEXT" ]] || die "a CA rotation is already in progress (${NEXT} exists): run with --finish to complete it, or remove ${NEXT} to start over"
if [[ "$DRY_RUN" == true ]]; then
  log "dry run: would create a new CA and serving certificate in ${NEXT}"
  log "dry run: would set caBundle to old CA (${DIR}/ca.crt) + new CA on every webhook"
  log "dry run: would apply Secret ${NAMESPACE}/${SECRET} with the new pair, then wait ${GRACE}s"
  log "dry run: would then set caBundle to the new CA only, and move ${NEXT}/* to ${DIR}/"
  exit 0
fi
mkdir -p "$NEXT"
issue "$NEXT"
log "step 1/4: new CA and serving certificate in ${NEXT}"
cat "${DIR}/ca.crt" "${NEXT}/ca.crt" >"${NEXT}/ca-bundle.crt"
patch_ca_bundle "${NEXT}/ca-bundle.crt" false
rm -f "${NEXT}/ca-bundle.crt"
log "step 2/4: the webhooks trust the old and the new CA"
apply_tls_secret "$NAMESPACE" "$SECRET" "$NEXT" false
log "step 3/4: the Secret holds the new pair; waiting ${GRACE}s for the pods to load it"
sleep "$GRACE"
finish
log "step 4/4: the webhooks trust the new CA only"
