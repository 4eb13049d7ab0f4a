#!/usr/bin/env bash
# Lets the kernel run arm64/armhf binaries through qemu-user (binfmt_misc), so cross-built tests
# and the programs they start run here. Containers often have binfmt_misc unmounted: mount it.
# Needs root (CI runs as root); without it, says what to run instead of failing silently.
set -euo pipefail
dir=/proc/sys/fs/binfmt_misc
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO=sudo
if [[ ! -e $dir/register ]]; then
  $SUDO mount -t binfmt_misc binfmt_misc "$dir" || {
    echo "enable-binfmt: cannot mount $dir (run: mount -t binfmt_misc binfmt_misc $dir)" >&2
    exit 1
  }
fi
for emu in qemu-aarch64 qemu-arm; do
  [[ -e $dir/$emu ]] || $SUDO update-binfmts --enable "$emu"
  grep -qx enabled "$dir/$emu" || {
    echo "enable-binfmt: $emu is not enabled in $dir (is qemu-user-static installed?)" >&2
    exit 1
  }
done
echo "enable-binfmt: qemu-aarch64 and qemu-arm run foreign binaries"
