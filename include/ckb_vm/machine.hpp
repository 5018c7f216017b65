// Machines. Three C++20 concepts mirror ckb-vm's traits:
//   CoreMachine    registers, pc (update_pc/commit_pc), memory, version, isa
//   Machine        CoreMachine + ecall/ebreak (what instructions need)
//   SupportMachine CoreMachine + cycles, running flag, reset, program loading
// Snapshot2 is written against SupportMachine alone, so a host's own machine
// type can be snapshotted: derive from SupportMachineMixin<YourType> to get
// ckb-vm's default add_cycles / load_elf / load_binary / initialize_stack.
//
// DefaultCoreMachine<Memory> holds the state; DefaultMachine<Core> adds
// syscalls, a debugger, the pause flag, the cycle function and the run loop.
// MachineBuilder puts one together.
#pragma once

#include "detail/config.hpp"

#include <array>
#include <atomic>
#include <cstring>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "constants.hpp"
#include "cost_model.hpp"
#include "decoder.hpp"
#include "detail/code_cache.hpp"
#include "detail/interpreter.hpp"
#include "elf.hpp"
#include "error.hpp"
#include "memory.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {

// Program and argument bytes.
using Bytes = std::span<const std::uint8_t>;

inline Bytes as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

template <class M>
concept CoreMachine = requires(M& m, const M& cm, std::uint64_t v, std::size_t i) {
  typename M::memory_type;
  requires Memory<typename M::memory_type>;
  { cm.pc() } -> std::convertible_to<std::uint64_t>;
  { m.update_pc(v) };
  { m.commit_pc() };
  { m.memory() } -> std::same_as<typename M::memory_type&>;
  { cm.registers() } -> std::convertible_to<std::span<const std::uint64_t>>;
  { m.set_register(i, v) };
  { cm.version() } -> std::convertible_to<std::uint32_t>;
  { cm.isa() } -> std::convertible_to<std::uint8_t>;
};

template <class M>
concept Machine = CoreMachine<M> && requires(M& m) {
  { m.ecall() } -> std::same_as<Status>;
  { m.ebreak() } -> std::same_as<Status>;
};

template <class M>
concept SupportMachine = CoreMachine<M> && requires(M& m, const M& cm, std::uint64_t v, bool flag, Bytes program,
                                                    const ProgramMetadata& md, std::span<const Bytes> args) {
  { cm.cycles() } -> std::convertible_to<std::uint64_t>;
  { m.set_cycles(v) };
  { cm.max_cycles() } -> std::convertible_to<std::uint64_t>;
  { m.set_max_cycles(v) };
  { cm.running() } -> std::convertible_to<bool>;
  { m.set_running(flag) };
  { m.reset(v) };
  { m.reset_signal() } -> std::convertible_to<bool>;
  { m.add_cycles(v) } -> std::same_as<Status>;
  { m.add_cycles_no_checking(v) } -> std::same_as<Status>;
  { m.load_elf(program, flag) } -> std::same_as<Result<std::uint64_t>>;
  { m.load_binary(program, md, flag) } -> std::same_as<Result<std::uint64_t>>;
  { m.initialize_stack(args, v, v) } -> std::same_as<Result<std::uint64_t>>;
};

// ckb-vm's provided SupportMachine methods, for any type that supplies the
// required accessors (pc/update_pc/commit_pc/memory/registers/set_register/
// version/cycles/set_cycles/max_cycles).
template <class Derived>
class SupportMachineMixin {
 public:
  Status add_cycles(std::uint64_t n) {
    auto& d = self();
    const std::uint64_t c = d.cycles();
    const std::uint64_t sum = c + n;
    if (sum < c) [[unlikely]] return ErrorCode::CyclesOverflow;
    if (sum > d.max_cycles()) [[unlikely]] return ErrorCode::CyclesExceeded;
    d.set_cycles(sum);
    return {};
  }

  Status add_cycles_no_checking(std::uint64_t n) {
    auto& d = self();
    const std::uint64_t c = d.cycles();
    if (c + n < c) return ErrorCode::CyclesOverflow;
    d.set_cycles(c + n);
    return {};
  }

  Result<std::uint64_t> load_elf(Bytes program, bool update_pc) {
    auto md = parse_elf(program, self().version());
    if (!md.ok()) return md.error();
    return self().load_binary(program, *md, update_pc);
  }

  Result<std::uint64_t> load_binary(Bytes program, const ProgramMetadata& md, bool update_pc) {
    auto& d = self();
    auto r = ckb_vm::load_binary(d.memory(), program, md, d.version());
    if (!r.ok()) return r;
    if (update_pc) {
      d.update_pc(md.entry);
      d.commit_pc();
    }
    return r;
  }

