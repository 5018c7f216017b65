#!/usr/bin/env bash
# Build the RISC-V test programs into tests/programs/bin/.
#
#   ./build.sh            rebuild every program into bin/
#   ./build.sh --check    fail (naming the file) if a committed ELF in bin/ is
#                         missing, not in the table, or not built from the
#                         current sources; see "Freshness" below
#   ./build.sh NAME...    rebuild only the named programs into bin/
#   ./build.sh --check NAME...   check only the named programs
#
# Freshness: toolchain.lock records the cross toolchain's version and, per
# program, a SHA-256 of everything that goes into it (table row, flags,
# sources, headers, link script) and of the ELF; tests/support/guest_lock.sh
# writes and checks it. --check compares the hashes always, and a fresh build
# byte for byte when the installed toolchain is the recorded one. To refresh
# after changing sources or the toolchain: run tests/programs/build.sh and
# commit bin/ and toolchain.lock together.
#
# Needs riscv64-unknown-elf-gcc (Debian: gcc-riscv64-unknown-elf).  Builds
# are reproducible: no debug info, no build id, no .comment, sources given
# by relative path, fixed link script (link.ld).  Every ELF is validated:
# PT_LOAD segments are never writable+executable and end below 0x300000
# (the 1 MiB stack at the top of the 4 MiB VM memory starts there).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
source ../support/guest_lock.sh

CC=${RISCV_CC:-riscv64-unknown-elf-gcc}
READELF=${RISCV_READELF:-riscv64-unknown-elf-readelf}

# ---------------------------------------------------------------------------
# Program table: name | -march | sources (in src/).
# C programs are linked with crt0.S and support.c automatically.
PROGRAMS=(
  # ISA tests (self-checking assembly)
  "rv64i                    | rv64i                   | rv64i.S"
  "rv64m                    | rv64im                  | rv64m.S"
  "rv64c                    | rv64imc                 | rv64c.S"
  "rv64a                    | rv64imac                | rv64a.S"
  "zba                      | rv64imc_zba             | zba.S"
  "zbb                      | rv64imc_zbb             | zbb.S"
  "zbc                      | rv64imc_zbc             | zbc.S"
  "zbs                      | rv64imc_zbs             | zbs.S"
  "mop_fusion               | rv64imc                 | mop_fusion.S"
  # C programs
  "sha256                   | rv64imc                 | sha256.c"
  "bignum                   | rv64imc                 | bignum.c"
  "sort                     | rv64imc                 | sort.c"
  "bench_sha256             | rv64imc                 | bench_sha256.c"
  "bench_sha256_b           | rv64imc_zba_zbb_zbc_zbs | bench_sha256.c"
  "args                     | rv64imc                 | args.c"
  "argv_check               | rv64imc                 | argv_check.c"
  # hand-counted cycle programs
  "cycles_simple            | rv64im                  | cycles_simple.S"
  "cycles_loop              | rv64im                  | cycles_loop.S"
  "cycles_rvc               | rv64imc                 | cycles_rvc.S"
  # programs that stop with a VM error (or behave per version)
  "invalid_instruction      | rv64i                   | invalid_instruction.S"
  "invalid_instruction_zero | rv64i                   | invalid_instruction_zero.S"
  "unknown_ecall            | rv64i                   | unknown_ecall.S"
  "write_code               | rv64i                   | write_code.S"
  "jump_outside             | rv64i                   | jump_outside.S"
  "read_last_byte           | rv64i                   | read_last_byte.S"
  "jalr_rd_rs1              | rv64imc                 | jalr_rd_rs1.S"
  "infinite_loop            | rv64i                   | infinite_loop.S"
  "ebreak                   | rv64i                   | ebreak.S"
)

COMMON_FLAGS=(-mabi=lp64 -mcmodel=medlow -nostdlib -nostartfiles -Isrc
              -Wl,--build-id=none -Wl,-z,max-page-size=4096
              -Wl,-z,noexecstack -Wl,-T,link.ld)
C_FLAGS=(-O2 -ffreestanding -fno-ident -fno-asynchronous-unwind-tables
         -fno-unwind-tables -fno-stack-protector -fno-pic -Wall -Wextra -Werror)
SUPPORT_FLAGS=(-fno-builtin -fno-tree-loop-distribute-patterns)
STACK_START=$((0x300000))

