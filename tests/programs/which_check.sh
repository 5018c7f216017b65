#!/usr/bin/env bash
# Usage: which_check.sh <program-name|path/to/src.S> <exit-code>
# Prints the source line of the check that makes an assembly test program
# exit with <exit-code>.  Check numbers are assigned in source order by the
# CHECK*/EXPECT* macros of src/test_macros.h (lines inside .macro bodies are
# not counted: each invocation counts once).
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 <program-name|file.S> <exit-code>" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
src=$1
[ -f "$src" ] || src="$here/src/$1.S"
[ -f "$src" ] || { echo "no such source: $1" >&2; exit 2; }
awk -v want="$2" '
  /^[ \t]*\.macro/ { inmacro = 1; next }
  /^[ \t]*\.endm/  { inmacro = 0; next }
  !inmacro && /^([A-Za-z0-9_.$]+:)?[ \t]+(CHECK|EXPECT)[A-Z_]*([ \t]|$)/ {
    n++
    if (n == want) { printf "%s:%d: check %d: %s\n", FILENAME, FNR, n, $0; found = 1 }
  }
  END { if (!found) { printf "no check %d (file has %d checks; codes >= 120 are program-specific, see the header comment)\n", want, n; exit 1 } }
' "$src"
