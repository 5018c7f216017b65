#!/usr/bin/env python3
"""List the instruction sequences of an ELF that ckb-vm's macro-op fusion
(decoder.rs decode_mop, ckb-vm 0.24) would fuse, by a linear sweep of
`objdump -d -M no-aliases`.

    fusion_scan.py [--version 1|2] ELF...

Prints one line per fused sequence (address, fused op, instructions) and a
summary.  Used to check that mop_fusion's sequences are contiguous and
recognised, and that the hand-counted cycles_* programs contain none (fused
ops are priced differently).  VERSION0 machines do not run with ISA_MOP.
A static linear sweep: after a match it continues behind the fused
sequence, as straight-line execution would; jumps into the middle of a
sequence are not modelled.
"""
import re
import subprocess
import sys

MASK32 = 0xffffffff


class Insn:
    def __init__(self, pc, size, op, rd=None, rs1=None, rs2=None, imm=0):
        self.pc, self.size, self.op = pc, size, op
        self.rd, self.rs1, self.rs2, self.imm = rd, rs1, rs2, imm
        self.text = ""


def s32(v):
    v &= MASK32
    return v - (1 << 32) if v >> 31 else v


def parse(line):
    m = re.match(r"^\s*([0-9a-f]+):\t([0-9a-f]+)\s*\t(\S+)\s*(.*)$", line)
    if not m:
        return None
    pc = int(m.group(1), 16)
    size = len(m.group(2)) // 2
    mn = m.group(3)
    ops = [o.strip() for o in m.group(4).split("#")[0].split(",") if o.strip()]

    def imm(s):
        return int(s, 0)

    def memop(s):  # "16(ra)"
        mm = re.match(r"(-?\w+)\((\w+)\)", s)
        return imm(mm.group(1)), mm.group(2)

    i = None
    rtype = {"add", "sub", "sltu", "or", "mul", "mulh", "mulhu", "mulhsu",
             "div", "divu", "rem", "remu"}
    if mn in rtype:
        i = Insn(pc, size, mn, ops[0], ops[1], ops[2])
    elif mn in ("c.add", "c.sub", "c.or"):
        i = Insn(pc, size, mn[2:], ops[0], ops[0], ops[1])
    elif mn == "c.mv":
        i = Insn(pc, size, "add", ops[0], "zero", ops[1])
    elif mn in ("lui", "c.lui"):
        # objdump prints the 20-bit field; value = sext32(field << 12)
        i = Insn(pc, size, "lui", ops[0], imm=s32(imm(ops[1]) << 12))
    elif mn == "auipc":
        i = Insn(pc, size, "auipc", ops[0], imm=s32(imm(ops[1]) << 12))
    elif mn in ("addiw", "addi"):
        i = Insn(pc, size, mn, ops[0], ops[1], imm=imm(ops[2]))
    elif mn in ("c.addiw", "c.addi"):
        i = Insn(pc, size, mn[2:], ops[0], ops[0], imm=imm(ops[1]))
    elif mn == "c.li":
        i = Insn(pc, size, "addi", ops[0], "zero", imm=imm(ops[1]))
    elif mn == "jalr":
        if len(ops) == 2:
            off, base = memop(ops[1])
            i = Insn(pc, size, "jalr", ops[0], base, imm=off)
        else:
            i = Insn(pc, size, "jalr", "ra", ops[0], imm=0)
    elif mn == "c.jalr":
        i = Insn(pc, size, "jalr", "ra", ops[0], imm=0)
    elif mn == "c.jr":
        i = Insn(pc, size, "jalr", "zero", ops[0], imm=0)
    else:
        i = Insn(pc, size, mn)
    i.text = f"{mn} {','.join(ops)}".strip()
    return i


def rule_adc(s):
    if len(s) < 5:
        return None
    h, n, k, b, t = s[:5]
    if h.op != "add" or h.rd != h.rs1 or h.rs1 == h.rs2:
        return None
    if n.op != "sltu" or n.rd != h.rs2 or h.rs2 != n.rs2 or n.rs1 != h.rs1:
        return None
    if k.op != "add" or k.rd != k.rs1 or k.rs1 != n.rs1 or k.rs2 in (h.rs1, h.rs2):
        return None
    if b.op != "sltu" or b.rd != b.rs2 or b.rs2 != k.rs2 or b.rs1 != k.rs1:
        return None
    if t.op != "or" or t.rd != t.rs1 or t.rs1 != h.rs2 or t.rs2 != b.rs2:
        return None
    if "zero" in (h.rd, n.rd, b.rd):
        return None
    return "ADC", 5


def rule_add3(s, version):
    if version < 2 or len(s) < 3:
        return None
    i0, i1, i2 = s[:3]
    if i0.op != "add" or i1.op != "sltu" or i2.op != "add":
        return None
    r0, r1, r3, r4 = i0.rd, i0.rs1, i2.rd, i2.rs2
    r2 = i1.rd  # ADD3A
    if (i0.rs2 == r0 and i1.rs1 == r0 and i1.rs2 == r1 and i2.rs1 == r2
            and r0 != r1 and r0 != r4 and r2 != r4 and r0 != "zero" and r2 != "zero"):
        return "ADD3A", 3
    r2 = i0.rs2  # ADD3B
    if (i1.rd == r1 and i1.rs1 == r0 and i1.rs2 == r1 and i2.rs1 == r1
            and r0 != r1 and r0 != r4 and r1 != r4 and r0 != "zero" and r1 != "zero"):
        return "ADD3B", 3
    r3 = i1.rd  # ADD3C
    if (i1.rs1 == r0 and i1.rs2 == r1 and i2.rd == r3 and i2.rs1 == r3
            and r0 != r1 and r0 != r4 and r3 != r4 and r0 != "zero" and r3 != "zero"):
        return "ADD3C", 3
    return None


