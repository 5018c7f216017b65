// Instruction cycle functions. CKB meters scripts with `estimate_cycles`;
// `constant_cycles` (1 per instruction) is handy in tests. A machine's cycle
// function is called once per decoded instruction and the result cached in
// the Instruction record, so it must be a pure function of the instruction.
#pragma once

#include "detail/config.hpp"

#include <cstdint>

#include "instruction.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {

using InstructionCycleFunc = std::uint64_t (*)(const Instruction&);

constexpr std::uint64_t zero_cycles(const Instruction&) noexcept { return 0; }
constexpr std::uint64_t constant_cycles(const Instruction&) noexcept { return 1; }

// ckb-vm 0.24's cost table (src/cost_model.rs). Compressed forms decode to
// their base instruction and so cost the same.
constexpr std::uint64_t estimate_cycles(const Instruction& i) noexcept {
  switch (i.op) {
    case Opcode::JALR_V0: case Opcode::JALR_V1: case Opcode::JAL:
    case Opcode::BEQ: case Opcode::BNE: case Opcode::BLT: case Opcode::BGE:
    case Opcode::BLTU: case Opcode::BGEU:
    case Opcode::FAR_JUMP_REL: case Opcode::FAR_JUMP_ABS:
      return 3;
    case Opcode::LD_V0: case Opcode::LD_V1: case Opcode::SD:
      return 2;
    case Opcode::LB_V0: case Opcode::LB_V1: case Opcode::LH_V0: case Opcode::LH_V1:
    case Opcode::LW_V0: case Opcode::LW_V1: case Opcode::LBU_V0: case Opcode::LBU_V1:
    case Opcode::LHU_V0: case Opcode::LHU_V1: case Opcode::LWU_V0: case Opcode::LWU_V1:
    case Opcode::SB: case Opcode::SH: case Opcode::SW:
      return 3;
    case Opcode::ECALL: case Opcode::EBREAK:
      return 500;
    case Opcode::MUL: case Opcode::MULW: case Opcode::MULH: case Opcode::MULHU:
    case Opcode::MULHSU: case Opcode::WIDE_MUL: case Opcode::WIDE_MULU: case Opcode::WIDE_MULSU:
      return 5;
    case Opcode::DIV: case Opcode::DIVW: case Opcode::DIVU: case Opcode::DIVUW:
    case Opcode::REM: case Opcode::REMW: case Opcode::REMU: case Opcode::REMUW:
    case Opcode::WIDE_DIV: case Opcode::WIDE_DIVU:
      return 32;
    case Opcode::LR_W: case Opcode::SC_W: case Opcode::AMOSWAP_W: case Opcode::AMOADD_W:
    case Opcode::AMOXOR_W: case Opcode::AMOAND_W: case Opcode::AMOOR_W: case Opcode::AMOMIN_W:
    case Opcode::AMOMAX_W: case Opcode::AMOMINU_W: case Opcode::AMOMAXU_W:
      return 4;
    case Opcode::LR_D: case Opcode::SC_D: case Opcode::AMOSWAP_D: case Opcode::AMOADD_D:
    case Opcode::AMOXOR_D: case Opcode::AMOAND_D: case Opcode::AMOOR_D: case Opcode::AMOMIN_D:
    case Opcode::AMOMAX_D: case Opcode::AMOMINU_D: case Opcode::AMOMAXU_D:
      return 3;
    default:
      return 1;
  }
}

}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
