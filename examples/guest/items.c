/*
 * items.c - guest program for examples/embed_syscall.cpp and
 * examples/snapshot_data_source.cpp.
 *
 * Reads the host's data items 0, 1, 2, ... through a custom syscall until
 * the host reports that there are no more, hashes every byte (FNV-1a 64,
 * each item ROUNDS times, to give the run some length) and exits with the
 * 64-bit hash in a0 (the exit code is its low byte; a host reads all of a0).
 *
 * Syscall 3000, CKB's partial-loading convention:
 *   a0 = buffer address, a1 = address of a u64 holding the buffer size (in)
 *   and receiving the item's full length (out), a2 = offset into the item,
 *   a3 = item index. Returns a0 = 0, or 1 when there is no such item.
 */
#include <stdint.h>

#define SYS_LOAD_ITEM 3000
#define SYS_EXIT 93
#define ROUNDS 8

static uint8_t buffer[4 * 4096] __attribute__((aligned(4096)));

static long ecall4(long n, long a0, long a1, long a2, long a3) {
  register long r0 __asm__("a0") = a0;
  register long r1 __asm__("a1") = a1;
  register long r2 __asm__("a2") = a2;
  register long r3 __asm__("a3") = a3;
  register long r7 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r3), "r"(r7) : "memory");
  return r0;
}

__attribute__((noreturn)) void _start(void) {
  uint64_t hash = 0xcbf29ce484222325u;
  for (uint64_t index = 0;; ++index) {
    uint64_t length = sizeof buffer;
    if (ecall4(SYS_LOAD_ITEM, (long)buffer, (long)&length, 0, (long)index) != 0) break;
    if (length > sizeof buffer) length = sizeof buffer;
    for (int round = 0; round < ROUNDS; ++round)
      for (uint64_t i = 0; i < length; ++i) hash = (hash ^ buffer[i]) * 0x100000001b3u;
  }
  ecall4(SYS_EXIT, (long)hash, 0, 0, 0);
  for (;;) {
  }
}
