# Checks ckb-vm-run --pprof on a program whose hot function is known:
#
#   cmake -DCLI=<ckb-vm-run> -DPROGRAM=<elf> -DOUTPUT=<file> -DHOT=<frame>
#         [-DMIN_PERCENT=50] [-DCALLER=<frame>] [-DCOMPARE_TRACE=ON]
#         [-DEXPECT_LINE=<regex>] -P pprof.cmake
#
# Every line of the profile must be "frame;frame;... <cycles>"; the lines must
# add up to the cycles the run printed; HOT must be the frame with the most
# cycles of its own, with at least MIN_PERCENT of them; and, with CALLER, HOT
# must appear below CALLER in its stacks. With COMPARE_TRACE, the profile of
# the same run under --trace (the instruction-by-instruction profiler) must be
# byte for byte the same as the plain --pprof one (the block engine's). With
# EXPECT_LINE, some line of the profile must match the regex (";" written "/").
cmake_minimum_required(VERSION 3.25)
if(NOT DEFINED MIN_PERCENT)
  set(MIN_PERCENT 50)
endif()

get_filename_component(dir "${OUTPUT}" DIRECTORY)
file(MAKE_DIRECTORY "${dir}")
file(REMOVE "${OUTPUT}")
execute_process(COMMAND "${CLI}" --pprof "${OUTPUT}" "${PROGRAM}"
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 0 OR NOT out MATCHES "^exit=0 cycles=([0-9]+)\n$")
  message(FATAL_ERROR "ckb-vm-run --pprof: status ${status}\n${out}\n${err}")
endif()
set(total "${CMAKE_MATCH_1}")

file(READ "${OUTPUT}" profile)
if(COMPARE_TRACE)
  execute_process(COMMAND "${CLI}" --trace --pprof "${OUTPUT}.trace" "${PROGRAM}"
    RESULT_VARIABLE trace_status OUTPUT_QUIET ERROR_VARIABLE trace_err)
  if(NOT trace_status EQUAL 0)
    message(FATAL_ERROR "ckb-vm-run --trace --pprof: status ${trace_status}\n${trace_err}")
  endif()
  file(READ "${OUTPUT}.trace" traced)
  if(NOT traced STREQUAL profile)
    message(FATAL_ERROR "--pprof and --trace --pprof profiles differ:\n${profile}\n--- traced:\n${traced}")
  endif()
  message(STATUS "--pprof equals the instruction-level profile of --trace --pprof")
endif()
# ";" is the frame separator of the format and CMake's list separator: use "/".
string(REPLACE ";" "/" profile "${profile}")
string(REGEX REPLACE "\n$" "" profile "${profile}")
string(REPLACE "\n" ";" lines "${profile}")
if(DEFINED EXPECT_LINE)
  set(found OFF)
  foreach(line IN LISTS lines)
    if(line MATCHES "${EXPECT_LINE}")
      set(found ON)
    endif()
  endforeach()
  if(NOT found)
    message(FATAL_ERROR "no profile line matches '${EXPECT_LINE}':\n${profile}")
  endif()
endif()

set(sum 0)
set(functions "")
foreach(line IN LISTS lines)
  if(NOT line MATCHES "^([^ /]+(/[^ /]+)*) ([0-9]+)$")
    message(FATAL_ERROR "malformed profile line: '${line}'")
  endif()
  set(stack "${CMAKE_MATCH_1}")
  set(cycles "${CMAKE_MATCH_3}")
  math(EXPR sum "${sum} + ${cycles}")
  string(REGEX REPLACE "^.*/" "" leaf "${stack}")
  string(MAKE_C_IDENTIFIER "${leaf}" key)
  if(NOT DEFINED self_${key})
    set(self_${key} 0)
    list(APPEND functions "${leaf}")
  endif()
  math(EXPR self_${key} "${self_${key}} + ${cycles}")
  if(leaf STREQUAL HOT AND DEFINED CALLER AND NOT stack MATCHES "(^|/)${CALLER}/(.*/)?${HOT}$")
    message(FATAL_ERROR "${HOT} appears without ${CALLER} above it: '${line}'")
  endif()
endforeach()
if(NOT sum EQUAL total)
  message(FATAL_ERROR "the profile adds up to ${sum} cycles, the run took ${total}")
endif()

set(best "")
set(best_cycles -1)
foreach(f IN LISTS functions)
  string(MAKE_C_IDENTIFIER "${f}" key)
  message(STATUS "${f}: ${self_${key}} cycles")
  if(self_${key} GREATER best_cycles)
    set(best "${f}")
    set(best_cycles "${self_${key}}")
  endif()
endforeach()
math(EXPR percent "100 * ${best_cycles} / ${total}")
if(NOT best STREQUAL HOT OR percent LESS MIN_PERCENT)
  message(FATAL_ERROR "hottest function: ${best} with ${percent}% of ${total} cycles; expected ${HOT} with >= ${MIN_PERCENT}%")
endif()
message(STATUS "${HOT} has ${percent}% of ${total} cycles")
