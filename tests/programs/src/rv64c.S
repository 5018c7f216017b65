/*
 * rv64c.S - self-checking test of the RV64C compressed instructions.
 * Build: -march=rv64imc -mabi=lp64.
 *
 * Every RV64C integer instruction is executed at least once with an explicit
 * `c.` mnemonic (c.ebreak excluded on purpose: it would invoke a debugger):
 *   Q0: c.addi4spn c.lw c.ld c.sw c.sd
 *   Q1: c.nop c.addi c.addiw c.li c.addi16sp c.lui c.srli c.srai c.andi
 *       c.sub c.xor c.or c.and c.subw c.addw c.j c.beqz c.bnez
 *   Q2: c.slli c.lwsp c.ldsp c.jr c.mv c.jalr c.add c.swsp c.sdsp
 * with edge immediates (c.addi4spn 1020, c.addi16sp -512/+496, c.lui
 * 0xfffe0/31, c.li -32/31, shifts by 63, c.lw/c.ld/c.lwsp/c.ldsp maximum
 * offsets, sign extension of c.lw/c.lwsp/c.addiw/c.addw/c.subw) and checks
 * of every result.  Also: the c.jalr link is pc + 2, and a 32-bit
 * instruction that straddles a 4 KiB page boundary inside .text (at
 * page + 4094) decodes and executes correctly.
 *
 * sp is pointed at a private buffer (cstack) so the test does not depend on
 * the initial stack.  Exit 0 on success, else the failed check's index.
 */
#include "test_macros.h"

        .option rvc
        TEST_BEGIN
        la sp, cstack_top                       /* 16-byte aligned */
        mv s1, sp

        /* ---- c.addi16sp / c.addi4spn ---- */
        c.addi16sp sp, -512
        sub t0, s1, sp
        CHECK t0, 512
        c.addi16sp sp, 496
        sub t0, s1, sp
        CHECK t0, 16
        c.addi16sp sp, 16
        CHECKR sp, s1
        c.addi16sp sp, -512                     /* sp = top - 512 */
        sub t0, s1, sp
        CHECK t0, 512
        c.addi4spn a0, sp, 1020
        sub t0, a0, sp
        CHECK t0, 1020
        c.addi4spn a1, sp, 4
        sub t0, a1, sp
        CHECK t0, 4

        /* ---- c.li / c.lui ---- */
        c.li a0, -32
        CHECK a0, -32
        c.li a1, 31
        CHECK a1, 31
        c.li s0, 0
        CHECK s0, 0
        c.lui a2, 0xfffe0                       /* nzimm = -32 */
        CHECK a2, 0xfffffffffffe0000
        c.lui a3, 31
        CHECK a3, 0x1f000
        c.lui a4, 1
        CHECK a4, 0x1000

        /* ---- c.addi / c.addiw / c.nop ---- */
        li a0, 100
        c.addi a0, -32
        CHECK a0, 68
        c.addi a0, 31
        CHECK a0, 99
        c.nop
        CHECK a0, 99
        li a1, 0x7fffffff
        c.addiw a1, 1
        CHECK a1, 0xffffffff80000000
        li a2, 0x1234567880000000
        c.addiw a2, 0                           /* sext.w */
        CHECK a2, 0xffffffff80000000
        li a3, 0xffffffff
        c.addiw a3, -1
        CHECK a3, 0xfffffffffffffffe

        /* ---- shifts and c.andi ---- */
        li a0, 0x8000000000000001
        c.srli a0, 63
        CHECK a0, 1
        li a0, 0x8000000000000000
        c.srai a0, 63
        CHECK a0, -1
        li a0, 0xf0
        c.srai a0, 4
        CHECK a0, 0xf
        li a1, 3
        c.slli a1, 63
        CHECK a1, 0x8000000000000000
        li t2, 1                                /* c.slli works on any register */
        c.slli t2, 40
        CHECK t2, 0x10000000000
        li a2, 0x123456789abcdef5
        c.andi a2, -32
        CHECK a2, 0x123456789abcdee0
        li a2, 0x123456789abcdef5
        c.andi a2, 31
        CHECK a2, 0x15
        li a2, 0x5a
        c.andi a2, 0
        CHECK a2, 0

        /* ---- register-register ALU ---- */
        li a0, 10
        li a1, 25
        c.sub a0, a1
        CHECK a0, -15
        li a0, 0xff00ff00ff00ff00
        li a1, 0x0ff00ff00ff00ff0
        c.xor a0, a1
        CHECK a0, 0xf0f0f0f0f0f0f0f0
        li a0, 0xff00ff00ff00ff00
        c.or a0, a1
        CHECK a0, 0xfff0fff0fff0fff0
        li a0, 0xff00ff00ff00ff00
        c.and a0, a1
        CHECK a0, 0x0f000f000f000f00
        li s0, 0x5555555580000000
        li s1, 1
        c.subw s0, s1
        CHECK s0, 0x7fffffff
        li s0, 0
        c.subw s0, s1
        CHECK s0, -1
        li a4, 0x000000017fffffff
        li a5, 0x0000000200000001
        c.addw a4, a5
        CHECK a4, 0xffffffff80000000
        li t0, 7
        li t1, -9
        c.add t0, t1
        CHECK t0, -2
        c.mv t2, t1
        CHECK t2, -9
        c.mv a0, sp
        CHECKR a0, sp

        /* ---- memory: c.sw/c.lw/c.sd/c.ld (max offsets) ---- */
        la s0, cdata
        li a0, 0x80000001
        c.sw a0, 0(s0)
        c.lw a1, 0(s0)
        CHECK a1, 0xffffffff80000001            /* c.lw sign-extends */
        li a0, 0x7eadbeef
        c.sw a0, 124(s0)
        c.lw a2, 124(s0)
        CHECK a2, 0x7eadbeef
        li a0, 0x0123456789abcdef
        c.sd a0, 8(s0)
        c.ld a3, 8(s0)
        CHECKR a3, a0
        li a0, 0xfedcba9876543210
        c.sd a0, 248(s0)
        c.ld a4, 248(s0)
        CHECKR a4, a0
        lw a5, 248(s0)                          /* cross-check with base ISA */
        CHECK a5, 0x76543210
        lw a5, 252(s0)
        CHECK a5, 0xfffffffffedcba98

        /* ---- sp-relative: c.swsp/c.lwsp/c.sdsp/c.ldsp (max offsets) ---- */
        la sp, cstack_top
        c.addi16sp sp, -512                     /* sp = top - 512 */
        li t0, 0x8badf00d
        c.swsp t0, 252(sp)
        c.lwsp t1, 252(sp)
        CHECK t1, 0xffffffff8badf00d
        c.swsp t0, 0(sp)
        c.lwsp t2, 0(sp)
        CHECK t2, 0xffffffff8badf00d
        li t0, 0x1122334455667788
        c.sdsp t0, 504(sp)
        c.ldsp t1, 504(sp)
        CHECKR t1, t0
        c.sdsp t0, 8(sp)
        c.ldsp t2, 8(sp)
        CHECKR t2, t0
        c.lwsp t2, 12(sp)
        CHECK t2, 0x11223344
        addi t3, sp, 504                        /* cross-check with base ISA */
        ld t4, 0(t3)
        CHECKR t4, t0

        /* ---- control transfer ---- */
        li a0, 0
        c.j 1f
        li a0, 99                               /* skipped */
