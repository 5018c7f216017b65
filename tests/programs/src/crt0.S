/*
 * crt0.S - minimal start-up code for the C test programs.
 *
 * At entry (ckb-vm VERSION1+ and Linux/qemu alike) [sp] = argc and
 * [sp + 8 ...] = argv[0..argc-1], argv[argc] = NULL.  We record the entry sp
 * in __initial_sp (argv_check verifies its 16-byte alignment), align sp,
 * call main(argc, argv) and exit with main's return value (ecall 93).
 * Nothing else is initialised: .bss is zero because the loader zero-fills
 * memory, and gp is not used (link.ld defines no __global_pointer$).
 */
        .section .text.start, "ax", @progbits
        .globl _start
        .type _start, @function
_start:
        mv s0, sp
        ld a0, 0(sp)                    /* argc */
        addi a1, sp, 8                  /* argv */
        andi sp, sp, -16
        lla t0, __initial_sp
        sd s0, 0(t0)
        call main
        li a7, 93                       /* exit(a0) */
        ecall
1:
        j 1b                            /* not reached */
        .size _start, . - _start

        .bss
        .balign 8
        .globl __initial_sp
__initial_sp:
        .space 8
