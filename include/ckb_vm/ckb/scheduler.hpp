// The scheduler a CKB node runs every script group through since the 2023
// ("Meepo") hard fork: a root VM plus the VMs it spawns (RFC 0050), pipes
// between them, and at most 4 VMs instantiated at a time, the others kept as
// Snapshot2 (snapshot2.hpp). Its costs are consensus: every spawn, yield,
// suspend, resume and transferred byte is charged, and the order in which VMs
// run, are suspended and resumed decides those charges. The semantics below
// are those of the node's script/src/scheduler.rs (ckb 0.200+, ckb-vm 0.24.14);
// docs/spawn.md explains them, with the places where the node's behaviour is
// kept although it looks accidental.
//
// Usage:
//   auto s = Scheduler<>::create(rtx, group, {.max_cycles = 70'000'000});
//   auto r = s->run();             // Result<RunStatus>: terminated + exit code + cycles
//   // or in chunks: s->run(budget) returns with terminated == false when the
//   // budget is used up; s->state() is the whole run as a value,
//   // encode_scheduler_state() its bytes; Scheduler<>::resume(...) continues.
//
// One iteration (the node's iterate):
//  1. pick the runnable VM with the largest id (none: "deadlock" error),
//     instantiate it (possibly suspending another, see below), set its cycle
//     limit to what is left of the run's limit and run it until it exits,
//     yields (a spawn-family syscall) or fails;
//  2. move the VM's cycle counter into the iteration's cycles and zero it;
//  3. process the message box (at most one message, from that VM), then, if
//     the VM exited: the root ends the run (every other VM is dropped); any
//     other VM wakes the VMs waiting for it (exit code stored, a0 = 0), loses
//     its fds and is removed (its exit code stays for a later wait);
//  4. add the iteration's cycles to the total, fail with CyclesExceeded if
//     they exceed what was left of the limit, zero them, and match pending
//     reads and writes (process_io).
// Suspending or resuming a VM adds 100,000 cycles to the iteration's cycles.
// A suspension during step 4 (process_io) therefore lands in the *next*
// iteration's cycles: Meepo-hardfork bug kept on purpose, see
// "iteration_cycles" below and docs/versions.md.
//
// Instantiation (the node's ensure_vms_instantiated(ids), at most 4 ids):
// resume the missing ones, last id first, while fewer than 4 are
// instantiated; for the rest, suspend instantiated VMs not in `ids` in
// ascending id order, pairing the i-th missing id with the i-th suspended
// one. A newly booted VM first suspends the lowest-id instantiated VMs until
// fewer than 4 remain.
//
// Chunked runs. run(budget) stops at an instruction boundary of the running
// VM (or between iterations) once about `budget` cycles were spent in this
// call, or when the Pause fires; the scheduler then holds the run exactly as
// an uninterrupted run would have it at that point (the running VM keeps its
// own cycle counter), so a run cut anywhere, any number of times, in process
// or through encode/decode_scheduler_state, charges exactly the cycles of the
// uninterrupted run and behaves identically (current_cycles included). The
// node's own chunked verification (tx-pool only; blocks are verified in one
// run) differs: it moves the cut VM's cycles into the total at the cut and
// drops pending suspend/resume charges on resume, so its chunked totals can
// differ from one-shot ones; that is not reproduced (docs/spawn.md).
// Suspending the whole scheduler (state()) and resuming it are not charged,
// as in the node.
#pragma once

#include "../detail/config.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "../constants.hpp"
#include "../cost_model.hpp"
#include "../elf.hpp"
#include "../error.hpp"
#include "../machine.hpp"
#include "../snapshot2.hpp"
#include "../snapshot_codec.hpp"
#include "expected.hpp"
#include "script_group.hpp"
#include "spawn.hpp"
#include "syscalls.hpp"
#include "verifier.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {
namespace ckb {

struct SchedulerOptions {
  // The run's cycle limit (the node passes the transaction's remaining limit).
  std::uint64_t max_cycles = DEFAULT_MAX_CYCLES;
  // Force a VM version (0, 1, 2) instead of the one the hash type selects.
  std::optional<std::uint32_t> script_version;
  // Run this ELF as the root program (ckb-debugger's --bin).
  std::shared_ptr<const Bytes> program;
  // argv of the root VM (the node passes none; ckb-debugger may).
  std::vector<Bytes> root_args;
  DebugPrinter debug_printer;
};

// How a run() call ended (errors are returned as Error).
struct RunStatus {
  bool terminated = false;    // false: suspended (budget used up or paused)
  std::int8_t exit_code = 0;  // the root VM's, when terminated
  std::uint64_t cycles = 0;   // cycles charged so far (the node's consumed_cycles)
};

struct SuspendedVm {
  VmId id = 0;
  VmState state;
  Snapshot2<DataPieceId> snapshot;
  friend bool operator==(const SuspendedVm&, const SuspendedVm&) = default;
};

// The whole scheduler as a value (the node's FullSuspendedState, plus the
// run's remaining limit, which the node keeps in its run loop).
struct SchedulerState {
  std::uint64_t total_cycles = 0;
  std::uint64_t iteration_cycles = 0;
  std::uint64_t remaining_cycles = 0;
  VmId next_vm_id = ROOT_VM_ID;
  std::uint64_t next_fd_slot = FIRST_FD_SLOT;
  std::vector<SuspendedVm> vms;  // ascending id; the root's program is booted when empty
  std::vector<std::pair<Fd, VmId>> fds;
  std::vector<std::pair<VmId, std::vector<Fd>>> inherited_fds;
  std::vector<std::pair<VmId, std::int8_t>> terminated_vms;
  std::vector<VmId> instantiated_ids;
  friend bool operator==(const SchedulerState&, const SchedulerState&) = default;
};

// Counters for tests and tools (not consensus).
struct SchedulerStats {
  std::uint64_t iterations = 0;
  std::uint64_t suspends = 0;
  std::uint64_t resumes = 0;
  std::uint64_t spawned = 0;
  std::size_t max_instantiated = 0;
};

template <Memory Mem = DefaultMemory>
class Scheduler {
 public:
  using core_type = DefaultCoreMachine<Mem>;
  using machine_type = DefaultMachine<core_type>;

