// The default mode: run PROGRAM ARGS..., suspend it into a snapshot file, or resume one.
#include <ckb_vm/snapshot2.hpp>

#include <cstdio>

#include "cli.hpp"
#include "sha256.hpp"

namespace ckb_vm_run {

namespace {

using ProgramSource = InMemoryDataSource<ProgramId>;

std::string quoted_args(const std::vector<std::string>& args) {
  std::string s;
  for (const std::string& a : args) s += (s.empty() ? "'" : " '") + a + "'";
  return s.empty() ? "(none)" : s;
}

// The configuration of the snapshot being resumed, checked against the options.
Config resumed_config(const Options& o, const SnapshotFile& resumed, const ProgramId& program_id) {
  const Config& saved = resumed.config;
  if (resumed.program != program_id)
    fail("snapshot " + o.resume + " was taken from another program (SHA-256 " + hex_bytes(resumed.program).substr(0, 16) +
         "..., " + o.program + " is " + hex_bytes(program_id).substr(0, 16) + "...)");
  const auto mismatch = [&](const char* option, const std::string& theirs, const std::string& ours) {
    fail("snapshot " + o.resume + " was taken with " + option + " " + theirs + "; it cannot resume with " + option +
         " " + ours);
  };
  if (o.vm_version && *o.vm_version != saved.version)
    mismatch("--vm-version", std::to_string(saved.version), std::to_string(*o.vm_version));
  if (o.isa && *o.isa != saved.isa) mismatch("--isa", isa_name(saved.isa), isa_name(*o.isa));
  if (o.cost && *o.cost != saved.cost) mismatch("--cost", cost_name(saved.cost), cost_name(*o.cost));
  if (o.memory && *o.memory != saved.memory)
    mismatch("--memory", std::to_string(saved.memory), std::to_string(*o.memory));
  // ARGS may be repeated from the original command; only different ones are refused.
  if (!o.args.empty()) {
    if (!resumed.args)
      fail("snapshot " + o.resume + " does not record the run's ARGS (an older file); resume it without ARGS");
    if (*resumed.args != o.args)
      fail("snapshot " + o.resume + " was taken with ARGS " + quoted_args(*resumed.args) + "; it cannot resume with ARGS " +
           quoted_args(o.args));
  }
  Config config = saved;
  if (o.max_cycles) config.max_cycles = *o.max_cycles;
  return config;
}

}  // namespace

int run_program(const Options& o) {
  const std::vector<std::uint8_t> program = read_file(o.program, "PROGRAM");
  // The program's hash names it in snapshot files; a plain run never needs it
  // (hashing a 1 MiB ELF costs more than running a typical script).
  const bool snapshots = !o.resume.empty() || o.suspend_at.has_value();
  const ProgramId program_id = snapshots ? Sha256::of(program) : ProgramId{};

  // Configuration: from the options, or from the snapshot being resumed.
  Config config;
  std::optional<SnapshotFile> resumed;
  if (!o.resume.empty()) {
    resumed = decode_snapshot_file(read_file(o.resume, "snapshot"), o.resume);
    config = resumed_config(o, *resumed, program_id);
  } else {
    config.version = o.vm_version.value_or(VERSION2);
    config.isa = o.isa.value_or(config.version == VERSION0 ? ISA_IMC : ISA_IMC | ISA_B | ISA_MOP);
    config.cost = o.cost.value_or(Cost::estimate);
    config.memory = o.memory.value_or(RISCV_MAX_MEMORY);
    config.max_cycles = o.max_cycles.value_or(DEFAULT_MAX_CYCLES);
  }
  if ((config.isa & ISA_MOP) != 0 && config.version == VERSION0)
    fail("--isa " + isa_name(config.isa) + " needs --vm-version 1 or 2 (ckb-vm refuses MOP on version 0)");
  if (o.suspend_at && config.cost == Cost::none) fail("--suspend-at needs a cost model that charges cycles");

  const Result<ProgramMetadata> metadata = parse_elf(program, config.version);
  if (!metadata.ok()) {
    // The result line first, as for any VM error (ckb-vm reports a load error
    // like a run error, with nothing run), then the explanation.
    std::printf("error=%s cycles=0\n", std::string(metadata.error().name()).c_str());
    std::fprintf(stderr, "ckb-vm-run: %s is not a valid RISC-V ELF program: %s\n", o.program.c_str(),
                 metadata.error().to_string().c_str());
    return STATUS_VM_ERROR;
  }

  // Function names and source lines for --pprof and for error reports (empty
  // tables when stripped), read only when one of them needs it. Broken line
  // tables only cost the file:line annotations.
  std::optional<DebugInfo> debug;
  auto load_debug_info = [&] {
    const Result<ElfSections> sections = ElfSections::parse(program);
    if (!sections.ok()) return;
    Result<SymbolTable> table = SymbolTable::from_sections(*sections);
    if (!table.ok()) return;
    Result<LineTable> lines = LineTable::from_sections(*sections);
    debug.emplace(DebugInfo{std::move(table).value(), lines.ok() ? std::move(lines).value() : LineTable{}});
  };
  std::optional<CallStackProfiler> profiler;
  if (!o.pprof.empty()) {
    load_debug_info();
    if (!debug) fail("cannot read the symbol table of " + o.program);
    if (debug->symbols.empty()) fail(o.program + " has no function symbols (stripped?); --pprof needs them");
    profiler.emplace(debug->symbols, debug->lines);
    write_file(o.pprof, {}, "profile");  // fail now, not after the run, if it cannot be written
  }

  // Suspending stops at the smaller of the two limits.
  const bool suspending = o.suspend_at.has_value() && *o.suspend_at <= config.max_cycles;
  const std::uint64_t budget = suspending ? *o.suspend_at : config.max_cycles;
  Machine machine = build_machine(config, budget);

  ProgramSource source;
  source.insert(program_id, program);
  Snapshot2Context<ProgramId, ProgramSource> context(source);
  std::vector<std::string> args = o.args;
  if (resumed) {
    if (resumed->args) args = *resumed->args;
    if (const Status s = context.resume(machine, resumed->snapshot); !s.ok())
      fail("cannot resume from " + o.resume + ": " + s.error().to_string());
    machine.set_max_cycles(budget);
  } else {
    std::vector<std::string> argv;
    argv.push_back(o.program);
    argv.insert(argv.end(), o.args.begin(), o.args.end());
    std::vector<Bytes> views;
    for (const std::string& a : argv) views.push_back(as_bytes(a));
    const Result<std::uint64_t> loaded = machine.load_program_with_metadata(program, *metadata, views);
    if (!loaded.ok()) {
      std::printf("error=%s cycles=0\n", std::string(loaded.error().name()).c_str());
      std::fprintf(stderr, "ckb-vm-run: cannot load %s into %llu bytes of memory: %s\n", o.program.c_str(),
                   static_cast<unsigned long long>(config.memory), loaded.error().to_string().c_str());
      return STATUS_VM_ERROR;
    }
    if (suspending) {
      if (const Status s = context.mark_program(machine, *metadata, program_id, 0); !s.ok())
        fail("cannot track the program's pages: " + s.error().to_string());
    }
  }

  if (o.trace) std::setvbuf(stdout, nullptr, _IOFBF, 1 << 16);
  const Result<std::int8_t> result = o.trace     ? run_stepping(machine, config, true, profiler ? &*profiler : nullptr)
                                     : profiler ? run_profiled(machine, config, *profiler)
                                                : machine.run();

  if (profiler) {
    const std::string folded = profiler->folded();
    write_file(o.pprof, std::span(reinterpret_cast<const std::uint8_t*>(folded.data()), folded.size()), "profile");
  }

  int status = 0;
  if (result.ok()) {
    if (o.suspend_at)
      std::fprintf(stderr, "ckb-vm-run: the program exited before --suspend-at %llu; no snapshot written\n",
                   static_cast<unsigned long long>(*o.suspend_at));
    std::printf("exit=%d cycles=%llu\n", static_cast<int>(*result), static_cast<unsigned long long>(machine.cycles()));
    status = static_cast<std::uint8_t>(*result);
  } else if (suspending && result.error().code == ErrorCode::CyclesExceeded) {
    Result<Snapshot2<ProgramId>> snapshot = context.make_snapshot(machine);
    if (!snapshot.ok()) fail("cannot make a snapshot: " + snapshot.error().to_string());
    write_file(o.snapshot, encode_snapshot_file(config, program_id, args, *snapshot), "snapshot");
    std::printf("suspended cycles=%llu snapshot=%s\n", static_cast<unsigned long long>(machine.cycles()),
                o.snapshot.c_str());
  } else {
    std::printf("%s\n", describe_error(result.error(), machine).c_str());
    if (!debug) load_debug_info();
    report_error(result.error(), machine, debug ? &*debug : nullptr, profiler ? &*profiler : nullptr);
    status = STATUS_VM_ERROR;
  }
  if (o.dump_registers) std::fputs(format_registers(machine).c_str(), stdout);
  return status;
}

}  // namespace ckb_vm_run
