#!/usr/bin/env bash
# ensure-binaries.sh: build (once) and cache the pinned kube-apiserver, etcd, kubectl, helm and
# cert-manager controller and cainjector binaries the e2e harness needs, then print their absolute
# paths as shell assignments.
#
# Build cost, measured on a 2-core Debian VM with Go 1.26.8 and EMPTY Go module and build caches
# (kubernetes v1.37.2, etcd v3.6.16, helm v4.3.1): about 7 minutes in total (6m45s wall clock):
#   ~60s resolving the k8s.io/kubernetes module graph, kube-apiserver 251s (including most module
#   downloads), etcd 28s, kubectl 18s (shares most packages with kube-apiserver), helm 108s.
# It leaves ~1.3 GB in the Go module cache (go env GOMODCACHE) and ~4 GB in the Go build cache
# (go env GOCACHE); the four binaries take ~270 MB.
# cert-manager v1.11.5 (controller + cainjector), measured on the same 2-core VM with EMPTY Go caches:
#   23m50s wall clock while the VM's load average stayed at ~23 (other builds and test suites ran
#   on its 2 cores), for 4m44s of CPU time (4m03s user, 41s system): ~7m resolving the module graph
#   (1.6 GB of modules), ~16m the controller (it compiles every issuer and DNS provider SDK), 31s
#   the cainjector (it shares most packages). An earlier cold run under lighter load took 7m40s
#   (2m09s resolving and downloading, controller 5m16s beside a kube-apiserver build, cainjector
#   15s); on an idle VM expect about 5 minutes.
#   It adds ~1.6 GB to the module cache and ~1.1 GB to the build cache; the binaries take ~100 MB.
# All six cold: about 12 minutes on an idle 2-core machine (an estimate from the two measurements;
# under heavy load from other work expect several times that). Every later call that finds the
# cached binaries returns in about a second.
#
# Usage: see --help below.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ALL_NAMES=(kube-apiserver etcd kubectl helm cert-manager-controller cert-manager-cainjector)

usage() {
  cat <<EOF
Usage: ${0##*/} [--help] [NAME...]

Builds, once, the pinned third-party binaries used by the e2e tests and caches them in
  \${PROFILE_GUARD_BIN_CACHE:-\${XDG_CACHE_HOME:-\$HOME/.cache}/profile-guard/bin}/<name>-<version>/<name>
NAME is any of: ${ALL_NAMES[*]} (default: all of them).

Versions are pinned in ${SCRIPT_DIR}/versions.env. A binary is rebuilt only when its pinned
version changes (a cached binary whose version check fails is rebuilt too).

Environment:
  KUBE_APISERVER, ETCD, KUBECTL, HELM, CERT_MANAGER_CONTROLLER, CERT_MANAGER_CAINJECTOR
                                        use this binary instead of building one
  PROFILE_GUARD_BIN_CACHE               cache directory (see above)
  GO                                    go command (default: go on PATH, else /usr/local/go/bin/go)

Go is run with GOTOOLCHAIN=local (no toolchain download), GOFLAGS=-mod=mod, CGO_ENABLED=0;
modules come from the normal Go module proxy (GOPROXY). Concurrent callers are serialised
with flock on <cache>/.lock.

Output: progress on stderr; on stdout, one line per binary, e.g.
  KUBE_APISERVER=/root/.cache/profile-guard/bin/kube-apiserver-v1.37.2/kube-apiserver
so that callers can do:  eval "\$(${0##*/})"
EOF
}

log() { printf '[ensure-binaries] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# arguments
WANT=()
for arg in "$@"; do
  case "$arg" in
    -h|--help) usage; exit 0 ;;
    kube-apiserver|etcd|kubectl|helm|cert-manager-controller|cert-manager-cainjector) WANT+=("$arg") ;;
    *) usage >&2; die "unknown argument: $arg" ;;
  esac
