/*
 * rv64a.S - self-checking test of the RV64A atomic extension (single hart).
 * Build: -march=rv64imac -mabi=lp64.
 *
 * LR/SC (ckb-vm keeps one reservation address; every SC clears it):
 *   - lr.w / sc.w and lr.d / sc.d pairs that succeed (sc writes 0 to rd and
 *     stores), lr.w sign-extends;
 *   - sc without a prior lr, a second sc after a successful one, and sc to
 *     an address other than the reserved one (reservation moved by a later
 *     lr to another address) all fail: rd != 0 and memory is unchanged.
 * AMOs: all of amoswap/amoadd/amoxor/amoand/amoor/amomin/amomax/amominu/
 *   amomaxu in .w and .d form.  Each AMO_W/AMO_D line stores an initial value
 *   in an 8-byte slot, runs `op a2, a1, (s0)` with a1 = the operand, then
 *   checks rd (old value; .w results sign-extended) and the whole slot (for
 *   .w the upper word holds the sentinel 0xa5a5a5a5 and must be untouched).
 *   .w operands carry garbage in bits 63..32 that must be ignored, and the
 *   .w min/max compare 32-bit values (signed or unsigned).
 *   Also rd == rs2 (amoswap returns the old memory, stores the old rs2),
 *   rd == rs1 (the store goes to the old address) and rd == x0.
 *
 * Exit 0 on success, else the failed check's index (which_check.sh).
 */
#include "test_macros.h"

        .macro AMO_W op, init, val
        li t0, \init
        sw t0, 0(s0)
        li t0, 0xa5a5a5a5
        sw t0, 4(s0)
        li a1, \val
        \op a2, a1, (s0)
        .endm

        .macro AMO_D op, init, val
        li t0, \init
        sd t0, 0(s0)
        li a1, \val
        \op a2, a1, (s0)
        .endm

        .macro CHECK_SLOT val
        ld t1, 0(s0)
        CHECK t1, \val
        .endm

        TEST_BEGIN
        la s0, amo_slot
        la s1, lr_words                         /* two 8-byte slots */

        /* ---- lr.w / sc.w ---- */
        li t0, 0x80000000
        sw t0, 0(s1)
        sw zero, 4(s1)
        lr.w a0, (s1)
        CHECK a0, 0xffffffff80000000            /* sign-extended */
        li a1, 0x12345678
        sc.w a2, a1, (s1)
        CHECK a2, 0                             /* success */
        lwu t0, 0(s1)
        CHECK t0, 0x12345678
        li a1, 0x0badcafe
        sc.w a2, a1, (s1)                       /* reservation consumed */
        CHECK_NZ a2
        lwu t0, 0(s1)
        CHECK t0, 0x12345678                    /* unchanged */
        addi s2, s1, 8
        li t0, 0x77
        sw t0, 0(s2)
        lr.w a0, (s1)
        lr.w a3, (s2)                           /* reservation moves to s2 */
        CHECK a3, 0x77
        sc.w a2, a1, (s1)
        CHECK_NZ a2
        lwu t0, 0(s1)
        CHECK t0, 0x12345678
        lr.w a0, (s1)
        lr.w a3, (s2)
        sc.w a2, a1, (s2)
        CHECK a2, 0
        lwu t0, 0(s2)
        CHECK t0, 0x0badcafe
        lwu t0, 4(s1)                           /* neighbour word untouched */
        CHECK t0, 0

        /* ---- lr.d / sc.d ---- */
        li t0, 0x8000000000000001
        sd t0, 0(s1)
        li t0, 0x1111111111111111
        sd t0, 0(s2)
        li a1, 0xfedcba9876543210
        sc.d a2, a1, (s1)                       /* no reservation */
        CHECK_NZ a2
        ld t0, 0(s1)
        CHECK t0, 0x8000000000000001
        lr.d a0, (s1)
        CHECK a0, 0x8000000000000001
        sc.d a2, a1, (s1)
        CHECK a2, 0
        ld t0, 0(s1)
        CHECK t0, 0xfedcba9876543210
        sc.d a2, zero, (s1)                     /* reservation consumed */
        CHECK_NZ a2
        ld t0, 0(s1)
        CHECK t0, 0xfedcba9876543210
        lr.d a0, (s2)
        CHECK a0, 0x1111111111111111
        sc.d a2, zero, (s1)                     /* reserved s2, not s1 */
        CHECK_NZ a2
        ld t0, 0(s1)
        CHECK t0, 0xfedcba9876543210
        sc.d a2, zero, (s2)                     /* previous sc cleared it */
        CHECK_NZ a2
        ld t0, 0(s2)
        CHECK t0, 0x1111111111111111
        /* a typical CAS retry loop: atomically add 5 */
