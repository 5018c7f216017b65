// Pre-decoded basic blocks for DefaultMachine::run(). A block is a run of
// decoded instructions starting at a pc and ending after the first control
// transfer / ecall / ebreak, before an undecodable instruction, or at a size
// cap, followed by a TRACE_END sentinel. Its total cycles are precomputed so
// the run loop charges a whole block with one addition.
//
// Blocks and their instructions live in chunked storage whose addresses never
// move, so the interpreter can chain from block to block through raw
// pointers; a direct-mapped front table keyed by pc finds them, backed by a
// hash map so an evicted block is found again instead of re-decoded.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include "../error.hpp"
#include "../instruction.hpp"
#include "interpreter.hpp"

namespace ckb_vm::detail {

struct Block {
  std::uint64_t pc = 0;
  std::uint64_t cycles = 0;          // sum of the instructions' cycles (UINT64_MAX: step only)
  const Instruction* code = nullptr;  // `count` instructions, then TRACE_END
  std::uint32_t count = 0;
};

class BlockCache {
 public:
  static constexpr std::size_t FRONT_SIZE = 1 << 12;
  static constexpr std::uint32_t MAX_BLOCK_INSTRUCTIONS = 64;
  static constexpr std::size_t CHUNK_INSTRUCTIONS = 1 << 14;

  BlockCache() : front_(std::make_unique<FrontEntry[]>(FRONT_SIZE)) { clear(); }

  void clear() {
    for (std::size_t i = 0; i < FRONT_SIZE; ++i) front_[i] = FrontEntry{INVALID_PC, nullptr};
    blocks_.clear();
    index_.clear();
    chunks_.clear();
    chunk_used_ = CHUNK_INSTRUCTIONS;
  }

  const Block* find(std::uint64_t pc) {
    FrontEntry& f = front_[slot(pc)];
    if (f.pc == pc) [[likely]] return f.block;
    auto it = index_.find(pc);
    if (it == index_.end()) return nullptr;
    f = FrontEntry{pc, it->second};
    return it->second;
  }

  // decode(at) -> Result<Instruction> with cycles filled in. Returns nullptr
  // when not even the first instruction decodes.
  template <class DecodeFn>
  const Block* build(std::uint64_t pc, DecodeFn&& decode) {
    scratch_.clear();
    std::uint64_t at = pc;
    std::uint64_t cycles = 0;
    bool slow = false;
    while (scratch_.size() < MAX_BLOCK_INSTRUCTIONS) {
      auto r = decode(at);
      if (!r.ok()) break;
      const Instruction& in = *r;
      // Costs that do not fit the record (see Decoder::cycles_of) or a sum
      // that overflows make the block step-only.
      const std::uint64_t sum = cycles + in.cycles;
      if (in.cycles == UINT32_MAX || sum < cycles) slow = true;
      cycles = sum;
      scratch_.push_back(prepare_for_execution(in));
      const bool last = ends_trace(in, at);
      at += in.length;
      if (last) break;
    }
    if (scratch_.empty()) return nullptr;
    Instruction end;
    end.op = Opcode::TRACE_END;
    end.length = 0;
    scratch_.push_back(end);

    link_trace(scratch_.data(), pc);
    Instruction* code = allocate(scratch_.size());
    std::copy(scratch_.begin(), scratch_.end(), code);
    Block& b = blocks_.emplace_back();
    b.pc = pc;
    b.cycles = slow ? UINT64_MAX : cycles;
    b.code = code;
    b.count = static_cast<std::uint32_t>(scratch_.size() - 1);
    index_[pc] = &b;
    front_[slot(pc)] = FrontEntry{pc, &b};
    return &b;
  }

 private:
  static constexpr std::uint64_t INVALID_PC = ~std::uint64_t{0};
  struct FrontEntry {
    std::uint64_t pc;
    const Block* block;
  };
  static std::size_t slot(std::uint64_t pc) noexcept { return (pc >> 1) & (FRONT_SIZE - 1); }

  Instruction* allocate(std::size_t n) {
    if (chunk_used_ + n > CHUNK_INSTRUCTIONS) {
      chunks_.push_back(std::make_unique<Instruction[]>(CHUNK_INSTRUCTIONS));
      chunk_used_ = 0;
    }
    Instruction* p = chunks_.back().get() + chunk_used_;
    chunk_used_ += n;
    return p;
  }

  std::unique_ptr<FrontEntry[]> front_;
  std::deque<Block> blocks_;  // deque: stable addresses
  std::unordered_map<std::uint64_t, const Block*> index_;
  std::vector<std::unique_ptr<Instruction[]>> chunks_;
  std::size_t chunk_used_ = CHUNK_INSTRUCTIONS;
  std::vector<Instruction> scratch_;
};

}  // namespace ckb_vm::detail
