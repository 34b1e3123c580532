#!/usr/bin/env bash
# run-e2e.sh (npm run test:e2e): builds the project and runs the end-to-end suite
# (jest.e2e.config.js: etcd + kube-apiserver + profile-guard serve, driven by kubectl). Whatever
# happens -- failed tests, Ctrl-C, SIGTERM -- the environment it started is stopped and removed.
#
# Usage: npm run test:e2e [-- <jest arguments, e.g. a test path pattern>]
# Environment:
#   E2E_KUBECONFIG   run against that cluster instead (its webhook already installed and reachable)
#   E2E_STATE_DIR    where to start the environment; a running one there (npm run e2e:up -> .e2e)
#                    is used and left running
#   E2E_KEEP=1       leave the started environment running after the tests
#   KUBE_APISERVER, ETCD, KUBECTL, HELM, CERT_MANAGER_CONTROLLER, CERT_MANAGER_CAINJECTOR
#                    binaries to use instead of test/e2e/bin/ensure-binaries.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

echo "[e2e] npm run build" >&2
npm run --silent build >&2

if [[ -z "${E2E_KUBECONFIG:-}" && -z "${E2E_STATE_DIR:-}" ]]; then
  E2E_STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/profile-guard-e2e.XXXXXX")"
  export E2E_STATE_DIR
  # globalTeardown stops it normally; this covers jest being killed or interrupted.
  # shellcheck disable=SC2317 # invoked by the trap
  cleanup() {
    if [[ "${E2E_KEEP:-}" != "1" ]]; then
      test/e2e/harness/e2e-down.sh "$E2E_STATE_DIR" >/dev/null 2>&1 || true
    fi
  }
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
fi

rc=0
node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js \
  --config jest.e2e.config.js --runInBand "$@" || rc=$?
exit "$rc"
