/*
 * bench_sha256.c - CPU-heavy benchmark program (self-checking).
 * Build: -march=rv64imc -O2 (bench_sha256) and
 *        -march=rv64imc_zba_zbb_zbc_zbs -O2 (bench_sha256_b), crt0.S +
 *        support.c.
 *
 * Fills a 1 MiB buffer with bytes from a 32-bit LCG
 * (x = x * 1664525 + 1013904223, byte = x >> 24, x starts at 1), then
 * ROUNDS (2) times: d = SHA-256(buffer); buffer[32*r .. 32*r+31] = d.  The
 * last digest is compared with the value Python's hashlib computed.
 *
 * Exit codes: 0 ok; 1 digest mismatch.
 */
#include <stddef.h>
#include <stdint.h>

#include "sha256_impl.h"

#define SIZE (1u << 20)
#define ROUNDS 2

static uint8_t buf[SIZE];

static const uint8_t expect[32] = {
    0xae, 0x12, 0x69, 0x2c, 0xb1, 0x2b, 0xa8, 0xe2,
    0xca, 0xe0, 0x46, 0x58, 0xa3, 0x0f, 0x20, 0x63,
    0x2d, 0xdc, 0x28, 0x89, 0xc3, 0x58, 0xdb, 0x22,
    0xc8, 0x16, 0x90, 0x18, 0x4b, 0xb4, 0x0e, 0x0f,
};

int main(void) {
  uint32_t x = 1;
  for (uint32_t i = 0; i < SIZE; i++) {
    x = x * 1664525u + 1013904223u;
    buf[i] = (uint8_t)(x >> 24);
  }
  uint8_t d[32];
  for (int r = 0; r < ROUNDS; r++) {
    sha256(buf, SIZE, d);
    for (int i = 0; i < 32; i++) buf[32 * r + i] = d[i];
  }
  return digest_equal(d, expect) ? 0 : 1;
}
