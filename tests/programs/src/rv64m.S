/*
 * rv64m.S - self-checking test of the RV64M multiply/divide extension.
 * Build: -march=rv64im -mabi=lp64.
 *
 * Exit 0 on success, otherwise the index of the failed check (see
 * test_macros.h).  Each CHECK_RR line computes `op a0, a1, a2` with
 * a1 = first operand, a2 = second operand and compares a0 with the last
 * argument (expected values computed with Python big integers).
 *
 * Covered: mul/mulh/mulhu/mulhsu/mulw incl. sign combinations and
 * INT64_MIN; div/divu/rem/remu and the W forms incl. division by zero
 * (quotient all ones, remainder = dividend), INT64_MIN / -1 and
 * INT32_MIN / -1 (quotient = dividend, remainder 0), negative operands
 * (truncating division), upper-32-bit garbage ignored by W forms, and
 * destination registers overlapping the sources.
 */
#include "test_macros.h"

        .macro CHECK_RR op, a, b, res
        li a1, \a
        li a2, \b
        \op a0, a1, a2
        CHECK a0, \res
        .endm

        TEST_BEGIN
        CHECK_RR mul, 0x7fffffffffffffff, 0x2, 0xfffffffffffffffe
        CHECK_RR mul, 0xffffffffffffffff, 0xffffffffffffffff, 0x1
        CHECK_RR mul, 0x8000000000000000, 0xffffffffffffffff, 0x8000000000000000  /* INT64_MIN * -1 wraps */
        CHECK_RR mul, 0x123456789abcdef0, 0xfedcba9876543210, 0x236d88fe5618cf00
        CHECK_RR mulh, 0xffffffffffffffff, 0xffffffffffffffff, 0x0
        CHECK_RR mulh, 0x8000000000000000, 0x8000000000000000, 0x4000000000000000
        CHECK_RR mulh, 0x8000000000000000, 0xffffffffffffffff, 0x0
        CHECK_RR mulh, 0xfffffffffffffffe, 0x3, 0xffffffffffffffff
        CHECK_RR mulh, 0x7fffffffffffffff, 0x7fffffffffffffff, 0x3fffffffffffffff
        CHECK_RR mulh, 0x123456789abcdef0, 0xfedcba9876543210, 0xffeb49923cc09532
        CHECK_RR mulhu, 0xffffffffffffffff, 0xffffffffffffffff, 0xfffffffffffffffe
        CHECK_RR mulhu, 0x8000000000000000, 0x2, 0x1
        CHECK_RR mulhu, 0x123456789abcdef0, 0xfedcba9876543210, 0x121fa00ad77d7422
        CHECK_RR mulhu, 0x5, 0x0, 0x0
        CHECK_RR mulhsu, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff  /* -1 * (2^64-1) */
        CHECK_RR mulhsu, 0x8000000000000000, 0xffffffffffffffff, 0x8000000000000000
        CHECK_RR mulhsu, 0x5, 0xffffffffffffffff, 0x4
        CHECK_RR mulhsu, 0xfffffffffffffffb, 0x3, 0xffffffffffffffff
        CHECK_RR mulhsu, 0x123456789abcdef0, 0xfedcba9876543210, 0x121fa00ad77d7422
        CHECK_RR mulw, 0x7fffffff, 0x2, 0xfffffffffffffffe
        CHECK_RR mulw, 0xdeadbeef00000003, 0x1234567800000005, 0xf  /* upper bits ignored */
        CHECK_RR mulw, 0x10000, 0x10000, 0x0
        CHECK_RR mulw, 0xffffffffffffffff, 0xffffffffffffffff, 0x1
        CHECK_RR div, 0xfffffffffffffff9, 0x2, 0xfffffffffffffffd
        CHECK_RR rem, 0xfffffffffffffff9, 0x2, 0xffffffffffffffff
        CHECK_RR div, 0x7, 0xfffffffffffffffe, 0xfffffffffffffffd
        CHECK_RR rem, 0x7, 0xfffffffffffffffe, 0x1
        CHECK_RR div, 0xfffffffffffffff9, 0xfffffffffffffffe, 0x3
        CHECK_RR rem, 0xfffffffffffffff9, 0xfffffffffffffffe, 0xffffffffffffffff
        CHECK_RR div, 0x3039, 0x0, 0xffffffffffffffff  /* x / 0 = -1 */
        CHECK_RR rem, 0x3039, 0x0, 0x3039  /* x % 0 = x */
        CHECK_RR div, 0xffffffffffffffff, 0x0, 0xffffffffffffffff
        CHECK_RR rem, 0xffffffffffffffff, 0x0, 0xffffffffffffffff
        CHECK_RR div, 0x8000000000000000, 0xffffffffffffffff, 0x8000000000000000  /* INT64_MIN / -1 = INT64_MIN */
        CHECK_RR rem, 0x8000000000000000, 0xffffffffffffffff, 0x0  /* INT64_MIN % -1 = 0 */
        CHECK_RR div, 0x8000000000000000, 0x1, 0x8000000000000000
        CHECK_RR divu, 0xffffffffffffffff, 0x2, 0x7fffffffffffffff
        CHECK_RR remu, 0xffffffffffffffff, 0x2, 0x1
        CHECK_RR divu, 0x3039, 0x0, 0xffffffffffffffff  /* x /u 0 = 2^64-1 */
        CHECK_RR remu, 0x3039, 0x0, 0x3039  /* x %u 0 = x */
        CHECK_RR divu, 0x8000000000000000, 0xffffffffffffffff, 0x0
        CHECK_RR remu, 0x8000000000000000, 0xffffffffffffffff, 0x8000000000000000
        CHECK_RR divu, 0xffffffffffffffff, 0xffffffffffffffff, 0x1
        CHECK_RR divw, 0x80000000, 0xffffffffffffffff, 0xffffffff80000000  /* INT32_MIN / -1 = INT32_MIN (sign-extended) */
        CHECK_RR remw, 0x80000000, 0xffffffffffffffff, 0x0  /* INT32_MIN % -1 = 0 */
        CHECK_RR divw, 0x12345678fffffff9, 0x2, 0xfffffffffffffffd
        CHECK_RR remw, 0x12345678fffffff9, 0x2, 0xffffffffffffffff
        CHECK_RR divw, 0x1234567800000007, 0xffffffff00000000, 0xffffffffffffffff  /* divisor low 32 bits are 0 */
        CHECK_RR remw, 0x1234567880000007, 0xffffffff00000000, 0xffffffff80000007  /* remainder = sext(low 32 of dividend) */
        CHECK_RR divuw, 0x80000000, 0x3, 0x2aaaaaaa
        CHECK_RR remuw, 0x80000000, 0x3, 0x2
        CHECK_RR divuw, 0xffffffff, 0x1, 0xffffffffffffffff  /* result sign-extended */
        CHECK_RR divuw, 0x123, 0x100000000, 0xffffffffffffffff  /* divisor low 32 bits are 0 */
        CHECK_RR remuw, 0xabcdef0080000001, 0x0, 0xffffffff80000001  /* x %u 0 = sext(low 32) */
        CHECK_RR remuw, 0xffffffff, 0x10, 0xf
        CHECK_RR divw, 0x7, 0xfffffffffffffffe, 0xfffffffffffffffd
        CHECK_RR remw, 0xfffffffffffffff9, 0x2, 0xffffffffffffffff

        /* destination overlapping a source */
        li a1, -7
        li a2, 2
        div a1, a1, a2
        CHECK a1, -3
        li a1, -7
        li a2, 2
        rem a2, a1, a2
        CHECK a2, -1
        li a1, 0x100000000
        mulhu a1, a1, a1
        CHECK a1, 1
        li a1, 3
        mulw a1, a1, a1
        CHECK a1, 9
        /* x0 destination stays zero */
        li a1, 5
        mul zero, a1, a1
        div zero, a1, a1
        CHECK zero, 0

        TEST_PASS
