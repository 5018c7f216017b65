/*
 * exec_callee.c - the program an exec test switches to.
 *
 * Exit codes: 0 when argv is exactly {"first", "second"} and sp was 16-byte
 * aligned at entry; 10 + argc when argc is not 2; 20 when an argument
 * differs; 30 when the entry stack is misaligned. With no arguments at all
 * it exits 7 (so tests can tell "ran with no argv" apart).
 */
#include <stdint.h>

extern uint64_t __initial_sp;

static int same(const char *a, const char *b) {
  while (*a && *a == *b) { a++; b++; }
  return *a == *b;
}

int main(int argc, char **argv) {
  if (argc == 0) return 7;
  if (argc != 2) return 10 + argc;
  if (!same(argv[0], "first") || !same(argv[1], "second")) return 20;
  if (argv[2] != 0) return 21;
  if (__initial_sp % 16 != 0) return 30;
  return 0;
}
