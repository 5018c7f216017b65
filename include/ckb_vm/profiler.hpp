// Cycle profiling by function, in the "folded stacks" format flame graph tools
// read: one line per distinct call stack, `outer;inner;leaf cycles`.
//
// CallStackProfiler follows calls and returns the way the RISC-V calling
// convention makes them, from the instructions that end each run of
// straight-line code:
//   call    jal/jalr writing a link register (ra = x1 or t0 = x5), and the
//           fused far_jump_rel/far_jump_abs (which link ra): push a frame;
//   return  jalr x0 through ra or t0 (ret, c.jr ra, jr t0): pop frames up to
//           the one whose return address is where execution continued
//           (normally the top one; if none matches, one);
//   jump    any other jal/jalr: a tail call when it lands on the first
//           instruction of a function, which then gets a frame of its own
//           (as ckb-debugger's profiler treats jumps to function symbols).
// A frame's name is the function containing the call site; the leaf of a
// stack is the function containing the executed instruction. Function names
// come from the ELF's symbol table (SymbolTable, elf.hpp), demangled; where
// the ELF has DWARF line tables (LineTable, detail/dwarf_line.hpp) a frame is
// `file:line:name` (the function's first instruction, as ckb-debugger
// prints locations), else `name`.
//
// Feed it either
//   * one instruction at a time: record(pc, instruction, cycles), e.g. from a
//     DefaultMachine::step() loop with a Decoder of the machine's ISA and
//     version (exact, slow: every instruction is decoded twice); or
//   * one block at a time: record_block(first_pc, last_pc, cycles, last), for
//     a run of instructions inside one function (same_function(first_pc,
//     last_pc)) of which only the last may transfer control, e.g. from the
//     block engine's observer hook. A run that crosses a function boundary is
//     fed instruction by instruction instead. Both give the same stacks and
//     cycles as the instruction-level feed.
// A profile only sees what it is fed: a run resumed from a snapshot starts
// with an empty call stack.
#pragma once

#include "detail/config.hpp"

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "constants.hpp"
#include "decoder.hpp"
#include "detail/dwarf_line.hpp"
#include "elf.hpp"
#include "error.hpp"
#include "instruction.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {

class CallStackProfiler {
 public:
  // Deeper call stacks are cut (calls beyond it are counted, not recorded).
  static constexpr std::size_t MAX_DEPTH = 4096;

  explicit CallStackProfiler(SymbolTable symbols, LineTable lines = {})
      : symbols_(std::move(symbols)), lines_(std::move(lines)) {
    nodes_.push_back(Node{});  // root: the empty stack
  }

  const SymbolTable& symbols() const noexcept { return symbols_; }
  const LineTable& lines() const noexcept { return lines_; }

  // One executed instruction: where it ran, what it was and the cycles it
  // cost. Call in execution order.
  void record(std::uint64_t pc, const Instruction& in, std::uint64_t cycles) {
    const std::size_t node = enter(pc, symbols_.find(pc));
    nodes_[node].cycles += cycles;
    total_ += cycles;
    leave(node, pc, classify(in), in.length);
  }

  // What an instruction does to the call stack (see the file comment).
  enum class Transfer : std::uint8_t { none, call, ret, jump };
  static Transfer classify(const Instruction& in) noexcept {
    switch (in.op) {
      case Opcode::FAR_JUMP_REL: case Opcode::FAR_JUMP_ABS:
        return Transfer::call;
      case Opcode::JAL:
        return is_link(in.rd) ? Transfer::call : Transfer::jump;
      case Opcode::JALR_V0: case Opcode::JALR_V1:
        if (is_link(in.rd)) return Transfer::call;
        return is_zero(in.rd) && is_link(in.rs1) ? Transfer::ret : Transfer::jump;
      default:
        return Transfer::none;
    }
  }

  // A run of instructions executed in a row, the first at first_pc and the
  // last (`last`) at last_pc, all in one function, none but the last
  // transferring control; `cycles` for all of them. `function` is
  // function_of(first_pc) (callers may cache it per block).
  void record_block(std::size_t function, std::uint64_t first_pc, std::uint64_t last_pc, std::uint64_t cycles,
                    const Instruction& last) {
    record_block(function, first_pc, last_pc, cycles, classify(last), last.length);
  }
  // The same with the last instruction's classify() and length (cacheable per block).
  void record_block(std::size_t function, std::uint64_t first_pc, std::uint64_t last_pc, std::uint64_t cycles,
                    Transfer transfer, std::uint8_t last_length) {
    const std::size_t node = enter(first_pc, function);
    nodes_[node].cycles += cycles;
    total_ += cycles;
    leave(node, last_pc, transfer, last_length);
  }
  void record_block(std::uint64_t first_pc, std::uint64_t last_pc, std::uint64_t cycles, const Instruction& last) {
    record_block(function_of(first_pc), first_pc, last_pc, cycles, last);
  }

