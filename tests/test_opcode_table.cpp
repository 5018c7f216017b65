// The opcode table (CKB_VM_OPCODES in instruction.hpp) is the one place that
// states each opcode's mnemonic, operand format, ckb-vm cost and traits; these
// checks pin the columns against facts stated independently here.
#include <doctest/doctest.h>

#include <ckb_vm/ckb_vm.hpp>
#include <ckb_vm/disassembler.hpp>

#include <set>
#include <string>

namespace opcode_table_tests {

using namespace ckb_vm;

namespace {
Opcode op_at(std::size_t i) { return static_cast<Opcode>(i); }
}  // namespace

TEST_CASE("opcode table: one row per opcode, unique names") {
  std::set<std::string> names;
  for (std::size_t i = 0; i < OPCODE_COUNT; ++i) {
    const OpcodeInfo& row = opcode_info(op_at(i));
    CHECK(!row.name.empty());
    CHECK(!row.mnemonic.empty());
    CHECK(names.insert(std::string(row.name)).second);
  }
  CHECK(opcode_name(Opcode::LW_V1) == "LW_V1");
  CHECK(opcode_mnemonic(Opcode::LW_V1) == "lw");
  CHECK(opcode_mnemonic(Opcode::FENCEI) == "fence.i");
  CHECK(opcode_name(Opcode::COUNT_) == "UNKNOWN");
  CHECK(opcode_mnemonic(static_cast<Opcode>(250)) == "unknown");
}

TEST_CASE("opcode table: costs are ckb-vm 0.24's estimate_cycles") {
  // cost_model.rs: branches/jumps 3, ld/sd 2, other loads/stores 3, ecall and
  // ebreak 500, mul family 5, div/rem family 32, 32-bit atomics 4, 64-bit 3, else 1.
  const std::pair<Opcode, std::uint64_t> pins[] = {
      {Opcode::ADD, 1},       {Opcode::BEQ, 3},        {Opcode::JAL, 3},       {Opcode::JALR_V0, 3},
      {Opcode::FAR_JUMP_ABS, 3}, {Opcode::LD_V1, 2},   {Opcode::SD, 2},        {Opcode::LW_V0, 3},
      {Opcode::SB, 3},        {Opcode::ECALL, 500},    {Opcode::EBREAK, 500},  {Opcode::MULHSU, 5},
      {Opcode::WIDE_MULSU, 5}, {Opcode::REMUW, 32},    {Opcode::WIDE_DIVU, 32}, {Opcode::AMOMAXU_W, 4},
      {Opcode::LR_W, 4},      {Opcode::SC_D, 3},       {Opcode::CLMUL, 1},     {Opcode::ADD3C, 1},
      {Opcode::AUIPC, 1},     {Opcode::FENCE, 1}};
  for (const auto& pin : pins) {
    const Opcode op = pin.first;  // not a structured binding: Clang 14's CAPTURE lambda cannot use one
    const std::uint64_t cycles = pin.second;
    CAPTURE(opcode_name(op));
    Instruction in;
    in.op = op;
    CHECK(estimate_cycles(in) == cycles);
  }
}

TEST_CASE("opcode table: traits") {
  using namespace opcode_traits;
  const std::set<Opcode> block_ends = {Opcode::BEQ,   Opcode::BNE,     Opcode::BLT,     Opcode::BGE,
                                       Opcode::BLTU,  Opcode::BGEU,    Opcode::JAL,     Opcode::JALR_V0,
                                       Opcode::JALR_V1, Opcode::ECALL, Opcode::EBREAK,  Opcode::FAR_JUMP_REL,
                                       Opcode::FAR_JUMP_ABS};
  // ckb-vm stops a trace after OP_AUIPC..=OP_FAR_JUMP_ABS: the block ends plus these.
  const std::set<Opcode> trace_only_ends = {Opcode::AUIPC, Opcode::FENCE, Opcode::FENCEI};
  const std::set<Opcode> pc_relative = {Opcode::AUIPC, Opcode::BEQ,  Opcode::BNE, Opcode::BLT,         Opcode::BGE,
                                        Opcode::BLTU,  Opcode::BGEU, Opcode::JAL, Opcode::FAR_JUMP_REL};
  const std::set<Opcode> jumps = {Opcode::JAL, Opcode::JALR_V0, Opcode::JALR_V1, Opcode::FAR_JUMP_REL,
                                  Opcode::FAR_JUMP_ABS};
  const std::set<Opcode> writes_rs3 = {Opcode::WIDE_MUL, Opcode::WIDE_MULU, Opcode::WIDE_MULSU, Opcode::WIDE_DIV,
                                       Opcode::WIDE_DIVU, Opcode::ADCS,     Opcode::SBBS,       Opcode::ADD3A,
                                       Opcode::ADD3B,    Opcode::ADD3C};
  for (std::size_t i = 0; i < OPCODE_COUNT; ++i) {
    const Opcode op = op_at(i);
    CAPTURE(opcode_name(op));
    CHECK(is_block_end(op) == block_ends.count(op));
    CHECK(has_opcode_trait(op, ENDS_TRACE) == trace_only_ends.count(op));
    CHECK(has_opcode_trait(op, PC_RELATIVE) == pc_relative.count(op));
    CHECK(has_opcode_trait(op, JUMP) == jumps.count(op));
    CHECK(has_opcode_trait(op, WRITES_RS3) == writes_rs3.count(op));
  }
}

TEST_CASE("opcode table: operand formats drive the disassembler") {
  CHECK(operand_format(Opcode::SD) == OperandFormat::store);
  CHECK(operand_format(Opcode::LBU_V0) == OperandFormat::load);
  CHECK(operand_format(Opcode::SBB) == OperandFormat::r4);
  CHECK(operand_format(Opcode::ADC) == OperandFormat::r);
  CHECK(operand_format(Opcode::CUSTOM_LOAD_IMM) == OperandFormat::load_imm);
  CHECK(operand_format(Opcode::TRACE_END) == OperandFormat::internal);
  Instruction sd;
  sd.op = Opcode::SD;
  sd.rs1 = 2;
  sd.rs2 = 1;
  sd.imm = 8;
  CHECK(disassemble(sd) == "sd ra, 8(sp)");
}

}  // namespace opcode_table_tests
