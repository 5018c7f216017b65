# shellcheck shell=bash
# Freshness of committed RISC-V guest ELFs: the toolchain.lock scaffolding that
# tests/programs, tests/dwarf, examples/guest and bench/guest/build.sh share.
# Sourced (not run) by a build.sh after it has cd'ed into its own directory.
#
# toolchain.lock, next to the build.sh:
#   # Written by <script>; checked by build.sh --check. Do not edit.
#   toolchain: <compiler --version line>; <its ld --version line>
#   <name> <SHA-256 of inputs> <SHA-256 of each output, in guest_outputs order>
#
# --check always recomputes the hashes: changed sources or flags, or an edited
# ELF, mean stale. It also rebuilds and compares byte for byte, but only when
# the installed toolchain is the recorded one: a compiler point release may
# change code generation, and that alone must not fail CI.
#
# The build.sh provides
#   guest_programs=(...)       program names, in lock-file order
#   guest_inputs_hash NAME     print the SHA-256 of all that goes into NAME
#                              (flags, sources, headers, link script); pipe the
#                              inputs into guest_sha256
#   guest_build NAME ROOT      build NAME's outputs under ROOT (ROOT is . to
#                              rebuild the committed files, a scratch directory
#                              for --check); their directories exist already
#   guest_outputs NAME         optional: NAME's files relative to the script's
#                              directory, ELF first (default: bin/NAME)
# and calls guest_lock_init first, then guest_lock_main "$@" (or
# guest_lock_build / guest_lock_check when it parses its own arguments).

guest_lock=toolchain.lock
guest_status=0

# guest_lock_init SCRIPT CC: SCRIPT is the build.sh's path from the repository
# root (messages and the lock header name it); CC is the compiler whose version
# is recorded. Gives the caller a scratch directory, $guest_tmp, removed on exit
# (so the caller sets no EXIT trap of its own).
guest_lock_init() {
  guest_script=$1
  guest_cc=$2
  guest_tmp=$(mktemp -d)
  trap 'rm -rf "$guest_tmp"' EXIT
}

guest_die() { echo "$guest_script: $*" >&2; exit 1; }

# Reports a --check failure and carries on, so one run lists every stale file.
guest_fail() { echo "$guest_script --check: $*" >&2; guest_status=1; }

# guest_require TOOL [HINT]: fail early and clearly when a tool is missing.
guest_require() {
  command -v "$1" >/dev/null 2>&1 || guest_die "'$1' not found${2:+ ($2)}"
}

# SHA-256 of the named files, or of stdin.
guest_sha256() { sha256sum "$@" | cut -d' ' -f1; }

guest_outputs() { printf 'bin/%s\n' "$1"; }

# The compiler and linker versions: what makes a rebuild byte-for-byte comparable.
guest_toolchain() {
  printf '%s; %s' "$("$guest_cc" --version | head -n 1)" \
    "$("$("$guest_cc" -print-prog-name=ld)" --version | head -n 1)"
}

# The lock line NAME would have now.
guest_lock_line() {
  local name=$1 line f outs
  mapfile -t outs < <(guest_outputs "$name")
  line="$name $(guest_inputs_hash "$name")"
  for f in "${outs[@]}"; do line+=" $(guest_sha256 "$f")"; done
  printf '%s\n' "$line"
}

# The line recorded for NAME, if any.
guest_lock_recorded() {
  [[ -f $guest_lock ]] || return 0
  awk -v n="$1" '$1 == n' "$guest_lock"
}

# The directories NAME's outputs are in ("bin/" or "bin/, expected/"), for the
# "commit ..." advice.
guest_output_dirs() {
  guest_outputs "$1" | sed 's|/[^/]*$|/|' | awk '!seen[$0]++' | paste -sd, - | sed 's/,/, /g'
}

# Fails on names that are not in guest_programs.
guest_known() {
  local name p
  for name; do
    for p in "${guest_programs[@]}"; do [[ $p == "$name" ]] && continue 2; done
    guest_die "unknown program $name"
  done
}

