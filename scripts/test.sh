#!/usr/bin/env bash
# README command 2: install what the tests need, build everything, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build.sh -DCELLRESCUE_TESTS=ON
ctest --test-dir build --output-on-failure -j2 --timeout 600
scripts/ci-sanitizers.sh  # ASan+UBSan suite and 30 s per fuzzer (docs/reliability.md)
