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

// Library version. CMakeLists.txt reads these lines, so the two cannot drift.
#define CKB_VM_VERSION_MAJOR 0
#define CKB_VM_VERSION_MINOR 1
#define CKB_VM_VERSION_PATCH 0

// Everything lives in `inline namespace CKB_VM_NAMESPACE` inside `ckb_vm`, so code
// compiled against two versions of these headers and linked into one program gets
// distinct symbols (and a link error instead of silent ODR violations), while users
// keep writing ckb_vm::DefaultMachine.
#define CKB_VM_DETAIL_VERSION_NS3(major, minor, patch) v##major##_##minor##_##patch
#define CKB_VM_DETAIL_VERSION_NS(major, minor, patch) CKB_VM_DETAIL_VERSION_NS3(major, minor, patch)
#define CKB_VM_NAMESPACE \
  CKB_VM_DETAIL_VERSION_NS(CKB_VM_VERSION_MAJOR, CKB_VM_VERSION_MINOR, CKB_VM_VERSION_PATCH)

// Inlining hints for the hot paths (guest loads and stores, byte readers).
#if defined(_MSC_VER) && !defined(__clang__)
#define CKB_VM_DETAIL_ALWAYS_INLINE __forceinline
#define CKB_VM_DETAIL_NOINLINE __declspec(noinline)
#define CKB_VM_DETAIL_COLD __declspec(noinline)
#else
#define CKB_VM_DETAIL_ALWAYS_INLINE [[gnu::always_inline]] inline
// Out of line, for slow paths that are still part of normal operation
// (page-straddling accesses, bulk copies).
#define CKB_VM_DETAIL_NOINLINE [[gnu::noinline]]
// Out of line and expected never/rarely to run (errors, first write to a page).
#define CKB_VM_DETAIL_COLD [[gnu::noinline, gnu::cold]]
#endif