done
[[ ${#WANT[@]} -gt 0 ]] || WANT=("${ALL_NAMES[@]}")

# shellcheck source=test/e2e/bin/versions.env disable=SC1091
source "${SCRIPT_DIR}/versions.env"
: "${KUBERNETES_VERSION:?versions.env must set KUBERNETES_VERSION}"
: "${ETCD_VERSION:?versions.env must set ETCD_VERSION}"
: "${HELM_VERSION:?versions.env must set HELM_VERSION}"
: "${CERT_MANAGER_VERSION:?versions.env must set CERT_MANAGER_VERSION}"

CACHE_DIR="${PROFILE_GUARD_BIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/profile-guard/bin}"

# ---------------------------------------------------------------------------------------------
# helpers

version_of() {
  case "$1" in
    kube-apiserver|kubectl) echo "$KUBERNETES_VERSION" ;;
    etcd) echo "$ETCD_VERSION" ;;
    helm) echo "$HELM_VERSION" ;;
    cert-manager-*) echo "$CERT_MANAGER_VERSION" ;;
  esac
}

env_var_of() {
  case "$1" in
    kube-apiserver) echo KUBE_APISERVER ;;
    etcd) echo ETCD ;;
    kubectl) echo KUBECTL ;;
    helm) echo HELM ;;
    cert-manager-controller) echo CERT_MANAGER_CONTROLLER ;;
    cert-manager-cainjector) echo CERT_MANAGER_CAINJECTOR ;;
  esac
}

cached_path() { echo "${CACHE_DIR}/$1-$(version_of "$1")/$1"; }

# check_binary NAME PATH: succeeds when PATH runs and reports the pinned version.
check_binary() {
  local name="$1" bin="$2" want out
  want="$(version_of "$name")"
  [[ -x "$bin" ]] || return 1
  case "$name" in
    kube-apiserver) out="$("$bin" --version 2>/dev/null)" || return 1
                    [[ "$out" == "Kubernetes ${want}" ]] ;;
    kubectl)        out="$("$bin" version --client 2>/dev/null)" || return 1
                    grep -qx "Client Version: ${want}" <<<"$out" ;;
    etcd)           out="$("$bin" --version 2>/dev/null)" || return 1
                    grep -qx "etcd Version: ${want#v}" <<<"$out" ;;
    helm)           out="$("$bin" version --short 2>/dev/null)" || return 1
                    [[ "$out" == "${want}" || "$out" == "${want}+"* ]] ;;
    cert-manager-*) # no --version flag: the module version recorded in the binary's build
                    # information (go version -m), or, without a Go toolchain, a usage text
                    "$bin" --help >/dev/null 2>&1 || return 1
                    local go_cmd
                    go_cmd="$(find_go 2>/dev/null)" || return 0
                    out="$("$go_cmd" version -m "$bin" 2>/dev/null)" || return 1
                    grep -Eq "^[[:space:]]*mod[[:space:]]+github\.com/cert-manager/cert-manager[[:space:]]+${want//./\\.}([[:space:]]|$)" <<<"$out" ;;
  esac
}

find_go() {
  if [[ -n "${GO:-}" ]]; then echo "$GO"; return; fi
  if command -v go >/dev/null 2>&1; then command -v go; return; fi
  if [[ -x /usr/local/go/bin/go ]]; then echo /usr/local/go/bin/go; return; fi
  die "no Go toolchain found (set GO=/path/to/go or put go on PATH)"
}

go_env_setup() {
  GO_BIN="$(find_go)"
  export GOTOOLCHAIN=local
  export CGO_ENABLED=0
  export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod -modcacherw"
  log "using $("$GO_BIN" version)"
}

# new_wrapper_module DIR MODULE VERSION: DIR gets a go.mod that requires MODULE@VERSION.
new_wrapper_module() {
  local dir="$1" mod="$2" ver="$3"
  rm -rf "$dir" && mkdir -p "$dir" || return 1
  (cd "$dir" && "$GO_BIN" mod init profile-guard.local/e2e-build >/dev/null 2>&1) || return 1
  (cd "$dir" && "$GO_BIN" mod edit -require="${mod}@${ver}")
}

