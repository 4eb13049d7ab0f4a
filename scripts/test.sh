#!/usr/bin/env bash
# README command 2: install what the tests need, build everything, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build.sh -DCELLRESCUE_TESTS=ON
ctest --test-dir build --output-on-failure -j2 --timeout 600
scripts/ci-package.sh  # the amd64 .deb: dpkg -i, demo and man from the installed path (docs/packaging.md)