  // A scheduler for one script group; the root VM is booted by the first run().
  static Expected<Scheduler> create(std::shared_ptr<const ResolvedTransaction> rtx, ScriptGroup group,
                                    const SchedulerOptions& options = {}) {
    Scheduler s;
    CKB_HOST_TRY(s.setup(std::move(rtx), std::move(group), options));
    s.remaining_ = options.max_cycles;
    return s;
  }

  // Continues a run from state(): same transaction, group and options (the
  // options' max_cycles is ignored: the state carries the remaining limit).
  // Not charged. The VMs that were instantiated are instantiated again.
  // A state is trusted like a snapshot: a forged one can forge any outcome,
  // but malformed ones are rejected or fail cleanly, never crash.
  static Expected<Scheduler> resume(std::shared_ptr<const ResolvedTransaction> rtx, ScriptGroup group,
                                    const SchedulerOptions& options, const SchedulerState& state) {
    Scheduler s;
    CKB_HOST_TRY(s.setup(std::move(rtx), std::move(group), options));
    s.total() = state.total_cycles;
    s.iteration_cycles_ = state.iteration_cycles;
    s.remaining_ = state.remaining_cycles;
    s.next_vm_id_ = state.next_vm_id;
    s.next_fd_slot_ = state.next_fd_slot;
    for (const SuspendedVm& vm : state.vms) {
      if (!s.states_.emplace(vm.id, vm.state).second) return host_error("scheduler state: duplicate VM id");
      s.suspended_.emplace(vm.id, vm.snapshot);
    }
    // A run without its root could never end: booting happens only before
    // the first iteration (no VMs at all, next id 0).
    if (state.vms.empty() ? state.next_vm_id != ROOT_VM_ID : !s.states_.contains(ROOT_VM_ID))
      return host_error("scheduler state: no root VM");
    for (const auto& [fd, owner] : state.fds) s.fds_[fd] = owner;
    for (const auto& [id, fds] : state.inherited_fds) s.inherited_[id] = fds;
    for (const auto& [id, code] : state.terminated_vms) s.terminated_vms_[id] = code;
    if (state.instantiated_ids.size() > MAX_INSTANTIATED_VMS)
      return host_error("scheduler state: more than 4 instantiated VMs");
    for (VmId id : state.instantiated_ids) {
      if (!s.suspended_.contains(id)) return host_error("scheduler state: instantiated VM " + std::to_string(id) + " is unknown");
      if (s.instantiated_.contains(id)) return host_error("scheduler state: VM listed twice as instantiated");
      auto vm = s.create_vm(id);
      if (!vm.ok()) return host_error("scheduler state: " + vm.error().to_string());
      auto resumed = vm->context->resume(*vm->machine, s.suspended_.at(id));
      if (!resumed.ok()) return host_error("scheduler state: cannot resume VM " + std::to_string(id) + ": " + resumed.error().to_string());
      s.instantiated_.emplace(id, std::move(*vm));
      s.suspended_.erase(id);
    }
    return s;
  }

  // Runs one VM for one iteration instead of machine.run(): for tools that
  // trace or profile one process (e.g. a step() loop for a chosen id). It
  // must honour the machine's max_cycles as run() does (step() does) and
  // return the exit code, or the error that stopped the VM (Yield included).
  // Not part of the state; set it again after resume.
  using Runner = std::function<Result<std::int8_t>(VmId, machine_type&)>;
  void set_runner(Runner runner) { runner_ = std::move(runner); }

  Scheduler(Scheduler&&) noexcept = default;
  Scheduler& operator=(Scheduler&&) noexcept = default;

  // Runs until the root VM exits (terminated), or until about `budget` more
  // cycles are spent or `pause` fires (not terminated; call run again).
  // Errors end the run for good (the script fails): VM errors, deadlock,
  // CyclesExceeded against max_cycles, ...
  Result<RunStatus> run(std::uint64_t budget = UINT64_MAX, const Pause& pause = Pause{}) {
    CKB_VM_TRY(boot_root_if_needed());
    const std::uint64_t start = consumed();
    while (!terminated()) {
      const std::uint64_t now = consumed();
      const std::uint64_t used = now >= start ? now - start : 0;
      if (used >= budget) return RunStatus{false, 0, total()};
      auto r = iterate(budget - used, pause);
      if (!r.ok()) return r.error();
      if (!*r) return RunStatus{false, 0, total()};
    }
    return RunStatus{true, root_exit_code(), total()};
  }

  // One iteration (one VM runs until it yields, exits or fails; messages and
  // I/O processed). Returns false only when it stopped at a budget cut.
  Result<bool> iterate(std::uint64_t budget = UINT64_MAX, const Pause& pause = Pause{}) {
    CKB_VM_TRY(boot_root_if_needed());
    if (terminated()) return true;
    auto inner = iterate_inner(budget, pause);
    if (inner.ok() && *inner == Inner::Cut) return false;
    // Outer part: runs whatever the inner part returned.
    const std::uint64_t t = total();
    if (t + iteration_cycles_ < t) return Error(ErrorCode::CyclesExceeded);
    total() = t + iteration_cycles_;
    if (iteration_cycles_ > remaining_) return Error(ErrorCode::CyclesExceeded);
    remaining_ -= iteration_cycles_;
    iteration_cycles_ = 0;
    CKB_VM_TRY(process_io());
    if (!inner.ok()) return inner.error();
    return true;
  }

  bool terminated() const noexcept {
    auto it = states_.find(ROOT_VM_ID);
    return it != states_.end() && std::holds_alternative<Terminated>(it->second);
  }

  // The whole run as a value; not charged, leaves the scheduler as it is.
  // Valid between run()/iterate() calls.
  Result<SchedulerState> state() const {
    SchedulerState s;
    s.total_cycles = total();
    s.iteration_cycles = iteration_cycles_;
    s.remaining_cycles = remaining_;
    s.next_vm_id = next_vm_id_;
    s.next_fd_slot = next_fd_slot_;
    for (const auto& [id, st] : states_) {
      SuspendedVm vm{id, st, {}};
      if (auto it = instantiated_.find(id); it != instantiated_.end()) {
        auto snap = it->second.context->make_snapshot(*it->second.machine);
        if (!snap.ok()) return snap.error();
        vm.snapshot = std::move(*snap);
      } else if (auto jt = suspended_.find(id); jt != suspended_.end()) {
        vm.snapshot = jt->second;
      } else {
        return Error(ErrorCode::Unexpected, "VM state without a machine");
      }
      s.vms.push_back(std::move(vm));
    }
    s.fds.assign(fds_.begin(), fds_.end());
    s.inherited_fds.assign(inherited_.begin(), inherited_.end());
    s.terminated_vms.assign(terminated_vms_.begin(), terminated_vms_.end());
    for (const auto& [id, vm] : instantiated_) s.instantiated_ids.push_back(id);
    return s;
  }

