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
# Freshness (toolchain.lock, what --check compares): tests/support/guest_lock.sh.
# To refresh: run this script and commit bin/ and toolchain.lock together.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
source ../../tests/support/guest_lock.sh
cc=${RISCV_CC:-riscv64-unknown-elf-gcc}
guest_lock_init bench/guest/build.sh "$cc"
guest_require "$cc" "install gcc-riscv64-unknown-elf, or set RISCV_CC"
link_script=../../tests/programs/link.ld
flags=(-march=rv64imc_zba_zbb_zbc_zbs -mabi=lp64 -mcmodel=medlow -O3 -ffreestanding -fno-builtin
       -fno-tree-loop-distribute-patterns -fno-ident -fno-asynchronous-unwind-tables -fno-unwind-tables
       -fno-stack-protector -fno-pic -Wall -Wextra -Werror -nostdlib -nostartfiles
       -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,-T,$link_script)
guest_programs=(secp256k1_verify)
guest_inputs_hash() { { printf '%s\n' "${flags[*]}"; cat "$1.c" ./*.h "$link_script"; } | guest_sha256; }
guest_build() { "$cc" "${flags[@]}" -o "$2/bin/$1" "$1.c" -lgcc; }

# The test vectors are generated too: --check regenerates and compares them.
if [[ ${1:-} == --check ]]; then
  if command -v python3 >/dev/null; then
    python3 gen_vectors.py >"$guest_tmp/vectors.h"
    cmp -s "$guest_tmp/vectors.h" secp256k1_vectors.h ||
      guest_fail "secp256k1_vectors.h is not what gen_vectors.py writes"
  else
    guest_fail "python3 not found: secp256k1_vectors.h not regenerated"
  fi
fi
guest_lock_main "$@"
