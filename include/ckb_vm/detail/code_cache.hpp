// The engine's one code cache: decoded, costed, linked basic blocks for
// DefaultMachine::run() and step() (and, through run_observed, for tracers and
// profilers).
//
// Layout (libriscv's decoder cache is the model): per executable page a flat
// slot array indexed by (pc - page_base) >> 1, one slot per halfword where an
// instruction can start. A slot points at the record of the instruction at
// that address inside a cached block: the block that starts there when there
// is one (its record follows the block header, a TRACE_END record), else a
// record in the middle of some block that covers it (step() runs those).
// Lookups are range-checked against the page table first; the page table and
// each page's slots are allocated on first use, so a machine allocates
// nothing here before it executes, and then only for the pages it executes.
// Odd pcs (reachable only through an odd entry point or a host-set pc) have
// no slot; their blocks are kept in a small side map.
//
// Memory bound per executable page: 16 KiB of slots (2,048 pointers) plus
// the blocks starting in it, at most one per halfword, each at most
// MAX_BLOCK_INSTRUCTIONS + 3 records of 16 bytes (header, TRACE_END, link
// record): < 2.2 MiB in the worst case, in practice a few KiB, as blocks
// start only at branch targets and after block ends.
//
// A block: up to 64 decoded (possibly fused) instructions starting at a pc
// and ending after the first control transfer / ecall / ebreak, before an
// undecodable instruction, or at the cap. For VERSION0/1 blocks follow the
// geometry of ckb-vm's trace cache exactly (at most 16 instructions, ending
// after ckb-vm's basic-block-end set, which also holds AUIPC, FENCE and
// FENCE.I), so that every block entry is a trace start in ckb-vm's
// TraceMachine and assembly engine; TraceSlots below then reproduces which
// trace each of their 8,192 slots holds.
//
// Storage: [header][instructions][TRACE_END][link record], see
// interpreter.hpp. The header holds the block's total cycles (UINT64_MAX: run
// it one instruction at a time) and its instruction count. Records live in
// chunks whose addresses never move, so the interpreter chains from block to
// block through raw pointers.
//
// The block builder is the one place where decoded instructions get their
// cycle cost (the machine's cost function, applied to the decoded form), x0
// destinations are redirected to the sink slot and pc-relative operands are
// linked. Decoding itself is InstructionDecoder's (pure).
//
// Invalidation: clear() drops everything; DefaultMachine calls it when the
// core reports a reset (reset_signal: exec and Snapshot2 resume go through
// reset). Code pages cannot change otherwise under W^X (they are frozen
// executable pages); without W^X a store into code that already ran is not
// seen (as in ckb-vm's trace engines, see docs/versions.md).
#pragma once

#include "config.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "../constants.hpp"
#include "../cost_model.hpp"
#include "../decoder.hpp"
#include "../error.hpp"
#include "../instruction.hpp"
#include "interpreter.hpp"
#include "memory_support.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {
namespace detail {

// ckb-vm 0.24's basic-block-end opcodes (OP_AUIPC..=OP_FAR_JUMP_ABS): the
// ops after which its trace builders stop (the block ends plus the opcode
// table's ENDS_TRACE rows: AUIPC, FENCE, FENCE.I).
constexpr bool stops_ckb_vm_trace(Opcode op) noexcept {
  return has_opcode_trait(op, opcode_traits::ENDS_BLOCK | opcode_traits::ENDS_TRACE);
}

// Header fields (the record before a block's first instruction).
inline std::uint32_t block_count(const Instruction* code) noexcept { return code[-1].rs1 | (code[-1].rs2 << 8); }
inline bool is_block_start(const Instruction* record) noexcept { return record[-1].op == Opcode::TRACE_END; }

class CodeCache {
 public:
  static constexpr std::uint32_t MAX_BLOCK_INSTRUCTIONS = 64;
  // ckb-vm's TRACE_ITEM_LENGTH.
  static constexpr std::uint32_t CKB_VM_TRACE_INSTRUCTIONS = 16;
  static constexpr std::size_t SLOTS_PER_PAGE = RISCV_PAGESIZE / 2;
  // Record storage grows in chunks from FIRST_CHUNK up to CHUNK_RECORDS.
  static constexpr std::size_t FIRST_CHUNK = 1 << 9;
  static constexpr std::size_t CHUNK_RECORDS = 1 << 14;
  // Cycles of a block that must run one instruction at a time.
  static constexpr std::uint64_t STEP_ONLY = ~std::uint64_t{0};

