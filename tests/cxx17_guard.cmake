# Every ckb_vm header, included by a C++17 translation unit, must stop the compiler
# with the one "ckb-vm-cpp needs C++20" #error of ckb_vm/detail/config.hpp: no error
# from anywhere else.
# Usage: cmake -DCXX=<compiler> -DINCLUDE_DIR=<dir> -DWORK_DIR=<dir> -P cxx17_guard.cmake
file(GLOB_RECURSE headers RELATIVE "${INCLUDE_DIR}" "${INCLUDE_DIR}/ckb_vm/*.hpp")
list(SORT headers)
file(MAKE_DIRECTORY "${WORK_DIR}")
set(failures 0)
foreach(header IN LISTS headers)
  string(MAKE_C_IDENTIFIER "${header}" id)
  set(tu "${WORK_DIR}/${id}.cpp")
  file(WRITE "${tu}" "#include <${header}>\nint main() { return 0; }\n")
  execute_process(COMMAND "${CXX}" -std=c++17 -fsyntax-only "-I${INCLUDE_DIR}" "${tu}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  string(REPLACE ";" "," out "${out}")  # keep each output line one list element
  string(REGEX MATCHALL "[^\n]*: (fatal )?error[^\n]*" errors "${out}")
  set(stray "")
  set(guard 0)
  foreach(line IN LISTS errors)
    if(line MATCHES "detail/config.hpp:[0-9]+:[0-9]+: error: .*ckb-vm-cpp needs C\\+\\+20")
      math(EXPR guard "${guard} + 1")
    elseif(line MATCHES "detail/config.hpp:[0-9]+:[0-9]+: fatal error: .*compilation_stopped_because_ckb_vm_needs_cpp20")
      # the deliberate stop right after the #error
    else()
      string(APPEND stray "    ${line}\n")
    endif()
  endforeach()
  if(rc EQUAL 0 OR NOT guard EQUAL 1 OR NOT stray STREQUAL "")
    math(EXPR failures "${failures} + 1")
    string(LENGTH "${out}" len)
    if(len GREATER 3000)
      string(SUBSTRING "${out}" 0 3000 out)
    endif()
    message("FAIL ${header}: exit ${rc}, ${guard} \"needs C++20\" error(s)\n${stray}--- compiler output ---\n${out}")
  else()
    message("ok   ${header}")
  endif()
endforeach()
list(LENGTH headers n)
if(failures)
  message(FATAL_ERROR "${failures} of ${n} headers do not stop C++17 with the single \"ckb-vm-cpp needs C++20\" error "
                      "(each header must #include \"detail/config.hpp\" (or \"../detail/config.hpp\") first)")
endif()
message("all ${n} headers stop a C++17 compilation with the single C++20 error")
