/*
 * mop_fusion.S - instruction sequences that ckb-vm's macro-op fusion
 * (decoder.rs decode_mop, ISA_MOP) recognises, each with checked results.
 * Build: -march=rv64imc -mabi=lp64, `.option norelax` so every sequence stays
 * exactly as written (and `.option norvc` where the assembler's compression
 * would reorder operands, e.g. `add a0, a1, a0` -> `c.add a0, a1`).
 * Check the sequences with ./fusion_scan.py bin/mop_fusion.  The results must be identical with and without
 * fusion; the checks also read the intermediate registers a fused op has to
 * write.  Exit 0 on success, else the failed check's index.
 *
 * Sequences (all contiguous; see `objdump -d`):
 *   WIDE_MUL/MULU/MULSU  mulh[u|su] rd, rs1, rs2 ; mul rd2, rs1, rs2
 *                        (rd != rs1, rd != rs2, rd != rd2); incl. rd2 == rs1
 *                        and rd2 == rs2
 *   WIDE_DIV/DIVU        div[u] rd, rs1, rs2 ; rem[u] rd2, rs1, rs2 (same
 *                        constraints), incl. division by zero and
 *                        INT64_MIN / -1
 *   ADC (any version)    add r0,r0,r1 ; sltu r1,r0,r1 ; add r0,r0,r2 ;
 *                        sltu r2,r0,r2 ; or r1,r1,r2   -- 256-bit add chain,
 *                        32-bit and mixed 16/32-bit encodings
 *   SBB (any version)    sub r1,r0,r1 ; sltu r3,r0,r1 ; sub r0,r1,r2 ;
 *                        sltu r2,r1,r0 ; or r1,r2,r3   -- 256-bit sub chain
 *   ADD3A/B/C (V2)       add r0,r1,r0 ; sltu r2,r0,r1 ; add r3,r2,r4
 *                        add r0,r1,r2 ; sltu r1,r0,r1 ; add r3,r1,r4
 *                        add r0,r1,r2 ; sltu r3,r0,r1 ; add r3,r3,r4
 *   ADCS (V2)            add r0,r1,r2 ; sltu r3,r0,r1   (and add r0,r0,r1 form)
 *   SBBS (V2)            sub r0,r1,r2 ; sltu r3,r1,r2
 *   LOAD_IMM             lui rd,hi ; addiw rd,rd,lo  (incl. i32 wrap-around)
 *                        auipc rd,hi ; addi rd,rd,lo (V2, i.e. `la`)
 *   FAR_JUMP_REL         auipc ra,hi ; jalr ra,lo(ra)
 *   FAR_JUMP_ABS         lui ra,hi ; jalr ra,lo(ra)  and c.lui ra ; c.jalr ra
 * plus near misses that must NOT be fused (they would compute different
 * values if they were): mulh with rd == rs1, div/rem with rd == rd2,
 * lui/addiw with different destinations.
 *
 * The fused ops are priced differently by ckb-vm's cost model, so this
 * program has no hand-counted cycle total.
 */
