/*
 * rv64i.S - self-checking test of the RV64I base integer ISA.
 * Build: -march=rv64i -mabi=lp64 (no compressed instructions).
 *
 * Exit 0 on success, otherwise the index of the failed check (see
 * test_macros.h).  Special code:
 *   120  `jalr t0, 0(t0)` fell through to its link address instead of
 *        jumping to the old t0.  ckb-vm VERSION0 does exactly that (its JALR
 *        writes rd before reading rs1), so under VERSION0 this program exits
 *        120; VERSION1+ (and qemu / hardware) jump to the old t0 and exit 0.
 *
 * Covered: x0 writes ignored; add/sub/logic (+ immediates, sign-extended
 * imm); shifts by amounts >= 64 (masked to 6 bits); slt/sltu/slti/sltiu;
 * W forms (overflow sign extension, 5-bit shift masking); lui/auipc (incl.
 * negative); every branch taken and not taken (+ a backward loop); jal/jalr
 * (link value, odd target bit cleared, rd == rs1); every load/store width
 * with sign/zero extension and negative offsets; misaligned loads/stores;
 * an 8/4/2-byte access straddling a 4 KiB page boundary; fence.
 */
#include "test_macros.h"

        .macro EXPECT_TAKEN br, r1, r2
        NEXT_CHECK
        \br \r1, \r2, .Ltk\@
        FAIL_CURRENT
.Ltk\@:
        .endm

        .macro EXPECT_NOT_TAKEN br, r1, r2
        NEXT_CHECK
        \br \r1, \r2, .Lntk_bad\@
        j .Lntk_ok\@
.Lntk_bad\@:
        FAIL_CURRENT
.Lntk_ok\@:
        .endm

        TEST_BEGIN
        /* ---- x0 is hard-wired to zero ---- */
        addi x0, x0, 5
        lui x0, 0x12345
        add t0, x0, x0
        CHECK t0, 0

        /* ---- add / sub / addi ---- */
        li s0, 0x7fffffffffffffff
        li s1, 1
        li s2, 0x8000000000000000
        add t0, s0, s1
        CHECK t0, 0x8000000000000000            /* signed overflow wraps */
        sub t0, zero, s1
        CHECK t0, -1
        sub t0, s2, s1
        CHECK t0, 0x7fffffffffffffff
        addi t0, zero, -2048
        CHECK t0, -2048
        addi t0, t0, 2047
        CHECK t0, -1

        /* ---- logic ---- */
        li s3, 0xf0f0f0f0f0f0f0f0
        li s4, 0x0ff00ff00ff00ff0
        and t0, s3, s4
        CHECK t0, 0x00f000f000f000f0
        or t0, s3, s4
        CHECK t0, 0xfff0fff0fff0fff0
        xor t0, s3, s4
        CHECK t0, 0xff00ff00ff00ff00
        xori t0, s3, -1                         /* not */
        CHECK t0, 0x0f0f0f0f0f0f0f0f
        andi t0, s4, -16                        /* imm sign-extended */
        CHECK t0, 0x0ff00ff00ff00ff0
        ori t0, zero, -2048
        CHECK t0, 0xfffffffffffff800
        andi t0, s3, 0x7ff
        CHECK t0, 0xf0

        /* ---- 64-bit shifts: amount masked to 6 bits ---- */
        li s5, 65
        sll t0, s1, s5
        CHECK t0, 2                             /* 65 & 63 == 1 */
        li s5, 64
        sll t0, s3, s5
        CHECK t0, 0xf0f0f0f0f0f0f0f0            /* by 64 == by 0 */
        li s5, 63
        srl t0, s2, s5
        CHECK t0, 1
        sra t0, s2, s5
        CHECK t0, -1
        li s5, -1
        srl t0, s3, s5                          /* -1 & 63 == 63 */
        CHECK t0, 1
        slli t0, s1, 63
        CHECK t0, 0x8000000000000000
        srli t0, s3, 60
        CHECK t0, 0xf
        srai t0, s3, 60
        CHECK t0, -1
        srai t0, s0, 62
        CHECK t0, 1

        /* ---- set-less-than ---- */
        li s6, -1
        slt t0, s6, zero
        CHECK t0, 1
        sltu t0, s6, zero
        CHECK t0, 0
        sltu t0, zero, s6
        CHECK t0, 1
        slt t0, s2, s0                          /* INT64_MIN < INT64_MAX */
        CHECK t0, 1
        sltu t0, s2, s0
        CHECK t0, 0
        slti t0, s6, 0
        CHECK t0, 1
        sltiu t0, s0, -1                        /* imm -1 means 2^64-1 */
        CHECK t0, 1
        sltiu t0, zero, 1                       /* seqz */
        CHECK t0, 1
        slt t0, s1, s1
        CHECK t0, 0

        /* ---- W forms: low 32 bits, result sign-extended ---- */
        li s7, 0x123456787fffffff
        li s8, 0xabcdef0080000000
        addiw t0, s7, 1
        CHECK t0, 0xffffffff80000000
        addw t0, s7, s1
        CHECK t0, 0xffffffff80000000
        addiw t0, s8, 0                         /* sext.w */
        CHECK t0, 0xffffffff80000000
        subw t0, s8, s1
        CHECK t0, 0x7fffffff
        li s5, 33
        sllw t0, s1, s5                         /* 33 & 31 == 1 */
        CHECK t0, 2
        li s5, 31
        sllw t0, s1, s5
        CHECK t0, 0xffffffff80000000
        srlw t0, s8, s5
        CHECK t0, 1
        srlw t0, s8, zero                       /* bit 31 sign-extends */
        CHECK t0, 0xffffffff80000000
        li s5, 35
        sraw t0, s8, s5                         /* 35 & 31 == 3 */
        CHECK t0, 0xfffffffff0000000
        li s5, 32
        srlw t0, s7, s5                         /* by 32 == by 0 */
        CHECK t0, 0x7fffffff
        slliw t0, s7, 31
        CHECK t0, 0xffffffff80000000
        srliw t0, s6, 16
        CHECK t0, 0xffff
        sraiw t0, s8, 31
        CHECK t0, -1

        /* ---- lui / auipc ---- */
        lui t0, 0x80000
        CHECK t0, 0xffffffff80000000            /* sign-extended */
        lui t0, 0x7ffff
        CHECK t0, 0x7ffff000
        jal t1, 1f
