#!/usr/bin/env bash
# Builds the example guest programs (items.c, debug_print.c) into bin/. The
# ELFs are committed, so the examples and the ckb-vm-run tests need no cross
# compiler. Needs riscv64-unknown-elf-gcc; builds are byte-for-byte
# reproducible.
#
#   examples/guest/build.sh           rebuild bin/ and toolchain.lock
#   examples/guest/build.sh --check   fail if a committed ELF is missing or not built
#                                     from the current source
#
# Freshness (toolchain.lock, what --check compares): tests/support/guest_lock.sh.
# To refresh: run this script and commit bin/ and toolchain.lock together.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
source ../../tests/support/guest_lock.sh
cc=${CC:-riscv64-unknown-elf-gcc}
guest_lock_init examples/guest/build.sh "$cc"
guest_require "$cc" "install gcc-riscv64-unknown-elf, or set CC"
flags=(-march=rv64imc -mabi=lp64 -O2 -ffreestanding -fno-builtin -nostdlib -nostartfiles -static
       -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-Ttext=0x10000)
guest_programs=(items debug_print)
guest_inputs_hash() { { printf '%s\n' "${flags[*]}"; cat "$1.c"; } | guest_sha256; }
guest_build() { "$cc" "${flags[@]}" -o "$2/bin/$1" "$1.c"; }
guest_lock_main "$@"
