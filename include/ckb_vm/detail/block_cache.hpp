// Pre-decoded basic blocks for DefaultMachine::run(). A block is a run of
// decoded instructions starting at a pc and ending after the first control
// transfer / ecall / ebreak, before an undecodable instruction, or at a size
// cap, followed by a TRACE_END sentinel. Its total cycles are precomputed so
// the run loop charges a whole block with one addition.
//
// For VERSION0/1 blocks follow the geometry of ckb-vm's trace cache exactly
// (at most 16 instructions, ending after ckb-vm's basic-block-end set, which
// also holds AUIPC, FENCE and FENCE.I), so that every block entry is a trace
// start in ckb-vm's TraceMachine and assembly engine; TraceSlots below then
// reproduces which trace each of their 8,192 slots holds.
//
// Blocks and their instructions live in chunked storage whose addresses never
// move, so the interpreter can chain from block to block through raw
// pointers; a direct-mapped front table keyed by pc finds them, backed by a
// hash map so an evicted block is found again instead of re-decoded.
#pragma once

#include "config.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <algorithm>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "../error.hpp"
#include "../instruction.hpp"
#include "interpreter.hpp"
#include "memory_support.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {
namespace detail {

struct Block {
  std::uint64_t pc = 0;
  std::uint64_t cycles = 0;          // sum of the instructions' cycles (UINT64_MAX: step only)
  const Instruction* code = nullptr;  // `count` instructions, then TRACE_END
  std::uint32_t count = 0;
};

// ckb-vm 0.24's basic-block-end opcodes (OP_AUIPC..=OP_FAR_JUMP_ABS): the
// ops after which its trace builders stop.
constexpr bool ends_ckb_vm_trace(Opcode op) noexcept {
  return is_block_end(op) || op == Opcode::AUIPC || op == Opcode::FENCE || op == Opcode::FENCEI;
}

class BlockCache {
 public:
  static constexpr std::size_t FRONT_SIZE = 1 << 12;
  static constexpr std::uint32_t MAX_BLOCK_INSTRUCTIONS = 64;
  // ckb-vm's TRACE_ITEM_LENGTH.
  static constexpr std::uint32_t CKB_VM_TRACE_INSTRUCTIONS = 16;
  // Instruction storage grows in chunks from FIRST_CHUNK up to
  // CHUNK_INSTRUCTIONS records, so a short script allocates little.
  static constexpr std::size_t FIRST_CHUNK = 1 << 10;
  static constexpr std::size_t CHUNK_INSTRUCTIONS = 1 << 14;

  // ckb_vm_geometry: build blocks as ckb-vm's trace cache builds traces.
  // Nothing is allocated until the first block is built.
  explicit BlockCache(bool ckb_vm_geometry = false) : ckb_vm_geometry_(ckb_vm_geometry) {}

  void clear() {
    if (front_ != nullptr) std::memset(static_cast<void*>(front_.get()), 0, FRONT_SIZE * sizeof(FrontEntry));
    blocks_.clear();
    index_.clear();
    chunks_.clear();
    chunk_used_ = 0;
    chunk_size_ = 0;
  }

  // Entries hold ~pc. An all-zero entry is empty: it could only match pc
  // UINT64_MAX and then yields a null block, so even that lookup correctly
  // finds nothing (no block can start there). Until the first build the
  // table is a shared all-zero one that is never written (index_ is empty).
  const Block* find(std::uint64_t pc) {
    FrontEntry& f = front()[slot(pc)];
    if (f.tag == ~pc) [[likely]] return f.block;
    if (index_.empty()) return nullptr;
    auto it = index_.find(pc);
    if (it == index_.end()) return nullptr;
    if (front_ != nullptr) f = FrontEntry{~pc, it->second};
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
    const std::uint32_t cap = ckb_vm_geometry_ ? CKB_VM_TRACE_INSTRUCTIONS : MAX_BLOCK_INSTRUCTIONS;
    while (scratch_.size() < cap) {
      auto r = decode(at);
      if (!r.ok()) break;
      const Instruction& in = *r;
      // Costs that do not fit the record (see Decoder::cycles_of) or a sum
      // that overflows make the block step-only.
      const std::uint64_t sum = cycles + in.cycles;
      if (in.cycles == UINT32_MAX || sum < cycles) slow = true;
      cycles = sum;
      scratch_.push_back(prepare_for_execution(in));
      const bool last = ends_trace(in, at) || (ckb_vm_geometry_ && ends_ckb_vm_trace(in.op));
      at += in.length;
      if (last) break;
    }
    if (scratch_.empty()) return nullptr;
    Instruction end;
    end.op = Opcode::TRACE_END;
    end.length = 0;
    scratch_.push_back(end);

    link_trace(scratch_.data(), pc);
    // [header][instructions][TRACE_END][link record] (see execute_trace).
    Instruction* header = allocate(scratch_.size() + 2);
    Instruction* code = header + 1;
    Block& b = blocks_.emplace_back();
    b.pc = pc;
    b.cycles = slow ? UINT64_MAX : cycles;
    *header = Instruction{};
    header->op = Opcode::TRACE_END;  // never executed
    set_block_cycles(header, b.cycles);
    std::copy(scratch_.begin(), scratch_.end(), code);
    std::memset(static_cast<void*>(code + scratch_.size()), 0, sizeof(Instruction));  // empty link cells
    b.code = code;
    b.count = static_cast<std::uint32_t>(scratch_.size() - 1);
    index_[pc] = &b;
    if (front_ == nullptr) front_.reset(static_cast<FrontEntry*>(std::calloc(FRONT_SIZE, sizeof(FrontEntry))));
    if (front_ != nullptr) front_[slot(pc)] = FrontEntry{~pc, &b};  // else found through index_
    return &b;
  }