  // Writes argc/argv below stack_start + stack_size as each version does and
  // sets sp; returns the bytes used. VERSION0 stores each slot with a 32-bit
  // store on 8-byte strides and leaves sp unaligned; VERSION1 adds the NULL
  // argv terminator, 16-byte alignment, and skips all writes when there are
  // no arguments (ckb-vm issues 97, 98, 106; RFC 0033).
  Result<std::uint64_t> initialize_stack(std::span<const Bytes> args, std::uint64_t stack_start,
                                         std::uint64_t stack_size) {
    using registers::SP;
    auto& d = self();
    const bool v1 = d.version() >= VERSION1;
    const std::uint64_t top = stack_start + stack_size;
    if (v1 && args.empty()) {
      const std::uint64_t sp = (top - 8) & ~std::uint64_t{15};
      d.set_register(SP, sp);
      return top - sp;
    }
    std::uint64_t sp = top;
    d.set_register(SP, sp);
    std::vector<std::uint64_t> values;
    values.reserve(args.size() + 2);
    values.push_back(args.size());
    for (const Bytes& arg : args) {
      const std::uint64_t addr = sp - (static_cast<std::uint64_t>(arg.size()) + 1);
      CKB_VM_TRY(d.memory().store_bytes(addr, arg));
      CKB_VM_TRY(d.memory().store_byte(addr + arg.size(), 1, 0));
      values.push_back(addr);
      sp = addr;
      d.set_register(SP, sp);
    }
    if (v1) {
      values.push_back(0);
      const std::uint64_t unaligned = sp - 8 * static_cast<std::uint64_t>(values.size());
      const std::uint64_t aligned = unaligned & ~std::uint64_t{15};
      sp -= unaligned - aligned;
      d.set_register(SP, sp);
    }
    for (auto it = values.rbegin(); it != values.rend(); ++it) {
      const std::uint64_t addr = sp - 8;
      CKB_VM_TRY(v1 ? d.memory().store64(addr, *it) : d.memory().store32(addr, *it));
      sp = addr;
      d.set_register(SP, sp);
    }
    if (sp < stack_start) return ErrorCode::MemOutOfStack;
    return top - sp;
  }

 private:
  Derived& self() noexcept { return static_cast<Derived&>(*this); }
};

// The default memory: flat, W^X-enforcing.
using DefaultMemory = WXorXMemory<FlatMemory>;

template <Memory Mem = DefaultMemory>
class DefaultCoreMachine : public SupportMachineMixin<DefaultCoreMachine<Mem>> {
 public:
  using memory_type = Mem;

  DefaultCoreMachine(std::uint8_t isa, std::uint32_t version, std::uint64_t max_cycles,
                     std::uint64_t memory_size = RISCV_MAX_MEMORY)
      : memory_(memory_size), max_cycles_(max_cycles), isa_(isa), version_(version) {}
  DefaultCoreMachine(std::uint8_t isa, std::uint32_t version, std::uint64_t max_cycles, Mem memory)
      : memory_(std::move(memory)), max_cycles_(max_cycles), isa_(isa), version_(version) {}

  // CoreMachine
  std::uint64_t pc() const noexcept { return pc_; }
  std::uint64_t next_pc() const noexcept { return next_pc_; }
  void update_pc(std::uint64_t v) noexcept { next_pc_ = v; }
  void commit_pc() noexcept { pc_ = next_pc_; }
  Mem& memory() noexcept { return memory_; }
  const Mem& memory() const noexcept { return memory_; }
  std::span<const std::uint64_t, 32> registers() const noexcept {
    return std::span<const std::uint64_t, 32>(regs_.data(), 32);
  }
  void set_register(std::size_t i, std::uint64_t v) noexcept {
    if (i < RISCV_GENERAL_REGISTER_NUMBER) regs_[i] = v;
  }
  std::uint32_t version() const noexcept { return version_; }
  std::uint8_t isa() const noexcept { return isa_; }

  // SupportMachine
  std::uint64_t cycles() const noexcept { return cycles_; }
  void set_cycles(std::uint64_t c) noexcept { cycles_ = c; }
  std::uint64_t max_cycles() const noexcept { return max_cycles_; }
  void set_max_cycles(std::uint64_t c) noexcept { max_cycles_ = c; }
  bool running() const noexcept { return running_; }
  void set_running(bool r) noexcept { running_ = r; }
  // Erases registers, pc, memory (contents, flags, reservation) and cycles.
  void reset(std::uint64_t max_cycles) {
    regs_ = {};
    pc_ = 0;
    next_pc_ = 0;
    memory_.reset();
    cycles_ = 0;
    max_cycles_ = max_cycles;
    reset_signal_ = true;
  }
  // True once after each reset (the run loop then drops its decode cache).
  bool reset_signal() noexcept { return std::exchange(reset_signal_, false); }

  // Raw register file for the interpreter: x0..x31 plus a write sink for
  // instructions whose destination is x0.
  std::uint64_t* regs() noexcept { return regs_.data(); }

