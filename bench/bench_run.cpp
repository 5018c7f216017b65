// Minimal driver for host-instruction counts (valgrind --tool=callgrind) and
// start-up latency: builds a machine, loads one ELF, runs it, prints the exit
// code, cycles and guest pc/registers checksum. No timing of its own.
//
//   bench_run [--version 0|1|2] [--isa imc|imcb|imcbmop...] [--cost estimate|constant|zero]
//             [--repeat N] PROGRAM [ARGS...]
//
// --repeat runs build + load + run N times (for latency profiles of short
// programs). ISA letters: "b" adds ISA_B, "mop" adds ISA_MOP, "a" ISA_A.
#include <ckb_vm/ckb_vm.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::uint32_t version = ckb_vm::VERSION2;
  std::uint8_t isa = ckb_vm::ISA_IMC | ckb_vm::ISA_B | ckb_vm::ISA_MOP;
  ckb_vm::InstructionCycleFunc cost = ckb_vm::estimate_cycles;
  int repeat = 1;
  int i = 1;
  for (; i < argc; ++i) {
    if (std::strcmp(argv[i], "--version") == 0 && i + 1 < argc) {
      version = static_cast<std::uint32_t>(std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--isa") == 0 && i + 1 < argc) {
      const std::string s = argv[++i];
      isa = ckb_vm::ISA_IMC;
      if (s.find('b') != std::string::npos) isa |= ckb_vm::ISA_B;
      if (s.find("mop") != std::string::npos) isa |= ckb_vm::ISA_MOP;
      if (s.find('a') != std::string::npos) isa |= ckb_vm::ISA_A;
    } else if (std::strcmp(argv[i], "--cost") == 0 && i + 1 < argc) {
      const std::string s = argv[++i];
      cost = s == "constant" ? ckb_vm::constant_cycles : s == "zero" ? ckb_vm::zero_cycles : ckb_vm::estimate_cycles;
    } else if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else {
      break;
    }
  }
  if (i >= argc) {
    std::fprintf(stderr, "usage: %s [--version V] [--isa ISA] [--cost C] [--repeat N] PROGRAM [ARGS...]\n", argv[0]);
    return 2;
  }
  std::ifstream f(argv[i], std::ios::binary);
  const std::vector<std::uint8_t> elf{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  std::vector<std::string> args;
  for (int k = i; k < argc; ++k) args.emplace_back(k == i ? "main" : argv[k]);
  int rc = 0;
  for (int r = 0; r < repeat; ++r) {
    auto vm = ckb_vm::MachineBuilder<>{}.isa(isa).version(version).instruction_cycle_func(cost).build();
    if (!vm.ok()) return 3;
    if (!vm->load_program(elf, args).ok()) return 4;
    auto result = vm->run();
    std::uint64_t sum = 0;
    for (std::uint64_t x : vm->registers()) sum = sum * 31 + x;
    if (r + 1 == repeat) {
      if (result.ok())
        std::printf("exit=%d cycles=%llu pc=0x%llx regs=%016llx\n", *result,
                    static_cast<unsigned long long>(vm->cycles()), static_cast<unsigned long long>(vm->pc()),
                    static_cast<unsigned long long>(sum));
      else
        std::printf("error=%s cycles=%llu pc=0x%llx regs=%016llx\n", result.error().to_string().c_str(),
                    static_cast<unsigned long long>(vm->cycles()), static_cast<unsigned long long>(vm->pc()),
                    static_cast<unsigned long long>(sum));
    }
    rc = result.ok() ? 0 : 1;
  }
  return rc;
}
