#!/usr/bin/env bash
# Installs what cellrescue needs on Debian 12 (idempotent). `--test` adds what the test suite
# needs: GoogleTest, umockdev (emulated USB/ttys), and the peers qdl and lrzsz. `--package` adds
# what scripts/package.sh needs (dpkg-dev, lintian). `--cross` adds Debian's arm64/armhf cross
# toolchains, the :arm64/:armhf multiarch -dev packages, and qemu-user with binfmt (docs/packaging.md).
# `--sanitize` adds (to --test's) clang with its sanitizer and libFuzzer runtimes and llvm-symbolizer for
# scripts/ci-sanitizers.sh; clang-16 too, the newest clang Debian 12 ships, to check the code
# builds with it.
set -euo pipefail

BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache
  libusb-1.0-0-dev libudev-dev libpugixml-dev zlib1g-dev libssl-dev libzip-dev libgsf-1-dev
  libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  android-libsparse-dev  # sparse="true" images (libsparse)
  libtomlplusplus-dev  # station plan files in TOML (toml++)
)
TEST_PACKAGES=(
  libgtest-dev libgmock-dev umockdev libumockdev-dev qdl lrzsz socat
  man-db groff-base zsh  # man pages render without warnings; zsh parses the completion
)

SANITIZE_PACKAGES=(
  clang libclang-rt-14-dev llvm clang-16 libclang-rt-16-dev
)
PACKAGE_PACKAGES=(dpkg-dev fakeroot file lintian man-db groff-base)
CROSS_ARCHES=(arm64 armhf)
# Libraries we link, per foreign architecture (all are Multi-Arch: same). CLI11 and nlohmann-json
# are header-only (Multi-Arch: foreign): the native ones serve every architecture.
CROSS_LIBS=(
  libusb-1.0-0-dev libudev-dev libpugixml-dev zlib1g-dev libssl-dev libzip-dev libgsf-1-dev
  libspdlog-dev libfmt-dev libgtest-dev libgmock-dev android-libsparse-dev libtomlplusplus-dev
)
CROSS_TOOLS=(crossbuild-essential-arm64 crossbuild-essential-armhf qemu-user qemu-user-static
  binfmt-support)

packages=("${BUILD_PACKAGES[@]}")
cross=0
for arg in "$@"; do
  case "$arg" in
    --test) packages+=("${TEST_PACKAGES[@]}") ;;
    --package) packages+=("${PACKAGE_PACKAGES[@]}") ;;
    --sanitize) packages+=("${TEST_PACKAGES[@]}" "${SANITIZE_PACKAGES[@]}") ;;
    --cross)
      cross=1
      packages+=("${TEST_PACKAGES[@]}" "${PACKAGE_PACKAGES[@]}" "${CROSS_TOOLS[@]}")
      for a in "${CROSS_ARCHES[@]}"; do
        for l in "${CROSS_LIBS[@]}"; do packages+=("$l:$a"); done
      done
      ;;
    *) echo "install-deps: unknown option $arg (--test, --package, --sanitize, --cross)" >&2; exit 2 ;;
  esac
done

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  SUDO=sudo
fi

if [[ $cross -eq 1 ]]; then  # multiarch: foreign packages need their architecture enabled first
  for a in "${CROSS_ARCHES[@]}"; do
    dpkg --print-foreign-architectures | grep -qx "$a" || $SUDO dpkg --add-architecture "$a"
  done
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
# Another apt run on this machine may hold the lock: wait for it, bounded.
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q \
  --no-install-recommends "${missing[@]}"
