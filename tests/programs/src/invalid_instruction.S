/*
 * invalid_instruction.S - executes the 32-bit word 0xffffffff.
 * Build: -march=rv64i -mabi=lp64.
 *
 * Expected in ckb-vm (all versions): Error::InvalidInstruction with
 * pc = bad_insn = 0x10004 (first word after one addi at the 0x10000 entry)
 * and instruction = 0xffffffff.  Not run under qemu (SIGILL).
 */
        .section .text.start, "ax", @progbits
        .globl _start
_start:
        addi a0, zero, 0
        .globl bad_insn
bad_insn:
        .word 0xffffffff
        addi a7, zero, 93               /* not reached */
        ecall