 private:
  std::array<std::uint64_t, RISCV_GENERAL_REGISTER_NUMBER + 1> regs_{};
  std::uint64_t pc_ = 0;
  std::uint64_t next_pc_ = 0;
  Mem memory_;
  std::uint64_t cycles_ = 0;
  std::uint64_t max_cycles_ = 0;
  bool running_ = false;
  bool reset_signal_ = false;
  std::uint8_t isa_ = ISA_IMC;
  std::uint32_t version_ = VERSION2;
};

static_assert(SupportMachine<DefaultCoreMachine<>>);

// What DefaultMachine's engine (run(), step(), execute()) needs from its core
// beyond SupportMachine: the raw register file with the write sink (x0..x31
// then slot 32, which instructions whose destination is x0 write), next_pc()
// (where an ecall/ebreak handler left pc), and memory with the execute_load
// fetches the decoder uses.
template <class C>
concept ExecutionCore = SupportMachine<C> && requires(C& m, const C& cm) {
  { m.regs() } -> std::same_as<std::uint64_t*>;  // RISCV_GENERAL_REGISTER_NUMBER + 1 slots
  { cm.next_pc() } -> std::convertible_to<std::uint64_t>;
};

static_assert(ExecutionCore<DefaultCoreMachine<>>);

// One executed block as DefaultMachine::run_observed reports it (see there).
struct BlockEvent {
  std::uint64_t pc = 0;        // address of the first executed instruction
  std::uint64_t last_pc = 0;   // address of the last executed instruction
  std::uint64_t next_pc = 0;   // pc after it: the jump target, the fall-through, or where an error left pc
  std::uint64_t cycles = 0;    // cycles charged for these instructions
  std::uint32_t instructions = 0;  // instructions executed (a fused op counts once, as in step())
  Instruction last;            // the last executed instruction, as Decoder::decode returns it
};

// The observer of a plain run(): nothing is reported, nothing is compiled in.
struct NoBlockObserver {};

// A pause flag shared between the running machine and other threads.
class Pause {
 public:
  Pause() : flag_(std::make_shared<std::atomic<std::uint8_t>>(0)) {}
  void interrupt() const noexcept { flag_->store(1, std::memory_order_release); }
  bool has_interrupted() const noexcept { return flag_->load(std::memory_order_relaxed) != 0; }
  void free() const noexcept { flag_->store(0, std::memory_order_release); }

 private:
  template <SupportMachine>
  friend class DefaultMachine;
  // The run loop polls the flag through this pointer (no shared_ptr hop).
  const std::atomic<std::uint8_t>* raw() const noexcept { return flag_.get(); }

  std::shared_ptr<std::atomic<std::uint8_t>> flag_;
};

// Host syscall handlers, tried in order for every ecall other than exit (93).
template <class Core>
class Syscalls {
 public:
  virtual ~Syscalls() = default;
  virtual Status initialize(Core& machine) = 0;
  // true: handled; false: try the next handler; error: stop the machine.
  virtual Result<bool> ecall(Core& machine) = 0;
};

template <class Core>
class Debugger {
 public:
  virtual ~Debugger() = default;
  virtual Status initialize(Core& machine) = 0;
  virtual Status ebreak(Core& machine) = 0;
};

template <SupportMachine Core = DefaultCoreMachine<>>
class DefaultMachine {
  static_assert(ExecutionCore<Core>, "DefaultMachine's core needs regs() with the sink slot and next_pc()");

 public:
  using memory_type = typename Core::memory_type;
  using core_type = Core;

  explicit DefaultMachine(Core core, InstructionCycleFunc cost = zero_cycles,
                          std::vector<std::unique_ptr<Syscalls<Core>>> syscalls = {},
                          std::unique_ptr<Debugger<Core>> debugger = {}, Pause pause = {})
      : inner_(std::move(core)), cost_(cost), syscalls_(std::move(syscalls)), debugger_(std::move(debugger)),
        pause_(std::move(pause)), decoder_(inner_.isa(), inner_.version()) {}