  // ckb_vm_geometry: build blocks as ckb-vm's trace cache builds traces.
  explicit CodeCache(bool ckb_vm_geometry = false) noexcept : ckb_vm_geometry_(ckb_vm_geometry) {}
  CodeCache(CodeCache&&) noexcept = default;
  CodeCache& operator=(CodeCache&&) noexcept = default;

  void clear() {
    pages_.reset();
    page_count_ = 0;
    page_storage_.clear();
    odd_.clear();
    chunks_.clear();
    chunk_used_ = 0;
    chunk_size_ = 0;
  }

  // The record of the instruction at pc in a cached block, or nullptr.
  const Instruction* record(std::uint64_t pc) const noexcept {
    return reinterpret_cast<const Instruction*>(slot_value(pc) & ~std::uintptr_t{1});
  }

  // The code of the block starting at pc, or nullptr.
  const Instruction* find(std::uint64_t pc) const noexcept {
    const std::uintptr_t v = slot_value(pc);
    return (v & 1) != 0 ? reinterpret_cast<const Instruction*>(v - 1) : nullptr;
  }

  // Builds (and caches) the block at pc: nullptr when not even its first
  // instruction decodes (the caller then reports the decode error).
  template <class M>
  const Instruction* build(M& memory, std::uint64_t pc, const InstructionDecoder& decoder, InstructionCycleFunc cost) {
    if (pc >= memory.memory_size()) return nullptr;
    if (pages_ == nullptr) [[unlikely]] {
      const std::uint64_t count = (memory.memory_size() + RISCV_PAGESIZE - 1) / RISCV_PAGESIZE;
      pages_ = std::make_unique<const Slot*[]>(static_cast<std::size_t>(count));
      std::fill_n(pages_.get(), count, empty_page());
      page_count_ = count;
    }
    const std::uint32_t cap = ckb_vm_geometry_ ? CKB_VM_TRACE_INSTRUCTIONS : MAX_BLOCK_INSTRUCTIONS;
    Instruction* const scratch = scratch_;
    std::uint32_t n = 0;
    std::uint64_t cycles = 0;
    bool step_only = false;
    typename InstructionDecoder::template Stream<M> stream(decoder, memory, pc);
    Instruction in;
    while (n < cap) {
      const std::uint64_t at = stream.pc();
      std::uint64_t c;
      if (const Instruction* known = record(at)) {
        // Already decoded, costed and linked in another block: the
        // instruction at an address does not depend on where a block starts.
        in = unlink(*known, at);
        c = in.cycles != Decoder::COST_NOT_CACHED ? in.cycles : cost(in);
        stream.skip(in.length);
      } else {
        if (!stream.next(in)) break;
        // CKB's own cost model is called directly (no indirect call).
        c = cost == &estimate_cycles ? estimate_cycles(in) : cost(in);
        in.cycles = Decoder::cycles_field(c);
      }
      // A cost that does not fit the record or a sum that overflows makes the
      // block step-only.
      const std::uint64_t sum = cycles + c;
      if (in.cycles == Decoder::COST_NOT_CACHED || sum < cycles) step_only = true;
      cycles = sum;
      const bool last = ends_trace(in, at) || (ckb_vm_geometry_ && stops_ckb_vm_trace(in.op));
      scratch[n++] = prepare_for_execution(in);
      if (last) break;
    }
    if (n == 0) return nullptr;
    Instruction end;
    end.op = Opcode::TRACE_END;
    end.length = 0;
    scratch[n] = end;
    link_trace(scratch, pc);

    // VERSION0/1 blocks get an entry stub (two records) before the header.
    const std::size_t stub = ckb_vm_geometry_ ? 2 : 0;
    Instruction* header = allocate(stub + n + 3) + stub;
    Instruction* code = header + 1;
    *header = Instruction{};
    header->op = Opcode::TRACE_END;  // never executed
    header->rs1 = static_cast<std::uint8_t>(n & 0xff);
    header->rs2 = static_cast<std::uint8_t>(n >> 8);
    set_block_cycles(header, step_only ? STEP_ONLY : cycles);
    if (stub != 0) set_stub(const_cast<Instruction*>(entry_stub(code)), pc, step_only ? STEP_ONLY : cycles);
    std::memcpy(static_cast<void*>(code), scratch, (n + 1) * sizeof(Instruction));
    clear_link_record(code + n + 1);

    // Register the block start, and the records of its other instructions
    // where no block starts (for step()).
    if (pc & 1) [[unlikely]] {
      odd_[pc] = code;
    } else {
      std::uint64_t at = pc;
      for (std::uint32_t k = 0; k < n; ++k) {
        if (Slot* slot = slot_for(at)) {
          if (k == 0)
            *slot = reinterpret_cast<Slot>(code) | 1;
          else if ((*slot & 1) == 0)
            *slot = reinterpret_cast<Slot>(code + k);
        }
        at += code[k].length;
      }
    }
    return code;
  }

