// Running a transaction's scripts as the CKB node does.
//
// ScriptVerifier runs one script group (ckb-script's Scheduler for a single
// root VM): it picks the VM version and ISA from the script's hash type
// (data -> VERSION0 with IMC; data1 -> VERSION1, data2 and type -> VERSION2,
// both with IMC|B|MOP: every hard fork active), finds the script's code in
// the cell deps, builds a machine with CKB's syscalls and estimate_cycles,
// loads the ELF with its metadata (no arguments), marks the program pages in
// the Snapshot2 context, and charges ceil(loaded bytes / 4) cycles for the
// load (ELF bytes plus the bytes written to the stack). The built-in TYPE_ID
// script is checked natively for a flat 1,000,000 cycles, as the node does.
//
// The cycle split is reported the way ckb-debugger prints it: transfer
// cycles are the program-load charge, running cycles the rest (syscall
// transfers included).
//
// TransactionVerifier runs every group in the node's order (lock groups by
// hash, then type groups by hash), each with what is left of the limit, and
// sums the cycles; it stops at the first failing group.
#pragma once

#include "../detail/config.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../cost_model.hpp"
#include "../detail/byte_io.hpp"
#include "../elf.hpp"
#include "../machine.hpp"
#include "expected.hpp"
#include "script_group.hpp"
#include "syscalls.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {
namespace ckb {

// ckb-debugger's historical default; the node's per-block limit is much larger.
inline constexpr std::uint64_t DEFAULT_MAX_CYCLES = 70'000'000;
inline constexpr std::uint64_t TYPE_ID_CYCLES = 1'000'000;

struct VmSelection {
  std::uint32_t version = VERSION2;
  std::uint8_t isa = ISA_IMC | ISA_B | ISA_MOP;
};

constexpr VmSelection vm_for_version(std::uint32_t version) noexcept {
  return version == VERSION0 ? VmSelection{VERSION0, ISA_IMC} : VmSelection{version, ISA_IMC | ISA_B | ISA_MOP};
}

// The node's select_version with all hard forks active; nullopt for an
// unknown hash type.
constexpr std::optional<VmSelection> select_vm(std::uint8_t hash_type) noexcept {
  const auto t = to_script_hash_type(hash_type);
  if (!t) return std::nullopt;
  switch (*t) {
    case ScriptHashType::Data: return vm_for_version(VERSION0);
    case ScriptHashType::Data1: return vm_for_version(VERSION1);
    case ScriptHashType::Data2:
    case ScriptHashType::Type: return vm_for_version(VERSION2);
  }
  return std::nullopt;
}

struct VerifyOptions {
  std::uint64_t max_cycles = DEFAULT_MAX_CYCLES;
  // Force a VM version (0, 1, 2) for every script, like ckb-debugger's
  // --script-version; otherwise chosen from the hash type.
  std::optional<std::uint32_t> script_version;
  // Run this ELF instead of the script's code (ckb-debugger's --bin).
  std::shared_ptr<const Bytes> program;
  DebugPrinter debug_printer;
};

// How one group's run ended.
struct ScriptOutcome {
  bool ok() const noexcept { return !vm_error && !setup_error && exit_code && *exit_code == 0; }

  std::optional<std::int8_t> exit_code;  // set when the program exited
  std::optional<Error> vm_error;         // the VM stopped with an error
  std::optional<HostError> setup_error;  // the script could not be started (code not found, bad ELF, ...)
  std::uint64_t total_cycles = 0;
  std::uint64_t transfer_cycles = 0;
  std::uint64_t running_cycles = 0;
  std::uint32_t vm_version = VERSION2;

  std::string describe() const {
    if (setup_error) return "error: " + setup_error->message;
    if (vm_error) return "error: " + vm_error->to_string();
    return "exit code " + std::to_string(exit_code ? *exit_code : 0);
  }
};

template <Memory Mem = DefaultMemory>
class ScriptVerifier {
 public:
  using core_type = DefaultCoreMachine<Mem>;
  using machine_type = DefaultMachine<core_type>;

  // Sets up the machine with the program loaded and its load charged.
  static Expected<ScriptVerifier> create(std::shared_ptr<const ResolvedTransaction> rtx, ScriptGroup group,
                                         const VerifyOptions& options = {}) {
    return create_impl(std::move(rtx), std::move(group), options, true);
  }