  // ---- inspection
  std::uint64_t consumed_cycles() const noexcept { return total(); }
  std::uint64_t remaining_cycles() const noexcept { return remaining_; }
  std::uint64_t iteration_cycles() const noexcept { return iteration_cycles_; }
  std::size_t vm_count() const noexcept { return states_.size(); }
  std::size_t instantiated_count() const noexcept { return instantiated_.size(); }
  std::size_t suspended_count() const noexcept { return suspended_.size(); }
  std::size_t fd_count() const noexcept { return fds_.size(); }
  std::size_t terminated_count() const noexcept { return terminated_vms_.size(); }
  const SchedulerStats& stats() const noexcept { return stats_; }
  const std::map<VmId, VmState>& states() const noexcept { return states_; }
  const std::map<VmId, Snapshot2<DataPieceId>>& suspended() const noexcept { return suspended_; }
  // The instantiated machine of VM `id`, or nullptr.
  machine_type* machine(VmId id) noexcept {
    auto it = instantiated_.find(id);
    return it == instantiated_.end() ? nullptr : it->second.machine.get();
  }
  // The bytes of the ELF that VM `id` was booted or last exec'd with, for
  // tools (a profiler's symbols for a spawned VM); nullopt for an id this
  // object did not boot (the locations are not part of SchedulerState).
  std::optional<std::span<const std::uint8_t>> program(VmId id) const {
    auto it = programs_.find(id);
    if (it == programs_.end()) return std::nullopt;
    auto data = TxDataSource(env_).load_data(it->second.id, it->second.offset, it->second.length);
    if (!data) return std::nullopt;
    return data->first;
  }
  // Cycles of the root program's load (ELF + stack bytes / 4).
  std::uint64_t root_transfer_cycles() const noexcept { return root_transfer_cycles_; }
  const ScriptEnv& env() const noexcept { return *env_; }
  // The report of run()'s result `r`, as verify_script_group_scheduled gives it.
  ScriptOutcome outcome(const Result<RunStatus>& r) const {
    ScriptOutcome out;
    out.vm_version = env_->vm_version;
    out.total_cycles = consumed_cycles();
    out.transfer_cycles = root_transfer_cycles_;
    out.running_cycles = out.total_cycles - std::min(out.transfer_cycles, out.total_cycles);
    if (r.ok()) out.exit_code = r->exit_code;
    else out.vm_error = r.error();
    return out;
  }

 private:
  struct Vm {
    std::unique_ptr<machine_type> machine;
    std::shared_ptr<ScriptSnapshotContext> context;
  };
  enum class Inner { Done, Cut };

  Scheduler() = default;

  std::uint64_t& total() noexcept { return link_->total_cycles; }
  std::uint64_t total() const noexcept { return link_->total_cycles; }
  std::uint64_t consumed() const noexcept {
    const std::uint64_t c = total() + iteration_cycles_;
    return c < total() ? UINT64_MAX : c;
  }

  HostStatus setup(std::shared_ptr<const ResolvedTransaction> rtx, ScriptGroup group, const SchedulerOptions& options) {
    auto selected = select_vm(group.script.hash_type);
    if (!selected) return host_error("script hash_type " + std::to_string(group.script.hash_type) + " is invalid");
    if (options.script_version) {
      if (*options.script_version > VERSION2)
        return host_error("script version " + std::to_string(*options.script_version) + " does not exist");
      selected = vm_for_version(*options.script_version);
    }
    selection_ = *selected;
    auto env = std::make_shared<ScriptEnv>();
    env->rtx = std::move(rtx);
    env->group = std::move(group);
    env->vm_version = selected->version;
    env->host_program = options.program;
    if (options.program) {
      program_id_ = DataPieceId{DataPieceKind::HostProgram, 0};
    } else {
      auto dep = find_script_binary(*env->rtx, env->group.script);
      if (!dep.ok()) return dep.error();
      program_id_ = DataPieceId{DataPieceKind::CellDep, static_cast<std::uint32_t>(*dep)};
    }
    env_ = std::move(env);
    link_ = std::make_shared<SchedulerLink>();
    printer_ = options.debug_printer;
    root_args_ = options.root_args;
    return host_ok();
  }

  // A fresh VM with the CKB syscalls (the node's create_dummy_vm).
  Result<Vm> create_vm(VmId id) {
    Vm vm;
    vm.context = std::make_shared<ScriptSnapshotContext>(TxDataSource(env_));
    auto built =
        MachineBuilder<Mem>{}
            .isa(selection_.isa)
            .version(selection_.version)
            .max_cycles(UINT64_MAX)
            .instruction_cycle_func(estimate_cycles)
            .syscall(std::make_unique<SpawnSyscalls<core_type>>(id, selection_.version, link_, vm.context))
            .syscall(std::make_unique<CkbSyscalls<core_type>>(env_, vm.context, printer_))
            .build();
    if (!built.ok()) return built.error();
    vm.machine = std::make_unique<machine_type>(std::move(*built));
    return vm;
  }

  Status boot_root_if_needed() {
    if (!states_.empty()) return {};
    std::vector<Bytes> args = root_args_;
    auto id = boot_vm(DataLocation{program_id_, 0, UINT64_MAX}, std::nullopt, 0, 0, &args);
    if (!id.ok()) return id.error();
    return {};
  }