  // ---- CoreMachine / SupportMachine (forwarded to the core)
  std::uint64_t pc() const noexcept { return inner_.pc(); }
  void update_pc(std::uint64_t v) noexcept { inner_.update_pc(v); }
  void commit_pc() noexcept { inner_.commit_pc(); }
  std::uint64_t next_pc() const noexcept { return inner_.next_pc(); }
  memory_type& memory() noexcept { return inner_.memory(); }
  const memory_type& memory() const noexcept { return inner_.memory(); }
  auto registers() const noexcept { return inner_.registers(); }
  void set_register(std::size_t i, std::uint64_t v) { inner_.set_register(i, v); }
  std::uint32_t version() const noexcept { return inner_.version(); }
  std::uint8_t isa() const noexcept { return inner_.isa(); }
  std::uint64_t cycles() const noexcept { return inner_.cycles(); }
  void set_cycles(std::uint64_t c) { inner_.set_cycles(c); }
  std::uint64_t max_cycles() const noexcept { return inner_.max_cycles(); }
  void set_max_cycles(std::uint64_t c) { inner_.set_max_cycles(c); }
  bool running() const noexcept { return inner_.running(); }
  void set_running(bool r) { inner_.set_running(r); }
  void reset(std::uint64_t max_cycles) { inner_.reset(max_cycles); }
  bool reset_signal() { return inner_.reset_signal(); }
  Status add_cycles(std::uint64_t n) { return inner_.add_cycles(n); }
  Status add_cycles_no_checking(std::uint64_t n) { return inner_.add_cycles_no_checking(n); }
  Result<std::uint64_t> load_elf(Bytes program, bool update_pc) { return inner_.load_elf(program, update_pc); }
  Result<std::uint64_t> load_binary(Bytes program, const ProgramMetadata& md, bool update_pc) {
    return inner_.load_binary(program, md, update_pc);
  }
  Result<std::uint64_t> initialize_stack(std::span<const Bytes> args, std::uint64_t start, std::uint64_t size) {
    return inner_.initialize_stack(args, start, size);
  }
  std::uint64_t* regs() noexcept { return inner_.regs(); }

  Core& inner() noexcept { return inner_; }
  const Core& inner() const noexcept { return inner_; }
  Pause pause() const { return pause_; }
  void set_pause(Pause p) { pause_ = std::move(p); }
  std::int8_t exit_code() const noexcept { return exit_code_; }
  InstructionCycleFunc instruction_cycle_func() const noexcept { return cost_; }

  // ---- Machine
  Status ecall() {
    const std::uint64_t code = inner_.registers()[registers::A7];
    if (code == 93) {
      exit_code_ = static_cast<std::int8_t>(inner_.registers()[registers::A0]);
      inner_.set_running(false);
      return {};
    }
    for (auto& s : syscalls_) {
      auto handled = s->ecall(inner_);
      if (!handled.ok()) return handled.error();
      if (*handled) {
        if (inner_.cycles() > inner_.max_cycles()) return ErrorCode::CyclesExceeded;
        return {};
      }
    }
    return Error::invalid_ecall(code);
  }

  Status ebreak() {
    if (debugger_) return debugger_->ebreak(inner_);
    return {};  // without a debugger EBREAK does nothing
  }

  // ---- Loading
  // Loads the ELF (pc = entry), runs syscall/debugger initialisers, and sets
  // up a stack of memory_size/4 at the top of memory holding argv. Returns
  // the bytes written (program + stack).
  Result<std::uint64_t> load_program(Bytes program, std::span<const Bytes> args) {
    auto elf = inner_.load_elf(program, true);
    if (!elf.ok()) return elf;
    return finish_load(*elf, args);
  }
  Result<std::uint64_t> load_program(Bytes program, const std::vector<std::string>& args) {
    std::vector<Bytes> views;
    views.reserve(args.size());
    for (const auto& a : args) views.push_back(as_bytes(a));
    return load_program(program, std::span<const Bytes>(views));
  }
  Result<std::uint64_t> load_program_with_metadata(Bytes program, const ProgramMetadata& md,
                                                   std::span<const Bytes> args) {
    auto elf = inner_.load_binary(program, md, true);
    if (!elf.ok()) return elf;
    return finish_load(*elf, args);
  }

  // ---- Running
  // Runs until exit (returns a0 as i8 at ecall 93) or an error.
  //
  // Which ckb-vm engine this follows (docs/versions.md, "Reference engine"):
  // CKB nodes run ckb-vm's assembly engine or its TraceMachine, so run()
  // gives their answer wherever the engines could disagree on success: below
  // VERSION2 a pc whose low 32 bits name a cached trace runs that trace (the
  // 32-bit trace-cache alias, reproduced with ckb-vm's exact trace geometry).
  // Instructions are charged before they execute, as in every ckb-vm engine,
  // and on error paths cycles, pc and error kind are those of the plain
  // per-instruction loop, which step() implements.
  //
  // Mechanics: run() executes pre-decoded basic blocks whose cycles are
  // charged up front when the whole block fits under max_cycles, and runs a
  // block instruction by instruction (charge, execute) otherwise.
  Result<std::int8_t> run() {
    NoBlockObserver none;
    return run_observed(none);
  }

