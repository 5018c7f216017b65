# Runs ckb-vm-run on every file of an ELF fuzz corpus (malformed and odd ELF
# files), plain and with --pprof (which reads the symbol table): each run
# must end with a status (0..255), never a crash or a hang, and a failure
# must come with exactly one line on stderr.
#
#   cmake -DCLI=<ckb-vm-run> -DCORPUS=<dir> [-DWORK_DIR=<dir>] -P malformed_elfs.cmake
cmake_minimum_required(VERSION 3.25)

file(GLOB inputs "${CORPUS}/*")
if(NOT inputs)
  message(STATUS "no files in ${CORPUS}; nothing to check")
  return()
endif()
if(NOT DEFINED WORK_DIR)
  set(WORK_DIR "${CMAKE_CURRENT_BINARY_DIR}")
endif()
file(MAKE_DIRECTORY "${WORK_DIR}")
set(failures "")
foreach(input IN LISTS inputs)
  foreach(mode plain pprof)
    set(extra --max-cycles 10000000)
    if(mode STREQUAL "pprof")
      list(APPEND extra --pprof "${WORK_DIR}/malformed.folded")
    endif()
    execute_process(COMMAND "${CLI}" ${extra} "${input}" TIMEOUT 60
      RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
    string(REGEX REPLACE "\n+$" "" err "${err}")
    string(REGEX MATCHALL "\n" newlines "${err}")
    list(LENGTH newlines extra_lines)
    get_filename_component(name "${input}" NAME)
    if(NOT status MATCHES "^[0-9]+$")
      string(APPEND failures "  ${name} (${mode}): ${status}\n")
    elseif(status EQUAL 2 AND (err STREQUAL "" OR extra_lines GREATER 0))
      string(APPEND failures "  ${name} (${mode}): status 2 without exactly one line on stderr: ${err}\n")
    endif()
    message(STATUS "${name} (${mode}): status ${status}: ${out}${err}")
  endforeach()
endforeach()
if(failures)
  message(FATAL_ERROR "ckb-vm-run mishandled:\n${failures}")
endif()