  // Reads argc C strings through the argv pointer array of VM `from`.
  // Bounded: more than fits in memory cannot be put on a stack anyway.
  static Result<std::vector<Bytes>> read_args(machine_type& from, std::uint64_t argc, std::uint64_t argv) {
    std::vector<Bytes> args;
    std::uint64_t total_bytes = 0;
    auto& mem = from.memory();
    for (std::uint64_t i = 0; i < argc; ++i) {
      auto ptr = mem.load64(argv + 8 * i);
      if (!ptr.ok()) return ptr.error();
      Bytes s;
      for (std::uint64_t a = *ptr;; ++a) {
        auto b = mem.load8(a);
        if (!b.ok()) return b.error();
        if (*b == 0) break;
        s.push_back(static_cast<std::uint8_t>(*b));
      }
      total_bytes += s.size() + 9;
      if (total_bytes > mem.memory_size()) return Error(ErrorCode::MemOutOfStack);
      args.push_back(std::move(s));
    }
    return args;
  }

  // Loads `program` into `vm` (the node's load_vm_program): parse, load,
  // argv from `args` or from VM `parent`'s memory, stack, mark the program
  // pages, charge ceil(bytes / 4).
  Result<std::uint64_t> load_program(Vm& vm, const DataLocation& location, std::span<const std::uint8_t> program,
                                     std::optional<VmId> parent, std::uint64_t argc, std::uint64_t argv,
                                     const std::vector<Bytes>* args) {
    auto metadata = parse_elf(program, vm.machine->version());
    if (!metadata.ok()) return metadata.error();
    machine_type* from = nullptr;
    if (parent) {
      auto p = ensure_get_instantiated(*parent);
      if (!p.ok()) return p.error();
      from = *p;
    }
    auto elf_bytes = vm.machine->load_binary(program, *metadata, true);
    if (!elf_bytes.ok()) return elf_bytes.error();
    std::vector<Bytes> read;
    if (from != nullptr) {
      auto r = read_args(*from, argc, argv);
      if (!r.ok()) return r.error();
      read = std::move(*r);
      args = &read;
    }
    std::vector<ckb_vm::Bytes> views;
    if (args != nullptr) {
      views.reserve(args->size());
      for (const Bytes& a : *args) views.emplace_back(a);
    }
    const std::uint64_t size = vm.machine->memory().memory_size();
    auto stack = vm.machine->initialize_stack(views, size - size / 4, size / 4);
    if (!stack.ok()) return stack.error();
    CKB_VM_TRY(vm.context->mark_program(*vm.machine, *metadata, location.id, location.offset));
    const std::uint64_t bytes = *elf_bytes + *stack;
    CKB_VM_TRY(vm.machine->add_cycles_no_checking(transferred_byte_cycles(bytes)));
    return bytes;
  }

  // The node's boot_vm: a new id, a new VM with the program loaded, the
  // lowest-id instantiated VMs suspended until there is room, Runnable.
  Result<VmId> boot_vm(const DataLocation& location, std::optional<VmId> parent, std::uint64_t argc,
                       std::uint64_t argv, const std::vector<Bytes>* args) {
    const VmId id = next_vm_id_++;
    auto vm = create_vm(id);
    if (!vm.ok()) return vm.error();
    auto program = vm->context->load_data(location.id, location.offset, location.length);
    if (!program.ok()) return program.error();
    auto bytes = load_program(*vm, location, program->first, parent, argc, argv, args);
    if (!bytes.ok()) return bytes.error();
    if (id == ROOT_VM_ID) root_transfer_cycles_ = transferred_byte_cycles(*bytes);
    programs_.insert_or_assign(id, location);
    while (instantiated_.size() >= MAX_INSTANTIATED_VMS) CKB_VM_TRY(suspend_vm(instantiated_.begin()->first));
    instantiated_.emplace(id, std::move(*vm));
    states_[id] = Runnable{};
    ++stats_.spawned;
    note_instantiated();
    return id;
  }

  void note_instantiated() noexcept { stats_.max_instantiated = std::max(stats_.max_instantiated, instantiated_.size()); }

  Status charge_swap() {
    const std::uint64_t c = iteration_cycles_ + SPAWN_EXTRA_CYCLES_BASE;
    if (c < iteration_cycles_) return Error(ErrorCode::CyclesExceeded);
    iteration_cycles_ = c;
    return {};
  }

  Status resume_vm(VmId id) {
    auto it = suspended_.find(id);
    if (it == suspended_.end()) return Error(ErrorCode::Unexpected, "VM is not suspended");
    CKB_VM_TRY(charge_swap());
    auto vm = create_vm(id);
    if (!vm.ok()) return vm.error();
    CKB_VM_TRY(vm->context->resume(*vm->machine, it->second));
    instantiated_.emplace(id, std::move(*vm));
    suspended_.erase(it);
    ++stats_.resumes;
    note_instantiated();
    return {};
  }

  Status suspend_vm(VmId id) {
    auto it = instantiated_.find(id);
    if (it == instantiated_.end()) return Error(ErrorCode::Unexpected, "VM is not instantiated");
    CKB_VM_TRY(charge_swap());
    auto snap = it->second.context->make_snapshot(*it->second.machine);
    if (!snap.ok()) return snap.error();
    suspended_.insert_or_assign(id, std::move(*snap));
    instantiated_.erase(it);
    ++stats_.suspends;
    return {};
  }

  // The node's ensure_vms_instantiated.
  Status ensure_instantiated(std::span<const VmId> ids) {
    if (ids.size() > MAX_INSTANTIATED_VMS) return Error(ErrorCode::Unexpected, "too many VMs requested");
    std::vector<VmId> missing;
    for (VmId id : ids)
      if (!instantiated_.contains(id)) missing.push_back(id);
    while (!missing.empty() && instantiated_.size() < MAX_INSTANTIATED_VMS) {
      const VmId id = missing.back();
      missing.pop_back();
      CKB_VM_TRY(resume_vm(id));
    }
    if (!missing.empty()) {
      std::vector<VmId> victims;
      for (const auto& [id, vm] : instantiated_)
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) victims.push_back(id);
      if (victims.size() < missing.size()) return Error(ErrorCode::Unexpected, "no VM can be suspended");
      for (std::size_t i = 0; i < missing.size(); ++i) {
        CKB_VM_TRY(suspend_vm(victims[i]));
        CKB_VM_TRY(resume_vm(missing[i]));
      }
    }
    return {};
  }

  Result<machine_type*> ensure_get_instantiated(VmId id) {
    const VmId ids[1] = {id};
    CKB_VM_TRY(ensure_instantiated(ids));
    auto it = instantiated_.find(id);
    if (it == instantiated_.end()) return Error(ErrorCode::Unexpected, "unable to find VM id");
    return it->second.machine.get();
  }

