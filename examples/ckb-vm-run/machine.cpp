// The machine ckb-vm-run runs: builder settings, CKB's debug syscall, and the
// one-instruction-at-a-time loop behind --trace and --pprof.
#include <ckb_vm/disassembler.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli.hpp"

namespace ckb_vm_run {

namespace {

// CKB's debug syscall: a7 = 2177, a0 = address of a NUL-terminated string,
// printed to stderr. Reading stops at the end of memory (MemOutOfBound).
class DebugSyscall final : public Syscalls<Core> {
 public:
  Status initialize(Core&) override { return {}; }
  Result<bool> ecall(Core& machine) override {
    if (machine.registers()[registers::A7] != DEBUG_SYSCALL) return false;
    auto& memory = machine.memory();
    std::uint64_t address = machine.registers()[registers::A0];
    std::string text;
    std::uint8_t chunk[RISCV_PAGESIZE];
    for (;;) {
      if (address >= memory.memory_size()) {
        Error e = Error::at_address(ErrorCode::MemOutOfBound, address);
        e.message = "debug syscall: the string does not end inside memory";
        return e;
      }
      // Up to the end of this page (and of memory).
      const std::uint64_t n = std::min(RISCV_PAGESIZE - address % RISCV_PAGESIZE, memory.memory_size() - address);
      const std::span<std::uint8_t> view(chunk, static_cast<std::size_t>(n));
      CKB_VM_TRY(memory.load_bytes_into(address, view));
      const auto nul = std::find(view.begin(), view.end(), std::uint8_t{0});
      text.append(view.begin(), nul);
      if (nul != view.end()) break;
      address += n;
    }
    // As CKB's debug syscall: the string's bytes at 4 per cycle, not checked
    // against the limit.
    CKB_VM_TRY(machine.add_cycles_no_checking((text.size() + 3) / 4));
    std::fflush(stdout);  // keep order with --trace output on a terminal
    text += '\n';
    std::fwrite(text.data(), 1, text.size(), stderr);
    return true;
  }
};

}  // namespace

Machine build_machine(const Config& c, std::uint64_t max_cycles) {
  MachineBuilder<> builder;
  builder.isa(c.isa)
      .version(c.version)
      .max_cycles(max_cycles)
      .memory_size(c.memory)
      .instruction_cycle_func(cost_function(c.cost))
      .syscall(std::make_unique<DebugSyscall>());
  Result<Machine> machine = builder.build();
  if (!machine.ok()) fail("cannot build the machine: " + machine.error().to_string());
  return std::move(machine).value();
}

Result<std::int8_t> run_stepping(Machine& m, const Config& c, bool trace, CallStackProfiler* profiler) {
  if ((c.isa & ISA_MOP) != 0 && c.version == VERSION0) return ErrorCode::InvalidVersion;
  Decoder decoder(c.isa, c.version, cost_function(c.cost));
  m.set_running(true);
  while (m.running()) {
    const std::uint64_t pc = m.pc();
    const std::uint64_t before = m.cycles();
    const Result<Instruction> inst = decoder.decode(m.memory(), pc);
    const Status s = m.step();
    if (!inst.ok()) return s.ok() ? inst.error() : s.error();  // step() reports the same decode error
    if (!s.ok() && s.error().code == ErrorCode::CyclesExceeded && m.cycles() == before)
      return s.error();  // not executed
    if (profiler != nullptr) profiler->record(pc, *inst, m.cycles() - before);
    if (trace) {
      const std::string text = disassemble(*inst, pc);
      std::printf("0x%08llx  %-34s cycles=%llu%s%s\n", static_cast<unsigned long long>(pc), text.c_str(),
                  static_cast<unsigned long long>(m.cycles()), s.ok() ? "" : "  <- ",
                  s.ok() ? "" : std::string(s.error().name()).c_str());
    }
    if (!s.ok()) return s.error();
    // Only a syscall can replace the program (exec): decode afresh after one.
    if (inst->op == Opcode::ECALL) decoder.reset_cache();
  }
  return m.exit_code();
}

Result<std::int8_t> run_profiled(Machine& m, const Config& c, CallStackProfiler& profiler) {
  ProfileObserver<Machine> observer(profiler, m, c.isa, c.version, cost_function(c.cost));
  return m.run_observed(observer);
}

}  // namespace ckb_vm_run
