#!/usr/bin/env bash
# publish-serving-cert.sh: publishes a serving pair into DIR the way the kubelet updates a mounted
# Secret volume (AtomicWriter): the files go into a new DIR/..<timestamp>/ directory, a ..data_tmp
# symlink to it is renamed over DIR/..data in one step, DIR/tls.crt and DIR/tls.key (and
# DIR/ca.crt when CA_CRT is given, as a cert-manager Secret has it) are symlinks through ..data,
# and the previous timestamped directory is removed afterwards. A reader of DIR/tls.crt +
# DIR/tls.key therefore sees the old pair or the new one, never a mix.
#
# Usage: publish-serving-cert.sh DIR TLS_CRT TLS_KEY [CA_CRT]
set -euo pipefail

[[ $# -eq 3 || $# -eq 4 ]] || { sed -n '2,10p' "${BASH_SOURCE[0]}" >&2; exit 2; }
dir="$1" crt="$2" key="$3" ca="${4:-}"
[[ -r "$crt" && -r "$key" ]] || { echo "publish-serving-cert: cannot read $crt or $key" >&2; exit 1; }
[[ -z "$ca" || -r "$ca" ]] || { echo "publish-serving-cert: cannot read $ca" >&2; exit 1; }
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

old=""
[[ -L "${dir}/..data" ]] && old="$(readlink "${dir}/..data")"
ts="..$(date -u +%Y_%m_%d_%H_%M_%S.%N)"
(
  umask 077
  mkdir "${dir}/${ts}"
  cp "$crt" "${dir}/${ts}/tls.crt"
  cp "$key" "${dir}/${ts}/tls.key"
  [[ -z "$ca" ]] || cp "$ca" "${dir}/${ts}/ca.crt"
)
chmod 0644 "${dir}/${ts}/tls.crt"
files=(tls.crt tls.key)
[[ -z "$ca" ]] || { chmod 0644 "${dir}/${ts}/ca.crt"; files+=(ca.crt); }
ln -sfn "$ts" "${dir}/..data_tmp"
mv -T "${dir}/..data_tmp" "${dir}/..data"
for f in "${files[@]}"; do
  [[ -L "${dir}/${f}" ]] || ln -s "..data/${f}" "${dir}/${f}"
done
if [[ -n "$old" && "$old" != "$ts" && -d "${dir}/${old}" ]]; then rm -rf -- "${dir:?}/${old}"; fi