1:
        lr.d a0, (s2)
        addi a0, a0, 5
        sc.d a2, a0, (s2)
        bnez a2, 1b
        ld t0, 0(s2)
        CHECK t0, 0x1111111111111116

        /* ---- AMOs ---- */
        AMO_W amoswap.w, 0x80000000, 0x100000005
        CHECK a2, 0xffffffff80000000
        CHECK_SLOT 0xa5a5a5a500000005
        AMO_W amoadd.w, 0x7fffffff, 0x1
        CHECK a2, 0x7fffffff
        CHECK_SLOT 0xa5a5a5a580000000
        AMO_W amoadd.w, 0xffffffff, 0xffffffff00000002
        CHECK a2, 0xffffffffffffffff
        CHECK_SLOT 0xa5a5a5a500000001
        AMO_W amoxor.w, 0xf0f0f0f0, 0xffffffff
        CHECK a2, 0xfffffffff0f0f0f0
        CHECK_SLOT 0xa5a5a5a50f0f0f0f
        AMO_W amoand.w, 0xff00ff00, 0xff00ff0
        CHECK a2, 0xffffffffff00ff00
        CHECK_SLOT 0xa5a5a5a50f000f00
        AMO_W amoor.w, 0x80000000, 0x1
        CHECK a2, 0xffffffff80000000
        CHECK_SLOT 0xa5a5a5a580000001
        AMO_W amomin.w, 0xffffffff, 0x1
        CHECK a2, 0xffffffffffffffff
        CHECK_SLOT 0xa5a5a5a5ffffffff
        AMO_W amomin.w, 0x5, 0x80000000
        CHECK a2, 0x5
        CHECK_SLOT 0xa5a5a5a580000000
        AMO_W amomin.w, 0x5, 0xffffffff
        CHECK a2, 0x5
        CHECK_SLOT 0xa5a5a5a5ffffffff
        AMO_W amomax.w, 0xffffffff, 0x1
        CHECK a2, 0xffffffffffffffff
        CHECK_SLOT 0xa5a5a5a500000001
        AMO_W amomax.w, 0x80000000, 0xffffffff
        CHECK a2, 0xffffffff80000000
        CHECK_SLOT 0xa5a5a5a5ffffffff
        AMO_W amomax.w, 0x5, 0xffffffff00000007
        CHECK a2, 0x5
        CHECK_SLOT 0xa5a5a5a500000007
        AMO_W amominu.w, 0xffffffff, 0x1
        CHECK a2, 0xffffffffffffffff
        CHECK_SLOT 0xa5a5a5a500000001
        AMO_W amominu.w, 0x5, 0xffffffff00000007
        CHECK a2, 0x5
        CHECK_SLOT 0xa5a5a5a500000005
        AMO_W amomaxu.w, 0x80000000, 0x7fffffff
        CHECK a2, 0xffffffff80000000
        CHECK_SLOT 0xa5a5a5a580000000
        AMO_W amomaxu.w, 0x1, 0xffffffff
        CHECK a2, 0x1
        CHECK_SLOT 0xa5a5a5a5ffffffff
        AMO_D amoswap.d, 0x8000000000000000, 0x123456789abcdef0
        CHECK a2, 0x8000000000000000
        CHECK_SLOT 0x123456789abcdef0
        AMO_D amoadd.d, 0xffffffffffffffff, 0x2
        CHECK a2, 0xffffffffffffffff
        CHECK_SLOT 0x1
        AMO_D amoxor.d, 0xf0f0f0f0f0f0f0f0, 0xffffffffffffffff
        CHECK a2, 0xf0f0f0f0f0f0f0f0
        CHECK_SLOT 0xf0f0f0f0f0f0f0f
        AMO_D amoand.d, 0xff00ff00ff00ff00, 0xff00ff00ff00ff0
        CHECK a2, 0xff00ff00ff00ff00
        CHECK_SLOT 0xf000f000f000f00
        AMO_D amoor.d, 0x8000000000000000, 0x1
        CHECK a2, 0x8000000000000000
        CHECK_SLOT 0x8000000000000001
        AMO_D amomin.d, 0xffffffffffffffff, 0x1
        CHECK a2, 0xffffffffffffffff
        CHECK_SLOT 0xffffffffffffffff
        AMO_D amomin.d, 0x5, 0x8000000000000000
        CHECK a2, 0x5
        CHECK_SLOT 0x8000000000000000
        AMO_D amomax.d, 0xffffffffffffffff, 0x1
        CHECK a2, 0xffffffffffffffff
        CHECK_SLOT 0x1
        AMO_D amomax.d, 0x8000000000000000, 0xffffffffffffffff
        CHECK a2, 0x8000000000000000
        CHECK_SLOT 0xffffffffffffffff
        AMO_D amominu.d, 0xffffffffffffffff, 0x1
        CHECK a2, 0xffffffffffffffff
        CHECK_SLOT 0x1
        AMO_D amominu.d, 0x5, 0x8000000000000000
        CHECK a2, 0x5
        CHECK_SLOT 0x5
        AMO_D amomaxu.d, 0x8000000000000000, 0x7fffffffffffffff
        CHECK a2, 0x8000000000000000
        CHECK_SLOT 0x8000000000000000
        AMO_D amomaxu.d, 0x1, 0xffffffffffffffff
        CHECK a2, 0x1
        CHECK_SLOT 0xffffffffffffffff

        /* ---- register aliasing ---- */
        li t0, 111
        sd t0, 0(s0)
        li a2, 222
        amoswap.d a2, a2, (s0)                  /* rd == rs2 */
        CHECK a2, 111
        CHECK_SLOT 222
        li t0, 40
        sw t0, 0(s0)
        li t0, 0xa5a5a5a5
        sw t0, 4(s0)
        li a2, 2
        amoadd.w a2, a2, (s0)                   /* rd == rs2 */
        CHECK a2, 40
        CHECK_SLOT 0xa5a5a5a50000002a
        mv a3, s0
        li a1, 1
        amoadd.d a3, a1, (a3)                   /* rd == rs1: store to old address */
        CHECK a3, 0xa5a5a5a50000002a
        CHECK_SLOT 0xa5a5a5a50000002b
        li a1, 0x10
        amoor.d zero, a1, (s0)                  /* rd == x0 */
        CHECK_SLOT 0xa5a5a5a50000003b
        CHECK zero, 0

        TEST_PASS

        .data
        .balign 16
lr_words:
        .space 16
amo_slot:
        .space 8
