#!/usr/bin/env bash
# Builds the example guest programs (items.c, debug_print.c) into bin/. The
# ELFs are committed, so the examples and the ckb-vm-run tests need no cross
# compiler. Needs riscv64-unknown-elf-gcc; builds are byte-for-byte
# reproducible.
#
#   examples/guest/build.sh           rebuild bin/
#   examples/guest/build.sh --check   rebuild into a temporary directory and fail
#                                     if a committed ELF is missing or stale
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
cc=${CC:-riscv64-unknown-elf-gcc}
command -v "$cc" >/dev/null || { echo "build.sh: $cc not found" >&2; exit 1; }

out=bin
if [[ ${1:-} == --check ]]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"
status=0
for name in items debug_print; do
  "$cc" -march=rv64imc -mabi=lp64 -O2 -ffreestanding -fno-builtin -nostdlib -nostartfiles -static \
    -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-Ttext=0x10000 -o "$out/$name" "$name.c"
  if [[ $out != bin ]] && ! cmp -s "$out/$name" "bin/$name"; then
    echo "build.sh: bin/$name is missing or does not match $name.c" >&2
    status=1
  fi
done
exit $status
