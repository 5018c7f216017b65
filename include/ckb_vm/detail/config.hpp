// Included first by every ckb_vm header: stops a pre-C++20 compilation with one
// clear message instead of pages of errors from the headers that follow.
#pragma once

#if defined(_MSVC_LANG)
#define CKB_VM_CPLUSPLUS _MSVC_LANG
#else
#define CKB_VM_CPLUSPLUS __cplusplus
#endif

// C++17 is 201703L; C++20 is 202002L (early C++2a modes report values in between).
#if CKB_VM_CPLUSPLUS <= 201703L
#error "ckb-vm-cpp needs C++20 (compile with -std=c++20 or newer; the CMake target ckb_vm::ckb_vm requests it)"
// #error alone lets GCC and Clang go on and report every later error; a missing
// header is fatal, so the compilation stops right here.
#include <ckb_vm/detail/compilation_stopped_because_ckb_vm_needs_cpp20>
#endif
