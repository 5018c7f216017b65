/*
 * spawn_min.S - the smallest spawn: the root spawns itself (cell dep 0) with
 * argv = {""}, waits for it and exits 0 when the child's exit code is 7.
 * Only instructions with known estimate_cycles costs and no MOP fusion
 * (addi, ld/sd 2, lb/sb 3, bnez 3, ecall 500), no compressed forms, so the
 * test can add up the expected cycles by hand.
 */
        .option norvc
        .section .text.start, "ax", @progbits
        .globl _start
_start:
        ld      t0, 0(sp)               /* argc: 0 for the root (VERSION2 writes no argc) */
        bnez    t0, child
        addi    a4, sp, -64             /* spawn_args at sp-64 */
        addi    t1, zero, 1
        sd      t1, 0(a4)               /* argc = 1 */
        addi    t2, sp, -32
        sd      t2, 8(a4)               /* argv = sp-32 */
        addi    t3, sp, -48
        sd      t3, 16(a4)              /* process id at sp-48 */
        sd      zero, 24(a4)            /* no fds */
        addi    t4, sp, -16
        sd      t4, 0(t2)               /* argv[0] = sp-16 */
        sd      zero, 8(t2)
        sb      zero, 0(t4)             /* "" */
        addi    a0, zero, 0             /* index 0 */
        addi    a1, zero, 3             /* cell dep */
        addi    a2, zero, 0             /* cell data */
        addi    a3, zero, 0             /* whole cell */
        addi    a7, zero, 2047
        addi    a7, a7, 554             /* 2601 spawn */
        ecall
        ld      a0, -48(sp)             /* pid */
        addi    a1, sp, -56             /* exit code at sp-56 */
        addi    a7, zero, 2047
        addi    a7, a7, 555             /* 2602 wait */
        ecall
        lb      a0, -56(sp)
        addi    a0, a0, -7
        addi    a7, zero, 93
        ecall
child:
        addi    a0, zero, 7
        addi    a7, zero, 93
        ecall