def rule_adcs(s, version):
    if version < 2 or len(s) < 2:
        return None
    i0, i1 = s[:2]
    if i0.op != "add" or i1.op != "sltu":
        return None
    r0, r1 = i0.rd, i0.rs1
    if i0.rd == i0.rs1 and i0.rd != i0.rs2:
        r1 = i0.rs2
    if i1.rs1 == r0 and i1.rs2 == r1 and r0 != r1 and r0 != "zero":
        return "ADCS", 2
    return None


def rule_sbb(s):
    if len(s) < 5:
        return None
    h, n, k, b, t = s[:5]
    if h.op != "sub" or h.rd != h.rs2 or h.rs1 == h.rs2:
        return None
    if n.op != "sltu" or n.rd in (h.rs1, h.rs2) or n.rs1 != h.rs1:
        return None  # (ckb-vm does not compare n.rs2)
    if (k.op != "sub" or k.rd != h.rs1 or k.rs1 != h.rs2
            or k.rs2 in (h.rs1, h.rs2, n.rd)):
        return None
    if b.op != "sltu" or b.rd != k.rs2 or b.rs1 != h.rs2 or b.rs2 != h.rs1:
        return None
    if t.op != "or" or t.rd != h.rd or t.rs1 != k.rs2 or t.rs2 != n.rd:
        return None
    if "zero" in (h.rs1, h.rs2, k.rs2, n.rd):
        return None
    return "SBB", 5


def rule_sbbs(s, version):
    if version < 2 or len(s) < 2:
        return None
    i0, i1 = s[:2]
    if i0.op != "sub" or i1.op != "sltu":
        return None
    if (i1.rs1 == i0.rs1 and i1.rs2 == i0.rs2 and i0.rd != i0.rs1
            and i0.rd != i0.rs2):
        return "SBBS", 2
    return None


def rule_pair(s, version):
    if len(s) < 2:
        return None
    h, n = s[:2]
    pairs = {("mulh", "mul"): "WIDE_MUL", ("mulhu", "mul"): "WIDE_MULU",
             ("mulhsu", "mul"): "WIDE_MULSU", ("div", "rem"): "WIDE_DIV",
             ("divu", "remu"): "WIDE_DIVU"}
    name = pairs.get((h.op, n.op))
    if name:
        if (h.rd != h.rs1 and h.rd != h.rs2 and h.rs1 == n.rs1
                and h.rs2 == n.rs2 and h.rd != n.rd):
            return name, 2
        return None
    if h.op == "lui" and n.op == "jalr":
        ok = n.rs1 == h.rd and n.rd == "ra" and (version < 2 or n.rs1 == "ra")
        return ("FAR_JUMP_ABS", 2) if ok else None
    if h.op == "lui" and n.op == "addiw":
        return ("LOAD_IMM", 2) if n.rs1 == n.rd == h.rd else None
    if h.op == "auipc" and n.op == "jalr":
        ok = n.rs1 == h.rd and n.rd == "ra" and (version < 2 or n.rs1 == "ra")
        if ok and version >= 2 and not -(1 << 31) <= h.imm + n.imm < (1 << 31):
            ok = False
        return ("FAR_JUMP_REL", 2) if ok else None
    if h.op == "auipc" and n.op == "addi" and version >= 2:
        ok = n.rs1 == n.rd == h.rd and -(1 << 31) <= h.imm + n.imm + h.pc < (1 << 31)
        return ("LOAD_IMM(auipc)", 2) if ok else None
    return None


def scan(elf, version):
    out = subprocess.run(["riscv64-unknown-elf-objdump", "-d", "-M",
                          "no-aliases", elf], check=True, capture_output=True,
                         text=True).stdout
    insns = [i for i in (parse(l) for l in out.splitlines()) if i]
    found = []
    idx = 0
    while idx < len(insns):
        s = insns[idx:idx + 5]
        # keep only a physically contiguous window
        for j in range(1, len(s)):
            if s[j].pc != s[j - 1].pc + s[j - 1].size:
                s = s[:j]
                break
        h = s[0]
        r = None
        if h.op == "add":
            r = rule_adc(s) or rule_add3(s, version) or rule_adcs(s, version)
        elif h.op == "sub":
            r = rule_sbb(s) or rule_sbbs(s, version)
        else:
            r = rule_pair(s, version)
        if r:
            found.append((h.pc, r[0], s[:r[1]]))
            idx += r[1]  # the fused op covers the whole sequence
        else:
            idx += 1
    return found


def main():
    args = sys.argv[1:]
    version = 2
    if len(args) >= 2 and args[0] == "--version":
        version = int(args[1])
        args = args[2:]
    if not args:
        sys.exit(__doc__)
    for elf in args:
        found = scan(elf, version)
        counts = {}
        for pc, name, seq in found:
            counts[name] = counts.get(name, 0) + 1
            print(f"{elf}: {pc:#x} {name:16s} " + " ; ".join(i.text for i in seq))
        summary = ", ".join(f"{k} x{v}" for k, v in sorted(counts.items())) or "none"
        print(f"{elf}: VERSION{version} fusable sequences: {summary}")


if __name__ == "__main__":
    main()
