/*
 * invalid_instruction_zero.S - executes an all-zero instruction word.
 * Build: -march=rv64i -mabi=lp64.
 *
 * The low 2 bits of 0x0000 say "16-bit compressed instruction", and the
 * all-zero RVC word is defined illegal, so ckb-vm (which always decodes RVC)
 * reports Error::InvalidInstruction with pc = bad_insn = 0x10004 and
 * instruction = 0x00000000 (the 16-bit parcel zero-extended).  Not run under
 * qemu (SIGILL).
 */
        .section .text.start, "ax", @progbits
        .globl _start
_start:
        addi a0, zero, 0
        .globl bad_insn
bad_insn:
        .word 0x00000000
        addi a7, zero, 93               /* not reached */
        ecall
