/*
 * probe.S - a table-driven syscall runner for the CKB syscall tests.
 *
 * The host writes a request table at 0x200000 before running:
 *   u64 count, then `count` entries of 8 u64 each:
 *     a0, a1, a2, a3, a4, a5, a7, result
 * For every entry with a7 != 0 the probe loads a0..a5 and a7, executes
 * ecall and stores the returned a0 into `result`. An entry with a7 == 0 is
 * a call: the probe calls the code at address a0 (jalr) and stores the
 * returned a0. Afterwards it exits with code 0 (ecall 93). RV64I only, so
 * it runs on every VM version.
 */
        .section .text.start, "ax", @progbits
        .globl _start
        .type _start, @function
_start:
        li s0, 0x200000
        ld s1, 0(s0)
        addi s0, s0, 8
1:
        beqz s1, 9f
        ld a7, 48(s0)
        beqz a7, 5f
        ld a0, 0(s0)
        ld a1, 8(s0)
        ld a2, 16(s0)
        ld a3, 24(s0)
        ld a4, 32(s0)
        ld a5, 40(s0)
        ecall
        sd a0, 56(s0)
        j 6f
5:
        ld t0, 0(s0)
        jalr ra, 0(t0)
        sd a0, 56(s0)
6:
        addi s0, s0, 64
        addi s1, s1, -1
        j 1b
9:
        li a0, 0
        li a7, 93
        ecall
        .size _start, . - _start
