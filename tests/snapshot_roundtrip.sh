#!/usr/bin/env bash
# Two-process suspend/resume round trip of examples/snapshot_suspend_resume.
# Usage: snapshot_roundtrip.sh EXAMPLE_BINARY PROGRAM CYCLES [WORK_DIR]
# Runs PROGRAM uninterrupted, then suspends it after CYCLES cycles into a file
# and resumes that file in a second process; both must print the same line.
set -euo pipefail
if [[ $# -lt 3 ]]; then
  echo "usage: $0 EXAMPLE_BINARY PROGRAM CYCLES [WORK_DIR]" >&2
  exit 2
fi
bin=$1 program=$2 cycles=$3
work=${4:-$(mktemp -d "${TMPDIR:-/tmp}/ckb_vm_snapshot.XXXXXX")}
mkdir -p "$work"
file="$work/$(basename "$program").snapshot2"

expected=$("$bin" run "$program")
echo "uninterrupted: $expected"
"$bin" suspend "$program" "$cycles" "$file"
actual=$("$bin" resume "$program" "$file")
echo "resumed:       $actual"
if [[ "$expected" != "$actual" ]]; then
  echo "FAIL: the resumed run differs from the uninterrupted one" >&2
  exit 1
fi
echo "OK"
