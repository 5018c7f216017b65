/*
 * zbc.S - self-checking test of the Zbc (carry-less multiplication) extension.
 * Build: -march=rv64imc_zbc -mabi=lp64 (run qemu with
 *        -cpu rv64,zba=true,zbb=true,zbc=true,zbs=true).
 *
 * Covers clmul (low 64 bits of the carry-less product), clmulh (high
 * 64 bits) and clmulr (bits 126..63), with 0, 1, all-ones, single high bits
 * and random-looking operands.
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
        CHECK_RR clmul, 0x0, 0xffffffffffffffff, 0x0
        CHECK_RR clmul, 0x1, 0x123456789abcdef0, 0x123456789abcdef0
        CHECK_RR clmul, 0x3, 0x3, 0x5
        CHECK_RR clmul, 0xffffffffffffffff, 0xffffffffffffffff, 0x5555555555555555
        CHECK_RR clmul, 0x8000000000000000, 0x2, 0x0
        CHECK_RR clmul, 0x123456789abcdef0, 0xfedcba9876543210, 0xa0789828c810f00
        CHECK_RR clmulh, 0x0, 0xffffffffffffffff, 0x0
        CHECK_RR clmulh, 0x1, 0xffffffffffffffff, 0x0
        CHECK_RR clmulh, 0xffffffffffffffff, 0xffffffffffffffff, 0x5555555555555555
        CHECK_RR clmulh, 0x8000000000000000, 0x2, 0x1
        CHECK_RR clmulh, 0x8000000000000000, 0x8000000000000000, 0x4000000000000000
        CHECK_RR clmulh, 0x123456789abcdef0, 0xfedcba9876543210, 0xe038d8688850b04
        CHECK_RR clmulr, 0x0, 0xffffffffffffffff, 0x0
        CHECK_RR clmulr, 0x1, 0x1, 0x0
        CHECK_RR clmulr, 0xffffffffffffffff, 0xffffffffffffffff, 0xaaaaaaaaaaaaaaaa
        CHECK_RR clmulr, 0x8000000000000000, 0x2, 0x2
        CHECK_RR clmulr, 0x8000000000000000, 0x8000000000000000, 0x8000000000000000
        CHECK_RR clmulr, 0x123456789abcdef0, 0xfedcba9876543210, 0x1c071b0d110a1608

        /* destination overlapping the sources */
        li a1, 0xffffffffffffffff
        clmulh a1, a1, a1
        CHECK a1, 0x5555555555555555

        TEST_PASS