  // The same machine and Snapshot2 context with nothing loaded: the target
  // for snapshot_context()->resume(*machine(), snapshot) of a run of this
  // group (like the node's scheduler, which resumes into a fresh VM).
  static Expected<ScriptVerifier> create_for_resume(std::shared_ptr<const ResolvedTransaction> rtx, ScriptGroup group,
                                                    const VerifyOptions& options = {}) {
    return create_impl(std::move(rtx), std::move(group), options, false);
  }

 private:
  static Expected<ScriptVerifier> create_impl(std::shared_ptr<const ResolvedTransaction> rtx, ScriptGroup group,
                                              const VerifyOptions& options, bool load) {
    ScriptVerifier v;
    v.max_cycles_ = options.max_cycles;
    auto selected = select_vm(group.script.hash_type);
    if (!selected)
      return host_error("script hash_type " + std::to_string(group.script.hash_type) + " is invalid");
    if (options.script_version) {
      if (*options.script_version > VERSION2)
        return host_error("script version " + std::to_string(*options.script_version) + " does not exist");
      selected = vm_for_version(*options.script_version);
    }
    auto env = std::make_shared<ScriptEnv>();
    env->rtx = rtx;
    env->group = std::move(group);
    env->vm_version = selected->version;
    env->host_program = options.program;
    v.type_id_ = env->group.script.code_hash == TYPE_ID_CODE_HASH &&
                 env->group.script.hash_type == static_cast<std::uint8_t>(ScriptHashType::Type);
    v.env_ = env;
    if (v.type_id_ && !options.program) return v;

    DataPieceId program_id{DataPieceKind::HostProgram, 0};
    if (!options.program) {
      auto dep = find_script_binary(*rtx, env->group.script);
      if (!dep.ok()) return dep.error();
      program_id = DataPieceId{DataPieceKind::CellDep, static_cast<std::uint32_t>(*dep)};
    }
    v.context_ = std::make_shared<ScriptSnapshotContext>(TxDataSource(env));
    auto built = MachineBuilder<Mem>{}
                     .isa(selected->isa)
                     .version(selected->version)
                     .max_cycles(options.max_cycles)
                     .instruction_cycle_func(estimate_cycles)
                     .syscall(std::make_unique<CkbSyscalls<core_type>>(env, v.context_, options.debug_printer))
                     .build();
    if (!built.ok()) return host_error("cannot build the VM: " + built.error().to_string());
    v.machine_ = std::make_unique<machine_type>(std::move(*built));
    if (!load) return v;

    auto program = v.context_->load_data(program_id, 0, 0);
    if (!program.ok()) return host_error("script program is missing");
    const std::span<const std::uint8_t> elf = program->first;
    auto metadata = parse_elf(elf, selected->version);
    if (!metadata.ok()) return host_error("script program is not a valid ELF: " + metadata.error().to_string());
    auto loaded = v.machine_->load_program_with_metadata(elf, *metadata, {});
    if (!loaded.ok()) return host_error("cannot load the script program: " + loaded.error().to_string());
    auto marked = v.context_->mark_program(*v.machine_, *metadata, program_id, 0);
    if (!marked.ok()) return host_error("cannot mark program pages: " + marked.error().to_string());
    v.transfer_cycles_ = transferred_byte_cycles(*loaded);
    auto charged = v.machine_->add_cycles_no_checking(v.transfer_cycles_);
    if (!charged.ok()) return host_error("cycle overflow while loading");
    return v;
  }

 public:
  // Runs to the end (or resumes after a pause/suspension) and reports.
  ScriptOutcome run() {
    ScriptOutcome out;
    out.vm_version = env_->vm_version;
    if (type_id_ && !machine_) return verify_type_id();
    auto result = machine_->run();
    if (result.ok()) out.exit_code = *result;
    else out.vm_error = result.error();
    out.total_cycles = machine_->cycles();
    out.transfer_cycles = transfer_cycles_;
    out.running_cycles = out.total_cycles - (transfer_cycles_ < out.total_cycles ? transfer_cycles_ : out.total_cycles);
    return out;
  }

