# Runs one command and checks how it ended. Used by the ckb-vm-run and example
# tests registered in examples/CMakeLists.txt:
#
#   cmake -DSTATUS=<n|nonzero> [-DSTDOUT=<regex>] [-DSTDERR=<regex>]
#         [-DSTDOUT_LINES=<n>] [-DSTDERR_LINES=<n>] [-DNOT_STDOUT=<regex>]
#         -P expect.cmake -- COMMAND [ARGS...]
#
# STATUS is the exit status; "nonzero" accepts any failure status but not a
# crash (a signal makes execute_process report text, not a number). Regexes
# are matched against the whole output with trailing newlines removed; *_LINES
# counts its lines (0 = empty).
cmake_minimum_required(VERSION 3.25)

set(command "")
set(collect OFF)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(k RANGE ${last})
  if(collect)
    list(APPEND command "${CMAKE_ARGV${k}}")
  elseif(CMAKE_ARGV${k} STREQUAL "--")
    set(collect ON)
  endif()
endforeach()
if(NOT command)
  message(FATAL_ERROR "expect.cmake: no command after --")
endif()

execute_process(COMMAND ${command}
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX REPLACE "\n+$" "" out "${out}")
string(REGEX REPLACE "\n+$" "" err "${err}")

set(problems "")
if(NOT status MATCHES "^[0-9]+$")
  string(APPEND problems "  the command did not exit normally: ${status}\n")
elseif(STATUS STREQUAL "nonzero")
  if(status EQUAL 0)
    string(APPEND problems "  exit status 0, expected a failure\n")
  endif()
elseif(NOT status EQUAL STATUS)
  string(APPEND problems "  exit status ${status}, expected ${STATUS}\n")
endif()

function(count_lines text var)
  if(text STREQUAL "")
    set(${var} 0 PARENT_SCOPE)
  else()
    string(REGEX MATCHALL "\n" newlines "${text}")
    list(LENGTH newlines n)
    math(EXPR n "${n} + 1")
    set(${var} ${n} PARENT_SCOPE)
  endif()
endfunction()

if(DEFINED STDOUT AND NOT out MATCHES "${STDOUT}")
  string(APPEND problems "  stdout does not match: ${STDOUT}\n")
endif()
if(DEFINED NOT_STDOUT AND out MATCHES "${NOT_STDOUT}")
  string(APPEND problems "  stdout matches what it must not: ${NOT_STDOUT}\n")
endif()
if(DEFINED STDERR AND NOT err MATCHES "${STDERR}")
  string(APPEND problems "  stderr does not match: ${STDERR}\n")
endif()
foreach(stream IN ITEMS out err)
  string(TOUPPER "STD${stream}_LINES" limit)
  if(DEFINED ${limit})
    count_lines("${${stream}}" n)
    if(NOT n EQUAL ${limit})
      string(APPEND problems "  std${stream} has ${n} line(s), expected ${${limit}}\n")
    endif()
  endif()
endforeach()

if(problems)
  list(JOIN command " " shown)
  message(FATAL_ERROR "FAILED: ${shown}\n${problems}--- exit status: ${status}\n--- stdout:\n${out}\n--- stderr:\n${err}\n")
endif()
