/*
 * cycles_loop.S - counted loop with a hand-counted cycle total.
 * Build: -march=rv64i -mabi=lp64 (no compressed instructions).
 *
 * Prologue (4 instructions):  addi x3, sd x1                 = 3 + 2 =    5
 * Loop body, 100 iterations (7 instructions each):
 *   ld 2 + add 1 + sd 2 + mul 5 + add 1 + addi 1 + bne 3   = 15 cycles
 *   (bne taken 99 times, falls through once: same price)  100 x 15 = 1500
 * Epilogue (10 instructions):
 *   ld 2 + lui 1 + addi 1 + bne 3 + lui 1 + addi 1 + bne 3
 *   + addi 1 + addi 1 + ecall 500                         =      514
 * Total: 714 instructions, 2019 cycles (estimate cost table); 714 with the
 * constant cost model.  Per class: addi 105, add 200, lui 2, ld 101, sd 101,
 * mul 100, bne 102, ecall 1.
 * No sequence here is fusable by ckb-vm's macro-op fusion (constants are
 * built with lui + addi, not lui + addiw), so the totals hold with ISA_MOP.
 *
 * The loop: mem = 0; for t0 = 100 .. 1: { mem += t0; t1 += mem * t0 };
 * expected mem = 5050, t1 = 12920425.  Exit 0 on success, 1 on mismatch.
 */
        .section .text.start, "ax", @progbits
        .globl _start
_start:
        addi s0, sp, -64
        sd zero, 0(s0)
        addi t0, zero, 100              /* trip count */
        addi t1, zero, 0
loop:
        ld t2, 0(s0)
        add t2, t2, t0
        sd t2, 0(s0)
        mul t3, t2, t0
        add t1, t1, t3
        addi t0, t0, -1
        bne t0, zero, loop
        ld t2, 0(s0)
        lui t4, %hi(5050)
        addi t4, t4, %lo(5050)
        bne t2, t4, fail
        lui t5, %hi(12920425)
        addi t5, t5, %lo(12920425)
        bne t1, t5, fail
        addi a0, zero, 0
        addi a7, zero, 93
        ecall
fail:
        addi a0, zero, 1
        addi a7, zero, 93
        ecall
