/*
 * infinite_loop.S - never exits; for cycle-limit and pause tests.
 * Build: -march=rv64i -mabi=lp64.
 *
 * One `addi t0, zero, 0` (1 cycle), then forever { addi t0, t0, 1 (1);
 * jal zero, loop (3) }: after n iterations 1 + 4n cycles (estimate cost
 * table) or 1 + 2n instructions have run and t0 = n.  Expected result:
 * Error::CyclesExceeded once the limit is passed (or a pause).
 */
        .section .text.start, "ax", @progbits
        .globl _start
_start:
        addi t0, zero, 0
loop:
        addi t0, t0, 1
        jal zero, loop
