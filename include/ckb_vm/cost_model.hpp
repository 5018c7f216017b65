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

// ckb-vm 0.24's cost table (src/cost_model.rs), kept in the opcode table's
// cycles column. Compressed forms decode to their base instruction and so
// cost the same.
constexpr std::uint64_t estimate_cycles(const Instruction& i) noexcept {
  return opcode_info(i.op).estimate_cycles;
}

}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