  std::size_t function_of(std::uint64_t pc) const noexcept { return symbols_.find(pc); }
  // Whether instructions at a and b belong to the same function (and no
  // function starts between them).
  bool same_function(std::uint64_t a, std::uint64_t b) const noexcept {
    return symbols_.rank(a) == symbols_.rank(b) && symbols_.find(a) == symbols_.find(b);
  }

  std::uint64_t total_cycles() const noexcept { return total_; }

  // The call stack as recorded so far, outermost first, ending with the function
  // containing `pc` (where execution stopped): "main;foo;bar".
  std::string call_stack(std::uint64_t pc) const {
    std::string out = stack_.empty() ? std::string() : path(stack_.back().node);
    if (!out.empty()) out += ';';
    return out + frame_name(symbols_.find(pc));
  }
  // The pcs of the calls on the stack, outermost first.
  std::vector<std::uint64_t> call_sites() const {
    std::vector<std::uint64_t> out;
    for (const Frame& f : stack_) out.push_back(f.call_pc);
    return out;
  }

  // Folded stacks, sorted, one "a;b;c cycles\n" line per stack with cycles.
  std::string folded() const {
    std::vector<std::string> lines;
    for (std::size_t k = 1; k < nodes_.size(); ++k) {
      if (nodes_[k].cycles == 0) continue;
      lines.push_back(path(k) + " " + std::to_string(nodes_[k].cycles));
    }
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const std::string& l : lines) {
      out += l;
      out += '\n';
    }
    return out;
  }

  // Cycles spent in each function itself (leaf of the stack), largest first.
  std::vector<std::pair<std::string, std::uint64_t>> self_cycles() const {
    std::vector<std::pair<std::string, std::uint64_t>> by_name;
    for (std::size_t k = 1; k < nodes_.size(); ++k) {
      if (nodes_[k].cycles == 0) continue;
      const std::string name = frame_name(nodes_[k].function);
      auto it = std::find_if(by_name.begin(), by_name.end(), [&](const auto& p) { return p.first == name; });
      if (it == by_name.end())
        by_name.emplace_back(name, nodes_[k].cycles);
      else
        it->second += nodes_[k].cycles;
    }
    std::sort(by_name.begin(), by_name.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    return by_name;
  }

  // The frame name of a function (index into symbols(), or npos):
  // "[file:line:]name" with the folded format's separators replaced.
  std::string frame_name(std::size_t function) const {
    if (function == SymbolTable::npos) return std::string(UNKNOWN);
    std::string name;
    if (const std::string where = lines_.describe(symbols_.symbols()[function].address); !where.empty())
      name = where + ":";
    name += symbols_.display_name(function);
    // Separators of the folded format cannot appear inside a frame name.
    for (char& c : name)
      if (c == ';' || c == ' ' || c == '\t' || c == '\n' || c == '\r') c = '_';
    return name;
  }

  // Name used for code outside every known function.
  static constexpr std::string_view UNKNOWN = "[unknown]";

 private:
  struct Node {
    std::size_t parent = 0;
    std::size_t function = SymbolTable::npos;
    std::uint64_t cycles = 0;
    std::vector<std::pair<std::size_t, std::size_t>> children;  // (function, node)
    std::size_t last_function = SymbolTable::npos - 1;          // the child found last
    std::size_t last_child = 0;
  };
  struct Frame {
    std::size_t node;  // stack node of the caller at the call site
    std::uint64_t return_address;
    std::uint64_t call_pc;
  };
  // The interpreter may hold x0 destinations in a sink slot numbered 32.
  static constexpr bool is_zero(std::uint8_t r) noexcept { return r == registers::ZERO || r >= 32; }
  static constexpr bool is_link(std::uint8_t r) noexcept { return r == registers::RA || r == 5; }

  // The stack node for code of `function` at pc, after settling a pending
  // return or jump now that its target (pc) is known.
  std::size_t enter(std::uint64_t pc, std::size_t function) {
    if (pending_ != Transfer::none) [[unlikely]] settle(pc);
    if (function == leaf_function_ && top_ == leaf_parent_) [[likely]] return leaf_;
    leaf_ = child(top_, function);
    leaf_function_ = function;
    leaf_parent_ = top_;
    return leaf_;
  }

  void leave(std::size_t node, std::uint64_t pc, Transfer transfer, std::uint8_t length) {
    switch (transfer) {
      case Transfer::none:
        return;
      case Transfer::call:
        push(Frame{node, pc + length, pc});
        return;
      case Transfer::ret:
        pending_ = Transfer::ret;
        return;
      case Transfer::jump:
        pending_ = Transfer::jump;
        pending_frame_ = Frame{node, pc + length, pc};
        return;
    }
  }

  void push(const Frame& f) {
    if (stack_.size() < MAX_DEPTH) {
      stack_.push_back(f);
      top_ = f.node;
    } else {
      ++cut_frames_;
    }
  }
  void pop_to(std::size_t depth) {
    stack_.resize(depth);
    top_ = stack_.empty() ? 0 : stack_.back().node;
  }

#if defined(__GNUC__) || defined(__clang__)
  __attribute__((noinline))
#endif
  void settle(std::uint64_t pc) {
    const Transfer t = pending_;
    pending_ = Transfer::none;
    if (t == Transfer::jump) {
      if (symbols_.starts_function(pc)) push(pending_frame_);  // a tail call
      return;
    }
    // A return: drop frames up to the one whose return address is pc
    // (normally the top one); if none matches, drop one.
    if (cut_frames_ > 0) {
      --cut_frames_;
      return;
    }
    for (std::size_t k = stack_.size(); k-- > 0;) {
      if (stack_[k].return_address == pc) {
        pop_to(k);
        return;
      }
    }
    if (!stack_.empty()) pop_to(stack_.size() - 1);
  }

  std::size_t child(std::size_t parent, std::size_t function) {
    const Node& p = nodes_[parent];
    if (p.last_function == function) [[likely]] return p.last_child;
    return find_child(parent, function);
  }
#if defined(__GNUC__) || defined(__clang__)
  __attribute__((noinline))
#endif
  std::size_t find_child(std::size_t parent, std::size_t function) {
    std::size_t found = 0;
    for (const auto& [f, node] : nodes_[parent].children)
      if (f == function) found = node;
    if (found == 0) {
      found = nodes_.size();
      nodes_[parent].children.emplace_back(function, found);
      nodes_.push_back(Node{parent, function, 0, {}, SymbolTable::npos - 1, 0});
    }
    nodes_[parent].last_function = function;
    nodes_[parent].last_child = found;
    return found;
  }

  std::string path(std::size_t node) const {
    if (names_.size() != symbols_.size() + 1) {  // frame names, computed once: [npos] last
      names_.clear();
      for (std::size_t k = 0; k < symbols_.size(); ++k) names_.push_back(frame_name(k));
      names_.push_back(frame_name(SymbolTable::npos));
    }
    std::vector<std::size_t> chain;
    for (std::size_t k = node; k != 0; k = nodes_[k].parent) chain.push_back(k);
    std::string out;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      if (!out.empty()) out += ';';
      const std::size_t f = nodes_[*it].function;
      out += names_[f == SymbolTable::npos ? symbols_.size() : f];
    }
    return out;
  }

  SymbolTable symbols_;
  LineTable lines_;
  std::vector<Node> nodes_;
  std::vector<Frame> stack_;
  std::size_t cut_frames_ = 0;
  Transfer pending_ = Transfer::none;
  Frame pending_frame_{0, 0, 0};
  std::size_t top_ = 0;  // stack_.back().node, 0 (the root) when empty
  // The node enter() returned last, for (leaf_parent_, leaf_function_).
  std::size_t leaf_ = 0;
  std::size_t leaf_parent_ = static_cast<std::size_t>(-1);
  std::size_t leaf_function_ = static_cast<std::size_t>(-1);
  std::uint64_t total_ = 0;
  mutable std::vector<std::string> names_;
};