#include "test_macros.h"

        .option norelax

        /* 256-bit add: out = A + B, carry in t2 at the end.
         * The five instructions after the two loads are the ADC pattern
         * with r0 = t0, r1 = t1, r2 = t2 (t2 = carry in). */
        .macro ADD256 pa, pb, pout
        li t2, 0
        .irp off, 0, 8, 16, 24
        ld t0, \off(\pa)
        ld t1, \off(\pb)
        add t0, t0, t1
        sltu t1, t0, t1
        add t0, t0, t2
        sltu t2, t0, t2
        or t1, t1, t2
        sd t0, \off(\pout)
        mv t2, t1
        .endr
        .endm

        /* 256-bit sub: out = A - B, borrow in t2 at the end.
         * SBB pattern with r0 = t0 (A limb), r1 = t1 (B limb),
         * r2 = t2 (borrow in), r3 = t3 (scratch). */
        .macro SUB256 pa, pb, pout
        li t2, 0
        .irp off, 0, 8, 16, 24
        ld t0, \off(\pa)
        ld t1, \off(\pb)
        sub t1, t0, t1
        sltu t3, t0, t1
        sub t0, t1, t2
        sltu t2, t1, t0
        or t1, t2, t3
        sd t0, \off(\pout)
        mv t2, t1
        .endr
        .endm

        .macro CHECK_LIMB pout, pexp, off
        ld t4, \off(\pout)
        ld t5, \off(\pexp)
        CHECKR t4, t5
        .endm

        TEST_BEGIN
        /* ================= WIDE_MUL / WIDE_MULU / WIDE_MULSU ========= */
        li a0, -3
        li a1, 5
        mulh a2, a0, a1
        mul a3, a0, a1
        CHECK a2, -1
        CHECK a3, -15
        li a0, 0x8000000000000000
        mv a1, a0
        mulh a2, a0, a1
        mul a3, a0, a1
        CHECK a2, 0x4000000000000000
        CHECK a3, 0
        li a0, 0x123456789abcdef0
        li a1, 0xfedcba9876543210
        mulh a2, a0, a1                         /* rd2 == rs1 */
        mul a0, a0, a1
        CHECK a2, 0xffeb49923cc09532
        CHECK a0, 0x236d88fe5618cf00
        li a0, -1
        li a1, -1
        mulhu a2, a0, a1
        mul a3, a0, a1
        CHECK a2, 0xfffffffffffffffe
        CHECK a3, 1
        li a0, 0x123456789abcdef0
        li a1, 0xfedcba9876543210
        mulhu a2, a0, a1                        /* rd2 == rs2 */
        mul a1, a0, a1
        CHECK a2, 0x121fa00ad77d7422
        CHECK a1, 0x236d88fe5618cf00
        li a0, -1
        li a1, -1
        mulhsu a2, a0, a1
        mul a3, a0, a1
        CHECK a2, -1
        CHECK a3, 1
        li a0, -5
        li a1, 3
        mulhsu s2, a0, a1
        mul s3, a0, a1
        CHECK s2, -1
        CHECK s3, -15
        /* near miss: rd == rs1, so mul must see the NEW a0 */
        li a0, 0x8000000000000000
        li a1, 4
        mulh a0, a0, a1                         /* a0 = -2 */
        mul a3, a0, a1
        CHECK a0, -2
        CHECK a3, -8

        /* ================= WIDE_DIV / WIDE_DIVU ====================== */
        li a0, -7
        li a1, 2
        div a2, a0, a1
        rem a3, a0, a1
        CHECK a2, -3
        CHECK a3, -1
        li a0, 12345
        li a1, 0
        div a2, a0, a1                          /* divide by zero */
        rem a3, a0, a1
        CHECK a2, -1
        CHECK a3, 12345
        li a0, 0x8000000000000000
        li a1, -1
        div a2, a0, a1                          /* overflow */
        rem a3, a0, a1
        CHECK a2, 0x8000000000000000
        CHECK a3, 0
        li a0, 100
        li a1, -7
        div a2, a0, a1                          /* rd2 == rs2 */
        rem a1, a0, a1
        CHECK a2, -14
        CHECK a1, 2
        li a0, -1
        li a1, 2
        divu a2, a0, a1
        remu a3, a0, a1
        CHECK a2, 0x7fffffffffffffff
        CHECK a3, 1
        li a0, 0xdeadbeef
        li a1, 0
        divu a2, a0, a1                         /* divide by zero */
        remu a3, a0, a1
        CHECK a2, -1
        CHECK a3, 0xdeadbeef
        li a0, 1000
        li a1, 7
        divu a2, a0, a1                         /* rd2 == rs1 */
        remu a0, a0, a1
        CHECK a2, 142
        CHECK a0, 6
        /* near miss: rd == rd2, only the remainder survives */
        li a0, 1000
        li a1, 7
        div a2, a0, a1
        rem a2, a0, a1
        CHECK a2, 6

        /* ================= ADC: 256-bit additions ==================== */
        la s0, big_ones
        la s1, big_one
        la s2, big_out
        ADD256 s0, s1, s2                       /* (2^256 - 1) + 1 */
        CHECK t2, 1
        la s3, big_zero
        CHECK_LIMB s2, s3, 0
        CHECK_LIMB s2, s3, 8
        CHECK_LIMB s2, s3, 16
        CHECK_LIMB s2, s3, 24
        la s0, add_a
        la s1, add_b
        ADD256 s0, s1, s2
        CHECK t2, 1
        la s3, add_sum
        CHECK_LIMB s2, s3, 0
        CHECK_LIMB s2, s3, 8
        CHECK_LIMB s2, s3, 16
        CHECK_LIMB s2, s3, 24
        /* one ADC with mixed 16/32-bit encodings, all registers checked:
         * a0 = 2^64-1 + 1 + 1 */
        li a0, -1
        li a1, 1
        li a2, 1
        add a0, a0, a1                          /* c.add */
        sltu a1, a0, a1
        add a0, a0, a2                          /* c.add */
        sltu a2, a0, a2
        or a1, a1, a2                           /* c.or */
        CHECK a0, 1
        CHECK a1, 1                             /* carry out */
        CHECK a2, 0                             /* second-step carry */

        /* ================= SBB: 256-bit subtractions ================= */
        la s0, big_zero
        la s1, big_one
        la s2, big_out
        SUB256 s0, s1, s2                       /* 0 - 1 */
        CHECK t2, 1
        la s3, big_ones
        CHECK_LIMB s2, s3, 0
        CHECK_LIMB s2, s3, 8
        CHECK_LIMB s2, s3, 16
        CHECK_LIMB s2, s3, 24
        la s0, sub_a
        la s1, sub_b
        SUB256 s0, s1, s2
        CHECK t2, 1
        la s3, sub_diff
        CHECK_LIMB s2, s3, 0
        CHECK_LIMB s2, s3, 8
        CHECK_LIMB s2, s3, 16
        CHECK_LIMB s2, s3, 24
        /* one SBB, all registers checked: 5 - 7 - 1 */
        li a0, 5
        li a1, 7
        li a2, 1
        li a3, 99
        sub a1, a0, a1
        sltu a3, a0, a1
        sub a0, a1, a2
        sltu a2, a1, a0
        or a1, a2, a3
        CHECK a0, -3
        CHECK a1, 1                             /* borrow out */
        CHECK a2, 0
        CHECK a3, 1

        /* ================= ADD3A / ADD3B / ADD3C ===================== */
        li a0, -1                               /* ADD3A */
        li a1, 2
        li a4, 10
        .option push
        .option norvc                           /* keep `add a0, a1, a0` */
        add a0, a1, a0
        sltu a2, a0, a1
        add a3, a2, a4
        .option pop
        CHECK a0, 1
        CHECK a2, 1
        CHECK a3, 11
        li a1, -2                               /* ADD3B */
        li a2, 5
        li a4, 20
        add a0, a1, a2
        sltu a1, a0, a1
        add a3, a1, a4
        CHECK a0, 3
        CHECK a1, 1
        CHECK a3, 21
        li a1, 7                                /* ADD3C, no carry */
        li a2, 8
        li a4, 30
        add a0, a1, a2
        sltu a3, a0, a1
        add a3, a3, a4
        CHECK a0, 15
        CHECK a3, 30
        li a1, 0x8000000000000000               /* ADD3C, carry */
        mv a2, a1
        li a4, -1
        add a0, a1, a2
        sltu a3, a0, a1
        add a3, a3, a4
        CHECK a0, 0
        CHECK a3, 0

        /* ================= ADCS / SBBS =============================== */
        li a1, -1
        li a2, 1
        add a0, a1, a2
        sltu a3, a0, a1
        CHECK a0, 0
        CHECK a3, 1
        li a0, 40
        li a1, 2
        add a0, a0, a1                          /* rd == rs1 form */
        sltu a2, a0, a1
        CHECK a0, 42
        CHECK a2, 0
        li a1, 3
        li a2, 5
        sub a0, a1, a2
        sltu a3, a1, a2
        CHECK a0, -2
        CHECK a3, 1
        li a1, 5
        li a2, 3
        sub a0, a1, a2
        sltu a2, a1, a2                         /* r3 == r2 */
        CHECK a0, 2
        CHECK a2, 0

        /* ================= LOAD_IMM ================================== */
        .option push
        .option norvc
        lui a0, 0x80000
        addiw a0, a0, -1                        /* i32 wrap: 0x7fffffff */
        CHECK a0, 0x7fffffff
        lui a1, 0x12345
        addiw a1, a1, 0x678
        CHECK a1, 0x12345678
        lui a2, 0xfffff
        addiw a2, a2, -2048
        CHECK a2, 0xffffffffffffe800
        lui a3, 0x7ffff
        addiw a3, a3, 2047
        CHECK a3, 0x7ffff7ff
        lui a4, 0x80000
        addiw a4, a4, 0
        CHECK a4, 0xffffffff80000000
        .option pop
        c.lui a5, 1                             /* 16-bit + 16-bit */
        c.addiw a5, 1
        CHECK a5, 0x1001
        lui a0, 0x12345                         /* near miss: rd differs */
        addiw a1, a0, 1
        CHECK a0, 0x12345000
        CHECK a1, 0x12345001
        .option push
        .option norvc
