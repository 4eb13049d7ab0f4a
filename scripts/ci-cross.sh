#!/usr/bin/env bash
# CI part "cross": the code as Raspberry Pis and ARM routers run it.
#   arm64: the libraries, the CLI and the unit + integration tests, run under qemu-user (binfmt,
#          so tests that start the cellrescue binary or a virtual module run it emulated too);
#   armhf: (CROSS_ARCHES="arm64 armhf") the libraries and the unit tests (32-bit size_t: the
#          PCIe BHI size prefix), under qemu-user; not in CI yet: its run is still unmeasured.
# The emulated-USB/PCIe tests need umockdev, which Debian ships for the native architecture
# only; e2e tests, fuzzers and benchmarks stay native (their code is the same).
# docs/packaging.md ("Cross builds") explains it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --cross
# Without binfmt_misc (a container that may not mount it) foreign binaries cannot run here at
# all: say so loudly and skip this part rather than report test failures that are not the code's.
if ! scripts/enable-binfmt.sh; then
  echo "ci-cross: SKIPPED: this machine cannot run arm64 binaries (binfmt_misc unavailable)" >&2
  exit 0
fi

started=$(date +%s)
for arch in ${CROSS_ARCHES:-arm64}; do
  case "$arch" in
    arm64) toolchain=aarch64-linux-gnu; kinds='unit|integration' ;;
    armhf) toolchain=armhf-linux-gnu; kinds='unit' ;;
    *) echo "ci-cross: unknown architecture $arch (arm64, armhf)" >&2; exit 2 ;;
  esac
  # The same tree as `scripts/package.sh <arch>`, so the .deb built after it reuses the objects.
  dir=build-$arch
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_TOOLCHAIN_FILE="cmake/toolchains/$toolchain.cmake" \
    -DCELLRESCUE_TESTS=ON -DCELLRESCUE_BENCH=OFF -DCELLRESCUE_UNITY=ON >/dev/null
  mapfile -t targets < <(ninja -C "$dir" -t targets all | cut -d: -f1 |
    grep -Ex "($kinds)_[a-z0-9_]+")
  ninja -C "$dir" cellrescue "${targets[@]}"
  built=$(date +%s)
  # integration_snapshot spends ten minutes of emulated CPU hashing and compressing whole
  # virtual flashes; its code runs natively in the main suite and unit_snapshot runs here.
  ctest --test-dir "$dir" --output-on-failure -j2 --timeout 900 -L "^($kinds)_" \
    -LE '^integration_snapshot$'

  echo "ci-cross $arch: build $((built - started)) s, tests $(($(date +%s) - built)) s"
  started=$(date +%s)
done
