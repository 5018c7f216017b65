#!/usr/bin/env python3
"""Count the instructions a test program executes under qemu-riscv64 and
price them with ckb-vm's estimate cost table (no macro-op fusion).

    trace_cycles.py [--b] [--by-class] ELF [ARGS...]

Used to double-check the hand-counted cycle totals in manifest.tsv.  It
traces every executed translation block (`-d in_asm,exec,nochain`), expands
each block to its instruction addresses and looks the mnemonics up in
`objdump -d -M no-aliases` of the ELF.  Cost table (ckb-vm
cost_model::estimate_cycles, compressed instructions priced as their base
form): branches/JAL/JALR 3, LD/SD 2, other loads/stores 3, MUL* 5,
DIV*/REM* 32, ECALL/EBREAK 500, LR/SC/AMO .w 4 and .d 3, everything else 1.
The final `ecall` (exit) is included, as ckb-vm charges it before running
it.  --b adds the Bitmanip cpu flags.  The program's own exit code is
printed too.
"""
import collections
import os
import re
import subprocess
import sys

BRANCH = {"beq", "bne", "blt", "bge", "bltu", "bgeu", "c.beqz", "c.bnez",
          "jal", "jalr", "c.j", "c.jr", "c.jalr"}
LOADSTORE64 = {"ld", "sd", "c.ld", "c.sd", "c.ldsp", "c.sdsp"}
LOADSTORE = {"lb", "lh", "lw", "lbu", "lhu", "lwu", "sb", "sh", "sw",
             "c.lw", "c.sw", "c.lwsp", "c.swsp"}
MUL = {"mul", "mulh", "mulhu", "mulhsu", "mulw"}
DIV = {"div", "divu", "rem", "remu", "divw", "divuw", "remw", "remuw"}
SYSTEM = {"ecall", "ebreak", "c.ebreak"}


def classify(mn):
    base = mn.split(".aq")[0].split(".rl")[0]
    if base in BRANCH:
        return "branch/jump", 3
    if base in LOADSTORE64:
        return "ld/sd", 2
    if base in LOADSTORE:
        return "load/store (8-32 bit)", 3
    if base in MUL:
        return "mul", 5
    if base in DIV:
        return "div/rem", 32
    if base in SYSTEM:
        return "ecall/ebreak", 500
    if base.startswith(("lr.", "sc.", "amo")):
        return ("atomic .w", 4) if base.endswith(".w") else ("atomic .d", 3)
    return "other", 1


def disassemble(elf):
    out = subprocess.run(
        ["riscv64-unknown-elf-objdump", "-d", "-M", "no-aliases", elf],
        check=True, capture_output=True, text=True).stdout
    table = {}
    for line in out.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\t[0-9a-f]+\s*\t(\S+)", line)
        if m:
            table[int(m.group(1), 16)] = m.group(2)
    return table


def main():
    argv = sys.argv[1:]
    cpu = []
    by_class = False
    while argv and argv[0].startswith("--"):
        opt = argv.pop(0)
        if opt == "--b":
            cpu = ["-cpu", "rv64,zba=true,zbb=true,zbc=true,zbs=true"]
        elif opt == "--by-class":
            by_class = True
        else:
            sys.exit(f"unknown option {opt}")
    if not argv:
        sys.exit(__doc__)
    elf = argv[0]
    insns = disassemble(elf)
    proc = subprocess.Popen(
        ["qemu-riscv64", *cpu, "-d", "in_asm,exec,nochain", elf, *argv[1:]],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        bufsize=1 << 20)
    blocks = {}          # tb start pc -> list of instruction pcs
    cur = None
    execs = collections.Counter()
    for line in proc.stderr:
        if line.startswith("Trace "):
            pc = int(line.split("/")[1], 16)
            execs[pc] += 1
            cur = None
        elif line.startswith("IN:"):
            cur = []
        elif cur is not None and line.startswith("0x"):
            pc = int(line.split(":", 1)[0], 16)
            if not cur:
                blocks[pc] = cur
            cur.append(pc)
    rc = proc.wait()
    classes = collections.Counter()
    cycles = 0
    count = 0
    for start, n in execs.items():
        for pc in blocks[start]:
            mn = insns.get(pc)
            if mn is None:
                sys.exit(f"pc {pc:#x} not found in objdump of {elf}")
            cls, cost = classify(mn)
            classes[cls] += n
            cycles += cost * n
            count += n
    print(f"exit code: {rc}")
    print(f"instructions: {count}")
    print(f"estimate cycles (no fusion): {cycles}")
    if by_class:
        for cls, n in sorted(classes.items()):
            print(f"  {cls:24s} {n}")


if __name__ == "__main__":
    main()
