/*
 * Shared helpers for the self-checking assembly test programs.
 *
 * Every CHECK-style macro (CHECK, CHECKR, CHECK_NZ and program-local macros
 * that call NEXT_CHECK) bumps an assembly-time counter, so a failing program
 * exits with the 1-based index N of the failed check in its source file.
 * Find it with:  ./which_check.sh <prog> <code>   (in tests/programs).
 * Program-local check macros must be named CHECK* or EXPECT* for that.
 * Check numbers stay in 1..119; 120..127 are reserved for program-specific
 * markers (exit codes must fit ckb-vm's i8 exit code).  Success exits 0.
 *
 * Scratch register: t6 is clobbered by the check macros (a0 on failure).
 * Exit uses the ckb-vm / Linux exit syscall: a7 = 93, a0 = code.
 */
#ifndef CKBVM_TEST_MACROS_H
#define CKBVM_TEST_MACROS_H

#define SYS_exit 93

        .set __check_no, 0

/* Advance the check counter (assembly-time). */
        .macro NEXT_CHECK
        .set __check_no, __check_no + 1
        .if __check_no >= 120
        .error "too many checks in one program (check numbers must stay < 120)"
        .endif
        .endm

/* Exit with the current check number. */
        .macro FAIL_CURRENT
        li a0, __check_no
        j __test_fail
        .endm

/* reg must equal the (up to 64-bit) constant val. */
        .macro CHECK reg, val
        NEXT_CHECK
        li t6, \val
        beq \reg, t6, .Lck_ok\@
        FAIL_CURRENT
.Lck_ok\@:
        .endm

/* reg must equal reg2. */
        .macro CHECKR reg, reg2
        NEXT_CHECK
        beq \reg, \reg2, .Lckr_ok\@
        FAIL_CURRENT
.Lckr_ok\@:
        .endm

/* reg must be non-zero. */
        .macro CHECK_NZ reg
        NEXT_CHECK
        bne \reg, zero, .Lcknz_ok\@
        FAIL_CURRENT
.Lcknz_ok\@:
        .endm

/* Program entry: placed first in .text by link.ld. */
        .macro TEST_BEGIN
        .section .text.start, "ax", @progbits
        .globl _start
        .type _start, @function
_start:
        .endm

/* Success exit followed by the shared failure path. */
        .macro TEST_PASS
        li a0, 0
        li a7, SYS_exit
        ecall
        .globl __test_fail
__test_fail:
        li a7, SYS_exit
        ecall
        .endm

#endif
