/*
 * zbs.S - self-checking test of the Zbs (single-bit instructions) extension.
 * Build: -march=rv64imc_zbs -mabi=lp64 (run qemu with
 *        -cpu rv64,zba=true,zbb=true,zbc=true,zbs=true).
 *
 * Covers bclr bclri bext bexti binv binvi bset bseti; the register forms
 * use the bit index modulo 64 (indices 64, 69, 127, -1 are masked).
 * CHECK_RR op, a, b, r   runs `op a0, a1, a2` with a1 = a, a2 = b;
 * CHECK_RI op, a, imm, r runs `op a0, a1, imm`;  CHECK_R op, a, r runs
 * `op a0, a1`; each compares a0 with r (expected values computed with
 * Python big integers from the ratified Bitmanip spec).
 * Exit 0 on success, else the failed check's index (which_check.sh).
 */
#include "test_macros.h"

        .macro CHECK_RR op, a, b, res
        li a1, \a
        li a2, \b
        \op a0, a1, a2
        CHECK a0, \res
        .endm

        .macro CHECK_RI op, a, imm, res
        li a1, \a
        \op a0, a1, \imm
        CHECK a0, \res
        .endm

        .macro CHECK_R op, a, res
        li a1, \a
        \op a0, a1
        CHECK a0, \res
        .endm

        TEST_BEGIN
        /* register forms: index masked to 6 bits */
        CHECK_RR bclr, 0xffffffffffffffff, 0x0, 0xfffffffffffffffe
        CHECK_RR bclr, 0xffffffffffffffff, 0x3f, 0x7fffffffffffffff
        CHECK_RR bclr, 0xffffffffffffffff, 0x40, 0xfffffffffffffffe
        CHECK_RR bclr, 0x0, 0x5, 0x0
        CHECK_RR bclr, 0x8000000000000000, 0xffffffffffffffff, 0x0
        CHECK_RR bext, 0x8000000000000000, 0x3f, 0x1
        CHECK_RR bext, 0x8000000000000000, 0x3e, 0x0
        CHECK_RR bext, 0x1, 0x40, 0x1
        CHECK_RR bext, 0x10, 0xffffffffffffffc4, 0x1
        CHECK_RR binv, 0x0, 0x3f, 0x8000000000000000
        CHECK_RR binv, 0xffffffffffffffff, 0x0, 0xfffffffffffffffe
        CHECK_RR binv, 0x20, 0x45, 0x0
        CHECK_RR bset, 0x0, 0x3f, 0x8000000000000000
        CHECK_RR bset, 0x0, 0x40, 0x1
        CHECK_RR bset, 0xffffffffffffffff, 0x11, 0xffffffffffffffff
        CHECK_RR bset, 0x0, 0x7f, 0x8000000000000000
        /* immediate forms */
        CHECK_RI bclri, 0xffffffffffffffff, 0, 0xfffffffffffffffe
        CHECK_RI bclri, 0xffffffffffffffff, 63, 0x7fffffffffffffff
        CHECK_RI bclri, 0x100000000, 32, 0x0
        CHECK_RI bexti, 0x8000000000000000, 63, 0x1
        CHECK_RI bexti, 0x8000000000000000, 0, 0x0
        CHECK_RI bexti, 0x100000000, 32, 0x1
        CHECK_RI binvi, 0x0, 63, 0x8000000000000000
        CHECK_RI binvi, 0xffffffffffffffff, 31, 0xffffffff7fffffff
        CHECK_RI binvi, 0x0, 0, 0x1
        CHECK_RI bseti, 0x0, 63, 0x8000000000000000
        CHECK_RI bseti, 0x0, 31, 0x80000000
        CHECK_RI bseti, 0xffff, 3, 0xffff

        /* destination overlapping the sources */
        li a1, 3
        bset a1, a1, a1                         /* set bit 3 */
        CHECK a1, 11

        TEST_PASS
