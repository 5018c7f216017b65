#!/usr/bin/env bash
# Build the CKB host-layer test scripts into tests/ckb/bin/.
#
#   ./build.sh          rebuild every script into bin/
#   ./build.sh --check  rebuild into a temporary directory and fail if a
#                       committed ELF is missing or differs byte for byte
#
# Needs riscv64-unknown-elf-gcc (Debian: gcc-riscv64-unknown-elf). Uses the
# link script and start-up code of tests/programs (same reproducibility
# flags: no debug info, no build id, no .comment, relative source paths).
set -euo pipefail
cd "$(dirname "$0")"

CC=${RISCV_CC:-riscv64-unknown-elf-gcc}
command -v "$CC" >/dev/null 2>&1 || { echo "build.sh: cross compiler '$CC' not found" >&2; exit 1; }

# name | -march | sources (relative to this directory)
SCRIPTS=(
  "probe       | rv64i   | src/probe.S"
  "exec_callee | rv64imc | ../programs/src/crt0.S ../programs/src/support.c src/exec_callee.c"
)

COMMON=(-mabi=lp64 -mcmodel=medlow -nostdlib -nostartfiles -I../programs/src
        -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,-T,../programs/link.ld)
CFLAGS=(-O2 -ffreestanding -fno-ident -fno-asynchronous-unwind-tables -fno-unwind-tables
        -fno-stack-protector -fno-pic -fno-builtin -fno-tree-loop-distribute-patterns -Wall -Wextra -Werror)

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }

check=0
[ "${1:-}" = "--check" ] && check=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=bin
[ $check = 1 ] && out=$tmp/out
mkdir -p "$out"

status=0
for row in "${SCRIPTS[@]}"; do
  IFS='|' read -r name march srcs <<<"$row"
  name=$(trim "$name"); march=$(trim "$march"); srcs=$(trim "$srcs")
  objs=()
  mkdir -p "$tmp/obj/$name"
  for s in $srcs; do
    o="$tmp/obj/$name/$(basename "${s%.*}").o"
    case $s in
      *.c) "$CC" -march="$march" "${COMMON[@]}" "${CFLAGS[@]}" -c "$s" -o "$o" ;;
      *.S) "$CC" -march="$march" "${COMMON[@]}" -c "$s" -o "$o" ;;
    esac
    objs+=("$o")
  done
  "$CC" -march="$march" "${COMMON[@]}" "${objs[@]}" -lgcc -o "$out/$name"
  if [ $check = 1 ] && ! cmp -s "$out/$name" "bin/$name"; then
    echo "build.sh --check: bin/$name is missing or stale" >&2
    status=1
  fi
done
[ $check = 0 ] && echo "build.sh: built ${#SCRIPTS[@]} script(s) into tests/ckb/bin/"
exit $status
