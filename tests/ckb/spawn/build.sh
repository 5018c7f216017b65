#!/usr/bin/env bash
# Build the spawn/IPC test programs into tests/ckb/spawn/bin/.
#
#   ./build.sh          rebuild every program into bin/
#   ./build.sh --check  rebuild into a temporary directory and fail if a
#                       committed ELF is missing or differs byte for byte
#
# Needs riscv64-unknown-elf-gcc (Debian: gcc-riscv64-unknown-elf). Freestanding
# like tests/programs: its crt0.S, support.c and link script; reproducible
# flags (no debug info, no build id, no .comment, relative source paths).
set -euo pipefail
cd "$(dirname "$0")"

CC=${RISCV_CC:-riscv64-unknown-elf-gcc}
command -v "$CC" >/dev/null 2>&1 || { echo "build.sh: cross compiler '$CC' not found" >&2; exit 1; }

PROGRAMS=(spawn_cases spawn_random)
ASM_PROGRAMS=(spawn_min)
P=../../programs
COMMON=(-march=rv64imc -mabi=lp64 -mcmodel=medlow -nostdlib -nostartfiles -I$P/src -Isrc
        -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,-T,$P/link.ld)
CFLAGS=(-O2 -ffreestanding -fno-ident -fno-asynchronous-unwind-tables -fno-unwind-tables
        -fno-stack-protector -fno-pic -fno-builtin -fno-tree-loop-distribute-patterns -Wall -Wextra -Werror)

check=0
[ "${1:-}" = "--check" ] && check=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=bin
[ $check = 1 ] && out=$tmp/out
mkdir -p "$out"

status=0
for name in "${PROGRAMS[@]}"; do
  "$CC" "${COMMON[@]}" -c $P/src/crt0.S -o "$tmp/crt0.o"
  "$CC" "${COMMON[@]}" "${CFLAGS[@]}" -c $P/src/support.c -o "$tmp/support.o"
  "$CC" "${COMMON[@]}" "${CFLAGS[@]}" -c "src/$name.c" -o "$tmp/$name.o"
  "$CC" "${COMMON[@]}" "$tmp/crt0.o" "$tmp/support.o" "$tmp/$name.o" -lgcc -o "$out/$name"
  if [ $check = 1 ] && ! cmp -s "$out/$name" "bin/$name"; then
    echo "build.sh --check: bin/$name is missing or stale" >&2
    status=1
  fi
done
for name in "${ASM_PROGRAMS[@]}"; do
  "$CC" "${COMMON[@]}" -march=rv64im -c "src/$name.S" -o "$tmp/$name.o"
  "$CC" "${COMMON[@]}" -march=rv64im "$tmp/$name.o" -o "$out/$name"
  if [ $check = 1 ] && ! cmp -s "$out/$name" "bin/$name"; then
    echo "build.sh --check: bin/$name is missing or stale" >&2
    status=1
  fi
done
[ $check = 0 ] && echo "build.sh: built $((${#PROGRAMS[@]} + ${#ASM_PROGRAMS[@]})) program(s) into tests/ckb/spawn/bin/"
exit $status
