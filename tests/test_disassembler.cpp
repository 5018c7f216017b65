// Disassembler: the text of decoded instructions, checked against binutils.
// The 32-bit words and expected operands come from riscv64-unknown-elf-as /
// objdump -M no-aliases (objdump's hex shift amounts written in decimal,
// its "," separators as ", "); fused macro-ops are decoded from the
// instruction sequences ckb-vm fuses.
#include <doctest/doctest.h>

#include <ckb_vm/decoder.hpp>
#include <ckb_vm/disassembler.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "support/code_memory.hpp"

namespace disassembler_tests {

using namespace ckb_vm;

namespace {

constexpr std::uint8_t ALL = ISA_IMC | ISA_B | ISA_A | ISA_MOP;

std::string dis(std::uint32_t bits, std::uint64_t pc, std::uint32_t version = VERSION2) {
  auto i = decode_instruction(bits, ALL, version);
  REQUIRE_MESSAGE(i.has_value(), "bits 0x" << std::hex << bits << " rejected");
  return disassemble(*i, pc);
}

Instruction fused(const std::vector<std::uint32_t>& words, std::uint32_t version = VERSION2) {
  testsupport::CodeMemory m(words);
  Decoder d(ISA_IMC | ISA_B | ISA_MOP, version);
  auto r = d.decode(m, 0);
  REQUIRE(r.ok());
  CHECK(r->length == 4 * words.size());
  return *r;
}

struct Case {
  std::uint32_t bits;
  std::uint64_t pc;
  const char* text;
};

}  // namespace

TEST_CASE("disassembler: every 32-bit instruction matches objdump") {
  const Case cases[] = {
    {0x00c58533, 0x0, "add a0, a1, a2"},
    {0x007302bb, 0x4, "addw t0, t1, t2"},
    {0x40d48433, 0x8, "sub s0, s1, a3"},
    {0x4107873b, 0xc, "subw a4, a5, a6"},
    {0x013978b3, 0x10, "and a7, s2, s3"},
    {0x016aea33, 0x14, "or s4, s5, s6"},
    {0x019c4bb3, 0x18, "xor s7, s8, s9"},
    {0x01cd9d33, 0x1c, "sll s10, s11, t3"},
    {0x01ff1ebb, 0x20, "sllw t4, t5, t6"},
    {0x00c5d533, 0x24, "srl a0, a1, a2"},
    {0x00c5d53b, 0x28, "srlw a0, a1, a2"},
    {0x40c5d533, 0x2c, "sra a0, a1, a2"},
    {0x40c5d53b, 0x30, "sraw a0, a1, a2"},
    {0x00c5a533, 0x34, "slt a0, a1, a2"},
    {0x00c5b533, 0x38, "sltu a0, a1, a2"},
    {0xffb58513, 0x3c, "addi a0, a1, -5"},
    {0x7ff1051b, 0x40, "addiw a0, sp, 2047"},
    {0x8005f513, 0x44, "andi a0, a1, -2048"},
    {0x0015e513, 0x48, "ori a0, a1, 1"},
    {0xfff5c513, 0x4c, "xori a0, a1, -1"},
    {0x0645a513, 0x50, "slti a0, a1, 100"},
    {0x0015b513, 0x54, "sltiu a0, a1, 1"},
    {0x03f59513, 0x58, "slli a0, a1, 63"},
    {0x0015d513, 0x5c, "srli a0, a1, 1"},
    {0x4205d513, 0x60, "srai a0, a1, 32"},
    {0x01f5951b, 0x64, "slliw a0, a1, 31"},
    {0x0055d51b, 0x68, "srliw a0, a1, 5"},
    {0x4075d51b, 0x6c, "sraiw a0, a1, 7"},
    {0x12345537, 0x70, "lui a0, 0x12345"},
    {0x800002b7, 0x74, "lui t0, 0x80000"},
    {0x00001197, 0x78, "auipc gp, 0x1"},
    {0xfff58503, 0x7c, "lb a0, -1(a1)"},
    {0x00259503, 0x80, "lh a0, 2(a1)"},
    {0x00412503, 0x84, "lw a0, 4(sp)"},
    {0x00813083, 0x88, "ld ra, 8(sp)"},
    {0x0005c503, 0x8c, "lbu a0, 0(a1)"},
    {0x7ff5d503, 0x90, "lhu a0, 2047(a1)"},
    {0x8005e503, 0x94, "lwu a0, -2048(a1)"},
    {0x00a580a3, 0x98, "sb a0, 1(a1)"},
    {0xfea59f23, 0x9c, "sh a0, -2(a1)"},
    {0x00a12223, 0xa0, "sw a0, 4(sp)"},
    {0xfe113c23, 0xa4, "sd ra, -8(sp)"},
    {0x00b50863, 0xa8, "beq a0, a1, 0xb8"},
    {0xfe051ce3, 0xac, "bne a0, zero, 0xa4"},
    {0x7eb54fe3, 0xb0, "blt a0, a1, 0x10ae"},
    {0x80b55063, 0xb4, "bge a0, a1, 0xfffffffffffff0b4"},
    {0x00b56163, 0xb8, "bltu a0, a1, 0xba"},
    {0x00b57463, 0xbc, "bgeu a0, a1, 0xc4"},
    {0x001000ef, 0xc0, "jal ra, 0x8c0"},
    {0xffdff06f, 0xc4, "jal zero, 0xc0"},
    {0x000300e7, 0xc8, "jalr ra, 0(t1)"},
    {0x00008067, 0xcc, "jalr zero, 0(ra)"},
    {0x008282e7, 0xd0, "jalr t0, 8(t0)"},
    {0x0ff0000f, 0xd4, "fence iorw, iorw"},
    {0x0330000f, 0xd8, "fence rw, rw"},
    {0x8330000f, 0xdc, "fence.tso"},
    {0x0000100f, 0xe0, "fence.i"},
    {0x00000073, 0xe4, "ecall"},
    {0x00100073, 0xe8, "ebreak"},
    {0x02c58533, 0xec, "mul a0, a1, a2"},
    {0x02c5853b, 0xf0, "mulw a0, a1, a2"},
    {0x02c59533, 0xf4, "mulh a0, a1, a2"},
    {0x02c5a533, 0xf8, "mulhsu a0, a1, a2"},
    {0x02c5b533, 0xfc, "mulhu a0, a1, a2"},
    {0x02c5c533, 0x100, "div a0, a1, a2"},
    {0x02c5c53b, 0x104, "divw a0, a1, a2"},
    {0x02c5d533, 0x108, "divu a0, a1, a2"},
    {0x02c5d53b, 0x10c, "divuw a0, a1, a2"},
    {0x02c5e533, 0x110, "rem a0, a1, a2"},
    {0x02c5e53b, 0x114, "remw a0, a1, a2"},
    {0x02c5f533, 0x118, "remu a0, a1, a2"},
    {0x02c5f53b, 0x11c, "remuw a0, a1, a2"},
    {0x1005a52f, 0x120, "lr.w a0, (a1)"},
    {0x18c5a52f, 0x124, "sc.w a0, a2, (a1)"},
    {0x08c5a52f, 0x128, "amoswap.w a0, a2, (a1)"},
    {0x00c5a52f, 0x12c, "amoadd.w a0, a2, (a1)"},
    {0x20c5a52f, 0x130, "amoxor.w a0, a2, (a1)"},
    {0x60c5a52f, 0x134, "amoand.w a0, a2, (a1)"},
    {0x40c5a52f, 0x138, "amoor.w a0, a2, (a1)"},
    {0x80c5a52f, 0x13c, "amomin.w a0, a2, (a1)"},
    {0xa0c5a52f, 0x140, "amomax.w a0, a2, (a1)"},
    {0xc0c5a52f, 0x144, "amominu.w a0, a2, (a1)"},
    {0xe0c5a52f, 0x148, "amomaxu.w a0, a2, (a1)"},
    {0x1005b52f, 0x14c, "lr.d a0, (a1)"},
    {0x18c5b52f, 0x150, "sc.d a0, a2, (a1)"},
    {0x08c5b52f, 0x154, "amoswap.d a0, a2, (a1)"},
    {0x00c5b52f, 0x158, "amoadd.d a0, a2, (a1)"},
    {0x20c5b52f, 0x15c, "amoxor.d a0, a2, (a1)"},
    {0x60c5b52f, 0x160, "amoand.d a0, a2, (a1)"},
    {0x40c5b52f, 0x164, "amoor.d a0, a2, (a1)"},
    {0x80c5b52f, 0x168, "amomin.d a0, a2, (a1)"},
    {0xa0c5b52f, 0x16c, "amomax.d a0, a2, (a1)"},
    {0xc0c5b52f, 0x170, "amominu.d a0, a2, (a1)"},
    {0xe0c5b52f, 0x174, "amomaxu.d a0, a2, (a1)"},
    {0x08c5853b, 0x178, "add.uw a0, a1, a2"},
    {0x20c5a533, 0x17c, "sh1add a0, a1, a2"},
    {0x20c5c533, 0x180, "sh2add a0, a1, a2"},
    {0x20c5e533, 0x184, "sh3add a0, a1, a2"},
    {0x20c5a53b, 0x188, "sh1add.uw a0, a1, a2"},
    {0x20c5c53b, 0x18c, "sh2add.uw a0, a1, a2"},
    {0x20c5e53b, 0x190, "sh3add.uw a0, a1, a2"},
    {0x0a85951b, 0x194, "slli.uw a0, a1, 40"},
    {0x40c5f533, 0x198, "andn a0, a1, a2"},
    {0x40c5e533, 0x19c, "orn a0, a1, a2"},
    {0x40c5c533, 0x1a0, "xnor a0, a1, a2"},
    {0x60059513, 0x1a4, "clz a0, a1"},
    {0x6005951b, 0x1a8, "clzw a0, a1"},
    {0x60159513, 0x1ac, "ctz a0, a1"},
    {0x6015951b, 0x1b0, "ctzw a0, a1"},
    {0x60259513, 0x1b4, "cpop a0, a1"},
    {0x6025951b, 0x1b8, "cpopw a0, a1"},
    {0x0ac5e533, 0x1bc, "max a0, a1, a2"},
    {0x0ac5f533, 0x1c0, "maxu a0, a1, a2"},
    {0x0ac5c533, 0x1c4, "min a0, a1, a2"},
    {0x0ac5d533, 0x1c8, "minu a0, a1, a2"},
    {0x60459513, 0x1cc, "sext.b a0, a1"},
    {0x60559513, 0x1d0, "sext.h a0, a1"},
    {0x0805c53b, 0x1d4, "zext.h a0, a1"},
    {0x60c59533, 0x1d8, "rol a0, a1, a2"},
    {0x60c5953b, 0x1dc, "rolw a0, a1, a2"},
    {0x60c5d533, 0x1e0, "ror a0, a1, a2"},
    {0x60d5d513, 0x1e4, "rori a0, a1, 13"},
    {0x60d5d51b, 0x1e8, "roriw a0, a1, 13"},
    {0x60c5d53b, 0x1ec, "rorw a0, a1, a2"},
    {0x2875d513, 0x1f0, "orc.b a0, a1"},
    {0x6b85d513, 0x1f4, "rev8 a0, a1"},
    {0x0ac59533, 0x1f8, "clmul a0, a1, a2"},
    {0x0ac5b533, 0x1fc, "clmulh a0, a1, a2"},
    {0x0ac5a533, 0x200, "clmulr a0, a1, a2"},
    {0x48c59533, 0x204, "bclr a0, a1, a2"},
    {0x4bf59513, 0x208, "bclri a0, a1, 63"},
    {0x48c5d533, 0x20c, "bext a0, a1, a2"},
    {0x4835d513, 0x210, "bexti a0, a1, 3"},
    {0x68c59533, 0x214, "binv a0, a1, a2"},
    {0x68459513, 0x218, "binvi a0, a1, 4"},
    {0x28c59533, 0x21c, "bset a0, a1, a2"},
    {0x28559513, 0x220, "bseti a0, a1, 5"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    CHECK(dis(c.bits, c.pc) == c.text);
  }
}

TEST_CASE("disassembler: version-specific opcodes print as the instruction") {
  // lw/ld/jalr decode to *_V0 opcodes under VERSION0: same text.
  CHECK(decode_instruction(0x00412503, ISA_IMC, VERSION0)->op == Opcode::LW_V0);
  CHECK(dis(0x00412503, 0, VERSION0) == "lw a0, 4(sp)");
  CHECK(dis(0x00813083, 0, VERSION0) == "ld ra, 8(sp)");
  CHECK(dis(0x008282e7, 0, VERSION0) == "jalr t0, 8(t0)");
}

TEST_CASE("disassembler: compressed instructions print as their base form") {
  // Words and addresses from objdump; expected text is the expansion the
  // RVC spec defines (c.j = jal zero, c.beqz = beq rs1', zero, c.mv = add rd, zero, rs2).
  const Case cases[] = {
      {0x0808, 0x224, "addi a0, sp, 16"},      // c.addi4spn
      {0x41c8, 0x226, "lw a0, 4(a1)"},         // c.lw
      {0x6588, 0x228, "ld a0, 8(a1)"},         // c.ld
      {0xc1c8, 0x22a, "sw a0, 4(a1)"},         // c.sw
      {0xe588, 0x22c, "sd a0, 8(a1)"},         // c.sd
      {0x157d, 0x22e, "addi a0, a0, -1"},      // c.addi
      {0x2505, 0x230, "addiw a0, a0, 1"},      // c.addiw
      {0x5501, 0x232, "addi a0, zero, -32"},   // c.li
      {0x7139, 0x234, "addi sp, sp, -64"},     // c.addi16sp
      {0x7501, 0x236, "lui a0, 0xfffe0"},      // c.lui
      {0x8105, 0x238, "srli a0, a0, 1"},       // c.srli
      {0x957d, 0x23a, "srai a0, a0, 63"},      // c.srai
      {0x997d, 0x23c, "andi a0, a0, -1"},      // c.andi
      {0x8d0d, 0x23e, "sub a0, a0, a1"},       // c.sub
      {0x8d2d, 0x240, "xor a0, a0, a1"},       // c.xor
      {0x8d4d, 0x242, "or a0, a0, a1"},        // c.or
      {0x8d6d, 0x244, "and a0, a0, a1"},       // c.and
      {0x9d0d, 0x246, "subw a0, a0, a1"},      // c.subw
      {0x9d2d, 0x248, "addw a0, a0, a1"},      // c.addw
      {0xa029, 0x24a, "jal zero, 0x254"},      // c.j
      {0xdd7d, 0x24c, "beq a0, zero, 0x24a"},  // c.beqz
      {0xe111, 0x24e, "bne a0, zero, 0x252"},  // c.bnez
      {0x050e, 0x250, "slli a0, a0, 3"},       // c.slli
      {0x4512, 0x252, "lw a0, 4(sp)"},         // c.lwsp
      {0x60a2, 0x254, "ld ra, 8(sp)"},         // c.ldsp
      {0x8082, 0x256, "jalr zero, 0(ra)"},     // c.jr ra
      {0x852e, 0x258, "add a0, zero, a1"},     // c.mv
      {0x9002, 0x25a, "ebreak"},               // c.ebreak
      {0x9282, 0x25c, "jalr ra, 0(t0)"},       // c.jalr
      {0x952e, 0x25e, "add a0, a0, a1"},       // c.add
      {0xc22a, 0x260, "sw a0, 4(sp)"},         // c.swsp
      {0xe406, 0x262, "sd ra, 8(sp)"},         // c.sdsp
      {0x0001, 0x264, "addi zero, zero, 0"},   // c.nop
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    auto i = decode_instruction(c.bits, ALL, VERSION2);
    REQUIRE(i.has_value());
    CHECK(i->length == 2);
    CHECK(disassemble(*i, c.pc) == c.text);
  }
}

TEST_CASE("disassembler: pc-relative targets without a pc are byte offsets") {
  auto beq = *decode_instruction(0x00b50863, ALL, VERSION2);  // beq a0, a1, +16
  CHECK(disassemble(beq) == "beq a0, a1, 16");
  CHECK(disassemble(beq, 0x10000) == "beq a0, a1, 0x10010");
  auto j = *decode_instruction(0xffdff06f, ALL, VERSION2);  // jal zero, -4
  CHECK(disassemble(j) == "jal zero, -4");
  CHECK(disassemble(j, 0x10004) == "jal zero, 0x10000");
  // Non-relative instructions read the same either way.
  auto add = *decode_instruction(0x00c58533, ALL, VERSION2);
  CHECK(disassemble(add) == disassemble(add, 0x1234));
}

TEST_CASE("disassembler: every fused macro-op") {
  // mulh/mulhu/mulhsu/div/divu rd, rs1, rs2 ; mul/rem/remu rs3, rs1, rs2: high (quotient) first.
  CHECK(disassemble(fused({0x02c59533, 0x02c586b3})) == "wide_mul a0, a1, a2, a3");
  CHECK(disassemble(fused({0x02c5b533, 0x02c586b3})) == "wide_mulu a0, a1, a2, a3");
  CHECK(disassemble(fused({0x02c5a533, 0x02c586b3})) == "wide_mulsu a0, a1, a2, a3");
  CHECK(disassemble(fused({0x02c5c533, 0x02c5e6b3})) == "wide_div a0, a1, a2, a3");
  CHECK(disassemble(fused({0x02c5d533, 0x02c5f6b3})) == "wide_divu a0, a1, a2, a3");
  CHECK(disassemble(fused({0x02549433, 0x02548933})) == "wide_mul s0, s1, t0, s2");
  // auipc ra, 1 ; jalr ra, 8(ra) at pc 0: a call to pc + 0x1008.
  const Instruction rel = fused({0x00001097, 0x008080e7});
  CHECK(disassemble(rel, 0) == "far_jump_rel ra, 0x1008");
  CHECK(disassemble(rel, 0x10000) == "far_jump_rel ra, 0x11008");
  CHECK(disassemble(rel) == "far_jump_rel ra, 4104");
  // lui ra, 0x12 ; jalr ra, 52(ra): a call to the absolute address 0x12034.
  const Instruction abs = fused({0x000120b7, 0x034080e7});
  CHECK(abs.op == Opcode::FAR_JUMP_ABS);
  CHECK(disassemble(abs) == "far_jump_abs ra, 0x12034");
  CHECK(disassemble(abs, 0x10000) == "far_jump_abs ra, 0x12034");
  // add a0,a0,a1 ; sltu a1,a0,a1 ; add a0,a0,a2 ; sltu a2,a0,a2 ; or a1,a1,a2
  CHECK(disassemble(fused({0x00b50533, 0x00b535b3, 0x00c50533, 0x00c53633, 0x00c5e5b3})) == "adc a0, a1, a2");
  // sub a1,a0,a1 ; sltu a3,a0,a1 ; sub a0,a1,a2 ; sltu a2,a1,a0 ; or a1,a2,a3
  CHECK(disassemble(fused({0x40b505b3, 0x00b536b3, 0x40c58533, 0x00a5b633, 0x00d665b3})) ==
        "sbb a0, a1, a2, a3");
  // add a0,a1,a2 ; sltu a3,a0,a1
  CHECK(disassemble(fused({0x00c58533, 0x00b536b3})) == "adcs a0, a1, a2, a3");
  // sub a0,a1,a2 ; sltu a3,a1,a2
  CHECK(disassemble(fused({0x40c58533, 0x00c5b6b3})) == "sbbs a0, a1, a2, a3");
  // add a0,a1,a0 ; sltu a2,a0,a1 ; add a3,a2,a4
  CHECK(disassemble(fused({0x00a58533, 0x00b53633, 0x00e606b3})) == "add3a a0, a1, a2, a3, a4");
  // add a0,a1,a2 ; sltu a1,a0,a1 ; add a3,a1,a4
  CHECK(disassemble(fused({0x00c58533, 0x00b535b3, 0x00e586b3})) == "add3b a0, a1, a2, a3, a4");
  // add a0,a1,a2 ; sltu a3,a0,a1 ; add a3,a3,a4
  CHECK(disassemble(fused({0x00c58533, 0x00b536b3, 0x00e686b3})) == "add3c a0, a1, a2, a3, a4");
  // lui a0, 0x12345 ; addiw a0, a0, 0x678   and   auipc a0, 1 ; addi a0, a0, 4 (V2, pc 0)
  CHECK(disassemble(fused({0x12345537, 0x6785051b})) == "custom_load_imm a0, 0x12345678");
  CHECK(disassemble(fused({0x00001517, 0x00450513})) == "custom_load_imm a0, 0x1004");
  // lui a0, 0xfffff ; addiw a0, a0, -16: negative values keep their sign.
  CHECK(disassemble(fused({0xfffff537, 0xff05051b})) == "custom_load_imm a0, -0x1010");
}

TEST_CASE("disassembler: every opcode has a mnemonic and a format") {
  // The last two opcodes, TRACE_SLOT and TRACE_END, are internal to the interpreter.
  for (std::size_t k = 0; k + 2 < OPCODE_COUNT; ++k) {
    Instruction i;
    i.op = static_cast<Opcode>(k);
    i.rd = 10;
    i.rs1 = 11;
    i.rs2 = 12;
    i.rs3 = 13;
    i.rs4 = 14;
    CAPTURE(opcode_name(i.op));
    CHECK_FALSE(opcode_mnemonic(i.op).empty());
    CHECK(operand_format(i.op) != OperandFormat::internal);
    const std::string text = disassemble(i);
    CHECK(text.rfind(std::string(opcode_mnemonic(i.op)), 0) == 0);
    // Every register the format names is printed by its ABI name.
    if (operand_format(i.op) == OperandFormat::r5) CHECK(text.find("a4") != std::string::npos);
  }
  CHECK(opcode_name(static_cast<Opcode>(OPCODE_COUNT - 2)) == std::string("TRACE_SLOT"));
  CHECK(opcode_name(static_cast<Opcode>(OPCODE_COUNT - 1)) == std::string("TRACE_END"));
  CHECK(operand_format(Opcode::TRACE_SLOT) == OperandFormat::internal);
  CHECK(operand_format(Opcode::TRACE_END) == OperandFormat::internal);
  CHECK(register_name(0) == "zero");
  CHECK(register_name(31) == "t6");
  CHECK(register_name(32) == "x32");
}

}  // namespace disassembler_tests
