// The --tx-file mode: run one script of a mock transaction (the JSON that
// `ckb-cli mock-tx dump` writes, with ckb-debugger's templates) the way a CKB
// node runs it, and report like ckb-debugger:
//
//   ckb-vm-run --tx-file F [--script-group-type lock|type] [--cell-type input|output]
//              [--cell-index N] [--bin ELF] [--vm-version 0|1|2] [--max-cycles N]
//              [--trace] [--pprof FILE] [--pid N]
//
//   Run result: 0
//   Total cycles consumed: 1697297(1.6M)
//   Transfer cycles: 12680(12.4K), running cycles: 1684617(1.6M)
//
// Defaults as ckb-debugger's: a lock script of input 0. --bin runs ELF in
// place of the selected script's code; --vm-version forces the VM version
// (ckb-debugger's --script-version) instead of choosing it from the hash type.
// --trace and --pprof follow VM --pid (default 0, the script itself) through
// the scheduler, so scripts that spawn can be traced and profiled too.
#include <cstdio>
#include <memory>
#include <string>

#include <ckb_vm/ckb.hpp>

#include "cli.hpp"

namespace ckb_vm_run {
namespace {

// ckb-debugger's HumanReadableCycles.
std::string human_cycles(std::uint64_t n) {
  char suffix[32] = "";
  if (n >= 1024 * 1024) std::snprintf(suffix, sizeof suffix, "(%.1fM)", static_cast<double>(n) / 1024. / 1024.);
  else if (n >= 1024) std::snprintf(suffix, sizeof suffix, "(%.1fK)", static_cast<double>(n) / 1024.);
  return std::to_string(n) + suffix;
}

}  // namespace

int run_tx_file(const Options& o) {
  namespace ckb = ckb_vm::ckb;
  if (!o.snapshot.empty() || !o.resume.empty() || o.suspend_at)
    fail("--suspend-at/--resume are not supported with --tx-file yet");
  if (!o.program.empty()) fail("PROGRAM is not used with --tx-file (use --bin ELF to replace the script)");
  if (o.isa || o.cost || o.memory) fail("--isa, --cost and --memory do not apply to --tx-file (the node's settings are used)");

  const std::vector<std::uint8_t> text = read_file(o.tx_file, "transaction file");
  const std::size_t slash = o.tx_file.find_last_of('/');
  const std::string dir = slash == std::string::npos ? std::string() : o.tx_file.substr(0, slash);
  auto expanded = ckb::apply_mock_templates(std::string(text.begin(), text.end()), dir);
  if (!expanded.ok()) fail(o.tx_file + ": " + expanded.error().message);
  auto mock = ckb::parse_mock_tx(*expanded);
  if (!mock.ok()) fail(o.tx_file + ": " + mock.error().message);
  auto resolved = ckb::to_resolved(*mock);
  if (!resolved.ok()) fail(o.tx_file + ": " + resolved.error().message);
  auto rtx = std::make_shared<const ckb::ResolvedTransaction>(std::move(*resolved));

  const std::string& group_name = o.script_group_type.empty() ? std::string("lock") : o.script_group_type;
  if (group_name != "lock" && group_name != "type") fail("--script-group-type must be lock or type");
  const ckb::ScriptGroupType group_type = group_name == "lock" ? ckb::ScriptGroupType::Lock : ckb::ScriptGroupType::Type;
  std::string cell_type = o.cell_type;
  if (cell_type.empty()) {
    if (group_type == ckb::ScriptGroupType::Type) fail("--script-group-type type needs --cell-type input|output");
    cell_type = "input";
  }
  if (cell_type != "input" && cell_type != "output") fail("--cell-type must be input or output");
  const std::size_t index = o.cell_index.value_or(0);
  auto hash = ckb::script_hash_by_index(*mock, group_type, cell_type == "output", index);
  if (!hash.ok()) fail(hash.error().message);
  auto group = ckb::find_script_group(*rtx, group_type, *hash);
  if (!group) fail("no " + group_name + " script group for " + cell_type + " " + std::to_string(index));

  ckb::VerifyOptions options;
  options.max_cycles = o.max_cycles.value_or(DEFAULT_MAX_CYCLES);
  options.script_version = o.vm_version;
  if (!o.bin.empty()) options.program = std::make_shared<const ckb::Bytes>(read_file(o.bin, "program"));
  options.debug_printer = [](const ckb::Byte32&, std::string_view message) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(message.size()), message.data());
  };
  auto verifier = ckb::ScriptVerifier<>::create(rtx, *group, options);
  if (!verifier.ok()) fail(verifier.error().message);

  // Every script runs under the spawn scheduler, as the node runs it since
  // the 2023 hard fork (a script that never spawns costs the same either way).
  ckb::SchedulerOptions scheduled;
  scheduled.max_cycles = options.max_cycles;
  scheduled.script_version = options.script_version;
  scheduled.program = options.program;
  scheduled.debug_printer = options.debug_printer;

  ckb::ScriptOutcome outcome;
  // A script the node runs without a VM (type id) has nothing to trace.
  if (verifier->machine() != nullptr && (o.trace || !o.pprof.empty())) {
    auto scheduler = ckb::Scheduler<>::create(rtx, *group, scheduled);
    if (!scheduler.ok()) fail(scheduler.error().message);
    // VM `pid` (ckb-debugger's --pid: 0 is the script, spawned VMs count up)
    // runs one instruction at a time (--trace) or observed (--pprof); the
    // others run as the node runs them.
    const ckb::VmId pid = o.pid.value_or(ckb::ROOT_VM_ID);
    std::optional<CallStackProfiler> profiler;
    bool pid_ran = false;
    if (!o.pprof.empty()) write_file(o.pprof, {}, "profile");
    scheduler->set_runner([&](ckb::VmId id, Machine& m) -> Result<std::int8_t> {
      if (id != pid) return m.run();
      if (!o.pprof.empty() && !profiler) {
        const auto program = scheduler->program(id);
        Result<SymbolTable> table = program ? SymbolTable::from_elf(*program) : Result<SymbolTable>(ErrorCode::Unexpected);
        if (!table.ok()) fail("--pprof needs a symbol table in the ELF of VM " + std::to_string(id));
        Result<LineTable> lines = LineTable::from_elf(*program);
        profiler.emplace(std::move(table).value(), lines.ok() ? std::move(lines).value() : LineTable{});
      }
      pid_ran = true;
      Config config;
      config.isa = m.isa();
      config.version = m.version();
      config.cost = Cost::estimate;
      return o.trace ? run_stepping(m, config, true, profiler ? &*profiler : nullptr) : run_profiled(m, config, *profiler);
    });
    const auto r = scheduler->run();
    // A script that failed before spawning VM pid reports its error below.
    if (!pid_ran && r.ok()) fail("--pid " + std::to_string(pid) + ": no VM with that id ran");
    outcome = scheduler->outcome(r);
    if (profiler) {
      const std::string folded = profiler->folded();
      write_file(o.pprof, std::span(reinterpret_cast<const std::uint8_t*>(folded.data()), folded.size()), "profile");
    }
  } else {
    outcome = ckb::verify_script_group_scheduled(rtx, *group, scheduled);
  }

  if (outcome.vm_error) {
    std::printf("Run result: error %s\n", outcome.vm_error->to_string().c_str());
  } else {
    std::printf("Run result: %d\n", outcome.exit_code.value_or(0));
  }
  std::printf("Total cycles consumed: %s\n", human_cycles(outcome.total_cycles).c_str());
  std::printf("Transfer cycles: %s, running cycles: %s\n", human_cycles(outcome.transfer_cycles).c_str(),
              human_cycles(outcome.running_cycles).c_str());
  if (outcome.vm_error) return STATUS_VM_ERROR;
  return static_cast<std::uint8_t>(outcome.exit_code.value_or(0));
}

}  // namespace ckb_vm_run
