#!/usr/bin/env bash
# Run every program marked `qemu: yes` in manifest.tsv under qemu-riscv64
# (Linux user mode) and compare its exit code with the manifest.
#
#   ./check_qemu.sh            exit codes only (a few seconds)
#   ./check_qemu.sh --cycles   also re-derive the traced_cycles column with
#                              trace_cycles.py (slow: ~1-2 min per benchmark)
#   ./check_qemu.sh NAME...    only the named programs
#
# Programs whose isa column contains "b" run with the Bitmanip cpu flags.
# Also checks that every ELF in bin/ has a manifest row and vice versa.
# Exits non-zero on any mismatch, or if qemu-riscv64 is missing.
set -uo pipefail

cd "$(dirname "$0")"
QEMU=${QEMU_RISCV64:-qemu-riscv64}
B_CPU=(-cpu rv64,zba=true,zbb=true,zbc=true,zbs=true)

if ! command -v "$QEMU" >/dev/null 2>&1; then
  echo "check_qemu.sh: '$QEMU' not found (install qemu-user, or set QEMU_RISCV64)" >&2
  exit 1
fi

cycles=0
only=()
for arg in "$@"; do
  case $arg in
    --cycles) cycles=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) echo "check_qemu.sh: unknown option $arg" >&2; exit 2 ;;
    *) only+=("$arg") ;;
  esac
done

pass=0
fail=0
skip=0
names=()
while IFS=$'\t' read -r name isa args expect expect_v0 qemu hand traced desc; do
  case $name in ''|'#'*) continue ;; esac
  names+=("$name")
  if [ ${#only[@]} -gt 0 ]; then
    want=0
    for o in "${only[@]}"; do [ "$o" = "$name" ] && want=1; done
    [ $want = 1 ] || continue
  fi
  if [ "$qemu" != yes ]; then
    skip=$((skip + 1))
    continue
  fi
  if [ ! -f "bin/$name" ]; then
    echo "FAIL $name: bin/$name missing (run ./build.sh)"
    fail=$((fail + 1))
    continue
  fi
  if ! [[ $expect =~ ^[0-9]+$ ]]; then
    echo "FAIL $name: qemu: yes needs a numeric expect, got '$expect'"
    fail=$((fail + 1))
    continue
  fi
  cpu=()
  [[ $isa == *b* ]] && cpu=("${B_CPU[@]}")
  argv=()
  [ "$args" != - ] && read -r -a argv <<<"$args"
  "$QEMU" "${cpu[@]}" "bin/$name" "${argv[@]}" </dev/null >/dev/null 2>&1
  rc=$?
  if [ "$rc" != "$expect" ]; then
    echo "FAIL $name: exit code $rc, expected $expect"
    fail=$((fail + 1))
    continue
  fi
  if [ $cycles = 1 ] && [ "$traced" != - ]; then
    topt=()
    [[ $isa == *b* ]] && topt=(--b)
    got=$(./trace_cycles.py "${topt[@]}" "bin/$name" "${argv[@]}" | sed -n 's/^estimate cycles (no fusion): //p')
    if [ "$got" != "$traced" ]; then
      echo "FAIL $name: traced cycles $got, manifest says $traced"
      fail=$((fail + 1))
      continue
    fi
  fi
  echo "ok   $name (exit $rc)"
  pass=$((pass + 1))
done < manifest.tsv

if [ ${#only[@]} -eq 0 ]; then
  for f in bin/*; do
    b=$(basename "$f")
    printf '%s\n' "${names[@]}" | grep -qx -- "$b" || {
      echo "FAIL $b: bin/$b has no row in manifest.tsv"
      fail=$((fail + 1))
    }
  done
  for n in "${names[@]}"; do
    [ -f "bin/$n" ] || { echo "FAIL $n: in manifest.tsv but bin/$n is missing"; fail=$((fail + 1)); }
  done
fi

echo "check_qemu: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
