/*
 * zbb.S - self-checking test of the Zbb (basic bit manipulation) extension.
 * Build: -march=rv64imc_zbb -mabi=lp64 (run qemu with
 *        -cpu rv64,zba=true,zbb=true,zbc=true,zbs=true).
 *
 * Covers every Zbb instruction: andn orn xnor clz clzw ctz ctzw cpop
 * cpopw max maxu min minu sext.b sext.h zext.h rol rolw ror rori roriw rorw
 * orc.b rev8, with edge values: clz/ctz of 0 = 64, clzw/ctzw of 0 = 32
 * (upper bits ignored), cpop of -1 = 64, signed vs unsigned min/max on
 * INT64_MIN, rotates by 0/63/64 (masked) and W rotates by 32 (masked),
 * W results sign-extended.
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
        /* logic with negate */
        CHECK_RR andn, 0xff00ff00ff00ff00, 0xff00ff00ff00ff0, 0xf000f000f000f000
        CHECK_RR andn, 0xffffffffffffffff, 0x0, 0xffffffffffffffff
        CHECK_RR andn, 0xffffffffffffffff, 0xffffffffffffffff, 0x0
        CHECK_RR orn, 0x0, 0x0, 0xffffffffffffffff
        CHECK_RR orn, 0xf0, 0xffffffffffffff0f, 0xf0
        CHECK_RR xnor, 0xf0f, 0xf0f, 0xffffffffffffffff
        CHECK_RR xnor, 0x0, 0xffffffffffffffff, 0x0
        CHECK_RR xnor, 0xaaaaaaaaaaaaaaaa, 0x5555555555555555, 0x0
        /* counts */
        CHECK_R clz, 0x0, 0x40
        CHECK_R clz, 0x1, 0x3f
        CHECK_R clz, 0xffffffffffffffff, 0x0
        CHECK_R clz, 0x100000000, 0x1f
        CHECK_R clzw, 0x0, 0x20
        CHECK_R clzw, 0xffffffff00000000, 0x20
        CHECK_R clzw, 0x1, 0x1f
        CHECK_R clzw, 0x80000000, 0x0
        CHECK_R clzw, 0xffff00010000, 0xf
        CHECK_R ctz, 0x0, 0x40
        CHECK_R ctz, 0x8000000000000000, 0x3f
        CHECK_R ctz, 0xffffffffffffffff, 0x0
        CHECK_R ctz, 0x100000000, 0x20
        CHECK_R ctzw, 0x0, 0x20
        CHECK_R ctzw, 0xffffffff00000000, 0x20
        CHECK_R ctzw, 0x80000000, 0x1f
        CHECK_R ctzw, 0x12345678, 0x3
        CHECK_R cpop, 0x0, 0x0
        CHECK_R cpop, 0xffffffffffffffff, 0x40
        CHECK_R cpop, 0x8000000000000001, 0x2
        CHECK_R cpopw, 0xffffffffffffffff, 0x20
        CHECK_R cpopw, 0xffffffff00000000, 0x0
        CHECK_R cpopw, 0x1234567880000001, 0x2
        /* min / max */
        CHECK_RR max, 0xffffffffffffffff, 0x1, 0x1
        CHECK_RR max, 0x8000000000000000, 0x7fffffffffffffff, 0x7fffffffffffffff
        CHECK_RR max, 0x5, 0x5, 0x5
        CHECK_RR maxu, 0xffffffffffffffff, 0x1, 0xffffffffffffffff
        CHECK_RR maxu, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000
        CHECK_RR min, 0xffffffffffffffff, 0x1, 0xffffffffffffffff
        CHECK_RR min, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000
        CHECK_RR minu, 0xffffffffffffffff, 0x1, 0x1
        CHECK_RR minu, 0x0, 0xffffffffffffffff, 0x0
        /* extension */
        CHECK_R sext.b, 0x80, 0xffffffffffffff80
        CHECK_R sext.b, 0x123456789abcde7f, 0x7f
        CHECK_R sext.b, 0xffffffffffffffff, 0xffffffffffffffff
        CHECK_R sext.h, 0x8000, 0xffffffffffff8000
        CHECK_R sext.h, 0x123456789abc7fff, 0x7fff
        CHECK_R sext.h, 0xffff0000, 0x0
        CHECK_R zext.h, 0xffffffffffffffff, 0xffff
        CHECK_R zext.h, 0x123456789abc8001, 0x8001
        /* rotates */
        CHECK_RR rol, 0x8000000000000001, 0x1, 0x3
        CHECK_RR rol, 0x123456789abcdef0, 0x40, 0x123456789abcdef0
        CHECK_RR rol, 0x123456789abcdef0, 0x44, 0x23456789abcdef01
        CHECK_RR rol, 0x123456789abcdef0, 0x3f, 0x91a2b3c4d5e6f78
        CHECK_RR ror, 0x8000000000000001, 0x1, 0xc000000000000000
        CHECK_RR ror, 0x123456789abcdef0, 0x40, 0x123456789abcdef0
        CHECK_RR ror, 0x123456789abcdef0, 0xfffffffffffffffc, 0x23456789abcdef01
        CHECK_RI rori, 0x8000000000000001, 1, 0xc000000000000000
        CHECK_RI rori, 0x123456789abcdef0, 63, 0x2468acf13579bde0
        CHECK_RI rori, 0x123456789abcdef0, 0, 0x123456789abcdef0
        CHECK_RR rolw, 0x80000001, 0x1, 0x3
        CHECK_RR rolw, 0xffffffff40000000, 0x1, 0xffffffff80000000
        CHECK_RR rolw, 0x12345678, 0x20, 0x12345678
        CHECK_RR rolw, 0x12345678, 0x24, 0x23456781
        CHECK_RR rorw, 0x1, 0x1, 0xffffffff80000000
        CHECK_RR rorw, 0xffffffff00000002, 0x1, 0x1
        CHECK_RR rorw, 0x12345678, 0x20, 0x12345678
        CHECK_RR rorw, 0x12345678, 0xfffffffffffffffc, 0x23456781
        CHECK_RI roriw, 0x1, 1, 0xffffffff80000000
        CHECK_RI roriw, 0x12345678, 31, 0x2468acf0
        CHECK_RI roriw, 0xabcdef0087654321, 0, 0xffffffff87654321
        /* byte ops */
        CHECK_R orc.b, 0x1000000ff1000, 0xff000000ffff00
        CHECK_R orc.b, 0x0, 0x0
        CHECK_R orc.b, 0xffffffffffffffff, 0xffffffffffffffff
        CHECK_R orc.b, 0x8000000000000001, 0xff000000000000ff
        CHECK_R rev8, 0x102030405060708, 0x807060504030201
        CHECK_R rev8, 0xff, 0xff00000000000000
        CHECK_R rev8, 0xffffffffffffffff, 0xffffffffffffffff

        /* destination overlapping the sources */
        li a1, 0x8000000000000001
        rol a1, a1, a1                          /* rotate by 1 */
        CHECK a1, 3

        TEST_PASS
