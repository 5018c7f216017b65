/*
 * cycles_rvc.S - compressed instructions are priced like their base form.
 * Build: -march=rv64imc -mabi=lp64.  Every instruction is written with its
 * explicit c. mnemonic except jal, bne and ecall (which have no RV64C form
 * used here).
 *
 * Executed instructions in order, with ckb-vm estimate costs:
 *    1 c.li a0,5        1      13 c.beqz a5 (taken) 3
 *    2 c.li a1,7        1      14 jal t1            3
 *    3 c.li a5,0        1      15 c.addi t1,6       1
 *    4 c.mv a2,sp       1      16 c.jalr t1         3
 *    5 c.addi a2,-32    1      17 c.addi a3,1       1   (func)
 *    6 c.sd             2      18 c.jr ra           3   (func)
 *    7 c.ld             2      19 c.j               3
 *    8 c.sw             3      20 c.li a4,25        1
 *    9 c.lw             3      21 bne (not taken)   3
 *   10 c.add            1      22 c.li a0,0         1
 *   11 c.slli           1      23 c.li a7,31        1
 *   12 c.j              3      24 c.addi a7,31      1
 *                              25 c.addi a7,31      1   (a7 = 93)
 *                              26 ecall           500
 *   class                                   count  cost  cycles
 *   ALU (c.li c.mv c.addi c.add c.slli)        14     1      14
 *   c.ld / c.sd                                 2     2       4
 *   c.lw / c.sw                                 2     3       6
 *   jumps/branches (c.j x2, c.beqz, jal,
 *                   c.jalr, c.jr, bne)          7     3      21
 *   ecall                                       1   500     500
 *   total                                      26           545
 * With the constant cost model: 26.  No fusable sequences.
 * Exit 0 on success, 1 on a wrong value.
 */
        .option rvc
        .option norelax
        .section .text.start, "ax", @progbits
        .globl _start
_start:
        c.li a0, 5
        c.li a1, 7
        c.li a5, 0
        c.mv a2, sp
        c.addi a2, -32
        c.sd a0, 0(a2)
        c.ld a3, 0(a2)                  /* a3 = 5 */
        c.sw a1, 8(a2)
        c.lw a4, 8(a2)                  /* a4 = 7 */
        c.add a3, a4                    /* a3 = 12 */
        c.slli a3, 1                    /* a3 = 24 */
        c.j 1f
        c.li a3, 0                      /* skipped */
1:
        c.beqz a5, 2f                   /* taken */
        c.li a3, 0                      /* skipped */
2:
        .option push
        .option norvc
        jal t1, 3f                      /* t1 = address of label 3 */
        .option pop
3:
        c.addi t1, 6                    /* t1 = 3 + 6 = func */
        c.jalr t1                       /* ra = 3 + 4 */
        c.j 4f                          /* at 3 + 4 */
func:                                   /* at 3 + 6 */
        c.addi a3, 1                    /* a3 = 25 */
        c.jr ra
4:
        c.li a4, 25
        .option push
        .option norvc
        bne a3, a4, fail
        .option pop
        c.li a0, 0
        c.li a7, 31
        c.addi a7, 31
        c.addi a7, 31                   /* a7 = 93 */
        ecall
fail:
        c.li a0, 1
        li a7, 93
        ecall