# guest_build_into NAME ROOT: guest_build with the output directories made.
# Not called in a condition, so that set -e stops at a failing compiler.
guest_build_into() {
  local f outs
  mapfile -t outs < <(guest_outputs "$1")
  for f in "${outs[@]}"; do mkdir -p "$2/$(dirname "$f")"; done
  guest_build "$1" "$2"
}

# guest_lock_build [NAME...]: rebuild the named programs (default: all) and
# rewrite the lock. A program not rebuilt keeps its recorded line, so --check
# still reports it if it is stale.
guest_lock_build() {
  local name
  local -A rebuilt=()
  guest_known "$@"
  (($#)) || set -- "${guest_programs[@]}"
  for name; do
    guest_build_into "$name" .
    rebuilt[$name]=1
  done
  {
    echo "# Written by $guest_script; checked by build.sh --check. Do not edit."
    echo "toolchain: $(guest_toolchain)"
    for name in "${guest_programs[@]}"; do
      if [[ -n ${rebuilt[$name]:-} ]]; then guest_lock_line "$name"; else guest_lock_recorded "$name"; fi
    done
  } >"$guest_lock.new"
  mv "$guest_lock.new" "$guest_lock"
  echo "$guest_script: built $# program(s) into $(guest_output_dirs "$1"); wrote $guest_lock"
}

# guest_lock_check [NAME...]: check the named programs (default: all, and then
# also that the output directories hold nothing else). Returns non-zero, after
# naming every missing or stale file, if any check failed (including earlier
# guest_fail calls of the caller's own checks).
guest_lock_check() {
  local name f dir recorded toolchain advice missing same_toolchain=0 all=0 outs=()
  local -A known=()
  guest_known "$@"
  (($#)) || { set -- "${guest_programs[@]}"; all=1; }
  toolchain=$(guest_toolchain)
  recorded=$(sed -n 's/^toolchain: //p' "$guest_lock" 2>/dev/null || true)
  if [[ $recorded == "$toolchain" ]]; then
    same_toolchain=1
  else
    echo "$guest_script --check: installed toolchain '$toolchain' is not the recorded '${recorded:-(none)}':" \
      "checking source and ELF hashes only, not a byte-for-byte rebuild" >&2
  fi
  for name; do
    mapfile -t outs < <(guest_outputs "$name")
    advice="run $guest_script and commit $(guest_output_dirs "$name") and $guest_lock"
    missing=0
    for f in "${outs[@]}"; do
      [[ -f $f ]] || { guest_fail "$f is missing ($advice)"; missing=1; }
    done
    if ((missing)); then continue; fi
    if [[ $(guest_lock_recorded "$name") != "$(guest_lock_line "$name")" ]]; then
      guest_fail "${outs[0]} is stale: its sources, flags or outputs differ from $guest_lock ($advice)"
    elif ((same_toolchain)); then
      guest_build_into "$name" "$guest_tmp/fresh"
      for f in "${outs[@]}"; do
        cmp -s "$f" "$guest_tmp/fresh/$f" || guest_fail "$f is stale: it differs from a fresh build ($advice)"
      done
    fi
  done
  if ((all)); then
    # A file no program builds is a leftover (a renamed or removed program).
    for name in "${guest_programs[@]}"; do
      mapfile -t outs < <(guest_outputs "$name")
      for f in "${outs[@]}"; do known[$f]=1; done
    done
    for dir in $(printf '%s\n' "${!known[@]}" | sed 's|/[^/]*$||' | sort -u); do
      for f in "$dir"/*; do
        if [[ -e $f && -z ${known[$f]:-} ]]; then
          guest_fail "$f is not built by any program of $guest_script (delete it or add its program)"
        fi
      done
    done
  fi
  if ((guest_status == 0)); then echo "$guest_script --check: all $# program(s) are up to date"; fi
  return "$guest_status"
}

# The usual command line: "--check" checks, anything else rebuilds everything.
guest_lock_main() {
  if [[ ${1:-} == --check ]]; then guest_lock_check; else guest_lock_build; fi
}