// Feeds a CallStackProfiler from the block engine: pass it to
// DefaultMachine::run_observed, which calls on_block once per executed block
// with its first pc, the last instruction and its pc, and the cycles charged.
// A block inside one function is one record_block (which function is cached
// per block); one that crosses into another function is decoded again and fed
// instruction by instruction. Cycles a syscall adds (ckb-vm-run's debug
// syscall) are charged to the block ending with its ecall, as a step() loop
// would: the machine's cycle count is read after every ecall/ebreak block,
// when the engine has stored it. The result equals the instruction-level
// profile of the same run.
template <class Machine>
class ProfileObserver {
 public:
  ProfileObserver(CallStackProfiler& profiler, Machine& machine, std::uint8_t isa, std::uint32_t version,
                  InstructionCycleFunc cost)
      : profiler_(&profiler), machine_(&machine), decoder_(isa, version, cost), start_cycles_(machine.cycles()),
        cache_(CACHE_SIZE) {}

  template <class Event>
  void on_block(const Event& e) {
    // What is known about a block (its function, whether it stays in it, its
    // last instruction's effect on the stack) is cached by (pc, last pc) until
    // the next syscall, which may replace the program (exec).
    Shape& s = cache_[(e.pc >> 1) & (CACHE_SIZE - 1)];
    if (s.pc != e.pc || s.last_pc != e.last_pc || s.generation != generation_) [[unlikely]]
      fill(s, e.pc, e.last_pc, e.last);
    if (s.plain) [[likely]] {
      profiler_->record_block(s.function, e.pc, e.last_pc, e.cycles, s.transfer, s.length);
      return;
    }
    slow(s, e.pc, e.last_pc, e.instructions, e.cycles, e.last);
  }

