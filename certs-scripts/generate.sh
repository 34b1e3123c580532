#!/usr/bin/env bash
# generate.sh: a CA and a serving certificate for profile-guard's Service, for clusters without
# cert-manager. Wraps `profile-guard certs`.
set -euo pipefail
# shellcheck source=certs-scripts/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

usage() {
  cat <<USAGE
Usage: ${SCRIPT_NAME} --service NAME --namespace NS [--out DIR] [--ip IP]... [--dns NAME]...
                   [--days N] [--renew-days N] [--force]

Writes DIR/ca.crt, DIR/ca.key (the CA) and DIR/tls.crt, DIR/tls.key (the serving certificate for
NAME.NS.svc and NAME.NS.svc.cluster.local, plus --dns and --ip) with \`profile-guard certs\`.

Idempotent: an existing CA in DIR is kept (so the webhooks' caBundle stays valid), and an existing
serving certificate is kept while it is signed by that CA, covers the requested names and is valid
for more than --renew-days days. --force replaces both, CA included (then run install.sh so the
webhooks trust the new CA, or use rotate.sh --new-ca on a running installation).

  --service NAME    the webhook's Service (the chart's full name, e.g. profile-guard) (required)
  --namespace NS    its namespace (required)
  --out DIR         output directory (default: ./profile-guard-certs)
  --ip IP           an IP subjectAltName (repeatable)
  --dns NAME        another DNS subjectAltName (repeatable)
  --days N          validity of the serving certificate in days (default 365)
  --renew-days N    re-issue a kept serving certificate that expires within N days (default 30)
  --force           new CA and new serving certificate even if DIR has them
  -h, --help        this help

The CLI is \$PROFILE_GUARD_BIN (a command line, e.g. "npx profile-guard"), else
node ${REPO_DIR}/dist/cli/bin.js (after npm run build), else profile-guard on PATH.
Exit codes: 0 written or up to date, 1 failure, 2 bad arguments.
USAGE
}

SERVICE="" NAMESPACE="" OUT="./profile-guard-certs" DAYS="" RENEW_DAYS=30 FORCE=false
IPS=() DNS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --service) need_value "$@"; SERVICE="$2"; shift 2 ;;
    --namespace) need_value "$@"; NAMESPACE="$2"; shift 2 ;;
    --out) need_value "$@"; OUT="$2"; shift 2 ;;
    --ip) need_value "$@"; IPS+=("$2"); shift 2 ;;
    --dns) need_value "$@"; DNS+=("$2"); shift 2 ;;
    --days) need_value "$@"; DAYS="$2"; shift 2 ;;
    --renew-days) need_value "$@"; RENEW_DAYS="$2"; shift 2 ;;
    --force) FORCE=true; shift ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done
require_flag --service "$SERVICE"
require_flag --namespace "$NAMESPACE"
check_dns_label --service "$SERVICE"
check_dns_label --namespace "$NAMESPACE"
[[ -z "$DAYS" || "$DAYS" =~ ^[1-9][0-9]*$ ]] || usage_error "invalid value for --days: \"$DAYS\" (expected a positive whole number)"
[[ "$RENEW_DAYS" =~ ^[0-9]+$ ]] || usage_error "invalid value for --renew-days: \"$RENEW_DAYS\" (expected a whole number)"
find_cli

NAMES=("$SERVICE" "${SERVICE}.${NAMESPACE}" "${SERVICE}.${NAMESPACE}.svc" "${SERVICE}.${NAMESPACE}.svc.cluster.local")
[[ ${#DNS[@]} -eq 0 ]] || NAMES+=("${DNS[@]}")

# serving_is_current DIR: the kept serving certificate is signed by DIR's CA, matches tls.key,
# names every requested DNS name and IP, and is valid for more than RENEW_DAYS days.
serving_is_current() {
  local dir="$1"
  [[ -s "${dir}/tls.crt" && -s "${dir}/tls.key" ]] || return 1
  command -v node >/dev/null 2>&1 || return 1
  node --input-type=module - "$dir" "$RENEW_DAYS" "${NAMES[*]}" "${IPS[*]:-}" <<'JS'
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
const [dir, renewDays, dns, ips] = process.argv.slice(2);
try {
  const ca = new X509Certificate(readFileSync(`${dir}/ca.crt`));
  const leaf = new X509Certificate(readFileSync(`${dir}/tls.crt`));
  const key = createPrivateKey(readFileSync(`${dir}/tls.key`));
  const sans = (leaf.subjectAltName ?? '').split(', ');
  const wanted = [
    ...dns.split(' ').filter(Boolean).map((name) => `DNS:${name}`),
    ...ips.split(' ').filter(Boolean).map((ip) => `IP Address:${ip}`),
  ];
  const validFor = Date.parse(leaf.validTo) - Date.now();
  const ok =
    leaf.verify(ca.publicKey) &&
    leaf.checkPrivateKey(key) &&
    wanted.every((name) => sans.includes(name)) &&
    validFor > Number(renewDays) * 86400000;
  process.exit(ok ? 0 : 1);
} catch {
  process.exit(1);
}
JS
}

mkdir -p "$OUT"
ARGS=(certs --service "$SERVICE" --namespace "$NAMESPACE" --out "$OUT")
for ip in "${IPS[@]}"; do ARGS+=(--ip "$ip"); done
for name in "${DNS[@]}"; do ARGS+=(--dns "$name"); done
[[ -z "$DAYS" ]] || ARGS+=(--days "$DAYS")

if [[ "$FORCE" != true && -s "${OUT}/ca.crt" && -s "${OUT}/ca.key" ]]; then
  if serving_is_current "$OUT"; then
    log "up to date: ${OUT} has a CA and a serving certificate for ${NAMES[*]}${IPS[*]:+ ${IPS[*]}}, valid for more than ${RENEW_DAYS} days (--force replaces them)"
    exit 0
  fi
  log "keeping the CA in ${OUT}; issuing a new serving certificate"
  ARGS+=(--ca-dir "$OUT")
else
  [[ "$FORCE" != true || ! -e "${OUT}/ca.crt" ]] || log "--force: replacing the CA in ${OUT}"
fi
"${PG_CLI[@]}" "${ARGS[@]}" >&2
chmod 600 "${OUT}/ca.key" "${OUT}/tls.key"
log "caBundle for the chart (certs.caBundle): base64 of ${OUT}/ca.crt"
