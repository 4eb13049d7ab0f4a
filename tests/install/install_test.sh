#!/usr/bin/env bash
# `cmake --install` into a throw-away DESTDIR with --prefix /usr: every file where a Debian user
# expects it, the installed binary runs, man reads the installed pages, bash loads the completion.
# Usage: install_test.sh BUILD_DIR
set -euo pipefail
build=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

DESTDIR="$root" cmake --install "$build" --prefix /usr >/dev/null
fail=0
expect() { [[ -e "$root$1" ]] || { echo "missing: $1"; fail=1; }; }
expect /usr/bin/cellrescue
expect /usr/lib/udev/rules.d/70-cellrescue.rules
expect /usr/share/man/man1/cellrescue.1.gz
expect /usr/share/man/man1/cellrescue-flash.1.gz
expect /usr/share/man/man1/cellrescue-edl.1.gz
expect /usr/share/bash-completion/completions/cellrescue
expect /usr/share/zsh/vendor-completions/_cellrescue
expect /usr/share/doc/cellrescue/README.md
expect /usr/share/doc/cellrescue/docs/udev.md
# Nothing outside the prefix (DESTDIR honoured everywhere).
outside=$(cd "$root" && find . -mindepth 1 -maxdepth 1 ! -name usr)
[[ -z $outside ]] || { echo "installed outside /usr: $outside"; fail=1; }
# Every man page of the build is installed, compressed.
for page in "$build"/generated-docs/man1/*.1; do
  expect "/usr/share/man/man1/$(basename "$page").gz"
done

"$root/usr/bin/cellrescue" --version | grep -q '^cellrescue ' || { echo "binary does not run"; fail=1; }
if command -v man >/dev/null; then
  out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$root/usr/share/man/man1/cellrescue.1.gz" 2>&1)
  grep -Eq 'cellrescue +- +recover bricked' <<<"$out" || { echo "man cannot read the page: $out"; fail=1; }
fi
words=$(bash --norc -c 'source "$1"; COMP_WORDS=(cellrescue fla); COMP_CWORD=1; _cellrescue; echo "${COMPREPLY[*]}"' \
  _ "$root/usr/share/bash-completion/completions/cellrescue")
[[ $words == flash ]] || { echo "bash completion gave '$words' for 'cellrescue fla'"; fail=1; }

[[ $fail -eq 0 ]] && echo "install_destdir: ok ($(find "$root" -type f | wc -l) files)"
exit $fail
