#!/usr/bin/env bash
# CI part: build the amd64 .deb from ./build, install it with dpkg -i (CI runs as root on
# Debian 12), run the demo from the installed path and read its man page, then remove it.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/package.sh "$(dpkg --print-architecture)"
deb=$(ls dist/cellrescue_*_"$(dpkg --print-architecture)".deb)
dpkg -i "$deb"
trap 'dpkg -r cellrescue >/dev/null || true' EXIT
[[ $(command -v cellrescue) == /usr/bin/cellrescue ]]
sim=$(mktemp -d)
HOME=$sim timeout 300 /usr/bin/cellrescue demo >/dev/null
rm -rf "$sim"
MANWIDTH=80 timeout 60 man cellrescue | grep -Eq 'cellrescue +- +recover'
MANWIDTH=80 timeout 60 man cellrescue-flash | grep -q 'dry'
[[ -f /usr/lib/udev/rules.d/70-cellrescue.rules ]]
echo "ci-package: ok ($(( $(date +%s) - start )) s)"
