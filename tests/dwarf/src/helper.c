/* The C half of prog.cpp: a second compilation unit (a second line-number
   program) and the function that faults. */
#include <stdint.h>

extern volatile unsigned long calls;

__attribute__((noinline)) unsigned long c_sum(const unsigned long* values, int count) {
  unsigned long sum = 0;
  calls = calls + 1;
  for (int k = 0; k < count; ++k) sum += values[k] * (unsigned long)(k + 1);
  return sum;
}

__attribute__((noinline)) unsigned long c_fault(unsigned long depth) {
  if (depth > 0) {
    const unsigned long r = c_fault(depth - 1);
    calls = calls + r; /* after the call: no tail recursion */
    return r + 1;
  }
  *(volatile uint64_t*)(uintptr_t)0xfffffffffffffff0ull = depth;
  return 0;
}