 private:
  static constexpr std::size_t CACHE_SIZE = 1 << 12;
  struct Shape {
    std::uint64_t pc = 1;  // odd: matches no block
    std::uint64_t last_pc = 0;
    std::size_t function = SymbolTable::npos;
    std::uint32_t generation = 0;
    bool plain = false;    // in one function, no syscall
    bool single = false;   // in one function
    bool syscall = false;  // ends with ecall/ebreak
    CallStackProfiler::Transfer transfer = CallStackProfiler::Transfer::none;
    std::uint8_t length = 0;
  };

#if defined(__GNUC__) || defined(__clang__)
#define CKB_VM_PROFILER_COLD __attribute__((noinline, cold))
#else
#define CKB_VM_PROFILER_COLD
#endif

  CKB_VM_PROFILER_COLD void fill(Shape& s, std::uint64_t pc, std::uint64_t last_pc, const Instruction& last) {
    s.pc = pc;
    s.last_pc = last_pc;
    s.function = profiler_->function_of(pc);
    s.generation = generation_;
    s.single = profiler_->same_function(pc, last_pc);
    s.syscall = last.op == Opcode::ECALL || last.op == Opcode::EBREAK;
    s.plain = s.single && !s.syscall;
    s.transfer = CallStackProfiler::classify(last);
    s.length = last.length;
  }

  CKB_VM_PROFILER_COLD void slow(const Shape& s, std::uint64_t pc, std::uint64_t last_pc, std::uint64_t count,
                                 std::uint64_t cycles, const Instruction& last) {
    if (s.syscall) {
      // The engine has stored the cycle count after a syscall: what the
      // syscall charged beyond the instructions goes to its block. (The
      // profiler's total is every cycle fed so far.)
      const std::uint64_t expected = start_cycles_ + profiler_->total_cycles() + cycles;
      const std::uint64_t now = machine_->cycles();
      if (now > expected) cycles += now - expected;
      ++generation_;
      decoder_stale_ = true;
    }
    if (s.single)
      profiler_->record_block(s.function, pc, last_pc, cycles, s.transfer, s.length);
    else
      split(pc, last_pc, count, cycles, last);
  }
#undef CKB_VM_PROFILER_COLD

  // Instruction by instruction; the last one takes what the others did not.
  void split(std::uint64_t pc, std::uint64_t last_pc, std::uint64_t count, std::uint64_t cycles,
             const Instruction& last) {
    if (decoder_stale_) {
      decoder_.reset_cache();
      decoder_stale_ = false;
    }
    for (std::uint64_t k = 0; k + 1 < count && pc != last_pc; ++k) {
      const Result<Instruction> in = decoder_.decode(machine_->memory(), pc);
      if (!in.ok()) break;  // cannot happen for code that just ran
      const std::uint64_t cost = std::min(cycles, decoder_.cycles_of(*in));
      profiler_->record(pc, *in, cost);
      cycles -= cost;
      pc += in->length;
    }
    profiler_->record(last_pc, last, cycles);
  }

  CallStackProfiler* profiler_;
  Machine* machine_;
  Decoder decoder_;
  bool decoder_stale_ = false;
  std::uint32_t generation_ = 0;
  std::uint64_t start_cycles_;
  std::vector<Shape> cache_;
};

}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
