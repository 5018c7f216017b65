# examples/snapshot_suspend_resume across processes:
#
#   cmake -DEXAMPLE=<snapshot_suspend_resume> -DPROGRAM=<elf> -DCYCLES=<n>
#         -DWORK_DIR=<dir> -P example_snapshot_roundtrip.cmake
#
# 1. `run PROGRAM`: the uninterrupted result line;
# 2. `suspend PROGRAM CYCLES FILE`: must stop at a cycle count <= CYCLES and
#    write FILE (a program that finishes first exits 1, which fails here);
# 3. `resume PROGRAM FILE`, a third process: must print the uninterrupted line.
cmake_minimum_required(VERSION 3.25)

file(MAKE_DIRECTORY "${WORK_DIR}")
get_filename_component(name "${PROGRAM}" NAME)
set(file "${WORK_DIR}/${name}.${CYCLES}.snapshot2")
file(REMOVE "${file}")

function(run_example out_var)
  execute_process(COMMAND "${EXAMPLE}" ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REGEX REPLACE "\n+$" "" out "${out}")
  list(JOIN ARGN " " shown)
  if(NOT status STREQUAL "0")
    message(FATAL_ERROR "snapshot_suspend_resume ${shown} exited with ${status}\n${out}\n${err}")
  endif()
  message(STATUS "${shown}: ${out}")
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

run_example(expected run "${PROGRAM}")
if(NOT expected MATCHES "^exit=-?[0-9]+ cycles=[0-9]+$")
  message(FATAL_ERROR "unexpected result line of the uninterrupted run: ${expected}")
endif()

run_example(suspended suspend "${PROGRAM}" "${CYCLES}" "${file}")
if(NOT suspended MATCHES "^suspended at cycles=([0-9]+) pc=0x[0-9a-f]+: [0-9]+ bytes")
  message(FATAL_ERROR "unexpected suspend line: ${suspended}")
endif()
if(CMAKE_MATCH_1 GREATER CYCLES)
  message(FATAL_ERROR "suspended at ${CMAKE_MATCH_1} cycles, beyond the budget of ${CYCLES}")
endif()
if(NOT EXISTS "${file}")
  message(FATAL_ERROR "no snapshot file was written: ${file}")
endif()

run_example(resumed resume "${PROGRAM}" "${file}")
if(NOT resumed STREQUAL expected)
  message(FATAL_ERROR "the resumed run differs from the uninterrupted one:\n  ${resumed}\n  ${expected}")
endif()