1:
        CHECK a0, 0
        li a1, 3                                /* backward c.j loop: 3 passes */
        li a2, 0
2:
        c.addi a2, 5
        c.addi a1, -1
        c.beqz a1, 3f
        c.j 2b
3:
        CHECK a2, 15
        li a3, 0
        c.beqz a3, 4f                           /* taken */
        c.li a3, 1
4:
        CHECK a3, 0
        li a3, 2
        c.beqz a3, 5f                           /* not taken */
        c.li a3, 7
5:
        CHECK a3, 7
        li a4, -1
        c.bnez a4, 6f                           /* taken */
        c.li a4, 1
6:
        CHECK a4, -1
        li a4, 0
        c.bnez a4, 7f                           /* not taken */
        c.li a4, 9
7:
        CHECK a4, 9
        li a0, 5
        la a5, cfunc_double
        c.jalr a5                               /* ra = pc + 2 */
after_cjalr:
        CHECK a0, 10
        la t0, after_cjalr
        CHECKR ra, t0
        la t1, 8f
        c.jr t1
        li a0, 0                                /* skipped */
8:
        CHECK a0, 10

        /* ---- a 32-bit instruction straddling a text page boundary ---- */
        li a0, 0
        j straddle_page
        .balign 4096
straddle_page:
        .rept 2047                              /* 2047 x c.nop = 4094 bytes */
        c.nop
        .endr
        .option push
        .option norvc
straddle_insn:                                  /* at page + 4094 */
        addi a0, a0, 1234
        .option pop
        CHECK a0, 1234
        la t0, straddle_insn
        slli t0, t0, 52
        srli t0, t0, 52
        CHECK t0, 4094

        TEST_PASS

        .balign 2
cfunc_double:
        c.add a0, a0
        c.jr ra

        .data
        .balign 8
cdata:
        .space 256

        .bss
        .balign 16
cstack:
        .space 2048
cstack_top:
