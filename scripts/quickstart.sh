#!/usr/bin/env bash
# README command 1: install, build, and run the main job on a virtual module.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh -DCELLRESCUE_TESTS=OFF
sim_dir=$(mktemp -d)
trap 'rm -rf "$sim_dir"' EXIT
run() { echo; echo "\$ cellrescue $*"; ./build/cellrescue "$@"; }
run devices --sim-dir "$sim_dir"
run sim set rm520n --state edl --sim-dir "$sim_dir"
run info -d sim:rm520n --sim-dir "$sim_dir"
run demo
