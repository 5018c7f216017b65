/*
 * argv_check.c - checks the argc/argv block ckb-vm VERSION1+ builds on the
 * stack.  Build: -march=rv64imc -O2, crt0.S + support.c.
 *
 * Run it with argv = {<any name>, "a", "bb", "ccc"} (qemu: `argv_check a bb
 * ccc`).  Exit codes, checked in this order:
 *   0 everything as expected
 *   1 argc != 4
 *   2 argv[argc] != NULL           (ckb-vm VERSION0 does not push the NULL)
 *   3 argv[0] is NULL
 *   4 argv[1] != "a"
 *   5 argv[2] != "bb"
 *   6 argv[3] != "ccc"
 *   7 entry sp (saved by crt0) not 16-byte aligned
 */
#include <stdint.h>

extern uint64_t __initial_sp;

static int str_eq(const char *a, const char *b) {
  while (*a && *a == *b) {
    a++;
    b++;
  }
  return *a == *b;
}

int main(int argc, char **argv) {
  if (argc != 4) return 1;
  if (argv[argc] != 0) return 2;
  if (argv[0] == 0) return 3;
  if (!str_eq(argv[1], "a")) return 4;
  if (!str_eq(argv[2], "bb")) return 5;
  if (!str_eq(argv[3], "ccc")) return 6;
  if (__initial_sp & 15) return 7;
  return 0;
}
