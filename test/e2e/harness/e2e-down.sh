#!/usr/bin/env bash
# e2e-down.sh: stops everything e2e-up.sh started for STATE_DIR (the webhook, kube-apiserver, etcd)
# and removes STATE_DIR. Idempotent: a missing STATE_DIR is fine.
#
# Usage: e2e-down.sh STATE_DIR
set -euo pipefail
[[ $# -eq 1 && -n "$1" ]] || { sed -n '2,6p' "${BASH_SOURCE[0]}" >&2; exit 2; }
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/control-plane.sh" down "$1"