  // Null for the built-in TYPE_ID script.
  machine_type* machine() noexcept { return machine_.get(); }
  ScriptSnapshotContext* snapshot_context() noexcept { return context_.get(); }
  const ScriptEnv& env() const noexcept { return *env_; }
  std::uint64_t transfer_cycles() const noexcept { return transfer_cycles_; }

 private:
  ScriptVerifier() = default;

  ScriptOutcome verify_type_id() const {
    ScriptOutcome out;
    out.vm_version = env_->vm_version;
    if (max_cycles_ < TYPE_ID_CYCLES) {
      out.vm_error = Error(ErrorCode::CyclesExceeded);
      return out;
    }
    out.total_cycles = out.running_cycles = TYPE_ID_CYCLES;
    const ScriptGroup& g = env_->group;
    const auto& tx = env_->rtx->tx;
    auto fail = [&out](std::int8_t code) {
      out.exit_code = code;
      return out;
    };
    if (g.script.args.size() != 32) return fail(-1);
    if (g.input_indices.size() > 1 || g.output_indices.size() > 1) return fail(-2);
    if (g.input_indices.empty()) {
      if (tx.raw.inputs.empty() || g.output_indices.empty()) return fail(-1);
      Blake2b h = Blake2b::ckb();
      h.update(molecule::encode(tx.raw.inputs[0]));
      std::uint8_t index[8];
      const std::uint64_t first_output = g.output_indices[0];
      ckb_vm::detail::bytes::store_le(index, first_output);
      h.update(std::span<const std::uint8_t>(index, 8));
      const Byte32 expected = h.finalize32();
      if (!std::equal(expected.begin(), expected.end(), g.script.args.begin())) return fail(-3);
    }
    return fail(0);
  }

  std::shared_ptr<const ScriptEnv> env_;
  std::shared_ptr<ScriptSnapshotContext> context_;
  std::unique_ptr<machine_type> machine_;
  std::uint64_t transfer_cycles_ = 0;
  std::uint64_t max_cycles_ = DEFAULT_MAX_CYCLES;
  bool type_id_ = false;
};

// Runs one group to completion.
inline ScriptOutcome verify_script_group(std::shared_ptr<const ResolvedTransaction> rtx, const ScriptGroup& group,
                                         const VerifyOptions& options = {}) {
  auto v = ScriptVerifier<>::create(std::move(rtx), group, options);
  if (!v.ok()) {
    ScriptOutcome out;
    out.setup_error = v.error();
    return out;
  }
  return v->run();
}

struct GroupOutcome {
  ScriptGroup group;
  ScriptOutcome outcome;
};

struct TransactionOutcome {
  bool ok() const noexcept { return !failed_group.has_value() && !cycles_overflow; }
  std::uint64_t total_cycles = 0;  // sum over the groups that ran
  std::vector<GroupOutcome> groups;
  std::optional<std::size_t> failed_group;  // index into groups
  bool cycles_overflow = false;
};

// Every group of the transaction, in the node's order, stopping at the first
// failure; run_group(group, limit) runs one group with what is left of
// max_cycles and returns its ScriptOutcome.
template <class RunGroup>
TransactionOutcome verify_groups(const ResolvedTransaction& rtx, std::uint64_t max_cycles, RunGroup&& run_group) {
  TransactionOutcome result;
  for (ScriptGroup& g : script_groups(rtx)) {
    ScriptOutcome o = run_group(g, max_cycles - result.total_cycles);
    const bool ok = o.ok();
    const std::uint64_t before = result.total_cycles;
    if (ok) result.total_cycles += o.total_cycles;
    result.groups.push_back(GroupOutcome{std::move(g), std::move(o)});
    if (!ok) {
      result.failed_group = result.groups.size() - 1;
      break;
    }
    if (result.total_cycles < before) {
      result.cycles_overflow = true;
      break;
    }
  }
  return result;
}

// verify_script_group for every group (see verify_groups).
inline TransactionOutcome verify_transaction(std::shared_ptr<const ResolvedTransaction> rtx,
                                             const VerifyOptions& options = {}) {
  return verify_groups(*rtx, options.max_cycles, [&](const ScriptGroup& g, std::uint64_t limit) {
    VerifyOptions per_group = options;
    per_group.max_cycles = limit;
    per_group.program = nullptr;  // a replacement binary applies to one group only
    return verify_script_group(rtx, g, per_group);
  });
}

}  // namespace ckb
}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
