#!/usr/bin/env bash
# webhook.sh: starts and stops the `profile-guard serve` process of an e2e environment made by
# e2e-up.sh (same port, certificate directory and ServiceAccount kubeconfig every time).
#
# Usage:
#   webhook.sh start STATE_DIR          start it (recorded, so that e2e-down.sh stops it as well) and
#                                       wait until its /readyz answers 200; $PG_E2E_SERVE_EXTRA_ARGS
#                                       (space-separated) are appended to its command line
#   webhook.sh stop [--kill] STATE_DIR  stop it: SIGTERM (graceful), or SIGKILL with --kill (a crash);
#                                       returns once it is gone
#   webhook.sh pid STATE_DIR            print the PID of the running server (exit 1 if none)
set -euo pipefail

HARNESS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NAME="profile-guard"

log() { printf '[webhook] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
usage() { sed -n '2,14p' "${BASH_SOURCE[0]}" >&2; exit 2; }

load_env() {
  [[ -f "$1/e2e.env" ]] || die "no e2e environment in $1 (no e2e.env)"
  STATE_DIR="$(cd "$1" && pwd)"
  # shellcheck source=/dev/null
  source "${STATE_DIR}/e2e.env"
}

# field 22 of /proc/<pid>/stat (start time): guards against a recycled PID
starttime() {
  local s
  s="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  s="${s##*) }" # drop "pid (comm) "; the remaining fields start at field 3
  # shellcheck disable=SC2086 # split into fields on purpose
  set -- $s
  echo "${20}"
}
alive() { [[ "$(starttime "$1" 2>/dev/null)" == "$2" ]] && [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != "Z" ]]; }

# running_pid: the PID of the last recorded server, if it is still that process.
running_pid() {
  local name pid st found=""
  [[ -f "${STATE_DIR}/processes" ]] || return 1
  while read -r name pid st; do
    [[ "$name" == "$NAME" ]] || continue
    if alive "$pid" "$st"; then found="$pid $st"; fi
  done <"${STATE_DIR}/processes"
  [[ -n "$found" ]] || return 1
  echo "$found"
}

cmd_start() {
  load_env "$1"
  if running_pid >/dev/null; then die "the webhook is already running"; fi
  local cmd=(node "${PG_E2E_REPO_DIR}/dist/cli/bin.js" serve
    --cert-dir "$PG_E2E_SERVING_DIR"
    --kubeconfig "$PG_E2E_WEBHOOK_KUBECONFIG"
    --host 127.0.0.1 --port "$PG_E2E_WEBHOOK_PORT" --metrics-port "$PG_E2E_METRICS_PORT")
  local extra=()
  # shellcheck disable=SC2206 # word splitting on purpose: a list of flags
  [[ -z "${PG_E2E_SERVE_EXTRA_ARGS:-}" ]] || extra=(${PG_E2E_SERVE_EXTRA_ARGS})
  cmd+=("${extra[@]}")
  "${HARNESS_DIR}/control-plane.sh" spawn "$STATE_DIR" "$NAME" -- "${cmd[@]}" >/dev/null
  local pid st i code
  read -r pid st < <(running_pid) || die "the webhook exited at once; see ${PG_E2E_LOG_DIR}/${NAME}.log"
  for ((i = 0; i < 600; i++)); do
    if ! alive "$pid" "$st"; then
      tail -n 30 "${PG_E2E_LOG_DIR}/${NAME}.log" >&2 || true
      die "the webhook exited; see ${PG_E2E_LOG_DIR}/${NAME}.log"
    fi
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
      --cacert "${PG_E2E_WEBHOOK_CA_DIR}/ca.crt" "${PG_E2E_WEBHOOK_URL}/readyz" 2>/dev/null)" || code=""
    if [[ "$code" == "200" ]]; then
      log "profile-guard serve ready on ${PG_E2E_WEBHOOK_URL} (pid ${pid})"
      return 0
    fi
    sleep 0.1
  done
  tail -n 30 "${PG_E2E_LOG_DIR}/${NAME}.log" >&2 || true
  die "the webhook's /readyz did not answer 200 within 60s (last: ${code:-none})"
}

cmd_stop() {
  local signal=TERM
  if [[ "${1:-}" == "--kill" ]]; then signal=KILL; shift; fi
  [[ $# -eq 1 ]] || usage
  load_env "$1"
  local pid st i
  read -r pid st < <(running_pid) || { log "the webhook is not running"; return 0; }
  # control-plane.sh spawn made it the leader of its own process group: signal the whole group
  kill "-${signal}" -- "-${pid}" 2>/dev/null || kill "-${signal}" "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    alive "$pid" "$st" || { log "stopped the webhook (pid ${pid}, SIG${signal})"; return 0; }
    sleep 0.1
  done
  kill -KILL -- "-${pid}" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do alive "$pid" "$st" || return 0; sleep 0.1; done
  die "the webhook (pid ${pid}) did not stop"
}

case "${1:-}" in
  start) [[ $# -eq 2 ]] || usage; cmd_start "$2" ;;
  stop) shift; cmd_stop "$@" ;;
  pid) [[ $# -eq 2 ]] || usage; load_env "$2"; read -r pid _ < <(running_pid) || exit 1; echo "$pid" ;;
  *) usage ;;
esac
