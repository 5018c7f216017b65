# ckb-vm-run --tx-file --pprof/--trace on a script that spawns, following VM PID:
#
#   cmake -DCLI=<ckb-vm-run> -DTX=<mock tx> -DPID=<n> -DOUTPUT=<file>
#         -DFRAME=<regex> -DNOT_FRAME=<regex> -P tx_pprof.cmake
#
# The result lines must be those of the same run without --pprof (spawned VMs
# run under the scheduler either way); every profile line must be
# "frame;frame;... <cycles>", some frame must match FRAME (a function of VM
# PID's program) and none NOT_FRAME (one of another VM's). --trace --pid PID
# must print instructions before the same result lines.
cmake_minimum_required(VERSION 3.25)

get_filename_component(dir "${OUTPUT}" DIRECTORY)
file(MAKE_DIRECTORY "${dir}")
file(REMOVE "${OUTPUT}")

execute_process(COMMAND "${CLI}" --tx-file "${TX}" RESULT_VARIABLE status OUTPUT_VARIABLE plain ERROR_VARIABLE err)
if(NOT status EQUAL 0 OR NOT plain MATCHES "^Run result: 0\n")
  message(FATAL_ERROR "plain run: status ${status}\n${plain}\n${err}")
endif()

execute_process(COMMAND "${CLI}" --tx-file "${TX}" --pprof "${OUTPUT}" --pid "${PID}"
  RESULT_VARIABLE status OUTPUT_VARIABLE profiled ERROR_VARIABLE err)
if(NOT status EQUAL 0 OR NOT profiled STREQUAL plain)
  message(FATAL_ERROR "--pprof --pid ${PID}: status ${status}, output differs from the plain run:\n${profiled}\n${err}")
endif()
file(STRINGS "${OUTPUT}" lines)
list(LENGTH lines count)
if(count EQUAL 0)
  message(FATAL_ERROR "--pprof --pid ${PID} wrote an empty profile")
endif()
set(found OFF)
foreach(line IN LISTS lines)
  if(NOT line MATCHES "^[^ ]+ [0-9]+$")
    message(FATAL_ERROR "not a folded-stack line: ${line}")
  endif()
  if(line MATCHES "${FRAME}")
    set(found ON)
  endif()
  if(line MATCHES "${NOT_FRAME}")
    message(FATAL_ERROR "the profile of VM ${PID} has a frame of another VM: ${line}")
  endif()
endforeach()
if(NOT found)
  message(FATAL_ERROR "no frame matches ${FRAME} in the profile of VM ${PID}")
endif()

execute_process(COMMAND "${CLI}" --tx-file "${TX}" --trace --pid "${PID}"
  RESULT_VARIABLE status OUTPUT_VARIABLE traced ERROR_VARIABLE err)
string(FIND "${traced}" "Run result:" at)
if(NOT status EQUAL 0 OR at LESS 1)
  message(FATAL_ERROR "--trace --pid ${PID}: status ${status}, no trace before the result\n${err}")
endif()
string(SUBSTRING "${traced}" ${at} -1 result)
string(SUBSTRING "${traced}" 0 ${at} trace)
if(NOT result STREQUAL plain OR NOT trace MATCHES "^0x[0-9a-f]+  ")
  message(FATAL_ERROR "--trace --pid ${PID}: unexpected output\n${result}")
endif()