  // run() reporting every executed block to `obs`, for profilers and
  // tracers that need run()'s speed rather than a step() loop:
  //
  //   template <class Observer> Result<std::int8_t> run_observed(Observer& obs);
  //   obs.on_block(const BlockEvent& e)   // called once per executed block
  //
  // Same outcome, cycles, pc, registers and memory as run(). on_block is
  // called after each block ran, in execution order, including a partial
  // block: one that stopped at an error (the failing instruction counts as
  // executed and its cycles as charged, as in the plain loop; e.next_pc is
  // where the error left pc), at the cycle limit (only the instructions
  // that were charged and executed; none: no call) or before a pause. A
  // block whose cycles do not fit under max_cycles, and a VERSION0/1 aliased
  // trace, run one instruction at a time and are still reported as one
  // event. The sum of e.instructions / e.cycles over a run equals the number
  // of step() calls / the cycles a step() loop charges. e.last is the last
  // executed instruction as Decoder::decode returns it (architectural
  // registers and pc-relative immediates), e.last_pc its address and
  // e.next_pc the pc after it; a call or return is visible there (JAL/JALR
  // with rd == ra, FAR_JUMP_*, JALR with rs1 == ra). With NoBlockObserver
  // (what run() passes) the observer code is not compiled at all, so run()
  // is the plain loop.
  template <class Observer>
  Result<std::int8_t> run_observed(Observer& obs) {
    if ((inner_.isa() & ISA_MOP) != 0 && inner_.version() == VERSION0) return ErrorCode::InvalidVersion;
    inner_.set_running(true);
    return run_loop(obs);
  }

  // Adds n cycles: CyclesOverflow when the total wraps, CyclesExceeded when it
  // passes max_cycles (nothing is charged then). The one cycle test of the
  // engine: step(), block entry and stepwise blocks call it, and chaining
  // inside execute_trace applies it in the equivalent form
  // `n <= max_cycles - cycles` to its running budget.
  Status charge(std::uint64_t n) {
    const std::uint64_t c = inner_.cycles();
    const std::uint64_t sum = c + n;
    if (sum < c) [[unlikely]] return ErrorCode::CyclesOverflow;
    if (sum > inner_.max_cycles()) [[unlikely]] return ErrorCode::CyclesExceeded;
    inner_.set_cycles(sum);
    return {};
  }

  // Decodes, charges and executes one instruction: the reference step of
  // ckb-vm's plain DefaultMachine::run loop. The instruction comes from the
  // code cache (building the block at pc when nothing covers pc yet).
  Status step() {
    // A host loop of step() calls (tracers, debuggers) must not decode a
    // program that a syscall (exec) replaced.
    drop_caches_after_reset();
    const std::uint64_t pc = inner_.pc();
    const Instruction* rec = code_.record(pc);
    if (rec == nullptr) [[unlikely]] {
      rec = code_.build(inner_.memory(), pc, decoder_, cost_);
      if (rec == nullptr) [[unlikely]] return decoder_.decode(inner_.memory(), pc).error();
    }
    CKB_VM_TRY(charge(cycles_of(*rec, pc)));
    return run_record(*rec, pc);
  }

  // Executes one decoded instruction (as a Decoder returns it; cycles are not
  // charged) at pc(), which may be any 64-bit value, and moves pc on as
  // ckb-vm does (past the instruction even when it fails). This is how a
  // cached trace runs at an aliased pc; tests use it to model ckb-vm engines.
  Status execute(const Instruction& inst) {
    using detail::simm;
    const std::uint64_t pc = inner_.pc();
    const std::uint64_t next = pc + inst.length;
    std::uint64_t* x = inner_.regs();
    std::uint64_t target = next;
    auto set = [x](std::uint8_t r, std::uint64_t v) {
      if (r != 0) x[r] = v;
    };
    auto branch = [&](bool taken) { target = taken ? pc + simm(inst.imm) : next; };
    const std::uint64_t a = x[inst.rs1], b = x[inst.rs2];
    switch (inst.op) {
      case Opcode::BEQ: branch(a == b); break;
      case Opcode::BNE: branch(a != b); break;
      case Opcode::BLT: branch(static_cast<std::int64_t>(a) < static_cast<std::int64_t>(b)); break;
      case Opcode::BGE: branch(static_cast<std::int64_t>(a) >= static_cast<std::int64_t>(b)); break;
      case Opcode::BLTU: branch(a < b); break;
      case Opcode::BGEU: branch(a >= b); break;
      case Opcode::JAL:
        set(inst.rd, next);
        target = pc + simm(inst.imm);
        break;
      case Opcode::JALR_V0: {
        // VERSION0 writes the link before reading rs1 (ckb-vm issue 92).
        const std::uint64_t base = (inst.rd != 0 && inst.rd == inst.rs1) ? next : a;
        set(inst.rd, next);
        target = (base + simm(inst.imm)) & ~std::uint64_t{1};
        break;
      }
      case Opcode::JALR_V1:
        target = (a + simm(inst.imm)) & ~std::uint64_t{1};
        set(inst.rd, next);
        break;
      case Opcode::AUIPC:
        set(inst.rd, pc + simm(inst.imm));
        break;
      case Opcode::FAR_JUMP_REL:
        x[registers::RA] = next;
        target = (pc + simm(inst.imm)) & ~std::uint64_t{1};
        break;
      case Opcode::FAR_JUMP_ABS:
        x[registers::RA] = next;
        target = simm(inst.imm) & ~std::uint64_t{1};
        break;
      case Opcode::ECALL:
      case Opcode::EBREAK: {
        inner_.update_pc(next);
        Status r = inst.op == Opcode::ECALL ? ecall() : ebreak();
        inner_.commit_pc();
        return r;
      }
      default: {
        // Everything else ignores pc: run it as a one-instruction trace.
        const Status r = run_record(detail::prepare_for_execution(inst), pc);
        inner_.update_pc(next);
        inner_.commit_pc();
        return r;
      }
    }
    inner_.update_pc(target);
    inner_.commit_pc();
    return {};
  }

