# Suspend/resume round trip through a snapshot file with ckb-vm-run:
#
#   cmake -DCLI=<ckb-vm-run> -DPROGRAM=<elf> -DSUSPEND_AT=<cycles>[|<cycles>...]
#         -DWORK_DIR=<dir> [-DOPTIONS=<opt>|<opt>...] [-DARGS=<arg>|<arg>...]
#         [-DRESUME_OPTIONS=<opt>|<opt>...] -P suspend_resume.cmake
#
# 1. runs PROGRAM ARGS uninterrupted with OPTIONS and keeps its final line;
# 2. runs it with --suspend-at (the first SUSPEND_AT) --snapshot FILE;
# 3. resumes FILE (with RESUME_OPTIONS only: the rest is in the file),
#    suspending again at each further SUSPEND_AT (a chain);
# 4. resumes the last file to the end: its final line and exit status must
#    equal the uninterrupted run's. Whatever the runs print before their final
#    lines (the --trace output) must add up to what the uninterrupted run
#    printed before its own.
# Lists use "|" because ";" separates CMake arguments.
cmake_minimum_required(VERSION 3.25)

string(REPLACE "|" ";" options "${OPTIONS}")
string(REPLACE "|" ";" stops "${SUSPEND_AT}")
string(REPLACE "|" ";" args "${ARGS}")
string(REPLACE "|" ";" resume_options "${RESUME_OPTIONS}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(run_cli out_var status_var)
  execute_process(COMMAND "${CLI}" ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REGEX REPLACE "\n+$" "" out "${out}")
  if(NOT status MATCHES "^[0-9]+$")
    list(JOIN ARGN " " shown)
    message(FATAL_ERROR "ckb-vm-run ${shown} did not exit normally: ${status}\n${out}\n${err}")
  endif()
  # Split off the final line; the rest (trace output) is collected in `body`.
  if(out MATCHES "^(.*\n)([^\n]*)$")
    set(body "${body}${CMAKE_MATCH_1}" PARENT_SCOPE)
    set(out "${CMAKE_MATCH_2}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
  set(${status_var} "${status}" PARENT_SCOPE)
  set(last_stderr "${err}" PARENT_SCOPE)
endfunction()

set(body "")
run_cli(reference reference_status ${options} "${PROGRAM}" ${args})
set(reference_body "${body}")
set(body "")
if(NOT reference MATCHES "^exit=-?[0-9]+ cycles=([0-9]+)$")
  message(FATAL_ERROR "uninterrupted run printed '${reference}'")
endif()
set(total_cycles "${CMAKE_MATCH_1}")
message(STATUS "uninterrupted: ${reference}")

set(resume_args "")
set(run_options ${options})
set(k 0)
foreach(stop IN LISTS stops)
  if(stop GREATER_EQUAL total_cycles)
    message(FATAL_ERROR "SUSPEND_AT ${stop} is not below the run's ${total_cycles} cycles")
  endif()
  set(file "${WORK_DIR}/snapshot${k}.bin")
  file(REMOVE "${file}")
  run_cli(line status ${resume_args} ${run_options} --suspend-at ${stop} --snapshot "${file}" "${PROGRAM}" ${args})
  if(NOT status EQUAL 0 OR NOT line MATCHES "^suspended cycles=([0-9]+) snapshot=")
    message(FATAL_ERROR "suspending at ${stop}: status ${status}, printed '${line}'\n${last_stderr}")
  endif()
  if(CMAKE_MATCH_1 GREATER stop OR NOT EXISTS "${file}")
    message(FATAL_ERROR "suspending at ${stop}: '${line}', snapshot file missing or cycles beyond the limit")
  endif()
  message(STATUS "${line}")
  # Options are in the snapshot file: resuming needs only it, the program and (as a user
  # repeating the command gives them) the same ARGS.
  set(resume_args --resume "${file}")
  set(run_options ${resume_options})
  math(EXPR k "${k} + 1")
endforeach()

run_cli(resumed resumed_status ${resume_args} ${resume_options} "${PROGRAM}" ${args})
message(STATUS "resumed:       ${resumed}")
if(NOT resumed STREQUAL reference OR NOT resumed_status EQUAL reference_status)
  message(FATAL_ERROR "resumed run printed '${resumed}' (status ${resumed_status}); "
                      "uninterrupted: '${reference}' (status ${reference_status})\n${last_stderr}")
endif()
if(NOT body STREQUAL reference_body)
  string(LENGTH "${body}" got)
  string(LENGTH "${reference_body}" want)
  message(FATAL_ERROR "the suspended and resumed runs printed ${got} bytes before their final lines, "
                      "the uninterrupted run ${want}, or different ones")
endif()
