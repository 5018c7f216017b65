// Guest program for the DWARF line-table tests (tests/test_dwarf_line.cpp) and
// the profiler tests: C++ functions in a namespace (demangled names), a
// template, recursion, calls into a C file (helper.c), and with an argument
// a store to an unmapped address three calls deep (the error report's pc and
// call stack).
extern "C" unsigned long c_sum(const unsigned long* values, int count);
extern "C" unsigned long c_fault(unsigned long depth);

// Written by every call below, so the compiler can neither hoist nor merge calls.
volatile unsigned long calls;

namespace calc {

__attribute__((noinline)) unsigned long mix(unsigned long x, int round) {
  calls = calls + 1;
  x ^= x >> 13;
  x *= 0x9e3779b97f4a7c15ul;
  return x + static_cast<unsigned long>(round);
}

__attribute__((noinline)) unsigned long fold(const unsigned long* values, int count) {
  unsigned long acc = 0;
  for (int k = 0; k < count; ++k) acc = mix(acc ^ values[k], k);
  return acc;
}

template <class T>
__attribute__((noinline)) T twice(T value) {
  return static_cast<T>(mix(static_cast<unsigned long>(value), 2) + mix(static_cast<unsigned long>(value), 3));
}

__attribute__((noinline)) unsigned long fib(unsigned long n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

}  // namespace calc

extern "C" int main(int argc, char** argv) {
  (void)argv;
  unsigned long values[32];
  for (int k = 0; k < 32; ++k) values[k] = calc::mix(static_cast<unsigned long>(k), k);
  unsigned long total = 0;
  for (int round = 0; round < 20; ++round) {
    total += calc::fold(values, 32);
    total += c_sum(values, 32);
    total += calc::twice<unsigned int>(static_cast<unsigned int>(total));
    total += calc::fib(12);
  }
  if (argc > 1) total += c_fault(3);
  return static_cast<int>(total & 0x3f) == 0x40 ? 1 : 0;
}

extern "C" __attribute__((naked, noreturn)) void _start() {
  asm volatile(
      "ld a0, 0(sp)\n"
      "addi a1, sp, 8\n"
      "call main\n"
      "li a7, 93\n"
      "ecall\n");
}