 private:
  // Everything decoded from memory is stale once the machine was reset.
  void drop_caches_after_reset() {
    if (inner_.reset_signal()) [[unlikely]] {
      code_.clear();
      traces_.clear();
    }
  }

  // Cycles of a cached record at pc (a cost too large for the record is
  // recomputed from the decoded form).
  std::uint64_t cycles_of(const Instruction& rec, std::uint64_t pc) const {
    if (rec.cycles != Decoder::COST_NOT_CACHED) [[likely]] return rec.cycles;
    return cost_(detail::unlink(rec, pc));
  }

  // Runs one prepared, linked record (as the code cache holds it for pc) as
  // a one-instruction trace, through the run loop's instantiation of the
  // interpreter with chaining switched off, and moves pc on.
  Status run_record(const Instruction& rec, std::uint64_t pc) {
    Instruction trace[3] = {rec, Instruction{}, Instruction{}};
    trace[1].op = Opcode::TRACE_END;
    trace[1].length = 0;
    trace[1].imm = static_cast<std::int32_t>(pc + rec.length);
    detail::clear_link_record(&trace[2]);
    NoBlockObserver none;
    static const detail::CodeCache nothing;
    Chainer<NoBlockObserver> once{inner_.cycles(), inner_.max_cycles(), pause_.raw(), this, &none, pc, trace,
                                  nullptr, &nothing, nullptr};
    // `next`: the target, the fall-through, ecall's next_pc, or after a fault.
    std::uint64_t next = pc;
    const Instruction* failed = detail::execute_trace(trace, *this, next, fault_, once);
    inner_.update_pc(next);
    inner_.commit_pc();
    if (failed != nullptr) [[unlikely]] return fault_;
    return {};
  }

  // Code of the block at pc, decoding it on first use; nullptr when pc is
  // outside memory or not even its first instruction decodes (step() then
  // reports the error).
  const Instruction* find_block(std::uint64_t pc) {
    if (const Instruction* b = code_.find(pc)) [[likely]] return b;
    return code_.build(inner_.memory(), pc, decoder_, cost_);
  }

  template <class Obs>
  static constexpr bool kObserved = !std::is_same_v<Obs, NoBlockObserver>;

  // Reports the block whose code starts at `code` (entered at pc), run up to
  // and including `last` (a TRACE_END means through its final instruction).
  template <class Obs>
  static void report_block(Obs& obs, std::uint64_t pc, const Instruction* code, const Instruction* last,
                           std::uint64_t next_pc, std::uint64_t cycles) {
    if (last->op == Opcode::TRACE_END) --last;
    BlockEvent e;
    e.pc = pc;
    e.instructions = static_cast<std::uint32_t>(last - code + 1);
    e.cycles = cycles;
    e.last_pc = detail::pc_after(last) - last->length;
    e.next_pc = next_pc;
    e.last = detail::unlink(*last, e.last_pc);
    obs.on_block(static_cast<const BlockEvent&>(e));
  }

