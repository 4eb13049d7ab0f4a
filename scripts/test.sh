#!/usr/bin/env bash
# README command 2: install what the tests need, build everything, run every test:
#   1. the whole suite (unit, integration, e2e, USB and PCIe under umockdev, fuzz replays) in
#      ONE clang build with ASan + UBSan and leak checks, then every libFuzzer target for 30 s
#      (scripts/ci-sanitizers.sh),
#   2. the release build (gcc) packaged as the amd64 .deb, installed and run
#      (scripts/ci-package.sh),
#   3. the arm64 build's unit + integration tests under qemu-user (scripts/ci-cross.sh).
# The suite runs once natively, instrumented, rather than twice (plain and instrumented): CI's
# budget holds one native test build, and the plain gcc -O2 code is what part 3 tests on arm64
# (docs/reliability.md, "Sanitizers and fuzzing").
# `--quick` (a developer's loop): the plain gcc build with its whole suite and the .deb; no
# sanitizers, fuzzers or cross builds.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[[ ${1:-} == --quick ]] && quick=1
started=$(date +%s)
if [[ $quick -eq 1 ]]; then
  scripts/install-deps.sh --test --package
  scripts/build.sh -DCELLRESCUE_TESTS=ON
  ctest --test-dir build --output-on-failure -j2 --timeout 600
  echo "test: normal build and suite $(($(date +%s) - started)) s"
  scripts/ci-package.sh
  exit 0
fi
scripts/install-deps.sh --test --package --sanitize --cross  # one apt run for every part
scripts/ci-sanitizers.sh
echo "test: sanitizer suite and fuzzers $(($(date +%s) - started)) s"
# scripts/package.sh builds the CLI and its docs only in ./build (a new tree without tests).
scripts/ci-package.sh  # the amd64 .deb: dpkg -i, demo and man from the installed path (docs/packaging.md)
echo "test: package $(($(date +%s) - started)) s"
scripts/ci-cross.sh    # docs/packaging.md, "Cross builds"
echo "test: all parts $(($(date +%s) - started)) s"
