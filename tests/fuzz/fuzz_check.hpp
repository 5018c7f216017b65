// What a fuzz target does when one of its invariants fails: name the check and
// abort, so that libFuzzer keeps the input as a crash artifact and the
// regression runner (regress_main.cpp) stops on it.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace fuzz {

[[noreturn]] inline void fail(const char* what) {
  std::fputs(what, stderr);
  std::fputc('\n', stderr);
  std::abort();
}

}  // namespace fuzz

#define FUZZ_CHECK_STR2(x) #x
#define FUZZ_CHECK_STR(x) FUZZ_CHECK_STR2(x)
// FUZZ_CHECK(cond): fail with the condition's text and where it is.
#define FUZZ_CHECK(cond)                                                                          \
  do {                                                                                            \
    if (!(cond)) ::fuzz::fail("check failed: " #cond " (" __FILE__ ":" FUZZ_CHECK_STR(__LINE__) ")"); \
  } while (0)