1:      auipc t0, 0
        CHECKR t0, t1
        jal t1, 2f
2:      auipc t0, 1
        sub t0, t0, t1
        CHECK t0, 4096
        jal t1, 3f
3:      auipc t0, 0xfffff                       /* pc - 4096 */
        sub t0, t1, t0
        CHECK t0, 4096
        lui t0, %hi(data_words)
        addi t0, t0, %lo(data_words)
        la t1, data_words
        CHECKR t0, t1

        /* ---- branches ---- */
        li s9, 1
        li s10, -1
        EXPECT_TAKEN beq, s9, s9
        EXPECT_NOT_TAKEN beq, s9, s10
        EXPECT_TAKEN bne, s9, s10
        EXPECT_NOT_TAKEN bne, s9, s9
        EXPECT_TAKEN blt, s10, s9               /* -1 < 1 signed */
        EXPECT_NOT_TAKEN blt, s9, s10
        EXPECT_NOT_TAKEN blt, s9, s9
        EXPECT_TAKEN bge, s9, s10
        EXPECT_TAKEN bge, s9, s9
        EXPECT_NOT_TAKEN bge, s10, s9
        EXPECT_TAKEN bltu, s9, s10              /* 1 < 2^64-1 unsigned */
        EXPECT_NOT_TAKEN bltu, s10, s9
        EXPECT_TAKEN bgeu, s10, s9
        EXPECT_TAKEN bgeu, s9, s9
        EXPECT_NOT_TAKEN bgeu, s9, s10
        li t0, 5                                /* backward branch loop */
        li t1, 0
4:      addi t1, t1, 3
        addi t0, t0, -1
        bne t0, zero, 4b
        CHECK t1, 15

        /* ---- jal / jalr ---- */
        li a0, 40
        jal ra, func_add1
ret_from_jal:
        la t0, ret_from_jal
        CHECKR ra, t0                           /* link = pc + 4 */
        CHECK a0, 41
        la t2, func_add1
        jalr ra, 0(t2)
ret_from_jalr:
        CHECK a0, 42
        la t0, ret_from_jalr
        CHECKR ra, t0
        la t2, func_add1                        /* target (rs1+imm) & ~1 */
        addi t2, t2, -7
        jalr ra, 8(t2)
        CHECK a0, 43
        /* rd == rs1: must jump to the OLD t0 */
        la t0, jalr_same_target
        jalr t0, 0(t0)
jalr_same_link:
        li a0, 120                              /* VERSION0 behaviour */
        j __test_fail
jalr_same_target:
        la t1, jalr_same_link
        CHECKR t0, t1
        la t0, jalr_same_target2                /* rd == rs1, non-zero imm */
        addi t0, t0, -16
        jalr t0, 16(t0)
jalr_same_link2:
        li a0, 120
        j __test_fail
jalr_same_target2:
        la t1, jalr_same_link2
        CHECKR t0, t1
        la t2, 5f                               /* jalr x0: jump, no link */
        li t0, 77
        jalr zero, 0(t2)
        li t0, 0
