// Pre-decoded basic blocks for DefaultMachine::run(). A block is a run of
// decoded instructions starting at a pc and ending after the first control
// transfer / ecall / ebreak, before an undecodable instruction, or at a size
// cap. Its total cycles are precomputed so the run loop charges a block with
// one addition. Blocks are found through a direct-mapped front table backed
// by a hash map, so eviction never re-decodes into an ever-growing arena.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "../error.hpp"
#include "../instruction.hpp"

namespace ckb_vm::detail {

struct Block {
  std::uint64_t pc = 0;
  std::uint64_t cycles = 0;  // sum of the instructions' cycles
  std::uint32_t first = 0;   // index into the instruction arena
  std::uint32_t count = 0;   // instructions, not counting the TRACE_END after them
};

class BlockCache {
 public:
  static constexpr std::size_t FRONT_SIZE = 1 << 12;
  static constexpr std::uint32_t MAX_BLOCK_INSTRUCTIONS = 64;

  BlockCache() : front_(std::make_unique<FrontEntry[]>(FRONT_SIZE)) { clear(); }

  void clear() {
    for (std::size_t i = 0; i < FRONT_SIZE; ++i) front_[i] = FrontEntry{INVALID_PC, 0};
    blocks_.clear();
    code_.clear();
    index_.clear();
  }

  const Block* find(std::uint64_t pc) {
    FrontEntry& f = front_[slot(pc)];
    if (f.pc == pc) [[likely]] return &blocks_[f.block];
    auto it = index_.find(pc);
    if (it == index_.end()) return nullptr;
    f = FrontEntry{pc, it->second};
    return &blocks_[it->second];
  }

  // decode(at) -> Result<Instruction> with cycles filled in.
  template <class DecodeFn>
  const Block* build(std::uint64_t pc, DecodeFn&& decode) {
    Block b;
    b.pc = pc;
    b.first = static_cast<std::uint32_t>(code_.size());
    std::uint64_t at = pc;
    bool slow = false;
    while (b.count < MAX_BLOCK_INSTRUCTIONS) {
      auto r = decode(at);
      if (!r.ok()) break;
      const Instruction& in = *r;
      // Costs that do not fit the record (see Decoder::cycles_of) or a sum
      // that overflows make the block step-only.
      const std::uint64_t sum = b.cycles + in.cycles;
      if (in.cycles == UINT32_MAX || sum < b.cycles) slow = true;
      b.cycles = sum;
      code_.push_back(in);
      ++b.count;
      at += in.length;
      if (is_block_end(in.op)) break;
    }
    if (b.count == 0) {
      code_.resize(b.first);
      return nullptr;
    }
    Instruction end;
    end.op = Opcode::TRACE_END;
    end.length = 0;
    code_.push_back(end);
    if (slow) b.cycles = UINT64_MAX;  // never fits: run() steps through it
    const auto idx = static_cast<std::uint32_t>(blocks_.size());
    blocks_.push_back(b);
    index_.emplace(pc, idx);
    front_[slot(pc)] = FrontEntry{pc, idx};
    return &blocks_[idx];
  }

  const Instruction* code(const Block& b) const noexcept { return code_.data() + b.first; }

 private:
  static constexpr std::uint64_t INVALID_PC = ~std::uint64_t{0};
  struct FrontEntry {
    std::uint64_t pc;
    std::uint32_t block;
  };
  static std::size_t slot(std::uint64_t pc) noexcept { return (pc >> 1) & (FRONT_SIZE - 1); }

  std::unique_ptr<FrontEntry[]> front_;
  std::vector<Block> blocks_;
  std::vector<Instruction> code_;
  std::unordered_map<std::uint64_t, std::uint32_t> index_;
};

}  // namespace ckb_vm::detail
