/*
 * bignum.c - 256-bit modular multiplication over the secp256k1 field
 * p = 2^256 - 2^32 - 977 (self-checking).
 * Build: -march=rv64imc -O2, crt0.S + support.c.
 *
 * Schoolbook 4x4-limb multiplication with unsigned __int128 arithmetic; the
 * 64x64->128 products go through mul_wide(), which emits the contiguous
 * `mulhu hi, a, b ; mul lo, a, b` pair that ckb-vm fuses (WIDE_MULU) -- gcc
 * on its own emits mul first and may reuse a source as mulhu's destination.
 * Reduction uses 2^256 = 2^32 + 977 (mod p).
 * Starting from x = Gx, y = Gy (the secp256k1 generator coordinates) it runs
 * 5000 iterations of { x = x*y mod p; y = y*y mod p } and compares with
 * values precomputed by Python.
 *
 * Exit codes: 0 ok; 1 (p-1)^2 != 1; 2 2^255 * 2 != 2^32 + 977;
 *   3 0 * x != 0; 4 (p-1) * 2 != p - 2; 5 final x mismatch;
 *   6 final y mismatch.
 */
#include <stdint.h>

typedef unsigned __int128 u128;
typedef struct {
  uint64_t v[4]; /* little-endian limbs */
} fe;

static const fe P = {{0xfffffffefffffc2fULL, 0xffffffffffffffffULL,
                      0xffffffffffffffffULL, 0xffffffffffffffffULL}};
#define FOLD 0x1000003d1ULL /* 2^256 mod p */

/* 64x64 -> 128 unsigned multiply as a fusable mulhu/mul pair.  The
 * early-clobber on hi keeps it distinct from both sources. */
static inline u128 mul_wide(uint64_t a, uint64_t b) {
  uint64_t hi, lo;
  __asm__("mulhu %0, %2, %3\n\tmul %1, %2, %3"
          : "=&r"(hi), "=r"(lo)
          : "r"(a), "r"(b));
  return ((u128)hi << 64) | lo;
}

static int fe_geq(const fe *a, const fe *b) {
  for (int i = 3; i >= 0; i--) {
    if (a->v[i] != b->v[i]) return a->v[i] > b->v[i];
  }
  return 1;
}

static void fe_sub_p(fe *a) {
  uint64_t borrow = 0;
  for (int i = 0; i < 4; i++) {
    u128 d = (u128)a->v[i] - P.v[i] - borrow;
    a->v[i] = (uint64_t)d;
    borrow = (uint64_t)(d >> 64) & 1;
  }
}

/* r = a * b mod p; a, b < p. */
static void fe_mul(fe *r, const fe *a, const fe *b) {
  uint64_t t[8] = {0};
  for (int i = 0; i < 4; i++) {
    uint64_t carry = 0;
    for (int j = 0; j < 4; j++) {
      u128 prod = mul_wide(a->v[i], b->v[j]) + t[i + j] + carry;
      t[i + j] = (uint64_t)prod;
      carry = (uint64_t)(prod >> 64);
    }
    t[i + 4] = carry;
  }
  /* fold the high 256 bits: s = t_lo + t_hi * FOLD (< 2^290) */
  uint64_t s[4];
  uint64_t carry = 0;
  for (int i = 0; i < 4; i++) {
    u128 acc = mul_wide(t[i + 4], FOLD) + t[i] + carry;
    s[i] = (uint64_t)acc;
    carry = (uint64_t)(acc >> 64);
  }
  /* fold again: carry < 2^34 */
  u128 acc = mul_wide(carry, FOLD) + s[0];
  s[0] = (uint64_t)acc;
  uint64_t c = (uint64_t)(acc >> 64);
  for (int i = 1; i < 4; i++) {
    acc = (u128)s[i] + c;
    s[i] = (uint64_t)acc;
    c = (uint64_t)(acc >> 64);
  }
  if (c) {
    /* wrapped past 2^256 once more: add 2^256 mod p (cannot carry again) */
    acc = (u128)s[0] + FOLD;
    s[0] = (uint64_t)acc;
    c = (uint64_t)(acc >> 64);
    for (int i = 1; i < 4; i++) {
      acc = (u128)s[i] + c;
      s[i] = (uint64_t)acc;
      c = (uint64_t)(acc >> 64);
    }
  }
  for (int i = 0; i < 4; i++) r->v[i] = s[i];
  while (fe_geq(r, &P)) fe_sub_p(r);
}

static int fe_eq(const fe *a, const fe *b) {
  uint64_t d = 0;
  for (int i = 0; i < 4; i++) d |= a->v[i] ^ b->v[i];
  return d == 0;
}

int main(void) {
  fe r;
  const fe p_minus_1 = {{P.v[0] - 1, P.v[1], P.v[2], P.v[3]}};
  const fe one = {{1, 0, 0, 0}};
  const fe two = {{2, 0, 0, 0}};
  const fe zero = {{0, 0, 0, 0}};
  const fe half = {{0, 0, 0, 0x8000000000000000ULL}};
  const fe fold = {{FOLD, 0, 0, 0}};
  const fe p_minus_2 = {{P.v[0] - 2, P.v[1], P.v[2], P.v[3]}};

  fe_mul(&r, &p_minus_1, &p_minus_1);
  if (!fe_eq(&r, &one)) return 1;
  fe_mul(&r, &half, &two);
  if (!fe_eq(&r, &fold)) return 2;
  fe_mul(&r, &zero, &p_minus_1);
  if (!fe_eq(&r, &zero)) return 3;
  fe_mul(&r, &p_minus_1, &two);
  if (!fe_eq(&r, &p_minus_2)) return 4;

  fe x = {{0x59f2815b16f81798ULL, 0x029bfcdb2dce28d9ULL,
           0x55a06295ce870b07ULL, 0x79be667ef9dcbbacULL}};
  fe y = {{0x9c47d08ffb10d4b8ULL, 0xfd17b448a6855419ULL,
           0x5da4fbfc0e1108a8ULL, 0x483ada7726a3c465ULL}};
  for (int i = 0; i < 5000; i++) {
    fe nx, ny;
    fe_mul(&nx, &x, &y);
    fe_mul(&ny, &y, &y);
    x = nx;
    y = ny;
  }
  const fe expect_x = {{0x9c5241ff51a3e12dULL, 0xeb1f79e270e59f4eULL, 0x2ef259c0fa39d250ULL, 0xeed25119ad2e594cULL}};
  const fe expect_y = {{0xdf1318aa55e0ce75ULL, 0x4da5cc6d3e2ca3edULL, 0xf520f4a8c9d1e0b2ULL, 0x175159b10b6e0749ULL}};
  if (!fe_eq(&x, &expect_x)) return 5;
  if (!fe_eq(&y, &expect_y)) return 6;
  return 0;
}