  // Obs: NoBlockObserver for run(). VERSION0/1 record which trace each of
  // ckb-vm's slots holds, because its trace caches match pc on the low 32
  // bits (see detail::TraceSlots): this loop records the blocks it enters,
  // and chained entries record through the blocks' entry stubs (see
  // Chainer::link_target). VERSION2 blocks have no stub, so its chaining
  // pays nothing, and both versions share one instantiation of
  // execute_trace, which keeps the compile time of a translation unit down.
  // (The code cache builds stubs exactly when slots is set: both follow the
  // machine's version, which never changes.)
  template <class Obs>
  Result<std::int8_t> run_loop(Obs& obs) {
    detail::TraceSlots* const slots = inner_.version() < VERSION2 ? &traces_ : nullptr;
    while (inner_.running()) {
      if (pause_.has_interrupted()) [[unlikely]] {
        pause_.free();
        return ErrorCode::Pause;
      }
      drop_caches_after_reset();
      const std::uint64_t entry = inner_.pc();
      const Instruction* code = find_block(entry);
      if (code == nullptr) [[unlikely]] {
        if (slots != nullptr) {
          if (entry > 0xffffffffu) {
            if (auto low = traces_.aliased(entry)) {
              // ckb-vm runs the trace cached for the low address here.
              if (const Instruction* cached = code_.find(*low)) {
                CKB_VM_TRY(run_block_stepwise(cached, *low, obs));
                continue;
              }
            }
          }
          traces_.forget(entry);
        }
        // Undecodable or out of range: the reference step reports it.
        auto s = step();
        if (!s.ok()) [[unlikely]] return s.error();
        continue;
      }
      if (slots != nullptr) slots->record(entry);
      const std::uint64_t cost = detail::block_cycles(code);
      if (cost == detail::CodeCache::STEP_ONLY || !charge(cost).ok()) [[unlikely]] {
        // The limit (or an overflow) falls inside this block: charge and run
        // one instruction at a time, as every ckb-vm engine does, so the
        // error surfaces exactly where the plain loop reports it.
        CKB_VM_TRY(run_block_stepwise(code, entry, obs));
        continue;
      }
      const std::uint64_t after = inner_.cycles();
      std::uint64_t pc = entry;
      // Chain straight into the next block while it is cached, the pause
      // flag is clear and it fits the cycle budget; anything unusual goes
      // back through this loop. (ecall/ebreak always leave the trace, so
      // running and reset_signal, which only host code changes, are checked
      // by the loop above.)
      Chainer<Obs> chain{after, inner_.max_cycles(), pause_.raw(), this, &obs, pc, code, nullptr, &code_, slots};
      const Instruction* failed = detail::execute_trace(code, *this, pc, fault_, chain);
      inner_.update_pc(pc);
      inner_.commit_pc();
      if (failed != nullptr) [[unlikely]] {
        // Refund what the plain loop would not yet have charged.
        std::uint64_t unexecuted = 0;
        for (const Instruction* r = failed + 1; r->op != Opcode::TRACE_END; ++r) unexecuted += r->cycles;
        inner_.set_cycles(inner_.cycles() - unexecuted);
        if constexpr (kObserved<Obs>)
          report_block(obs, chain.cur_pc, chain.cur_code, failed, pc, detail::block_cycles(chain.cur_code) - unexecuted);
        return fault_;
      }
      if constexpr (kObserved<Obs>)
        report_block(obs, chain.cur_pc, chain.cur_code, chain.last, pc, detail::block_cycles(chain.cur_code));
    }
    return exit_code_;
  }

  // The run loop's chaining policy for detail::execute_trace.
  template <class Obs>
  struct Chainer {
    static constexpr bool kLinked = true;
    std::uint64_t cycles;
    std::uint64_t max_cycles;
    const std::atomic<std::uint8_t>* pause;
    DefaultMachine* self;
    Obs* obs;
    // Observed runs only: the block running now and the record it was left by.
    std::uint64_t cur_pc;
    const Instruction* cur_code;
    const Instruction* last;
    // Where chaining finds blocks: the machine's code cache, or an empty one
    // to run a single trace (step(), execute()).
    const detail::CodeCache* cache;
    // VERSION0/1 runs: the trace slots to record entered blocks in.
    detail::TraceSlots* slots;

    const Instruction* lookup(std::uint64_t pc) const { return cache->find(pc); }
    // A looked-up block `code` at pc is about to be entered; returns what a
    // link cell should hold to enter it again. VERSION2: the code itself.
    // VERSION0/1: the trace slot is recorded now, and later linked entries go
    // through the block's entry stub (detail::CodeCache), whose TRACE_SLOT
    // records it again, so VERSION2 chaining pays nothing for the slots.
    const Instruction* link_target(std::uint64_t pc, const Instruction* code) const {
      if (slots == nullptr) [[likely]] return code;
      slots->record(pc);
      return detail::entry_stub(code);
    }
    // TRACE_SLOT: a linked entry into the VERSION0/1 block at pc.
    void record_slot(std::uint64_t pc) const { slots->record_again(pc); }
    void entered(std::uint64_t pc, const Instruction* code, const Instruction* from) {
      if constexpr (kObserved<Obs>) {
        if (code->op == Opcode::TRACE_SLOT) code = detail::stub_code(code);
        report_block(*obs, cur_pc, cur_code, from, pc, detail::block_cycles(cur_code));
        cur_pc = pc;
        cur_code = code;
      } else {
        (void)code, (void)from;
      }
    }
    void left(const Instruction* from) {
      if constexpr (kObserved<Obs>) last = from;
      else (void)from;
    }
    void commit_cycles(std::uint64_t c) const { self->inner_.set_cycles(c); }
  };