# module_gomod MODULE VERSION: path of that module's go.mod file in the module cache.
module_gomod() {
  local json
  json="$(cd "$BUILD_ROOT" && "$GO_BIN" mod download -json "$1@$2")" || die "go mod download $1@$2 failed"
  sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p' <<<"$json" | head -n1
}

# module_replaces GOMOD: a `go mod edit` flag for each replace directive of GOMOD whose target is
# a module version (-replace=old[@v]=new@v). Replace directives apply only in the main module, so
# a wrapper module has to repeat them to build what that module's go.mod describes; a directive
# pointing at a local directory (=> ../x) cannot be repeated outside its repository and is skipped.
module_replaces() {
  awk '
    { sub(/\/\/.*/, "") }
    /^[[:space:]]*replace[[:space:]]*\([[:space:]]*$/ { block = 1; next }
    block && /^[[:space:]]*\)[[:space:]]*$/ { block = 0; next }
    block || /^[[:space:]]*replace[[:space:]]/ {
      line = $0
      sub(/^[[:space:]]*replace[[:space:]]+/, "", line)
      if (split(line, side, /[[:space:]]*=>[[:space:]]*/) != 2) next
      nl = split(side[1], l, /[[:space:]]+/)
      nr = split(side[2], r, /[[:space:]]+/)
      old = ""; for (i = 1; i <= nl; i++) if (l[i] != "") old = (old == "" ? l[i] : old "@" l[i])
      new = ""; for (i = 1; i <= nr; i++) if (r[i] != "") new = (new == "" ? r[i] : new "@" r[i])
      if (new ~ /^[.\/]/ || new !~ /@/) next
      print "-replace=" old "=" new
    }' "$1"
}

# ---------------------------------------------------------------------------------------------
# builders; each writes the binary to $2 (a temporary path next to the final one)

