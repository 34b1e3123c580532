#!/usr/bin/env bash
# wait-for-admission.sh: waits until the API server sends Profiles to profile-guard and gets its
# answer: a known-bad Profile (reserved name, created with --dry-run=server by the non-exempt user
# alice) must be denied by the webhook profiles.validate.profile-guard.io.
#
# Usage: wait-for-admission.sh [TIMEOUT_SECONDS (default 60)]
# Environment: KUBECONFIG (required), KUBECTL (default: kubectl), E2E_ALICE_CONTEXT (default: alice)
set -euo pipefail

timeout="${1:-60}"
[[ "$timeout" =~ ^[0-9]+$ ]] || { sed -n '2,8p' "${BASH_SOURCE[0]}" >&2; exit 2; }
: "${KUBECONFIG:?KUBECONFIG must be set}"
kubectl="${KUBECTL:-kubectl}"
context="${E2E_ALICE_CONTEXT:-alice}"

probe='{"apiVersion":"kubeflow.org/v1","kind":"Profile","metadata":{"name":"kubeflow"},"spec":{"owner":{"kind":"User","name":"alice@example.com"}}}'
expected='admission webhook "profiles.validate.profile-guard.io" denied the request: profile-name-reserved:'
deadline=$((SECONDS + timeout))
last=""
while ((SECONDS < deadline)); do
  if last="$("$kubectl" --kubeconfig "$KUBECONFIG" --context "$context" create --dry-run=server -f - <<<"$probe" 2>&1)"; then
    last="unexpectedly admitted: ${last}"
  elif [[ "$last" == *"$expected"* ]]; then
    echo "[wait-for-admission] the webhook answers: a reserved Profile name is denied" >&2
    exit 0
  fi
  sleep 0.5
done
echo "[wait-for-admission] ERROR: no denial by the webhook within ${timeout}s; last answer: ${last}" >&2
exit 1
