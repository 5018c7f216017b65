/*
 * cycles_simple.S - straight-line program with a hand-counted cycle total.
 * Build: -march=rv64i -mabi=lp64 (no compressed instructions).
 *
 * Executed instructions (20), priced with ckb-vm's estimate cost table
 * (cost_model::estimate_cycles):
 *   class                 count  cost  cycles
 *   addi                     10     1      10
 *   sub                       2     1       2
 *   or                        1     1       1
 *   sd                        1     2       2
 *   ld                        2     2       4
 *   mul                       1     5       5
 *   div                       1    32      32
 *   bne (not taken)           1     3       3
 *   ecall (exit)              1   500     500
 *   total                    20           559
 * With the constant cost model (1 per instruction) the total is 20.
 * No sequence here is fusable by ckb-vm's macro-op fusion, so the totals are
 * the same with and without ISA_MOP.  The stack (sp - 64) is the only memory
 * used.  Exit 0 on success, 1 if a computed value is wrong (then the count
 * differs too).
 */
        .section .text.start, "ax", @progbits
        .globl _start
_start:
        addi a0, zero, 5                /* addi  1 */
        addi a1, zero, 7                /* addi  2 */
        addi a2, zero, 1                /* addi  3 */
        addi a2, a2, 2                  /* addi  4 */
        addi a2, a2, 3                  /* addi  5 */
        addi a2, a2, 4                  /* addi  6: a2 = 10 */
        addi t0, sp, -64                /* addi  7 */
        sd a2, 0(t0)                    /* sd    1 */
        ld a3, 0(t0)                    /* ld    1 */
        ld a4, 0(t0)                    /* ld    2 */
        mul a5, a0, a1                  /* mul   1: 35 */
        div a6, a5, a1                  /* div   1: 5 */
        sub t1, a6, a0                  /* sub   1: 0 */
        sub t2, a4, a3                  /* sub   2: 0 */
        or t1, t1, t2                   /* or    1 */
        bne t1, zero, fail              /* bne   1 (not taken) */
        addi a2, a2, -10                /* addi  8 */
        addi a0, zero, 0                /* addi  9 */
        addi a7, zero, 93               /* addi 10 */
        ecall                           /* ecall 1 */
fail:
        addi a0, zero, 1
        addi a7, zero, 93
        ecall