  Status set_a0(VmId id, std::uint8_t code) {
    auto m = ensure_get_instantiated(id);
    if (!m.ok()) return m.error();
    (*m)->set_register(registers::A0, code);
    return {};
  }

  Result<Inner> iterate_inner(std::uint64_t budget, const Pause& pause) {
    std::optional<VmId> next;
    for (auto it = states_.rbegin(); it != states_.rend(); ++it)
      if (std::holds_alternative<Runnable>(it->second)) {
        next = it->first;
        break;
      }
    if (!next) return Error(ErrorCode::Unexpected, "A deadlock situation has been reached!");
    const VmId id = *next;
    auto got = ensure_get_instantiated(id);
    if (!got.ok()) return got.error();
    machine_type& vm = **got;
    // A cut needs one instruction of progress at least (the dearest costs 500).
    const std::uint64_t room = std::max<std::uint64_t>(budget, 500);
    const std::uint64_t cap = vm.cycles() + room < vm.cycles() ? UINT64_MAX : vm.cycles() + room;
    const bool capped = cap < remaining_;
    vm.set_max_cycles(capped ? cap : remaining_);
    vm.set_pause(pause);
    Result<std::int8_t> result = runner_ ? runner_(id, vm) : vm.run();
    vm.set_pause(Pause{});
    ++stats_.iterations;
    if (!result.ok()) {
      const ErrorCode c = result.error().code;
      if (c == ErrorCode::Pause || (capped && c == ErrorCode::CyclesExceeded && vm.cycles() <= remaining_)) {
        vm.set_max_cycles(remaining_);
        return Inner::Cut;
      }
    }
    const std::uint64_t cycles = vm.cycles();
    vm.set_cycles(0);
    if (iteration_cycles_ + cycles < iteration_cycles_) return Error(ErrorCode::CyclesExceeded);
    iteration_cycles_ += cycles;
    CKB_VM_TRY(process_results(id, result));
    return Inner::Done;
  }

  Status process_results(VmId id, const Result<std::int8_t>& result) {
    CKB_VM_TRY(process_message_box());
    if (result.ok()) {
      const std::int8_t code = *result;
      terminated_vms_[id] = code;
      if (id == ROOT_VM_ID) {
        const VmId ids[1] = {id};
        CKB_VM_TRY(ensure_instantiated(ids));
        for (auto it = instantiated_.begin(); it != instantiated_.end();)
          it = it->first == id ? std::next(it) : instantiated_.erase(it);
        suspended_.clear();
        states_.clear();
        states_[id] = Terminated{};
      } else {
        std::vector<std::pair<VmId, std::uint64_t>> joining;
        for (const auto& [vm, st] : states_)
          if (auto w = std::get_if<WaitingForExit>(&st); w && w->target == id) joining.emplace_back(vm, w->exit_code_addr);
        for (const auto& [vm, addr] : joining) {
          auto m = ensure_get_instantiated(vm);
          if (!m.ok()) return m.error();
          CKB_VM_TRY((*m)->memory().store8(addr, static_cast<std::uint8_t>(code)));
          (*m)->set_register(registers::A0, SUCCESS);
          states_[vm] = Runnable{};
        }
        std::erase_if(fds_, [id](const auto& e) { return e.second == id; });
        states_.erase(id);
        instantiated_.erase(id);
        suspended_.erase(id);
      }
      return {};
    }
    if (result.error().code == ErrorCode::Yield) return {};
    return result.error();
  }

  Status process_message_box() {
    std::vector<Message> messages = std::move(link_->message_box);
    link_->message_box.clear();
    for (Message& msg : messages) CKB_VM_TRY(std::visit([&](auto& body) { return handle(msg.vm, body); }, msg.body));
    return {};
  }

  // ---- message handlers (the node's process_message_box arms)
  Status handle(VmId vm, ExecMessage& m) {
    auto it = instantiated_.find(vm);
    if (it == instantiated_.end()) return Error(ErrorCode::Unexpected, "unable to find VM id");
    machine_type& old = *it->second.machine;
    CKB_VM_TRY(old.add_cycles_no_checking(EXEC_LOAD_ELF_V2_CYCLES_BASE));
    const std::uint64_t old_cycles = old.cycles();
    const std::uint64_t max_cycles = old.max_cycles();
    auto program = it->second.context->load_data(m.location.id, m.location.offset, m.location.length);
    if (!program.ok()) return program.error();
    auto fresh = create_vm(vm);
    if (!fresh.ok()) return fresh.error();
    fresh->machine->set_max_cycles(max_cycles);
    CKB_VM_TRY(fresh->machine->add_cycles_no_checking(old_cycles));
    auto loaded = load_program(*fresh, m.location, program->first, vm, m.argc, m.argv, nullptr);
    if (!loaded.ok()) return loaded.error();
    instantiated_.insert_or_assign(vm, std::move(*fresh));
    programs_.insert_or_assign(vm, m.location);
    return {};
  }

  Status handle(VmId vm, SpawnMessage& m) {
    for (Fd fd : m.fds) {
      auto it = fds_.find(fd);
      if (it == fds_.end() || it->second != vm) return set_a0(vm, INVALID_FD);
    }
    if (suspended_.size() + instantiated_.size() > MAX_VMS_COUNT) return set_a0(vm, MAX_VMS_SPAWNED);
    auto child = boot_vm(m.location, vm, m.argc, m.argv, nullptr);
    if (!child.ok()) return child.error();
    for (Fd fd : m.fds) fds_[fd] = *child;
    inherited_[*child] = m.fds;
    auto parent = ensure_get_instantiated(vm);
    if (!parent.ok()) return parent.error();
    CKB_VM_TRY((*parent)->memory().store64(m.process_id_addr, *child));
    (*parent)->set_register(registers::A0, SUCCESS);
    return {};
  }

  Status handle(VmId vm, WaitMessage& m) {
    if (auto it = terminated_vms_.find(m.target); it != terminated_vms_.end()) {
      const std::int8_t code = it->second;
      auto w = ensure_get_instantiated(vm);
      if (!w.ok()) return w.error();
      CKB_VM_TRY((*w)->memory().store8(m.exit_code_addr, static_cast<std::uint8_t>(code)));
      (*w)->set_register(registers::A0, SUCCESS);
      states_[vm] = Runnable{};
      terminated_vms_.erase(m.target);
      return {};
    }
    if (!states_.contains(m.target)) return set_a0(vm, WAIT_FAILURE);
    states_[vm] = WaitingForExit{m.target, m.exit_code_addr};
    return {};
  }

