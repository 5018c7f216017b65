/*
 * read_last_byte.S - loads the byte at 0x3fffff, the last byte of the
 * 4 MiB VM memory.
 * Build: -march=rv64i -mabi=lp64.
 *
 *   VERSION1+: the load is in bounds; the byte is 0 (top of the zeroed stack,
 *              or the NUL of the last argv string), and the program exits
 *              with that byte, i.e. 0.
 *   VERSION0:  ckb-vm 0.x's load boundary bug rejects any load that ends
 *              exactly at the end of memory: Error::MemOutOfBound.
 * Not run under qemu (0x3fffff is not mapped there).
 */
        .section .text.start, "ax", @progbits
        .globl _start
_start:
        lui t0, 0x400
        addi t0, t0, -1                 /* t0 = 0x3fffff */
        lbu a0, 0(t0)
        addi a7, zero, 93
        ecall
