// The README's demo: loads a RISC-V ELF the way a CKB node does (VM version 2,
// IMC + B + MOP, CKB's cycle table), runs it and prints its exit code and the
// cycles it consumed.
//
//   demo PROGRAM [ARGS...]
#include <ckb_vm/ckb_vm.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PROGRAM [ARGS...]\n", argv[0]);
    return 2;
  }
  std::ifstream file(argv[1], std::ios::binary);
  if (!file) {
    std::fprintf(stderr, "demo: cannot open %s\n", argv[1]);
    return 2;
  }
  const std::vector<std::uint8_t> program((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());

  // What the loader will do with the file.
  auto metadata = ckb_vm::parse_elf(program, ckb_vm::VERSION2);
  if (!metadata.ok()) {
    std::fprintf(stderr, "demo: %s\n", metadata.error().to_string().c_str());
    return 1;
  }
  std::printf("entry 0x%llx, %zu segment(s)\n", static_cast<unsigned long long>(metadata->entry),
              metadata->actions.size());
  for (const auto& a : metadata->actions)
    std::printf("  load 0x%06llx..0x%06llx flags=%u from file bytes [%llu, %llu)\n",
                static_cast<unsigned long long>(a.addr), static_cast<unsigned long long>(a.addr + a.size),
                static_cast<unsigned>(a.flags), static_cast<unsigned long long>(a.source_begin),
                static_cast<unsigned long long>(a.source_end));

  auto machine = ckb_vm::MachineBuilder<>{}
                     .isa(ckb_vm::ISA_IMC | ckb_vm::ISA_B | ckb_vm::ISA_MOP)
                     .version(ckb_vm::VERSION2)
                     .instruction_cycle_func(ckb_vm::estimate_cycles)
                     .max_cycles(70'000'000)
                     .build();
  if (!machine.ok()) return 1;
  std::vector<std::string> args(argv + 1, argv + argc);  // argv[0] is the program name
  if (auto loaded = machine->load_program(program, args); !loaded.ok()) {
    std::fprintf(stderr, "demo: load failed: %s\n", loaded.error().to_string().c_str());
    return 1;
  }
  auto result = machine->run();
  if (!result.ok()) {
    std::printf("error %s after %llu cycles\n", result.error().to_string().c_str(),
                static_cast<unsigned long long>(machine->cycles()));
    return 1;
  }
  std::printf("exit code %d, %llu cycles\n", static_cast<int>(*result),
              static_cast<unsigned long long>(machine->cycles()));
  return *result == 0 ? 0 : 1;
}