  Status handle(VmId vm, PipeMessage& m) {
    if (fds_.size() >= MAX_FDS) return set_a0(vm, MAX_FDS_CREATED);
    const Fd reader = next_fd_slot_, writer = next_fd_slot_ + 1;
    next_fd_slot_ += 2;
    fds_[reader] = vm;
    fds_[writer] = vm;
    auto p = ensure_get_instantiated(vm);
    if (!p.ok()) return p.error();
    CKB_VM_TRY((*p)->memory().store64(m.fd1_addr, reader));
    CKB_VM_TRY((*p)->memory().store64(m.fd2_addr, writer));
    (*p)->set_register(registers::A0, SUCCESS);
    return {};
  }

  // 0 when the fd can be used by `vm`, else the error code.
  std::uint8_t check_fd(VmId vm, Fd fd) const {
    auto it = fds_.find(fd);
    if (it == fds_.end() || it->second != vm) return INVALID_FD;
    if (!fds_.contains(other_fd(fd))) return OTHER_END_CLOSED;
    return SUCCESS;
  }

  Status handle(VmId vm, ReadMessage& m) {
    if (const std::uint8_t code = check_fd(vm, m.fd); code != SUCCESS) return set_a0(vm, code);
    states_[vm] = WaitingForRead{m.fd, m.length, m.buffer_addr, m.length_addr};
    return {};
  }

  Status handle(VmId vm, WriteMessage& m) {
    if (const std::uint8_t code = check_fd(vm, m.fd); code != SUCCESS) return set_a0(vm, code);
    states_[vm] = WaitingForWrite{m.fd, 0, m.length, m.buffer_addr, m.length_addr};
    return {};
  }

  Status handle(VmId vm, InheritedFdMessage& m) {
    std::vector<Fd> inherited;
    if (vm != ROOT_VM_ID) {
      auto it = inherited_.find(vm);
      if (it == inherited_.end()) return Error(ErrorCode::Unexpected, "VM has no inherited fd list");
      inherited = it->second;
    }
    auto p = ensure_get_instantiated(vm);
    if (!p.ok()) return p.error();
    auto& mem = (*p)->memory();
    auto capacity = mem.load64(m.length_addr);
    if (!capacity.ok()) return capacity.error();
    const std::uint64_t n = std::min<std::uint64_t>(*capacity, inherited.size());
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint64_t addr = m.buffer_addr + i * 8;
      if (addr < m.buffer_addr) return Error::at_address(ErrorCode::MemOutOfBound, m.buffer_addr);
      CKB_VM_TRY(mem.store64(addr, inherited[i]));
    }
    CKB_VM_TRY(mem.store64(m.length_addr, inherited.size()));
    (*p)->set_register(registers::A0, SUCCESS);
    return {};
  }

  Status handle(VmId vm, CloseMessage& m) {
    auto it = fds_.find(m.fd);
    if (it == fds_.end() || it->second != vm) return set_a0(vm, INVALID_FD);
    fds_.erase(it);
    return set_a0(vm, SUCCESS);
  }

  // The node's process_io: finish reads/writes whose other end is closed,
  // then move data between matching pending reads and writes.
  Status process_io() {
    std::map<Fd, std::pair<VmId, WaitingForRead>> reads;
    std::vector<VmId> closed;
    for (const auto& [vm, st] : states_)
      if (auto r = std::get_if<WaitingForRead>(&st)) {
        if (fds_.contains(other_fd(r->fd))) reads[r->fd] = {vm, *r};
        else closed.push_back(vm);
      }
    struct Pair {
      VmId reader;
      WaitingForRead read;
      VmId writer;
      WaitingForWrite write;
    };
    std::vector<Pair> pairs;
    for (const auto& [vm, st] : states_)
      if (auto w = std::get_if<WaitingForWrite>(&st)) {
        if (fds_.contains(other_fd(w->fd))) {
          if (auto it = reads.find(other_fd(w->fd)); it != reads.end())
            pairs.push_back(Pair{it->second.first, it->second.second, vm, *w});
        } else {
          closed.push_back(vm);
        }
      }
    for (VmId vm : closed) {
      const VmState st = states_.at(vm);
      if (auto r = std::get_if<WaitingForRead>(&st)) {
        auto m = ensure_get_instantiated(vm);
        if (!m.ok()) return m.error();
        CKB_VM_TRY((*m)->memory().store64(r->length_addr, 0));
        (*m)->set_register(registers::A0, SUCCESS);
        states_[vm] = Runnable{};
      } else if (auto w = std::get_if<WaitingForWrite>(&st)) {
        auto m = ensure_get_instantiated(vm);
        if (!m.ok()) return m.error();
        CKB_VM_TRY((*m)->memory().store64(w->length_addr, w->consumed));
        (*m)->set_register(registers::A0, SUCCESS);
        states_[vm] = Runnable{};
      }
    }
    for (Pair& p : pairs) {
      const VmId both[2] = {p.reader, p.writer};
      CKB_VM_TRY(ensure_instantiated(both));
      machine_type& writer = *instantiated_.at(p.writer).machine;
      machine_type& reader = *instantiated_.at(p.reader).machine;
      const std::uint64_t copiable = std::min(p.read.length, p.write.length - p.write.consumed);
      CKB_VM_TRY(writer.add_cycles_no_checking(transferred_byte_cycles(copiable)));
      auto data = writer.memory().load_bytes(p.write.buffer_addr + p.write.consumed, copiable);
      if (!data.ok()) return data.error();
      CKB_VM_TRY(reader.add_cycles_no_checking(transferred_byte_cycles(copiable)));
      CKB_VM_TRY(reader.memory().store_bytes(p.read.buffer_addr, *data));
      CKB_VM_TRY(reader.memory().store64(p.read.length_addr, copiable));
      reader.set_register(registers::A0, SUCCESS);
      states_[p.reader] = Runnable{};
      p.write.consumed += copiable;
      if (p.write.consumed == p.write.length) {
        CKB_VM_TRY(writer.memory().store64(p.write.length_addr, p.write.length));
        writer.set_register(registers::A0, SUCCESS);
        states_[p.writer] = Runnable{};
      } else {
        states_[p.writer] = p.write;
      }
    }
    return {};
  }

  std::int8_t root_exit_code() {
    auto it = instantiated_.find(ROOT_VM_ID);
    return it == instantiated_.end() ? 0 : it->second.machine->exit_code();
  }

  std::shared_ptr<const ScriptEnv> env_;
  std::shared_ptr<SchedulerLink> link_;
  DebugPrinter printer_;
  std::vector<Bytes> root_args_;
  VmSelection selection_{};
  DataPieceId program_id_{};
  std::uint64_t root_transfer_cycles_ = 0;

  std::uint64_t iteration_cycles_ = 0;  // see the header comment (Meepo bug)
  std::uint64_t remaining_ = 0;
  VmId next_vm_id_ = ROOT_VM_ID;
  std::uint64_t next_fd_slot_ = FIRST_FD_SLOT;
  std::map<VmId, VmState> states_;
  std::map<Fd, VmId> fds_;
  std::map<VmId, std::vector<Fd>> inherited_;
  std::map<VmId, Vm> instantiated_;
  std::map<VmId, Snapshot2<DataPieceId>> suspended_;
  std::map<VmId, DataLocation> programs_;  // what each booted VM runs (program())
  std::map<VmId, std::int8_t> terminated_vms_;
  SchedulerStats stats_;
  Runner runner_;
};

