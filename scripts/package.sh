#!/usr/bin/env bash
# Builds the Debian package(s) into dist/: scripts/package.sh [amd64] [arm64] [armhf]
# (default: the native one). amd64 uses ./build; cross architectures use build-<arch> with
# cmake/toolchains (see docs/packaging.md). lintian runs on each package when installed.
set -euo pipefail
cd "$(dirname "$0")/.."
native=$(dpkg --print-architecture)
arches=("$@")
[[ ${#arches[@]} -gt 0 ]] || arches=("$native")
cross=0
for a in "${arches[@]}"; do [[ $a == "$native" ]] || cross=1; done
if [[ $cross -eq 1 ]]; then scripts/install-deps.sh --cross; else scripts/install-deps.sh --package; fi
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
mkdir -p dist
for a in "${arches[@]}"; do
  args=()
  case "$a" in
    "$native") dir=build ;;
    arm64) dir=build-arm64; args=(-DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake) ;;
    armhf) dir=build-armhf; args=(-DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/armhf-linux-gnu.cmake) ;;
    *) echo "package: unknown architecture $a (amd64, arm64, armhf)" >&2; exit 2 ;;
  esac
  # A new build dir builds no tests; an existing one keeps its settings.
  [[ -f $dir/CMakeCache.txt ]] || args+=(-DCELLRESCUE_TESTS=OFF -DCELLRESCUE_BENCH=OFF)
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCELLRESCUE_UNITY=ON "${args[@]}" \
    >/dev/null
  ninja -C "$dir" cellrescue cellrescue_docs
  rm -f "$dir"/packages/*.deb
  (cd "$dir" && cpack -G DEB >/dev/null)
  cp "$dir"/packages/*.deb dist/
  deb=$(ls "$dir"/packages/*.deb)
  echo "package: $deb"
  if command -v lintian >/dev/null; then
    lintian --pedantic --fail-on error,warning "$deb"
  fi
done