guest_lock_init tests/programs/build.sh "$CC"
guest_require "$CC" "install gcc-riscv64-unknown-elf, or set RISCV_CC"
guest_require "$READELF" "install binutils-riscv64-unknown-elf, or set RISCV_READELF"

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }

# The table, by program name.
guest_programs=()
declare -A prog_march=() prog_srcs=()
for row in "${PROGRAMS[@]}"; do
  IFS='|' read -r name m s <<<"$row"
  name=$(trim "$name")
  guest_programs+=("$name")
  prog_march[$name]=$(trim "$m")
  prog_srcs[$name]=$(trim "$s")
done

# SHA-256 of everything that goes into program NAME, its table row included.
guest_inputs_hash() {
  local name=$1 s is_c=0
  for s in ${prog_srcs[$name]}; do case $s in *.c) is_c=1 ;; esac; done
  {
    printf '%s\n' "$name|${prog_march[$name]}|${prog_srcs[$name]}" "${COMMON_FLAGS[*]}" "${C_FLAGS[*]}" "${SUPPORT_FLAGS[*]}"
    [ $is_c = 1 ] && cat src/crt0.S src/support.c
    for s in ${prog_srcs[$name]}; do cat "src/$s"; done
    cat src/*.h link.ld
  } | guest_sha256
}

# validate ELF: no W+X PT_LOAD, every PT_LOAD inside [0x1000, 0x300000)
validate() {
  local elf=$1
  "$READELF" -lW "$elf" | awk -v f="$elf" -v limit="$STACK_START" '
    function hex(s,   v, i) {
      s = tolower(s); sub(/^0x/, "", s); v = 0
      for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
      return v
    }
    $1 == "LOAD" {
      n++
      vaddr = hex($3); memsz = hex($6)
      flags = ""
      for (i = 7; i < NF; i++) flags = flags $i
      if (flags ~ /W/ && flags ~ /E/) { print f ": W+X LOAD segment at " $3; bad = 1 }
      if (vaddr < 4096 || vaddr + memsz > limit) {
        printf "%s: LOAD segment %s+%#x outside [0x1000, %#x)\n", f, $3, memsz, limit; bad = 1
      }
    }
    END { if (n == 0) { print f ": no LOAD segment"; bad = 1 } exit bad }' >&2
}

guest_build() {  # name root
  local name=$1 march=${prog_march[$1]} out=$2/bin obj=$guest_tmp/obj/$1
  local objs=() s is_c=0 list=()
  for s in ${prog_srcs[$name]}; do
    case $s in *.c) is_c=1 ;; esac
  done
  # C programs get the start-up code and the libc routines
  [ $is_c = 1 ] && list+=(crt0.S support.c)
  for s in ${prog_srcs[$name]}; do list+=("$s"); done
  mkdir -p "$obj"
  # Compile each source to an object with a fixed name: the linker names
  # objects without an STT_FILE symbol after the object file, so a random
  # temporary name would make the ELF irreproducible.
  for s in "${list[@]}"; do
    local o="$obj/${s%.*}.o"
    case $s in
      support.c) "$CC" -march="$march" "${COMMON_FLAGS[@]}" "${C_FLAGS[@]}" "${SUPPORT_FLAGS[@]}" -c "src/$s" -o "$o" ;;
      *.c)       "$CC" -march="$march" "${COMMON_FLAGS[@]}" "${C_FLAGS[@]}" -c "src/$s" -o "$o" ;;
      *.S)       "$CC" -march="$march" "${COMMON_FLAGS[@]}" -c "src/$s" -o "$o" ;;
      *) guest_die "$name: unknown source type $s" ;;
    esac
    objs+=("$o")
  done
  local libs=()
  [ $is_c = 1 ] && libs=(-lgcc)
  "$CC" -march="$march" "${COMMON_FLAGS[@]}" "${objs[@]}" "${libs[@]}" -o "$out/$name"
  validate "$out/$name" || guest_die "$name: invalid segment layout"
}

check=0
only=()
for arg in "$@"; do
  case $arg in
    --check) check=1 ;;
    -h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' build.sh; exit 0 ;;
    -*) guest_die "unknown option $arg" ;;
    *) only+=("$arg") ;;
  esac
done

if ((check)); then guest_lock_check "${only[@]}"; else guest_lock_build "${only[@]}"; fi
