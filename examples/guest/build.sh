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
# Freshness, as tests/programs/build.sh: toolchain.lock records the toolchain and,
# per program, SHA-256s of its source + flags and of its ELF. --check compares the
# hashes always, and a fresh build byte for byte only when the installed toolchain
# is the recorded one (a compiler point release may change code generation). To
# refresh: run this script and commit bin/ and toolchain.lock together.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
cc=${CC:-riscv64-unknown-elf-gcc}
command -v "$cc" >/dev/null || { echo "build.sh: $cc not found" >&2; exit 1; }
flags=(-march=rv64imc -mabi=lp64 -O2 -ffreestanding -fno-builtin -nostdlib -nostartfiles -static
       -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-Ttext=0x10000)
programs=(items debug_print)
lock=toolchain.lock
toolchain=$(printf '%s; %s' "$("$cc" --version | head -n 1)" "$("$("$cc" -print-prog-name=ld)" --version | head -n 1)")
inputs_hash() { { printf '%s\n' "${flags[*]}"; cat "$1.c"; } | sha256sum | cut -d' ' -f1; }
file_hash() { sha256sum "$1" | cut -d' ' -f1; }

if [[ ${1:-} != --check ]]; then
  mkdir -p bin
  for name in "${programs[@]}"; do "$cc" "${flags[@]}" -o "bin/$name" "$name.c"; done
  {
    echo "# Written by examples/guest/build.sh; checked by build.sh --check. Do not edit."
    echo "toolchain: $toolchain"
    for name in "${programs[@]}"; do echo "$name $(inputs_hash "$name") $(file_hash "bin/$name")"; done
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
for name in "${programs[@]}"; do
  if [[ ! -f bin/$name ]]; then
    echo "build.sh: bin/$name is missing" >&2
    status=1
  elif [[ $(grep -E "^$name " "$lock" 2>/dev/null || true) != "$name $(inputs_hash "$name") $(file_hash "bin/$name")" ]]; then
    echo "build.sh: bin/$name does not match $name.c and $lock (run examples/guest/build.sh, commit bin/ and $lock)" >&2
    status=1
  elif ((same_toolchain)); then
    "$cc" "${flags[@]}" -o "$out/$name" "$name.c"
    if ! cmp -s "$out/$name" "bin/$name"; then
      echo "build.sh: bin/$name does not match a fresh build of $name.c" >&2
      status=1
    fi
  fi
done
((status == 0)) && echo "build.sh --check: ${#programs[@]} example guest ELFs are up to date"
exit $status
