#!/usr/bin/env bash
# Builds the benchmark guest programs (secp256k1_verify.c) into bench/guest/bin/.
# The ELFs are committed, so bench_interpreter needs no cross compiler.
#
#   bench/guest/build.sh           rebuild bin/ and toolchain.lock
#   bench/guest/build.sh --check   fail if a committed ELF is missing or not built from
#                                  the current sources, or secp256k1_vectors.h is not
#                                  what gen_vectors.py writes
#
# Needs riscv64-unknown-elf-gcc (Debian: gcc-riscv64-unknown-elf) and, for --check,
# python3. Flags are the ones CKB scripts are usually built with: -O3, RV64IMC plus
# the B extensions CKB's VERSION2 accepts, LP64, no libc, no start files (the program
# has its own _start and exits through ecall 93). Builds are byte-for-byte
# reproducible (no debug info, build id or .comment; the link script is
# tests/programs/link.ld: two PT_LOAD segments, R+X text at 0x10000 and R+W data).
#
# Freshness, as tests/programs/build.sh: toolchain.lock records the toolchain and,
# per program, SHA-256s of its inputs (flags, sources, link script) and of its ELF.
# --check compares the hashes always, and a fresh build byte for byte only when the
# installed toolchain is the recorded one (a compiler point release may change code
# generation). To refresh: run this script and commit bin/ and toolchain.lock together.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
cc=${RISCV_CC:-riscv64-unknown-elf-gcc}
command -v "$cc" >/dev/null || { echo "build.sh: $cc not found (install gcc-riscv64-unknown-elf)" >&2; exit 1; }
link_script=../../tests/programs/link.ld
flags=(-march=rv64imc_zba_zbb_zbc_zbs -mabi=lp64 -mcmodel=medlow -O3 -ffreestanding -fno-builtin
       -fno-tree-loop-distribute-patterns -fno-ident -fno-asynchronous-unwind-tables -fno-unwind-tables
       -fno-stack-protector -fno-pic -Wall -Wextra -Werror -nostdlib -nostartfiles
       -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,-T,$link_script)
programs=(secp256k1_verify)
lock=toolchain.lock
toolchain=$(printf '%s; %s' "$("$cc" --version | head -n 1)" "$("$("$cc" -print-prog-name=ld)" --version | head -n 1)")
inputs_hash() { { printf '%s\n' "${flags[*]}"; cat "$1.c" ./*.h "$link_script"; } | sha256sum | cut -d' ' -f1; }
file_hash() { sha256sum "$1" | cut -d' ' -f1; }
build() { "$cc" "${flags[@]}" -o "$2" "$1.c" -lgcc; }

if [[ ${1:-} != --check ]]; then
  mkdir -p bin
  for name in "${programs[@]}"; do build "$name" "bin/$name"; done
  {
    echo "# Written by bench/guest/build.sh; checked by build.sh --check. Do not edit."
    echo "toolchain: $toolchain"
    for name in "${programs[@]}"; do echo "$name $(inputs_hash "$name") $(file_hash "bin/$name")"; done
  } >"$lock"
  echo "build.sh: built ${#programs[@]} program(s) into bench/guest/bin/; wrote $lock"
  exit 0
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
if command -v python3 >/dev/null; then
  python3 gen_vectors.py >"$out/vectors.h"
  if ! cmp -s "$out/vectors.h" secp256k1_vectors.h; then
    echo "build.sh: secp256k1_vectors.h is not what gen_vectors.py writes" >&2
    status=1
  fi
else
  echo "build.sh --check: python3 not found: secp256k1_vectors.h not regenerated" >&2
  status=1
fi
same_toolchain=0
if [[ $(sed -n 's/^toolchain: //p' "$lock" 2>/dev/null) == "$toolchain" ]]; then
  same_toolchain=1
else
  echo "build.sh --check: installed toolchain '$toolchain' is not the recorded one: checking hashes only" >&2
fi
for name in "${programs[@]}"; do
  if [[ ! -f bin/$name ]]; then
    echo "build.sh: bin/$name is missing" >&2
    status=1
  elif [[ $(grep -E "^$name " "$lock" 2>/dev/null || true) != "$name $(inputs_hash "$name") $(file_hash "bin/$name")" ]]; then
    echo "build.sh: bin/$name does not match its sources and $lock (run bench/guest/build.sh, commit bin/ and $lock)" >&2
    status=1
  elif ((same_toolchain)); then
    build "$name" "$out/$name"
    if ! cmp -s "$out/$name" "bin/$name"; then
      echo "build.sh: bin/$name does not match a fresh build of $name.c" >&2
      status=1
    fi
  fi
done
((status == 0)) && echo "build.sh --check: ${#programs[@]} ELF(s) up to date"
exit $status