 private:
  struct FrontEntry {
    std::uint64_t tag;  // ~pc
    const Block* block;
  };
  struct FreeDeleter {
    void operator()(void* p) const noexcept { std::free(p); }
  };
  static std::size_t slot(std::uint64_t pc) noexcept { return (pc >> 1) & (FRONT_SIZE - 1); }

  FrontEntry* front() noexcept {
    alignas(64) static FrontEntry empty[FRONT_SIZE] = {};  // read-only in practice
    return front_ != nullptr ? front_.get() : empty;
  }

  // n records of uninitialised storage (Instruction is an aggregate, so
  // malloc'd storage holds its objects once they are assigned).
  Instruction* allocate(std::size_t n) {
    if (chunk_used_ + n > chunk_size_) {
      const std::size_t size = std::max(n, chunk_size_ == 0 ? FIRST_CHUNK : std::min(chunk_size_ * 2, CHUNK_INSTRUCTIONS));
      auto* p = static_cast<Instruction*>(std::malloc(size * sizeof(Instruction)));
      if (p == nullptr) throw_bad_alloc();
      chunks_.emplace_back(p);
      chunk_size_ = size;
      chunk_used_ = 0;
    }
    Instruction* p = chunks_.back().get() + chunk_used_;
    chunk_used_ += n;
    return p;
  }

  std::unique_ptr<FrontEntry[], FreeDeleter> front_;  // null until the first build
  std::deque<Block> blocks_;  // deque: stable addresses
  std::unordered_map<std::uint64_t, const Block*> index_;
  std::vector<std::unique_ptr<Instruction[], FreeDeleter>> chunks_;
  std::size_t chunk_used_ = 0;
  std::size_t chunk_size_ = 0;
  std::vector<Instruction> scratch_;
  bool ckb_vm_geometry_ = false;
};

// Which trace each slot of ckb-vm's VERSION0/1 trace cache holds. ckb-vm's
// TraceMachine and assembly engine keep 8,192 slots indexed by (pc >> 2) &
// 8191 and, below VERSION2, treat a slot as a hit when the low 32 bits of pc
// equal the address the trace was built at (a bug of the x86-64 engine that
// TraceMachine copies on purpose, ckb-vm PRs 425/426). A jump to
// address + k * 2^32 then runs the cached instructions at the high pc instead
// of failing to fetch. Traces are only built where decoding succeeds, so a
// recorded address is below the memory size and never equals the empty
// marker; slots survive pause/resume within one machine and are emptied by
// reset, as in ckb-vm.
class TraceSlots {
 public:
  static constexpr std::size_t SIZE = 8192;

  void clear() noexcept {
    if (slots_) std::fill_n(slots_.get(), SIZE, EMPTY);
  }
  // A trace was built or entered at pc (pc < memory size).
  void record(std::uint64_t pc) {
    if (!slots_) [[unlikely]] {
      slots_ = std::make_unique<std::uint64_t[]>(SIZE);
      std::fill_n(slots_.get(), SIZE, EMPTY);
    }
    slots_[slot(pc)] = pc;
  }
  // The address of the trace that ckb-vm would run for a pc it cannot fetch
  // from, if the slot aliases it; pc is above 32 bits.
  std::optional<std::uint64_t> aliased(std::uint64_t pc) const noexcept {
    if (!slots_) return std::nullopt;
    const std::uint64_t held = slots_[slot(pc)];
    if (held == (pc & 0xffffffffu)) return held;
    return std::nullopt;
  }
  // ckb-vm empties the slot before trying to build a trace that then fails.
  void forget(std::uint64_t pc) noexcept {
    if (slots_) slots_[slot(pc)] = EMPTY;
  }

 private:
  static constexpr std::uint64_t EMPTY = ~std::uint64_t{0};
  static std::size_t slot(std::uint64_t pc) noexcept { return (pc >> 2) & (SIZE - 1); }
  std::unique_ptr<std::uint64_t[]> slots_;  // allocated on first use (VERSION0/1 only)
};

}  // namespace detail
}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