1:
        auipc a0, %pcrel_hi(data_anchor)        /* AUIPC + ADDI */
        addi a0, a0, %pcrel_lo(1b)
        .option pop
        lui a1, %hi(data_anchor)
        addi a1, a1, %lo(data_anchor)
        CHECKR a0, a1

        /* ================= FAR_JUMP_REL / FAR_JUMP_ABS =============== */
        li a0, 10
        .option push
        .option norvc
1:
        auipc ra, %pcrel_hi(far_inc)
        jalr ra, %pcrel_lo(1b)(ra)
        .option pop
after_rel:
        CHECK a0, 11
        la t0, after_rel
        CHECKR ra, t0
        .option push
        .option norvc
        lui ra, %hi(far_inc)
        jalr ra, %lo(far_inc)(ra)
        .option pop
after_abs:
        CHECK a0, 12
        la t0, after_abs
        CHECKR ra, t0
        /* compressed: c.lui ra, 0x12 ; c.jalr ra  -> 0x12000 (fixed by .org) */
        c.lui ra, 0x12
        c.jalr ra
after_cabs:
        CHECK a0, 13
        la t0, after_cabs
        CHECKR ra, t0
        /* non-zero jalr offset: lui ra, 0x12 ; jalr ra, 16(ra) -> 0x12010 */
        .option push
        .option norvc
        lui ra, 0x12
        jalr ra, 16(ra)
        .option pop
        CHECK a0, 15
        la t0, page_func
        li t1, 0x12000
        CHECKR t0, t1                           /* layout assumption */

        TEST_PASS

        /* backward target for the auipc/lui far jumps */
