/*
 * unknown_ecall.S - ecall with an unsupported syscall number.
 * Build: -march=rv64i -mabi=lp64.
 *
 * a7 = 12345 is not handled by ckb-vm's default machine (only 93 = exit),
 * so the run fails with Error::InvalidEcall(12345).  If the ecall were
 * ignored the program would exit 1.  Not run under qemu (it returns -ENOSYS
 * there and the program exits 1).
 */
        .section .text.start, "ax", @progbits
        .globl _start
_start:
        lui a7, %hi(12345)
        addi a7, a7, %lo(12345)
        addi a0, zero, 0
        ecall
        addi a0, zero, 1
        addi a7, zero, 93
        ecall
