/*
 * ebreak.S - executes ebreak, then exits 0.
 * Build: -march=rv64i -mabi=lp64.
 *
 * Without a debugger ckb-vm treats EBREAK as a no-op, so the program exits
 * 0 after ebreak (500) + addi (1) + addi (1) + ecall (500) = 1002 cycles
 * (estimate table), 4 instructions.  Not run under qemu (SIGTRAP).
 */
        .section .text.start, "ax", @progbits
        .globl _start
_start:
        ebreak
        addi a0, zero, 0
        addi a7, zero, 93
        ecall
