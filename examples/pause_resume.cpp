// Pausing a long-running VM from another thread, then resuming it.
//
// Shows: a Pause handle shared by the machine (MachineBuilder::pause) and a
// watchdog thread; run() returning ErrorCode::Pause at an instruction
// boundary with registers, pc and cycles intact; run() again continuing from
// there; and a cycle budget as the deterministic alternative to a timer.
//
//   pause_resume tests/programs/bin/infinite_loop
//
// The guest never exits: `addi t0, zero, 0`, then forever `addi t0, t0, 1;
// j loop`, so after any whole iteration t0 == (cycles - 1) / 4.
#include <ckb_vm/ckb_vm.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

using namespace ckb_vm;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PROGRAM\n", argv[0]);
    return 2;
  }
  std::ifstream file(argv[1], std::ios::binary);
  const std::vector<std::uint8_t> program((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());

  Pause pause;  // copies share one flag
  auto machine =
      MachineBuilder<>{}.isa(ISA_IMC).version(VERSION2).instruction_cycle_func(estimate_cycles).pause(pause).build();
  if (!machine.ok() || !machine->load_program(program, std::vector<std::string>{"loop"}).ok()) return 1;

  bool consistent = true;
  const auto report = [&](const char* what, const Result<std::int8_t>& r) {
    const std::uint64_t cycles = machine->cycles(), t0 = machine->registers()[registers::T0];
    const bool ok = t0 == (cycles - 1) / 4;
    consistent = consistent && ok;
    std::printf("%s: run() returned %s at cycles=%llu, t0=%llu (%s)\n", what,
                r.ok() ? "an exit" : std::string(r.error().name()).c_str(), static_cast<unsigned long long>(cycles),
                static_cast<unsigned long long>(t0), ok ? "consistent" : "INCONSISTENT");
    return r.ok() ? ErrorCode::Unexpected : r.error().code;
  };

  // Three times: a watchdog thread interrupts the run after 20 ms; run() again resumes it.
  for (int round = 1; round <= 3; ++round) {
    std::thread watchdog([pause] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      pause.interrupt();
    });
    const auto result = machine->run();
    watchdog.join();
    const std::string what = "pause " + std::to_string(round);
    if (report(what.c_str(), result) != ErrorCode::Pause) return 1;
  }

  // A cycle budget stops it at an exact point instead: 1000000 more cycles is
  // 250000 more iterations of the 4-cycle loop.
  const std::uint64_t t0_before = machine->registers()[registers::T0];
  machine->set_max_cycles(machine->cycles() + 1'000'000);
  if (report("budget", machine->run()) != ErrorCode::CyclesExceeded) return 1;
  std::printf("iterations under the budget: %llu\n",
              static_cast<unsigned long long>(machine->registers()[registers::T0] - t0_before));
  return consistent ? 0 : 1;
}