5:
        CHECK t0, 77

        /* ---- aligned loads: sign / zero extension ---- */
        la s0, data_words
        lb t0, 0(s0)
        CHECK t0, 0xffffffffffffff80
        lbu t0, 0(s0)
        CHECK t0, 0x80
        lb t0, 1(s0)
        CHECK t0, 0x7f
        lh t0, 2(s0)
        CHECK t0, 0xffffffffffff8001
        lhu t0, 2(s0)
        CHECK t0, 0x8001
        lh t0, 12(s0)
        CHECK t0, 0xffffffffffffba98
        lw t0, 4(s0)
        CHECK t0, 0xffffffff80000002
        lwu t0, 4(s0)
        CHECK t0, 0x80000002
        lw t0, 8(s0)
        CHECK t0, 0x76543210
        ld t0, 8(s0)
        CHECK t0, 0xfedcba9876543210
        addi t1, s0, 16
        ld t0, -8(t1)                           /* negative offset */
        CHECK t0, 0xfedcba9876543210

        /* ---- stores of every width ---- */
        la s1, scratch
        li t0, -1
        sd t0, 0(s1)
        sd t0, 8(s1)
        li t1, 0x1122334455667788
        sb t1, 0(s1)
        ld t0, 0(s1)
        CHECK t0, 0xffffffffffffff88
        sh t1, 2(s1)
        ld t0, 0(s1)
        CHECK t0, 0xffffffff7788ff88
        sw t1, 4(s1)
        ld t0, 0(s1)
        CHECK t0, 0x556677887788ff88
        sd t1, 8(s1)
        ld t0, 8(s1)
        CHECKR t0, t1
        addi t2, s1, 24
        sd zero, -8(t2)                         /* negative offset */
        ld t0, 16(s1)
        CHECK t0, 0

        /* ---- misaligned accesses ----
         * scratch[0..15] = 01 02 .. 10, scratch[16..23] = 0 */
        li t1, 0x0807060504030201
        sd t1, 0(s1)
        li t1, 0x100f0e0d0c0b0a09
        sd t1, 8(s1)
        ld t0, 1(s1)
        CHECK t0, 0x0908070605040302
        ld t0, 7(s1)
        CHECK t0, 0x0f0e0d0c0b0a0908
        lw t0, 3(s1)
        CHECK t0, 0x07060504
        lwu t0, 13(s1)
        CHECK t0, 0x00100f0e
        lh t0, 5(s1)
        CHECK t0, 0x0706
        lhu t0, 15(s1)
        CHECK t0, 0x0010
        li t1, 0xa1b2c3d4e5f60718
        sd t1, 3(s1)                            /* bytes 3..10 */
        lbu t0, 3(s1)
        CHECK t0, 0x18
        lbu t0, 10(s1)
        CHECK t0, 0xa1
        lbu t0, 11(s1)
        CHECK t0, 0x0c                          /* untouched */
        lbu t0, 2(s1)
        CHECK t0, 0x03                          /* untouched */
        lh t0, 5(s1)                            /* f6 e5 */
        CHECK t0, 0xffffffffffffe5f6
        lw t0, 7(s1)                            /* d4 c3 b2 a1 */
        CHECK t0, 0xffffffffa1b2c3d4
        sw t1, 9(s1)                            /* bytes 9..12 = 18 07 f6 e5 */
        ld t0, 8(s1)
        CHECK t0, 0x100f0ee5f60718c3
        sh t1, 15(s1)                           /* bytes 15,16 = 18 07 */
        lhu t0, 15(s1)
        CHECK t0, 0x0718
        lbu t0, 17(s1)
        CHECK t0, 0

        /* ---- accesses straddling a 4 KiB page boundary ---- */
        la s2, page_buf
        li t0, 4096
        add s2, s2, t0                          /* s2 = boundary */
        li t1, 0x1122334455667788
        sd t1, -3(s2)                           /* 3 bytes before, 5 after */
        ld t0, -3(s2)
        CHECKR t0, t1
        lbu t0, -3(s2)
        CHECK t0, 0x88
        lbu t0, -1(s2)
        CHECK t0, 0x66
        lbu t0, 0(s2)
        CHECK t0, 0x55
        lbu t0, 4(s2)
        CHECK t0, 0x11
        lw t0, -2(s2)
        CHECK t0, 0x44556677
        lh t0, -1(s2)
        CHECK t0, 0x5566
        li t1, 0x8899aabb
        sw t1, -1(s2)
        lwu t0, -1(s2)
        CHECK t0, 0x8899aabb
        sh t1, -1(s2)
        lh t0, -1(s2)
        CHECK t0, 0xffffffffffffaabb

        /* ---- fence is a no-op for a single hart ---- */
        fence
        fence rw, rw
        CHECK t1, 0x8899aabb

        TEST_PASS

        .text
        .balign 4
func_add1:
        addi a0, a0, 1
        jalr zero, 0(ra)

        .data
        .balign 8
data_words:
        .byte 0x80, 0x7f
        .half 0x8001
        .word 0x80000002
        .dword 0xfedcba9876543210
        .balign 8
scratch:
        .space 32

        .bss
        .balign 4096
page_buf:
        .space 8192
