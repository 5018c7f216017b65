# Fixture for the ckb-vm-run --resume error tests: in WORK_DIR, a good snapshot
# of PROGRAM and files that are not intact snapshots.
#
#   cmake -DCLI=<ckb-vm-run> -DPROGRAM=<elf> -DWORK_DIR=<dir> -P make_snapshots.cmake
#
#   good.bin        suspended at 100000 cycles (default options)
#   appended.bin    good.bin with one more byte (the checksum no longer matches)
#   garbage.bin     the file magic followed by text
#   magic_only.bin  just the file magic
#   empty.bin       nothing
cmake_minimum_required(VERSION 3.25)

file(MAKE_DIRECTORY "${WORK_DIR}")
file(REMOVE "${WORK_DIR}/good.bin")
execute_process(COMMAND "${CLI}" --suspend-at 100000 --snapshot "${WORK_DIR}/good.bin" "${PROGRAM}"
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 0 OR NOT EXISTS "${WORK_DIR}/good.bin")
  message(FATAL_ERROR "could not make a snapshot: status ${status}\n${out}\n${err}")
endif()
file(COPY_FILE "${WORK_DIR}/good.bin" "${WORK_DIR}/appended.bin")
file(APPEND "${WORK_DIR}/appended.bin" "x")
string(REPEAT "not a snapshot " 20 text)
file(WRITE "${WORK_DIR}/garbage.bin" "CKBVMRUN${text}")
file(WRITE "${WORK_DIR}/magic_only.bin" "CKBVMRUN")
file(WRITE "${WORK_DIR}/empty.bin" "")
