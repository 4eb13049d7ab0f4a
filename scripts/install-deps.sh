#!/usr/bin/env bash
# Installs what cellrescue needs on Debian 12 (idempotent). `--test` adds what the test suite
# needs: GoogleTest, umockdev (emulated USB/ttys), and the peers qdl and lrzsz. `--sanitize`
# adds (to --test's) clang with its sanitizer and libFuzzer runtimes and llvm-symbolizer for
# scripts/ci-sanitizers.sh; clang-16 too, the newest clang Debian 12 ships, to check the code
# builds with it.
set -euo pipefail

BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache
  libusb-1.0-0-dev libudev-dev libpugixml-dev zlib1g-dev libssl-dev libzip-dev libgsf-1-dev
  libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
)
TEST_PACKAGES=(
  libgtest-dev libgmock-dev umockdev libumockdev-dev qdl lrzsz socat
)

SANITIZE_PACKAGES=(
  clang libclang-rt-14-dev llvm clang-16 libclang-rt-16-dev
)

packages=("${BUILD_PACKAGES[@]}")
case "${1:-}" in
  --test) packages+=("${TEST_PACKAGES[@]}") ;;
  --sanitize) packages+=("${TEST_PACKAGES[@]}" "${SANITIZE_PACKAGES[@]}") ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
