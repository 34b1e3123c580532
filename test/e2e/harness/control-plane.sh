#!/usr/bin/env bash
# control-plane.sh: a throw-away Kubernetes control plane (etcd + kube-apiserver) on loopback for the
# profile-guard e2e tests. No kubelet, no controller-manager, no scheduler: objects are stored and
# admitted (RBAC, LimitRanger and ResourceQuota, admission webhooks, ValidatingAdmissionPolicy), never
# reconciled.
#
# Usage: see --help below (or run: test/e2e/harness/control-plane.sh --help).
set -euo pipefail

HARNESS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
E2E_DIR="$(cd "${HARNESS_DIR}/.." && pwd)"
FIXTURES_DIR="${E2E_DIR}/fixtures"
ENSURE_BINARIES="${E2E_DIR}/bin/ensure-binaries.sh"
MARKER=".profile-guard-e2e-control-plane"

usage() {
  cat <<EOF
Usage:
  ${0##*/} up <state-dir>        start etcd + kube-apiserver, install the fixtures
  ${0##*/} down <state-dir>      stop everything started for <state-dir> and delete it (idempotent)
  ${0##*/} status <state-dir>    show which recorded processes are running (exit 1 if any is not)
  ${0##*/} env <state-dir>       print the two export lines again
  ${0##*/} spawn <state-dir> <name> [--] <command> [args...]
                                 start <command> in the background in its own process group, log to
                                 <state-dir>/logs/<name>.log, and record it so that 'down' stops it
                                 (first, before kube-apiserver and etcd). Prints its PID.
  ${0##*/} stop <state-dir> <name>
                                 stop every running process spawned as <name> (SIGTERM to its
                                 process group, SIGKILL after 15s); succeeds when none is left

'up' picks free loopback ports, generates a CA, a serving certificate for kube-apiserver (IP SAN
127.0.0.1), a serving certificate for a webhook on 127.0.0.1, service-account keys and bearer tokens,
starts etcd and kube-apiserver (RBAC, token auth, admission webhooks and ValidatingAdmissionPolicy on,
ServiceAccount admission off, webhook Services resolved through their EndpointSlices), waits for /readyz, installs from ${FIXTURES_DIR#"$PWD"/}:
  crds/*.yaml (waits until Established), clusterroles.yaml, e2e-users-rbac.yaml
and then anything listed in \$CONTROL_PLANE_EXTRA_MANIFESTS (':'-separated files or directories;
CRDs among them are waited for as well). It writes <state-dir>/kubeconfig with contexts
  admin   (current) user "admin", group system:masters
  alice   user "alice@example.com", group system:authenticated
  bob     user "bob@example.com",   group system:authenticated
alice and bob may create/get/list/watch/update/patch/delete profiles.kubeflow.org and nothing else
cluster-wide. The last two lines on stdout are
  export KUBECONFIG=<state-dir>/kubeconfig
  export PATH=<directory of the matching kubectl>:\$PATH
so  eval "\$(${0##*/} up DIR)"  sets up the calling shell. Progress and errors go to stderr.
<state-dir>/env.sh holds the same exports plus PG_E2E_* variables (API server URL, CA file, tokens,
webhook certificate directory); see "Hooks for the webhook" in this script.

Binaries: \$KUBE_APISERVER, \$ETCD and \$KUBECTL when set, otherwise the pinned ones from
${ENSURE_BINARIES#"$PWD"/} (built and cached on first use, which takes a long time).
Requires bash, openssl, setsid (util-linux).
EOF
}

# ---------------------------------------------------------------------------------------------
# Hooks for the webhook (profile-guard serve) and its configurations
#
# This harness is control-plane only. After 'up', <state-dir>/env.sh defines:
#   PG_E2E_STATE_DIR          the state directory
#   PG_E2E_APISERVER_URL      https://127.0.0.1:<port>
#   PG_E2E_CA_FILE            CA that signed the API server and webhook certificates (PEM)
#   PG_E2E_WEBHOOK_CERT_DIR   directory with tls.crt / tls.key for a server on 127.0.0.1 / localhost,
#                             signed by PG_E2E_CA_FILE: use it as `profile-guard serve --cert-dir`,
#                             and base64 of PG_E2E_CA_FILE as the webhook configurations' caBundle,
#                             with clientConfig.url: https://127.0.0.1:<port>/validate (or /mutate)
#   PG_E2E_ADMIN_TOKEN, PG_E2E_ALICE_TOKEN, PG_E2E_BOB_TOKEN   bearer tokens of the three users
#   PG_E2E_LOG_DIR            where the logs are (etcd.log, kube-apiserver.log, <spawned name>.log)
# A caller (e.g. the `npm run e2e:up` script) then:
#   1. control-plane.sh spawn <state-dir> profile-guard -- node dist/cli/bin.js serve --cert-dir "$PG_E2E_WEBHOOK_CERT_DIR" --kubeconfig "$KUBECONFIG" ...
#   2. waits for the webhook's /readyz,
#   3. kubectl apply -f <its ProfilePolicy CRD and webhook configurations>,
# and 'control-plane.sh down <state-dir>' stops the spawned webhook too. Manifests that must exist
# before anything else (e.g. the ProfilePolicy CRD) can instead be passed to 'up' through
# CONTROL_PLANE_EXTRA_MANIFESTS.
# ---------------------------------------------------------------------------------------------

log() { printf '[control-plane] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

SERVICE_CLUSTER_IP_RANGE="10.0.0.0/24"
SERVICE_ACCOUNT_ISSUER="https://kubernetes.default.svc.cluster.local"

# ---------------------------------------------------------------------------------------------
# process bookkeeping: <state-dir>/processes holds one line per started process:
#   <name> <pid> <start-time-in-clock-ticks>
# The start time (field 22 of /proc/<pid>/stat) guards against killing a recycled PID.

proc_starttime() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"   # drop "pid (comm) "; the remaining fields start at field 3
  # shellcheck disable=SC2086
  set -- $stat
  echo "${20}"
}

proc_alive() { # pid starttime
  local st
  st="$(proc_starttime "$1")" || return 1
  [[ "$st" == "$2" ]] || return 1
  # a zombie counts as gone
  [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != "Z" ]]
}

# start_process NAME LOGFILE CMD...: starts CMD in a new session/process group; records it.
start_process() {
  local name="$1" logfile="$2" pid st
  shift 2
  mkdir -p "$(dirname "$logfile")"
  setsid "$@" >>"$logfile" 2>&1 </dev/null &
  pid=$!
  # setsid does not fork when the caller is not a group leader (true for a background job of a
  # non-interactive shell), so $! is the command itself and the leader of its own process group.
  st=""
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    st="$(proc_starttime "$pid")" && break
    sleep 0.1
  done
  [[ -n "$st" ]] || die "${name} exited immediately; see ${logfile}"
  echo "${name} ${pid} ${st}" >>"${STATE_DIR}/processes"
  STARTED_PID="$pid"
}

stop_one() { # name pid starttime
  local name="$1" pid="$2" st="$3" pgid i
  proc_alive "$pid" "$st" || { log "${name} (pid ${pid}) is not running"; return 0; }
  pgid="$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" || pgid=""
  log "stopping ${name} (pid ${pid}${pgid:+, process group ${pgid}})"
  if [[ -n "$pgid" && "$pgid" == "$pid" ]]; then kill -TERM -- "-${pgid}" 2>/dev/null || true
  else kill -TERM "$pid" 2>/dev/null || true; fi
  for ((i = 0; i < 150; i++)); do
    proc_alive "$pid" "$st" || break
    sleep 0.1
  done
  if proc_alive "$pid" "$st"; then
    log "${name} did not stop within 15s; killing it"
    if [[ -n "$pgid" && "$pgid" == "$pid" ]]; then kill -KILL -- "-${pgid}" 2>/dev/null || true
    else kill -KILL "$pid" 2>/dev/null || true; fi
    for ((i = 0; i < 50; i++)); do proc_alive "$pid" "$st" || break; sleep 0.1; done
  fi
  # anything left in the group (children of the leader)
  if [[ -n "$pgid" && "$pgid" == "$pid" ]]; then kill -KILL -- "-${pgid}" 2>/dev/null || true; fi
  proc_alive "$pid" "$st" && { log "WARNING: ${name} (pid ${pid}) is still running"; return 1; }
  return 0
}

# stop_all: stops the recorded processes, last started first.
stop_all() {
  local file="${STATE_DIR}/processes" rc=0 lines=() i name pid st
  [[ -f "$file" ]] || return 0
  mapfile -t lines <"$file"
  for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
    read -r name pid st <<<"${lines[$i]}" || continue
    [[ -n "${st:-}" ]] || continue
    stop_one "$name" "$pid" "$st" || rc=1
  done
  return "$rc"
}

# ---------------------------------------------------------------------------------------------
# helpers for 'up'

set_state_dir() {
  [[ -n "${1:-}" ]] || { usage >&2; exit 2; }
  mkdir -p "$1"
  STATE_DIR="$(cd "$1" && pwd)"
}

port_in_use() {
  local hex
  hex="$(printf ':%04X ' "$1")"
  grep -q "$hex" /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

PICKED_PORTS=" "
free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 30000))
    [[ "$PICKED_PORTS" == *" $p "* ]] && continue
    port_in_use "$p" && continue
    PICKED_PORTS+="$p "
    echo "$p"
    return 0
  done
  die "could not find a free port"
}

wait_for_port() { # name port pid starttime timeout-seconds logfile
  local i
  for ((i = 0; i < $5 * 10; i++)); do
    proc_alive "$3" "$4" || { tail -n 30 "$6" >&2 || true; die "$1 exited; see $6"; }
    if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  tail -n 30 "$6" >&2 || true
  die "$1 did not listen on 127.0.0.1:$2 within $5s; see $6"
}

gen_pki() {
  local pki="${STATE_DIR}/pki"
  mkdir -p "$pki" "$pki/webhook"
  (
    umask 077
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3 -keyout ca.key -out ca.crt \
      -subj "/CN=profile-guard-e2e-ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    # kube-apiserver serving certificate
    cat >apiserver.ext <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
EOF
    openssl req -newkey rsa:2048 -nodes -sha256 -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
    openssl x509 -req -sha256 -days 3 -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
      -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    # a serving certificate for the webhook under test (profile-guard serve --cert-dir pki/webhook)
    cat >webhook.ext <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
EOF
    openssl req -newkey rsa:2048 -nodes -sha256 -keyout webhook/tls.key -out webhook.csr -subj "/CN=profile-guard-e2e-webhook" 2>/dev/null
    openssl x509 -req -sha256 -days 3 -in webhook.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
      -extfile webhook.ext -out webhook/tls.crt 2>/dev/null
    cp ca.crt webhook/ca.crt
    # service-account token signing keys
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr ./*.ext ca.srl
  ) || die "openssl failed to generate the certificates"
}

# kubectl against the new API server as admin
k() { "$KUBECTL" --kubeconfig "${STATE_DIR}/kubeconfig" --context admin "$@"; }

apply_and_wait() { # file-or-dir...
  local f crds names
  for f in "$@"; do
    [[ -e "$f" ]] || die "manifest not found: $f"
    log "applying ${f}"
    names="$(k apply --server-side --force-conflicts -o name -f "$f")" || die "kubectl apply -f $f failed"
    printf '%s\n' "$names" >&2
    crds="$(grep '^customresourcedefinition' <<<"$names" || true)"
    if [[ -n "$crds" ]]; then
      # shellcheck disable=SC2086
      k wait --for=condition=Established --timeout=60s $crds >&2 || die "CRDs in $f did not become Established"
    fi
  done
}

print_exports() {
  local kubectl_dir
  kubectl_dir="$(dirname "$KUBECTL")"
  printf 'export KUBECONFIG=%q\n' "${STATE_DIR}/kubeconfig"
  # shellcheck disable=SC2016 # $PATH is expanded by whoever evaluates this line
  printf 'export PATH=%q:$PATH\n' "$kubectl_dir"
}

# ---------------------------------------------------------------------------------------------
# subcommands

cmd_up() {
  set_state_dir "${1:-}"
  local t0=$SECONDS
  command -v openssl >/dev/null || die "openssl is required"
  command -v setsid >/dev/null || die "setsid (util-linux) is required"

  if [[ -f "${STATE_DIR}/${MARKER}" ]]; then
    if [[ -f "${STATE_DIR}/processes" ]] && cmd_status_quiet; then
      die "a control plane is already running in ${STATE_DIR}; run: $0 down ${STATE_DIR}"
    fi
    log "cleaning up a stale control plane in ${STATE_DIR}"
    stop_all || true
    find "${STATE_DIR}" -mindepth 1 -delete
  elif [[ -n "$(ls -A "${STATE_DIR}")" ]]; then
    die "${STATE_DIR} is not empty and was not created by this harness; refusing to use it"
  fi
  touch "${STATE_DIR}/${MARKER}"
  mkdir -p "${STATE_DIR}/logs"

  # binaries
  if [[ -z "${KUBE_APISERVER:-}" || -z "${ETCD:-}" || -z "${KUBECTL:-}" ]]; then
    log "resolving binaries with ${ENSURE_BINARIES}"
    local assignments
    assignments="$("$ENSURE_BINARIES" kube-apiserver etcd kubectl)" || die "ensure-binaries.sh failed"
    eval "$assignments"
  fi
  local b
  for b in KUBE_APISERVER ETCD KUBECTL; do
    [[ -x "${!b}" ]] || die "$b=${!b} is not executable"
  done
  KUBECTL="$(cd "$(dirname "$KUBECTL")" && pwd)/$(basename "$KUBECTL")"

  # on any failure from here on: stop what was started, keep the logs
  trap 'rc=$?; if [[ $rc -ne 0 ]]; then log "up failed; stopping what was started (logs kept in ${STATE_DIR}/logs)"; stop_all || true; fi' EXIT

  local etcd_port peer_port api_port
  etcd_port="$(free_port)"; PICKED_PORTS+="$etcd_port "
  peer_port="$(free_port)"; PICKED_PORTS+="$peer_port "
  api_port="$(free_port)"; PICKED_PORTS+="$api_port "
  log "ports: etcd ${etcd_port} (peer ${peer_port}), kube-apiserver ${api_port}"

  gen_pki
  local admin_token alice_token bob_token
  admin_token="$(openssl rand -hex 24)"
  alice_token="$(openssl rand -hex 24)"
  bob_token="$(openssl rand -hex 24)"
  (
    umask 077
    cat >"${STATE_DIR}/tokens.csv" <<EOF
${admin_token},admin,admin,"system:masters"
${alice_token},alice@example.com,alice@example.com,"system:authenticated"
${bob_token},bob@example.com,bob@example.com,"system:authenticated"
EOF
  )

  # etcd
  log "starting etcd ($("$ETCD" --version 2>/dev/null | head -n1))"
  start_process etcd "${STATE_DIR}/logs/etcd.log" "$ETCD" \
    --name profile-guard-e2e \
    --data-dir "${STATE_DIR}/etcd-data" \
    --listen-client-urls "http://127.0.0.1:${etcd_port}" \
    --advertise-client-urls "http://127.0.0.1:${etcd_port}" \
    --listen-peer-urls "http://127.0.0.1:${peer_port}" \
    --initial-advertise-peer-urls "http://127.0.0.1:${peer_port}" \
    --initial-cluster "profile-guard-e2e=http://127.0.0.1:${peer_port}" \
    --initial-cluster-state new \
    --unsafe-no-fsync \
    --log-level warn
  local etcd_pid="$STARTED_PID"
  wait_for_port etcd "$etcd_port" "$etcd_pid" "$(proc_starttime "$etcd_pid")" 30 "${STATE_DIR}/logs/etcd.log"

  # kube-apiserver. --enable-aggregator-routing=true: a webhook's clientConfig.service is resolved
  # to an address of the Service's EndpointSlices instead of its ClusterIP, which nothing here
  # routes (no kube-proxy); a test that runs a webhook behind a Service publishes its address in
  # an EndpointSlice itself (no endpoint controller either). Webhooks with clientConfig.url are not
  # affected.
  log "starting kube-apiserver ($("$KUBE_APISERVER" --version 2>/dev/null))"
  start_process kube-apiserver "${STATE_DIR}/logs/kube-apiserver.log" "$KUBE_APISERVER" \
    --bind-address=127.0.0.1 \
    --advertise-address=127.0.0.1 \
    --endpoint-reconciler-type=none \
    --enable-aggregator-routing=true \
    --secure-port="${api_port}" \
    --etcd-servers="http://127.0.0.1:${etcd_port}" \
    --cert-dir="${STATE_DIR}/apiserver-certs" \
    --tls-cert-file="${STATE_DIR}/pki/apiserver.crt" \
    --tls-private-key-file="${STATE_DIR}/pki/apiserver.key" \
    --client-ca-file="${STATE_DIR}/pki/ca.crt" \
    --token-auth-file="${STATE_DIR}/tokens.csv" \
    --authorization-mode=RBAC \
    --service-account-issuer="${SERVICE_ACCOUNT_ISSUER}" \
    --service-account-key-file="${STATE_DIR}/pki/sa.pub" \
    --service-account-signing-key-file="${STATE_DIR}/pki/sa.key" \
    --service-cluster-ip-range="${SERVICE_CLUSTER_IP_RANGE}" \
    --enable-admission-plugins=NamespaceLifecycle,LimitRanger,ResourceQuota,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ValidatingAdmissionPolicy \
    --disable-admission-plugins=ServiceAccount \
    --allow-privileged=true \
    --profiling=false \
    --v=1
  local api_pid="$STARTED_PID" api_st
  api_st="$(proc_starttime "$api_pid")"

  # kubeconfig
  local kc="${STATE_DIR}/kubeconfig" url="https://127.0.0.1:${api_port}"
  (
    umask 077
    "$KUBECTL" --kubeconfig "$kc" config set-cluster profile-guard-e2e --server="$url" \
      --certificate-authority="${STATE_DIR}/pki/ca.crt" --embed-certs=true >/dev/null
    "$KUBECTL" --kubeconfig "$kc" config set-credentials admin --token="$admin_token" >/dev/null
    "$KUBECTL" --kubeconfig "$kc" config set-credentials alice --token="$alice_token" >/dev/null
    "$KUBECTL" --kubeconfig "$kc" config set-credentials bob --token="$bob_token" >/dev/null
    local u
    for u in admin alice bob; do
      "$KUBECTL" --kubeconfig "$kc" config set-context "$u" --cluster=profile-guard-e2e --user="$u" >/dev/null
    done
    "$KUBECTL" --kubeconfig "$kc" config use-context admin >/dev/null
  ) || die "writing ${kc} failed"

  # readiness
  log "waiting for ${url}/readyz"
  local i ready=""
  for ((i = 0; i < 1200; i++)); do
    proc_alive "$api_pid" "$api_st" || { tail -n 40 "${STATE_DIR}/logs/kube-apiserver.log" >&2 || true; die "kube-apiserver exited; see ${STATE_DIR}/logs/kube-apiserver.log"; }
    if [[ "$(k get --raw /readyz 2>/dev/null)" == "ok" ]]; then ready=1; break; fi
    sleep 0.1
  done
  [[ -n "$ready" ]] || { tail -n 40 "${STATE_DIR}/logs/kube-apiserver.log" >&2 || true; die "kube-apiserver not ready after 120s"; }
  for ((i = 0; i < 300; i++)); do
    k get namespace default >/dev/null 2>&1 && break
    sleep 0.1
  done
  log "kube-apiserver ready after $((SECONDS - t0))s"

  # fixtures
  apply_and_wait "${FIXTURES_DIR}/crds"
  apply_and_wait "${FIXTURES_DIR}/clusterroles.yaml" "${FIXTURES_DIR}/e2e-users-rbac.yaml"
  if [[ -n "${CONTROL_PLANE_EXTRA_MANIFESTS:-}" ]]; then
    local extra=()
    IFS=':' read -r -a extra <<<"${CONTROL_PLANE_EXTRA_MANIFESTS}"
    apply_and_wait "${extra[@]}"
  fi
  # the API server's discovery must serve the new resources before tests use them
  for ((i = 0; i < 300; i++)); do
    k get profiles.kubeflow.org >/dev/null 2>&1 && k get authorizationpolicies.security.istio.io -A >/dev/null 2>&1 && break
    sleep 0.1
  done

  # env.sh
  {
    echo "# written by ${0##*/} up; source it to talk to this control plane"
    print_exports
    printf 'export PG_E2E_STATE_DIR=%q\n' "$STATE_DIR"
    printf 'export PG_E2E_APISERVER_URL=%q\n' "$url"
    printf 'export PG_E2E_CA_FILE=%q\n' "${STATE_DIR}/pki/ca.crt"
    printf 'export PG_E2E_WEBHOOK_CERT_DIR=%q\n' "${STATE_DIR}/pki/webhook"
    printf 'export PG_E2E_ADMIN_TOKEN=%q\n' "$admin_token"
    printf 'export PG_E2E_ALICE_TOKEN=%q\n' "$alice_token"
    printf 'export PG_E2E_BOB_TOKEN=%q\n' "$bob_token"
    printf 'export PG_E2E_LOG_DIR=%q\n' "${STATE_DIR}/logs"
    printf 'export PG_E2E_ETCD_URL=%q\n' "http://127.0.0.1:${etcd_port}"
    printf 'export KUBE_APISERVER=%q ETCD=%q KUBECTL=%q\n' "$KUBE_APISERVER" "$ETCD" "$KUBECTL"
  } >"${STATE_DIR}/env.sh"

  trap - EXIT
  log "control plane up in $((SECONDS - t0))s: ${url} (state in ${STATE_DIR}; stop with: $0 down ${STATE_DIR})"
  print_exports
}

cmd_down() {
  [[ -n "${1:-}" ]] || { usage >&2; exit 2; }
  if [[ ! -d "$1" ]]; then
    log "nothing to do: $1 does not exist"
    return 0
  fi
  STATE_DIR="$(cd "$1" && pwd)"
  if [[ ! -f "${STATE_DIR}/${MARKER}" ]]; then
    if [[ -z "$(ls -A "$STATE_DIR")" ]]; then rmdir "$STATE_DIR"; return 0; fi
    die "${STATE_DIR} was not created by this harness (no ${MARKER}); not touching it"
  fi
  local rc=0
  stop_all || rc=1
  if [[ "$rc" -ne 0 ]]; then
    die "some processes could not be stopped; ${STATE_DIR} kept"
  fi
  rm -rf -- "$STATE_DIR"
  log "control plane in ${STATE_DIR} stopped and removed"
}

# cmd_status_quiet: succeeds when every recorded process is alive.
cmd_status_quiet() {
  local name pid st any=""
  [[ -f "${STATE_DIR}/processes" ]] || return 1
  while read -r name pid st; do
    [[ -n "${st:-}" ]] || continue
    any=1
    proc_alive "$pid" "$st" || return 1
  done <"${STATE_DIR}/processes"
  [[ -n "$any" ]]
}

cmd_status() {
  [[ -n "${1:-}" && -f "$1/${MARKER}" ]] || { log "no control plane in ${1:-?}"; return 1; }
  STATE_DIR="$(cd "$1" && pwd)"
  local name pid st rc=0
  [[ -f "${STATE_DIR}/processes" ]] || { log "no processes recorded"; return 1; }
  while read -r name pid st; do
    [[ -n "${st:-}" ]] || continue
    if proc_alive "$pid" "$st"; then echo "${name} running pid=${pid}"; else echo "${name} stopped"; rc=1; fi
  done <"${STATE_DIR}/processes"
  return "$rc"
}

cmd_env() {
  [[ -n "${1:-}" && -f "$1/env.sh" ]] || die "no control plane in ${1:-?} (no env.sh)"
  STATE_DIR="$(cd "$1" && pwd)"
  grep -E '^export (KUBECONFIG|PATH)=' "${STATE_DIR}/env.sh"
}

cmd_stop() {
  [[ $# -eq 2 ]] || { usage >&2; exit 2; }
  [[ -f "$1/${MARKER}" ]] || die "no control plane in $1"
  STATE_DIR="$(cd "$1" && pwd)"
  local want="$2" name pid st rc=0
  [[ -f "${STATE_DIR}/processes" ]] || return 0
  while read -r name pid st; do
    [[ "$name" == "$want" && -n "${st:-}" ]] || continue
    stop_one "$name" "$pid" "$st" || rc=1
  done <"${STATE_DIR}/processes"
  return "$rc"
}

cmd_spawn() {
  [[ $# -ge 3 ]] || { usage >&2; exit 2; }
  [[ -f "$1/${MARKER}" ]] || die "no control plane in $1"
  STATE_DIR="$(cd "$1" && pwd)"
  local name="$2"
  shift 2
  [[ "${1:-}" == "--" ]] && shift
  [[ $# -ge 1 ]] || die "spawn: no command given"
  [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "spawn: bad name '$name'"
  start_process "$name" "${STATE_DIR}/logs/${name}.log" "$@"
  log "started ${name} (pid ${STARTED_PID}); log: ${STATE_DIR}/logs/${name}.log"
  echo "$STARTED_PID"
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  status) shift; cmd_status "$@" ;;
  env) shift; cmd_env "$@" ;;
  spawn) shift; cmd_spawn "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