K8S_BUILD_DIR=""
prepare_kubernetes_module() {
  [[ -n "$K8S_BUILD_DIR" ]] && return 0
  local ver="$KUBERNETES_VERSION" staging_ver gomod replaces=() mod
  staging_ver="v0.${ver#v1.}"
  K8S_BUILD_DIR="${BUILD_ROOT}/kubernetes-${ver}"
  log "kubernetes ${ver}: generating wrapper module in ${K8S_BUILD_DIR} (staging modules at ${staging_ver})"
  new_wrapper_module "$K8S_BUILD_DIR" k8s.io/kubernetes "$ver" || return 1
  gomod="$(module_gomod k8s.io/kubernetes "$ver")"
  [[ -f "$gomod" ]] || die "could not locate go.mod of k8s.io/kubernetes@${ver}"
  # Every staging module that k8s.io/kubernetes replaces with ./staging/src/k8s.io/<name> AND
  # requires (as v0.0.0) must be replaced by the published module of the same release.
  while IFS= read -r mod; do
    if grep -Eq "^[[:space:]]*(require[[:space:]]+)?${mod//./\\.}[[:space:]]+v0\.0\.0([[:space:]]|$)" "$gomod"; then
      replaces+=("-replace=${mod}=${mod}@${staging_ver}")
    fi
  done < <(sed -n 's#^[[:space:]]*\(replace[[:space:]]\{1,\}\)\{0,1\}\(k8s\.io/[^[:space:]]*\)[[:space:]]*=>[[:space:]]*\./staging/src/k8s\.io/.*#\2#p' "$gomod")
  [[ ${#replaces[@]} -gt 0 ]] || die "found no staging replace directives in ${gomod}"
  log "kubernetes ${ver}: ${#replaces[@]} staging replace directives"
  (cd "$K8S_BUILD_DIR" && "$GO_BIN" mod edit "${replaces[@]}") || return 1
  log "kubernetes ${ver}: resolving the module graph (the first run downloads a lot)"
  (cd "$K8S_BUILD_DIR" && "$GO_BIN" get "k8s.io/kubernetes/cmd/kube-apiserver@${ver}" "k8s.io/kubernetes/cmd/kubectl@${ver}" >&2) \
    || die "go get k8s.io/kubernetes@${ver} failed"
}

kubernetes_ldflags() {
  local ver="$KUBERNETES_VERSION" major minor flags pkg
  major="${ver#v}"; major="${major%%.*}"
  minor="${ver#v*.}"; minor="${minor%%.*}"
  flags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X ${pkg}.gitVersion=${ver} -X ${pkg}.gitMajor=${major} -X ${pkg}.gitMinor=${minor}"
    flags+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$flags"
}

build_kubernetes_cmd() {
  local name="$1" out="$2"
  prepare_kubernetes_module || return 1
  log "${name} ${KUBERNETES_VERSION}: go build k8s.io/kubernetes/cmd/${name}"
  (cd "$K8S_BUILD_DIR" && "$GO_BIN" build -trimpath -ldflags "$(kubernetes_ldflags)" -o "$out" "k8s.io/kubernetes/cmd/${name}" >&2)
}

build_etcd() {
  local out="$1" dir="${BUILD_ROOT}/etcd-${ETCD_VERSION}"
  log "etcd ${ETCD_VERSION}: wrapper module in ${dir}"
  new_wrapper_module "$dir" go.etcd.io/etcd/server/v3 "$ETCD_VERSION" || return 1
  (cd "$dir" && "$GO_BIN" get "go.etcd.io/etcd/server/v3@${ETCD_VERSION}" >&2) || return 1
  log "etcd ${ETCD_VERSION}: go build go.etcd.io/etcd/server/v3"
  (cd "$dir" && "$GO_BIN" build -trimpath -ldflags "-s -w" -o "$out" go.etcd.io/etcd/server/v3 >&2)
}

build_helm() {
  local out="$1" ver="$HELM_VERSION" major mod dir
  major="${ver#v}"; major="${major%%.*}"
  mod="helm.sh/helm/v${major}"
  dir="${BUILD_ROOT}/helm-${ver}"
  log "helm ${ver}: wrapper module in ${dir}"
  new_wrapper_module "$dir" "$mod" "$ver" || return 1
  (cd "$dir" && "$GO_BIN" get "${mod}/cmd/helm@${ver}" >&2) || return 1
  log "helm ${ver}: go build ${mod}/cmd/helm"
  (cd "$dir" && "$GO_BIN" build -trimpath \
      -ldflags "-s -w -X ${mod}/internal/version.version=${ver} -X ${mod}/internal/version.gitTreeState=clean" \
      -o "$out" "${mod}/cmd/helm" >&2)
}

# cert-manager: the controller and cainjector main packages, cmd/controller and cmd/cainjector, are
# part of the root module github.com/cert-manager/cert-manager up to v1.11. From v1.12 on they live
# in nested modules (github.com/cert-manager/cert-manager/controller-binary, .../cainjector-binary,
# in cmd/controller and cmd/cainjector, whose go.mod replaces the root module with ../../); their
# module path does not match their directory, so no module proxy serves them (the proxy answers
# 404 for every version, 403 for pseudo-versions) and go get cannot fetch them. The wrapper module
# therefore requires the root module at CERT_MANAGER_VERSION and repeats its replace directives.
CM_BUILD_DIR=""
prepare_cert_manager_module() {
  [[ -n "$CM_BUILD_DIR" ]] && return 0
  local ver="$CERT_MANAGER_VERSION" mod=github.com/cert-manager/cert-manager gomod replaces=()
  CM_BUILD_DIR="${BUILD_ROOT}/cert-manager-${ver}"
  log "cert-manager ${ver}: generating wrapper module in ${CM_BUILD_DIR}"
  new_wrapper_module "$CM_BUILD_DIR" "$mod" "$ver" || return 1
  gomod="$(module_gomod "$mod" "$ver")"
  [[ -f "$gomod" ]] || die "could not locate go.mod of ${mod}@${ver}"
  mapfile -t replaces < <(module_replaces "$gomod")
  log "cert-manager ${ver}: ${#replaces[@]} replace directive(s) from ${mod}'s go.mod"
  if [[ ${#replaces[@]} -gt 0 ]]; then
    (cd "$CM_BUILD_DIR" && "$GO_BIN" mod edit "${replaces[@]}") || return 1
  fi
  log "cert-manager ${ver}: resolving the module graph"
  (cd "$CM_BUILD_DIR" && "$GO_BIN" get "${mod}/cmd/controller@${ver}" "${mod}/cmd/cainjector@${ver}" >&2) \
    || die "go get ${mod}@${ver} failed (from v1.12 on, the controller is not in this module: see above)"
}

build_cert_manager() {
  local name="$1" out="$2" pkg
  pkg="github.com/cert-manager/cert-manager/cmd/${name#cert-manager-}"
  prepare_cert_manager_module || return 1
  log "${name} ${CERT_MANAGER_VERSION}: go build ${pkg}"
  (cd "$CM_BUILD_DIR" && "$GO_BIN" build -trimpath \
      -ldflags "-s -w -X github.com/cert-manager/cert-manager/pkg/util.AppVersion=${CERT_MANAGER_VERSION}" \
      -o "$out" "$pkg" >&2)
}

# ensure NAME: sets RESULT[NAME] to the absolute path of a usable binary.
# (Runs in the main shell, not a subshell, so the prepared kubernetes module is reused.)
declare -A RESULT=()
ensure() {
  local name="$1" var bin dest tmp t0
  var="$(env_var_of "$name")"
  if [[ -n "${!var:-}" ]]; then
    bin="${!var}"
    if [[ "$bin" != */* ]]; then bin="$(command -v "$bin")" || die "${var}=${!var}: not found on PATH"; fi
    [[ -x "$bin" ]] || die "${var}=${bin}: not an executable file"
    bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
    check_binary "$name" "$bin" || log "warning: ${var}=${bin} does not report version $(version_of "$name"); using it anyway"
    log "${name}: using ${var}=${bin}"
    RESULT[$name]="$bin"
    return 0
  fi
  dest="$(cached_path "$name")"
  if check_binary "$name" "$dest"; then
    log "${name} $(version_of "$name"): cached at ${dest}"
    RESULT[$name]="$dest"
    return 0
  fi
  [[ -n "${GO_BIN:-}" ]] || go_env_setup
  mkdir -p "$(dirname "$dest")"
  tmp="${dest}.tmp.$$"
  t0=$SECONDS
  if ! case "$name" in
         kube-apiserver|kubectl) build_kubernetes_cmd "$name" "$tmp" ;;
         etcd) build_etcd "$tmp" ;;
         helm) build_helm "$tmp" ;;
         cert-manager-*) build_cert_manager "$name" "$tmp" ;;
       esac; then
    rm -f "$tmp"; die "building ${name} $(version_of "$name") failed"
  fi
  check_binary "$name" "$tmp" || { rm -f "$tmp"; die "built ${name} does not report version $(version_of "$name")"; }
  mv -f "$tmp" "$dest"
  log "${name} $(version_of "$name"): built in $((SECONDS - t0))s -> ${dest}"
  RESULT[$name]="$dest"
}

# ---------------------------------------------------------------------------------------------
# main (a function, so that editing this file while a long build runs cannot break the running copy)

main() {
  local name
  command -v flock >/dev/null 2>&1 || die "flock (util-linux) is required"
  mkdir -p "$CACHE_DIR"
  CACHE_DIR="$(cd "$CACHE_DIR" && pwd)"
  BUILD_ROOT="${CACHE_DIR}/.build"
  mkdir -p "$BUILD_ROOT"

  exec 9>"${CACHE_DIR}/.lock"
  if ! flock -n 9; then
    log "another ensure-binaries.sh holds ${CACHE_DIR}/.lock; waiting for it"
    flock 9
  fi

  START=$SECONDS
  for name in "${WANT[@]}"; do
    ensure "$name"
  done
  log "done in $((SECONDS - START))s"

  # release the lock before printing
  exec 9>&-

  for name in "${ALL_NAMES[@]}"; do
    [[ -n "${RESULT[$name]:-}" ]] || continue
    printf '%s=%q\n' "$(env_var_of "$name")" "${RESULT[$name]}"
  done
}

main "$@"; exit $?
