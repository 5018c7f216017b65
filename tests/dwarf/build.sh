#!/usr/bin/env bash
# Builds the guest program with DWARF line tables that tests/test_dwarf_line.cpp
# and tests/test_profiler.cpp read: src/prog.cpp + src/helper.c, compiled with
# -g for DWARF versions 5 (GCC 12's default), 4, 3 and 2, into bin/prog_v<N>.
# The ELFs are committed with what binutils says about them (expected/), so
# the tests need no cross toolchain. Builds are byte-for-byte reproducible
# (fixed object names, no build id, source paths mapped to /ckb-vm-cpp/...).
#
#   tests/dwarf/build.sh           rebuild bin/, expected/ and toolchain.lock
#   tests/dwarf/build.sh --check   fail if a committed ELF or expected file is
#                                  missing or not built from the current sources
#
# expected/prog_v<N>.lines: `riscv64-unknown-elf-objdump --dwarf=decodedline`
# reduced to "address file line" rows, and expected/prog_v<N>.addr2line: for
# every 2nd address of .text, `riscv64-unknown-elf-addr2line -e ELF` output.
# Freshness (toolchain.lock, what --check compares): tests/support/guest_lock.sh;
# the lock line of prog_v<N> also pins its two expected/ files. To refresh: run
# this script, commit bin/, expected/ and toolchain.lock together.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
source ../support/guest_lock.sh
cxx=${RISCV_CXX:-riscv64-unknown-elf-g++}
cc=${RISCV_CC:-riscv64-unknown-elf-gcc}
objdump=${RISCV_OBJDUMP:-riscv64-unknown-elf-objdump}
addr2line=${RISCV_ADDR2LINE:-riscv64-unknown-elf-addr2line}
nm=${RISCV_NM:-riscv64-unknown-elf-nm}
guest_lock_init tests/dwarf/build.sh "$cxx"
for tool in "$cxx" "$cc" "$objdump" "$addr2line" "$nm"; do
  guest_require "$tool" "install gcc-riscv64-unknown-elf and binutils-riscv64-unknown-elf"
done
guest_programs=(prog_v5 prog_v4 prog_v3 prog_v2)
common=(-march=rv64imc -mabi=lp64 -O2 -g -ffreestanding -fno-asynchronous-unwind-tables -fno-ident
        "-ffile-prefix-map=$PWD/src=/ckb-vm-cpp/tests/dwarf/src")
cxxflags=(-fno-exceptions -fno-rtti)
ldflags=(-nostdlib -nostartfiles -static -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-T,link.ld)

# The checkout's path is in the flags; hash "." instead so the lock does not depend on it.
guest_inputs_hash() {
  { printf '%s\n' "${1#prog_v}" "${common[*]}" "${cxxflags[*]}" "${ldflags[*]}"; cat src/prog.cpp src/helper.c link.ld; } |
    sed "s|$PWD|.|g" | guest_sha256
}
guest_outputs() { printf '%s\n' "bin/$1" "expected/$1.lines" "expected/$1.addr2line"; }
guest_build() {  # prog_v<N> root
  local v=${1#prog_v} obj=$guest_tmp/obj/$1
  mkdir -p "$obj"
  (cd src && "$cxx" "${common[@]}" "-gdwarf-$v" "${cxxflags[@]}" -c -o "$obj/prog.o" prog.cpp &&
    "$cc" "${common[@]}" "-gdwarf-$v" -c -o "$obj/helper.o" helper.c)
  "$cxx" "${common[@]}" "${ldflags[@]}" -o "$2/bin/$1" "$obj/prog.o" "$obj/helper.o"
  expected "$2/bin/$1" "$2/expected"
}

expected() {  # elf outdir
  local elf=$1 name out=$2
  name=$(basename "$elf")
  # "address file line" for every row objdump decodes (end-of-sequence rows have no line).
  "$objdump" --dwarf=decodedline "$elf" |
    awk 'NF >= 3 && $3 ~ /^0x[0-9a-f]+$/ && $2 ~ /^[0-9]+$/ { print $3, $1, $2 }' >"$out/$name.lines"
  # addr2line at every 2nd address of the code (from the first to the last function symbol's end).
  local lo hi
  lo=$("$nm" -n "$elf" | awk '$2 ~ /^[Tt]$/ { print $1; exit }')
  read -r size vma < <("$objdump" -h "$elf" | awk '$2 == ".text" { print $3, $4 }')
  hi=$((0x$vma + 0x$size))
  for ((a = 0x$lo; a < hi; a += 2)); do printf '0x%x\n' "$a"; done >"$out/$name.addresses"
  "$addr2line" -e "$elf" <"$out/$name.addresses" | paste -d' ' "$out/$name.addresses" - >"$out/$name.addr2line"
  rm "$out/$name.addresses"
}

guest_lock_main "$@"