far_inc:
        addi a0, a0, 1
        ret

        /* page-aligned targets for the c.lui far jumps.  .text.start is
         * linked first at 0x10000 (link.ld), so this is 0x12000. */
        .org 0x2000
page_func:
        addi a0, a0, 1
        ret
        .org 0x2010
page_func_16:
        addi a0, a0, 2
        ret

        .data
        .balign 8
data_anchor:
        .dword 0
big_zero:
        .dword 0, 0, 0, 0
big_one:
        .dword 1, 0, 0, 0
big_ones:
        .dword -1, -1, -1, -1
big_out:
        .dword 0, 0, 0, 0
/* A + B = SUM + 2^256 (values from Python, random.seed(7)) */
add_a:
        .dword 0xf2a74de452e6b438, 0x6513270e269e0d37, 0x0c5c7fd0a6a3a450, 0xd23f0824128b2f33
add_b:
        .dword 0x1818e811892f902b, 0x9531985d5d9dc9f8, 0xe8e25d940ed90475, 0x36f675cc81e74ef5
add_sum:
        .dword 0x0ac035f5dc164463, 0xfa44bf6b843bd730, 0xf53edd64b57ca8c5, 0x09357df094727e28
/* A - B = DIFF - 2^256 (borrow out) */
sub_a:
        .dword 0x1600a35a099950d8, 0x6b0d549b6f03675a, 0x3d9c172411e20b8f, 0x8d116ece1738f7d9
sub_b:
        .dword 0x2522811076469afe, 0xfbcee76b42affc09, 0x30282781319387b2, 0x8d116ece1738f813
sub_diff:
        .dword 0xf0de22499352b5da, 0x6f3e6d302c536b50, 0x0d73efa2e04e83dc, 0xffffffffffffffc6
