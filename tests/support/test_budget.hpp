// How many iterations the randomised (property, differential) tests run.
//
// Under AddressSanitizer/UndefinedBehaviorSanitizer every memory access and
// arithmetic operation is instrumented and the tests run 5-20 times slower. The
// sanitizers look for memory errors and undefined behaviour on the code paths the
// tests reach; a reduced count of the same seeded iterations reaches the same
// paths (the first iterations of every randomised test are kept, and each test
// still covers every configuration it names), while the full counts keep running
// in the optimised and -Werror builds. The reduced counts are stated next to the
// full ones at each use, so `grep testbudget::` lists them all.
//
// Sanitized when the build says so (tests/CMakeLists.txt defines
// CKB_VM_TEST_SANITIZED=1 when CMAKE_CXX_FLAGS contains -fsanitize=), or when the
// compiler reports an address/UB sanitizer itself. CKB_VM_TEST_SANITIZED=0 forces
// the full counts.
#pragma once

#include <cstdint>

#if !defined(CKB_VM_TEST_SANITIZED)
#if defined(__SANITIZE_ADDRESS__)
#define CKB_VM_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer) || \
    __has_feature(memory_sanitizer)
#define CKB_VM_TEST_SANITIZED 1
#endif
#endif
#endif
#if !defined(CKB_VM_TEST_SANITIZED)
#define CKB_VM_TEST_SANITIZED 0
#endif

namespace testbudget {

inline constexpr bool sanitized = CKB_VM_TEST_SANITIZED != 0;

// Built without optimisation (-O0: no __OPTIMIZE__; -Og defines it), where the
// interpreter runs ~10 times slower than at -O2.
#if defined(__OPTIMIZE__)
inline constexpr bool unoptimized = false;
#else
inline constexpr bool unoptimized = true;
#endif

// `full` normally, `reduced` in a sanitizer build.
template <class T>
constexpr T scaled(T full, T reduced) {
  return sanitized ? reduced : full;
}

// `full` in optimised builds, `reduced` in a sanitizer or an -O0 build (for the
// few tests whose full count takes minutes there; -O2 builds run them in full).
template <class T>
constexpr T scaled_unless_optimized(T full, T reduced) {
  return sanitized || unoptimized ? reduced : full;
}

}  // namespace testbudget
