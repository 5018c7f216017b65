/*
 * debug_print.c - guest program for the ckb-vm-run tests of CKB's debug
 * syscall (a7 = 2177, a0 = address of a NUL-terminated string).
 *
 *   debug_print                 prints "hello from the guest", exits 0
 *   debug_print outside         then asks to print from 0x500000, outside memory
 *   debug_print unterminated    then fills the last 4 KiB of memory with 'x'
 *                               (no NUL before the end) and asks to print it
 */
#include <stdint.h>

#define SYS_DEBUG 2177
#define SYS_EXIT 93

static long ecall1(long n, long a0) {
  register long r0 __asm__("a0") = a0;
  register long r7 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(r0) : "r"(r7) : "memory");
  return r0;
}

static __attribute__((used, noreturn)) void start_c(long argc, char** argv) {
  ecall1(SYS_DEBUG, (long)"hello from the guest");
  if (argc > 1 && argv[1][0] == 'o') ecall1(SYS_DEBUG, 0x500000);
  if (argc > 1 && argv[1][0] == 'u') {
    volatile char* end = (volatile char*)0x400000;
    for (int i = 1; i <= 4096; ++i) end[-i] = 'x';
    ecall1(SYS_DEBUG, 0x400000 - 4096);
  }
  ecall1(SYS_EXIT, 0);
  for (;;) {
  }
}

/* At entry [sp] = argc and [sp + 8] = argv[0]. */
__asm__(
    ".section .text._start, \"ax\", @progbits\n"
    ".globl _start\n"
    "_start:\n"
    "  ld a0, 0(sp)\n"
    "  addi a1, sp, 8\n"
    "  j start_c\n");