 private:
  struct FreeDeleter {
    void operator()(void* p) const noexcept { std::free(p); }
  };

  // A slot holds the address of a record, with bit 0 set when a block
  // starts there (records are 16-byte aligned). Pages without slots point at
  // a shared all-empty array, so a lookup is: range check, two loads.
  using Slot = std::uintptr_t;
  static const Slot* empty_page() noexcept {
    alignas(64) static const Slot empty[SLOTS_PER_PAGE] = {};
    return empty;
  }

  std::uintptr_t slot_value(std::uint64_t pc) const noexcept {
    const std::uint64_t page = pc / RISCV_PAGESIZE;
    if (((pc & 1) != 0) | (page >= page_count_)) [[unlikely]] return odd(pc);  // range check first
    return pages_[page][(pc % RISCV_PAGESIZE) >> 1];
  }

  // Blocks at odd pcs (only starts; out-of-range pcs end here too).
  std::uintptr_t odd(std::uint64_t pc) const noexcept {
    if (odd_.empty() || (pc & 1) == 0) return 0;
    auto it = odd_.find(pc);
    return it == odd_.end() ? 0 : reinterpret_cast<std::uintptr_t>(it->second) | 1;
  }

  // The slot of an even pc below the memory size (allocating its page).
  Slot* slot_for(std::uint64_t pc) {
    const std::uint64_t page = pc / RISCV_PAGESIZE;
    if (page >= page_count_) return nullptr;
    const Slot*& slots = pages_[page];
    if (slots == empty_page()) {
      auto* p = static_cast<Slot*>(std::calloc(SLOTS_PER_PAGE, sizeof(Slot)));
      if (p == nullptr) throw_bad_alloc();
      page_storage_.emplace_back(p);
      slots = p;
    }
    return const_cast<Slot*>(&slots[(pc % RISCV_PAGESIZE) >> 1]);
  }

  // n records of uninitialised storage (Instruction is an aggregate, so
  // malloc'd storage holds its objects once they are assigned).
  Instruction* allocate(std::size_t n) {
    if (chunk_used_ + n > chunk_size_) {
      const std::size_t size =
          std::max(n, chunk_size_ == 0 ? FIRST_CHUNK : std::min(chunk_size_ * 2, CHUNK_RECORDS));
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

  std::unique_ptr<const Slot*[]> pages_;  // page -> its slots (empty_page(): none yet)
  std::uint64_t page_count_ = 0;          // 0 until the first build
  std::vector<std::unique_ptr<Slot[], FreeDeleter>> page_storage_;
  std::unordered_map<std::uint64_t, const Instruction*> odd_;  // blocks at odd pcs
  std::vector<std::unique_ptr<Instruction[], FreeDeleter>> chunks_;
  std::size_t chunk_used_ = 0;
  std::size_t chunk_size_ = 0;
  bool ckb_vm_geometry_ = false;
  Instruction scratch_[MAX_BLOCK_INSTRUCTIONS + 1];  // the block being built
};

// Records are 16-byte aligned, which the slot tags rely on.
static_assert(alignof(Instruction) >= 2);

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
  // record() for a pc whose trace was recorded before (the table exists):
  // the linked entries into a VERSION0/1 block (TRACE_SLOT).
  void record_again(std::uint64_t pc) noexcept { slots_[slot(pc)] = pc; }
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
