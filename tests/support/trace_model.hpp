// An executable model of ckb-vm 0.24's TraceMachine::run (src/machine/trace.rs),
// written for differential tests from its documented behaviour, on top of this
// library's Decoder (decode + cycles_of) and DefaultMachine::execute /
// add_cycles:
//   * 8,192 trace slots, slot = (pc >> 2) & 8191;
//   * a slot hits when its trace is non-empty and pc == trace address
//     (VERSION2) or (pc mod 2^32) == trace address (VERSION0/1);
//   * on a miss the slot is emptied, then up to 16 decoded (possibly fused)
//     instructions are collected from pc, ending after the first of ckb-vm's
//     basic-block-end ops (AUIPC, the six branches, EBREAK, ECALL, FENCE,
//     FENCE.I, JAL, JALR, FAR_JUMP_REL/ABS); a decode error fails the run at
//     once, before any of the trace runs;
//   * each instruction of the trace is charged (add_cycles), then executed,
//     with pc moving on as the instruction says (so an aliased hit runs the
//     cached instructions at the high pc);
//   * the reset signal empties every slot and the decoder's cache.
// It reports how many hits were aliased (pc != trace address), how many
// traces were built and the longest trace in bytes (ckb-vm 0.24.12's assembly
// engine keeps a trace's byte length in 8 bits, so traces of 256 bytes or
// more are where it and TraceMachine part ways).
#pragma once

#include <ckb_vm/machine.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace trace_model {

struct Stats {
  std::uint64_t aliased_hits = 0;
  std::uint64_t traces_built = 0;
  std::uint64_t max_trace_bytes = 0;
  std::uint64_t max_trace_bytes_run = 0;  // longest trace that was entered and ran
};

// ckb-vm's basic-block-end opcodes (OP_AUIPC ..= OP_FAR_JUMP_ABS).
constexpr bool ends_trace(ckb_vm::Opcode op) {
  using ckb_vm::Opcode;
  switch (op) {
    case Opcode::AUIPC: case Opcode::BEQ: case Opcode::BGE: case Opcode::BGEU: case Opcode::BLT:
    case Opcode::BLTU: case Opcode::BNE: case Opcode::EBREAK: case Opcode::ECALL: case Opcode::FENCE:
    case Opcode::FENCEI: case Opcode::JAL: case Opcode::JALR_V0: case Opcode::JALR_V1:
    case Opcode::FAR_JUMP_REL: case Opcode::FAR_JUMP_ABS:
      return true;
    default:
      return false;
  }
}

class TraceModel {
 public:
  static constexpr std::size_t SLOTS = 8192;
  static constexpr std::size_t TRACE_LENGTH = 16;

  // Runs `m` (a freshly loaded DefaultMachine) to the end like TraceMachine::run.
  template <class M>
  ckb_vm::Result<std::int8_t> run(M& m) {
    using namespace ckb_vm;
    if ((m.isa() & ISA_MOP) != 0 && m.version() == VERSION0) return ErrorCode::InvalidVersion;
    Decoder decoder(m.isa(), m.version(), m.instruction_cycle_func());
    clear();
    const bool low32 = m.version() < VERSION2;
    m.set_running(true);
    while (m.running()) {
      if (m.reset_signal()) {
        decoder.reset_cache();
        clear();
      }
      const std::uint64_t pc = m.pc();
      Slot& t = slots_[(pc >> 2) & (SLOTS - 1)];
      const bool match = low32 ? (pc & 0xffffffffu) == t.address : pc == t.address;
      if (!match || t.count == 0) {
        t = Slot{};
        std::array<Instruction, TRACE_LENGTH> insts{};
        std::uint64_t at = pc;
        std::size_t n = 0;
        while (n < TRACE_LENGTH) {
          auto inst = decoder.decode(m.memory(), at);
          if (!inst.ok()) return inst.error();
          insts[n++] = *inst;
          at += inst->length;
          if (ends_trace(inst->op)) break;
        }
        t.address = pc;
        t.count = static_cast<std::uint32_t>(n);
        t.bytes = at - pc;
        t.first = pool_.size();
        pool_.insert(pool_.end(), insts.begin(), insts.begin() + static_cast<std::ptrdiff_t>(n));
        ++stats.traces_built;
        stats.max_trace_bytes = std::max(stats.max_trace_bytes, t.bytes);
      } else if (pc != t.address) {
        ++stats.aliased_hits;
      }
      stats.max_trace_bytes_run = std::max(stats.max_trace_bytes_run, t.bytes);
      const Slot trace = t;
      for (std::size_t k = 0; k < trace.count; ++k) {
        const Instruction& inst = pool_[trace.first + k];
        CKB_VM_TRY(m.add_cycles(decoder.cycles_of(inst)));
        CKB_VM_TRY(m.execute(inst));
      }
    }
    return m.exit_code();
  }

  Stats stats;

 private:
  struct Slot {
    std::uint64_t address = 0;
    std::uint64_t bytes = 0;
    std::size_t first = 0;  // index of its first instruction in pool_
    std::uint32_t count = 0;
  };
  void clear() {
    slots_.assign(SLOTS, Slot{});
    pool_.clear();
  }
  std::vector<Slot> slots_;
  std::vector<ckb_vm::Instruction> pool_;  // decoded traces, appended as built
};

}  // namespace trace_model
