/*
 * jump_outside.S - jumps to 0x500000, beyond the 4 MiB of VM memory.
 * Build: -march=rv64i -mabi=lp64.
 *
 * The instruction fetch at pc = 0x500000 fails with Error::MemOutOfBound
 * (all versions).  Not run under qemu (SIGSEGV).
 */
        .section .text.start, "ax", @progbits
        .globl _start
_start:
        lui t0, 0x500                   /* t0 = 0x500000 */
        jalr zero, 0(t0)
        addi a0, zero, 1                /* not reached */
        addi a7, zero, 93
        ecall