// ---------------------------------------------------------------------------
// Whole-verification suspend/resume as bytes.
//
//   8  magic "CKBSCHD1"          4  format version (1)
//   8 total_cycles, 8 iteration_cycles, 8 remaining_cycles, 8 next_vm_id,
//   8 next_fd_slot
//   8 VM count, each: 8 id, 1 state tag (VmState index) + its fields as u64s,
//                     8 length + an encode_snapshot2 blob (ids: 1 kind, 4 index)
//   8 fd count, each: 8 fd, 8 owner
//   8 inherited count, each: 8 VM id, 8 count, count x 8 fd
//   8 terminated count, each: 8 VM id, 1 exit code
//   8 instantiated count, each: 8 VM id
// Decoding checks every count against the remaining input before allocating.

}  // namespace ckb
}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {
template <>
struct SnapshotIdCodec<ckb::DataPieceId> {
  static void encode(const ckb::DataPieceId& id, SnapshotWriter& w) {
    w.u8(static_cast<std::uint8_t>(id.kind));
    w.u32(id.index);
  }
  static Result<ckb::DataPieceId> decode(SnapshotReader& r) {
    auto kind = r.u8();
    if (!kind.ok()) return kind.error();
    auto index = r.u32();
    if (!index.ok()) return index.error();
    if (*kind > static_cast<std::uint8_t>(ckb::DataPieceKind::HostProgram))
      return snapshot_format_failure(SnapshotFormatError::invalid_id, "unknown data piece kind");
    return ckb::DataPieceId{static_cast<ckb::DataPieceKind>(*kind), *index};
  }
};
}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {
namespace ckb {

inline constexpr std::array<std::uint8_t, 8> SCHEDULER_STATE_MAGIC = {'C', 'K', 'B', 'S', 'C', 'H', 'D', '1'};
inline constexpr std::uint32_t SCHEDULER_STATE_FORMAT_VERSION = 1;

inline Result<std::vector<std::uint8_t>> encode_scheduler_state(const SchedulerState& s) {
  std::vector<std::uint8_t> out;
  SnapshotWriter w(out);
  w.bytes(SCHEDULER_STATE_MAGIC);
  w.u32(SCHEDULER_STATE_FORMAT_VERSION);
  w.u64(s.total_cycles);
  w.u64(s.iteration_cycles);
  w.u64(s.remaining_cycles);
  w.u64(s.next_vm_id);
  w.u64(s.next_fd_slot);
  w.u64(s.vms.size());
  for (const SuspendedVm& vm : s.vms) {
    w.u64(vm.id);
    w.u8(static_cast<std::uint8_t>(vm.state.index()));
    std::visit(
        [&w](const auto& st) {
          using T = std::decay_t<decltype(st)>;
          if constexpr (std::is_same_v<T, WaitingForExit>) {
            w.u64(st.target);
            w.u64(st.exit_code_addr);
          } else if constexpr (std::is_same_v<T, WaitingForRead>) {
            w.u64(st.fd);
            w.u64(st.length);
            w.u64(st.buffer_addr);
            w.u64(st.length_addr);
          } else if constexpr (std::is_same_v<T, WaitingForWrite>) {
            w.u64(st.fd);
            w.u64(st.consumed);
            w.u64(st.length);
            w.u64(st.buffer_addr);
            w.u64(st.length_addr);
          }
        },
        vm.state);
    auto blob = encode_snapshot2(vm.snapshot);
    if (!blob.ok()) return blob.error();
    w.u64(blob->size());
    w.bytes(*blob);
  }
  w.u64(s.fds.size());
  for (const auto& [fd, owner] : s.fds) {
    w.u64(fd);
    w.u64(owner);
  }
  w.u64(s.inherited_fds.size());
  for (const auto& [id, fds] : s.inherited_fds) {
    w.u64(id);
    w.u64(fds.size());
    for (Fd fd : fds) w.u64(fd);
  }
  w.u64(s.terminated_vms.size());
  for (const auto& [id, code] : s.terminated_vms) {
    w.u64(id);
    w.u8(static_cast<std::uint8_t>(code));
  }
  w.u64(s.instantiated_ids.size());
  for (VmId id : s.instantiated_ids) w.u64(id);
  return out;
}

inline Result<SchedulerState> decode_scheduler_state(std::span<const std::uint8_t> input) {
  SnapshotReader r(input);
  auto magic = r.bytes(8);
  if (!magic.ok()) return magic.error();
  if (!std::equal(magic->begin(), magic->end(), SCHEDULER_STATE_MAGIC.begin()))
    return snapshot_format_failure(SnapshotFormatError::bad_magic, "not a scheduler state");
  auto version = r.u32();
  if (!version.ok()) return version.error();
  if (*version != SCHEDULER_STATE_FORMAT_VERSION)
    return snapshot_format_failure(SnapshotFormatError::unknown_format_version, "unknown scheduler state version");
  SchedulerState s;
  std::uint64_t* fixed[] = {&s.total_cycles, &s.iteration_cycles, &s.remaining_cycles, &s.next_vm_id, &s.next_fd_slot};
  for (std::uint64_t* f : fixed) {
    auto v = r.u64();
    if (!v.ok()) return v.error();
    *f = *v;
  }
#define CKB_SCHED_READ(var) \
  auto var = r.u64();       \
  if (!var.ok()) return var.error()
  auto vms = r.length(8 + 1 + 8, "VM count exceeds the input");
  if (!vms.ok()) return vms.error();
  for (std::uint64_t i = 0; i < *vms; ++i) {
    SuspendedVm vm;
    CKB_SCHED_READ(id);
    vm.id = *id;
    auto tag = r.u8();
    if (!tag.ok()) return tag.error();
    switch (*tag) {
      case 0: vm.state = Runnable{}; break;
      case 1: vm.state = Terminated{}; break;
      case 2: {
        CKB_SCHED_READ(target);
        CKB_SCHED_READ(addr);
        vm.state = WaitingForExit{*target, *addr};
        break;
      }
      case 3: {
        CKB_SCHED_READ(fd);
        CKB_SCHED_READ(length);
        CKB_SCHED_READ(buffer);
        CKB_SCHED_READ(length_addr);
        vm.state = WaitingForRead{*fd, *length, *buffer, *length_addr};
        break;
      }
      case 4: {
        CKB_SCHED_READ(fd);
        CKB_SCHED_READ(consumed);
        CKB_SCHED_READ(length);
        CKB_SCHED_READ(buffer);
        CKB_SCHED_READ(length_addr);
        if (*consumed > *length)
          return snapshot_format_failure(SnapshotFormatError::invalid_id, "write state consumed more than its length");
        vm.state = WaitingForWrite{*fd, *consumed, *length, *buffer, *length_addr};
        break;
      }
      default: return snapshot_format_failure(SnapshotFormatError::invalid_id, "unknown VM state tag");
    }
    auto n = r.length(1, "snapshot length exceeds the input");
    if (!n.ok()) return n.error();
    auto blob = r.bytes(*n);
    if (!blob.ok()) return blob.error();
    auto snap = decode_snapshot2<DataPieceId>(*blob);
    if (!snap.ok()) return snap.error();
    vm.snapshot = std::move(*snap);
    s.vms.push_back(std::move(vm));
  }
  auto fds = r.length(16, "fd count exceeds the input");
  if (!fds.ok()) return fds.error();
  for (std::uint64_t i = 0; i < *fds; ++i) {
    CKB_SCHED_READ(fd);
    CKB_SCHED_READ(owner);
    s.fds.emplace_back(*fd, *owner);
  }
  auto inherited = r.length(16, "inherited fd count exceeds the input");
  if (!inherited.ok()) return inherited.error();
  for (std::uint64_t i = 0; i < *inherited; ++i) {
    CKB_SCHED_READ(id);
    auto count = r.length(8, "inherited fd list exceeds the input");
    if (!count.ok()) return count.error();
    std::vector<Fd> list;
    for (std::uint64_t k = 0; k < *count; ++k) {
      CKB_SCHED_READ(fd);
      list.push_back(*fd);
    }
    s.inherited_fds.emplace_back(*id, std::move(list));
  }
  auto terminated = r.length(9, "terminated VM count exceeds the input");
  if (!terminated.ok()) return terminated.error();
  for (std::uint64_t i = 0; i < *terminated; ++i) {
    CKB_SCHED_READ(id);
    auto code = r.u8();
    if (!code.ok()) return code.error();
    s.terminated_vms.emplace_back(*id, static_cast<std::int8_t>(*code));
  }
  auto inst = r.length(8, "instantiated VM count exceeds the input");
  if (!inst.ok()) return inst.error();
  for (std::uint64_t i = 0; i < *inst; ++i) {
    CKB_SCHED_READ(id);
    s.instantiated_ids.push_back(*id);
  }
#undef CKB_SCHED_READ
  if (r.remaining() != 0) return snapshot_format_failure(SnapshotFormatError::trailing_bytes, "bytes after the scheduler state");
  return s;
}

// ---------------------------------------------------------------------------
// One script group through the scheduler, reported like verify_script_group
// (verifier.hpp). The built-in TYPE_ID script is delegated to the verifier.

inline ScriptOutcome verify_script_group_scheduled(std::shared_ptr<const ResolvedTransaction> rtx,
                                                   const ScriptGroup& group, const SchedulerOptions& options = {}) {
  const bool type_id = group.script.code_hash == TYPE_ID_CODE_HASH &&
                       group.script.hash_type == static_cast<std::uint8_t>(ScriptHashType::Type);
  if (type_id && !options.program) {
    VerifyOptions v;
    v.max_cycles = options.max_cycles;
    v.script_version = options.script_version;
    v.debug_printer = options.debug_printer;
    return verify_script_group(std::move(rtx), group, v);
  }
  ScriptOutcome out;
  auto s = Scheduler<>::create(std::move(rtx), group, options);
  if (!s.ok()) {
    out.setup_error = s.error();
    return out;
  }
  return s->outcome(s->run());
}

// Every group of the transaction through the scheduler, as the node verifies
// a transaction since the 2023 hard fork (verify_transaction in verifier.hpp
// with each group run by verify_script_group_scheduled): groups in the node's
// order, each with what is left of the limit, stopping at the first failure.
// For VERSION0/1 groups the result equals the plain verifier's: without
// spawn the root VM runs in one iteration.
inline TransactionOutcome verify_transaction_scheduled(std::shared_ptr<const ResolvedTransaction> rtx,
                                                       const SchedulerOptions& options = {}) {
  return verify_groups(*rtx, options.max_cycles, [&](const ScriptGroup& g, std::uint64_t limit) {
    SchedulerOptions per_group = options;
    per_group.max_cycles = limit;
    per_group.program = nullptr;  // a replacement binary applies to one group only
    per_group.root_args.clear();
    return verify_script_group_scheduled(rtx, g, per_group);
  });
}

}  // namespace ckb
}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
