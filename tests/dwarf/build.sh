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
# Freshness as in tests/programs/build.sh: toolchain.lock records the toolchain
# and SHA-256s of the inputs and of each ELF; --check compares the hashes
# always and a fresh build byte for byte when the installed toolchain is the
# recorded one. To refresh: run this script, commit bin/, expected/ and
# toolchain.lock together.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
cxx=${RISCV_CXX:-riscv64-unknown-elf-g++}
cc=${RISCV_CC:-riscv64-unknown-elf-gcc}
objdump=${RISCV_OBJDUMP:-riscv64-unknown-elf-objdump}
addr2line=${RISCV_ADDR2LINE:-riscv64-unknown-elf-addr2line}
nm=${RISCV_NM:-riscv64-unknown-elf-nm}
for tool in "$cxx" "$cc" "$objdump" "$addr2line" "$nm"; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool not found" >&2; exit 1; }
done
versions=(5 4 3 2)
common=(-march=rv64imc -mabi=lp64 -O2 -g -ffreestanding -fno-asynchronous-unwind-tables -fno-ident
        "-ffile-prefix-map=$PWD/src=/ckb-vm-cpp/tests/dwarf/src")
cxxflags=(-fno-exceptions -fno-rtti)
ldflags=(-nostdlib -nostartfiles -static -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-T,link.ld)
lock=toolchain.lock
toolchain=$(printf '%s; %s' "$("$cxx" --version | head -n 1)" "$("$("$cxx" -print-prog-name=ld)" --version | head -n 1)")
inputs_hash() {
  { printf '%s\n' "$1" "${common[*]}" "${cxxflags[*]}" "${ldflags[*]}"; cat src/prog.cpp src/helper.c link.ld; } |
    sed "s|$PWD|.|g" | sha256sum | cut -d' ' -f1
}
file_hash() { sha256sum "$1" | cut -d' ' -f1; }

build() {  # version outdir
  local v=$1 out=$2 obj
  obj=$(mktemp -d)
  (cd src && "$cxx" "${common[@]}" "-gdwarf-$v" "${cxxflags[@]}" -c -o "$obj/prog.o" prog.cpp &&
    "$cc" "${common[@]}" "-gdwarf-$v" -c -o "$obj/helper.o" helper.c)
  "$cxx" "${common[@]}" "${ldflags[@]}" -o "$out/prog_v$v" "$obj/prog.o" "$obj/helper.o"
  rm -rf "$obj"
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

if [[ ${1:-} != --check ]]; then
  mkdir -p bin expected
  for v in "${versions[@]}"; do
    build "$v" bin
    expected "bin/prog_v$v" expected
  done
  {
    echo "# Written by tests/dwarf/build.sh; checked by build.sh --check. Do not edit."
    echo "toolchain: $toolchain"
    for v in "${versions[@]}"; do
      echo "prog_v$v $(inputs_hash "$v") $(file_hash "bin/prog_v$v") $(file_hash "expected/prog_v$v.lines") $(file_hash "expected/prog_v$v.addr2line")"
    done
  } >"$lock"
  exit 0
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
same_toolchain=0
if [[ $(sed -n 's/^toolchain: //p' "$lock" 2>/dev/null) == "$toolchain" ]]; then
  same_toolchain=1
else
  echo "build.sh --check: installed toolchain '$toolchain' is not the recorded one: checking hashes only" >&2
fi
status=0
for v in "${versions[@]}"; do
  name=prog_v$v
  if [[ ! -f bin/$name || ! -f expected/$name.lines || ! -f expected/$name.addr2line ]]; then
    echo "build.sh: bin/$name or its expected/ files are missing" >&2
    status=1
  elif [[ $(grep -E "^$name " "$lock" 2>/dev/null || true) != "$name $(inputs_hash "$v") $(file_hash "bin/$name") $(file_hash "expected/$name.lines") $(file_hash "expected/$name.addr2line")" ]]; then
    echo "build.sh: bin/$name does not match src/ and $lock (run tests/dwarf/build.sh, commit bin/, expected/ and $lock)" >&2
    status=1
  elif ((same_toolchain)); then
    build "$v" "$out"
    expected "$out/$name" "$out"
    for f in "$name" "$name.lines" "$name.addr2line"; do
      src=bin/$f
      [[ $f == "$name" ]] || src=expected/$f
      if ! cmp -s "$out/$f" "$src"; then
        echo "build.sh: $src does not match a fresh build" >&2
        status=1
      fi
    done
  fi
done
((status == 0)) && echo "build.sh --check: ${#versions[@]} DWARF test ELFs are up to date"
exit $status
