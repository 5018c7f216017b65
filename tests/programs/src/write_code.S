/*
 * write_code.S - stores into its own (executable) .text page.
 * Build: -march=rv64i -mabi=lp64.
 *
 * ckb-vm maps .text pages executable and enforces W^X, so the `sw` fails
 * with Error::MemWriteOnExecutablePage (all versions).  If the store were
 * allowed the program would exit 1.  Not run under qemu (SIGSEGV).
 */
        .section .text.start, "ax", @progbits
        .globl _start
_start:
        lui t0, %hi(_start)
        addi t0, t0, %lo(_start)
        addi t1, zero, 0x13             /* a nop encoding */
        sw t1, 0(t0)
        addi a0, zero, 1
        addi a7, zero, 93
        ecall
