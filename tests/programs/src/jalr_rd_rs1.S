/*
 * jalr_rd_rs1.S - JALR whose destination register is also its base.
 * Build: -march=rv64imc -mabi=lp64.
 *
 * Part 1 (32-bit):   t0 = target1 ; jalr t0, 0(t0)
 * Part 2 (16-bit):   ra = target2 ; c.jalr ra     (rd = rs1 = ra)
 * The spec (and ckb-vm VERSION1+, qemu) computes the target from the OLD
 * register value, then writes the link (pc + 4 resp. pc + 2).  ckb-vm
 * VERSION0 writes the link first and then jumps to it, i.e. it simply falls
 * through to the next instruction.
 *
 * Exit codes:
 *   0  VERSION1+ / qemu: both jumps went to the old register value and the
 *      link registers hold the return addresses
 *   1  part 1 fell through (VERSION0 behaviour; part 2 is not reached)
 *   2  part 2 fell through
 *   3  wrong link value in t0        4  wrong link value in ra
 */
        .option norelax
        .section .text.start, "ax", @progbits
        .globl _start
_start:
        .option push
        .option norvc
        lui t0, %hi(target1)
        addi t0, t0, %lo(target1)
        jalr t0, 0(t0)
link1:
        addi a0, zero, 1                /* fell through (VERSION0) */
        j exit
target1:
        lui t1, %hi(link1)
        addi t1, t1, %lo(link1)
        addi a0, zero, 3
        bne t0, t1, exit
        lui ra, %hi(target2)
        addi ra, ra, %lo(target2)
        .option pop
        c.jalr ra
link2:
        .option push
        .option norvc
        addi a0, zero, 2                /* fell through (VERSION0) */
        j exit
target2:
        lui t1, %hi(link2)
        addi t1, t1, %lo(link2)
        addi a0, zero, 4
        bne ra, t1, exit
        addi a0, zero, 0
exit:
        addi a7, zero, 93
        ecall
        .option pop