  // Runs the instructions of the block `code` (built at block_pc) one at a
  // time from pc() (block_pc, or an address aliasing it): charge, then
  // execute, as ckb-vm's trace engines do. Stops after the block's last
  // instruction or at an error.
  template <class Obs>
  Status run_block_stepwise(const Instruction* code, std::uint64_t block_pc, Obs& obs) {
    std::uint64_t at = block_pc;
    [[maybe_unused]] BlockEvent e;
    if constexpr (kObserved<Obs>) e.pc = inner_.pc();
    Status result;
    const std::uint32_t count = detail::block_count(code);
    for (std::uint32_t i = 0; i < count; ++i) {
      const Instruction inst = detail::unlink(code[i], at);
      const std::uint64_t cost = cycles_of(code[i], at);
      result = charge(cost);
      if (!result.ok()) [[unlikely]] break;
      if constexpr (kObserved<Obs>) {
        e.last_pc = inner_.pc();
        e.last = inst;
        e.cycles += cost;
        ++e.instructions;
      }
      result = execute(inst);
      if constexpr (kObserved<Obs>) e.next_pc = inner_.pc();
      if (!result.ok()) [[unlikely]] break;
      at += inst.length;
    }
    if constexpr (kObserved<Obs>)
      if (e.instructions != 0) obs.on_block(static_cast<const BlockEvent&>(e));
    return result;
  }

  Result<std::uint64_t> finish_load(std::uint64_t elf_bytes, std::span<const Bytes> args) {
    for (auto& s : syscalls_) CKB_VM_TRY(s->initialize(inner_));
    if (debugger_) CKB_VM_TRY(debugger_->initialize(inner_));
    const std::uint64_t memory_size = inner_.memory().memory_size();
    const std::uint64_t stack_size = memory_size / 4;
    auto stack = inner_.initialize_stack(args, memory_size - stack_size, stack_size);
    if (!stack.ok()) return stack;
    const std::uint64_t total = elf_bytes + *stack;
    if (total < elf_bytes) return Error(ErrorCode::Unexpected, "byte count overflowed while loading the program");
    return total;
  }

  Core inner_;
  InstructionCycleFunc cost_;
  std::vector<std::unique_ptr<Syscalls<Core>>> syscalls_;
  std::unique_ptr<Debugger<Core>> debugger_;
  Pause pause_;
  InstructionDecoder decoder_;
  detail::CodeCache code_{inner_.version() < VERSION2};
  detail::TraceSlots traces_;
  Error fault_{};
  std::int8_t exit_code_ = 0;
};

static_assert(Machine<DefaultMachine<>>);
static_assert(SupportMachine<DefaultMachine<>>);

// Builds a DefaultMachine from ISA flags, version, limits and host hooks.
template <Memory Mem = DefaultMemory>
class MachineBuilder {
 public:
  using core_type = DefaultCoreMachine<Mem>;
  using machine_type = DefaultMachine<core_type>;

  MachineBuilder& isa(std::uint8_t v) { isa_ = v; return *this; }
  MachineBuilder& version(std::uint32_t v) { version_ = v; return *this; }
  MachineBuilder& max_cycles(std::uint64_t v) { max_cycles_ = v; return *this; }
  MachineBuilder& memory_size(std::uint64_t v) { memory_size_ = v; return *this; }
  MachineBuilder& instruction_cycle_func(InstructionCycleFunc f) { cost_ = f; return *this; }
  MachineBuilder& syscall(std::unique_ptr<Syscalls<core_type>> s) {
    syscalls_.push_back(std::move(s));
    return *this;
  }
  MachineBuilder& debugger(std::unique_ptr<Debugger<core_type>> d) { debugger_ = std::move(d); return *this; }
  MachineBuilder& pause(Pause p) { pause_ = std::move(p); return *this; }

  // Fails with MemPageUnalignedAccess / MemOutOfBound for a memory size that
  // is not a page multiple or exceeds RISCV_MAX_MEMORY, and InvalidVersion
  // for an unknown version.
  Result<machine_type> build() {
    if (version_ > VERSION2) return Error(ErrorCode::InvalidVersion);
    auto mem = Mem::create(memory_size_);
    if (!mem.ok()) return mem.error();
    return machine_type(core_type(isa_, version_, max_cycles_, std::move(*mem)), cost_ ? cost_ : zero_cycles,
                        std::move(syscalls_), std::move(debugger_), std::move(pause_));
  }

 private:
  std::uint8_t isa_ = ISA_IMC;
  std::uint32_t version_ = VERSION2;
  std::uint64_t max_cycles_ = UINT64_MAX;
  std::uint64_t memory_size_ = RISCV_MAX_MEMORY;
  InstructionCycleFunc cost_ = zero_cycles;
  std::vector<std::unique_ptr<Syscalls<core_type>>> syscalls_;
  std::unique_ptr<Debugger<core_type>> debugger_;
  Pause pause_;
};

}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
