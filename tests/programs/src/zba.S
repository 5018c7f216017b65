/*
 * zba.S - self-checking test of the Zba (address generation) extension.
 * Build: -march=rv64imc_zba -mabi=lp64 (run qemu with
 *        -cpu rv64,zba=true,zbb=true,zbc=true,zbs=true).
 *
 * Covers every Zba instruction: add.uw sh1add sh2add sh3add sh1add.uw
 * sh2add.uw sh3add.uw slli.uw, with zero, all-ones, sign-bit and
 * upper-32-bit-garbage operands and slli.uw shifts of 0/32/63.
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
        /* add.uw: rs2 + zext32(rs1) */
        CHECK_RR add.uw, 0xffffffff80000000, 0x1, 0x80000001
        CHECK_RR add.uw, 0x12345678ffffffff, 0xffffffffffffffff, 0xfffffffe
        CHECK_RR add.uw, 0x0, 0x0, 0x0
        /* shNadd */
        CHECK_RR sh1add, 0x8000000000000001, 0x5, 0x7
        CHECK_RR sh1add, 0xffffffffffffffff, 0xffffffffffffffff, 0xfffffffffffffffd
        CHECK_RR sh2add, 0x4000000000000001, 0x0, 0x4
        CHECK_RR sh2add, 0x3, 0xfffffffffffffff4, 0x0
        CHECK_RR sh3add, 0x2000000000000001, 0x10, 0x18
        CHECK_RR sh3add, 0xffffffffffffffff, 0x8, 0x0
        /* shNadd.uw: rs2 + (zext32(rs1) << N) */
        CHECK_RR sh1add.uw, 0xffffffffffffffff, 0x0, 0x1fffffffe
        CHECK_RR sh1add.uw, 0x1234567880000000, 0x1, 0x100000001
        CHECK_RR sh2add.uw, 0xffffffffffffffff, 0x4, 0x400000000
        CHECK_RR sh2add.uw, 0xabcdef0000000001, 0xfffffffffffffffc, 0x0
        CHECK_RR sh3add.uw, 0xffffffffffffffff, 0x0, 0x7fffffff8
        CHECK_RR sh3add.uw, 0x8000000000000003, 0xffffffffffffffe8, 0x0
        /* slli.uw: zext32(rs1) << shamt */
        CHECK_RI slli.uw, 0xffffffffffffffff, 0, 0xffffffff
        CHECK_RI slli.uw, 0xffffffffffffffff, 32, 0xffffffff00000000
        CHECK_RI slli.uw, 0xffffffff80000001, 63, 0x8000000000000000
        CHECK_RI slli.uw, 0x1234567887654321, 4, 0x876543210
        CHECK_RI slli.uw, 0x0, 17, 0x0

        /* destination overlapping the sources */
        li a1, 0xffffffff00000003
        sh3add.uw a1, a1, a1
        CHECK a1, 0xffffffff0000001b

        TEST_PASS
