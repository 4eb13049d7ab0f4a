#!/usr/bin/env bash
# README command 2: install what the tests need, build everything, run every test:
#   1. the normal build (gcc) and its whole suite,
#   2. the amd64 .deb installed and run (scripts/ci-package.sh),
#   3. the arm64 build's unit + integration tests under qemu-user (scripts/ci-cross.sh).
# `--quick` stops after 2. The ASan+UBSan suite and the fuzzers (scripts/ci-sanitizers.sh) are
# not part of it yet: docs/reliability.md says why.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[[ ${1:-} == --quick ]] && quick=1
started=$(date +%s)
if [[ $quick -eq 1 ]]; then
  scripts/install-deps.sh --test --package
else
  scripts/install-deps.sh --test --package --cross  # one apt run for every part
fi
scripts/build.sh -DCELLRESCUE_TESTS=ON
ctest --test-dir build --output-on-failure -j2 --timeout 600
echo "test: normal build and suite $(($(date +%s) - started)) s"
scripts/ci-package.sh  # the amd64 .deb: dpkg -i, demo and man from the installed path (docs/packaging.md)
[[ $quick -eq 1 ]] && exit 0
scripts/ci-cross.sh    # docs/packaging.md, "Cross builds"
echo "test: all parts $(($(date +%s) - started)) s"
