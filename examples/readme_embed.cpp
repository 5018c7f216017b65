// The embedding example shown in README.md (tests check the two stay equal).
#include <ckb_vm/ckb_vm.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  std::ifstream file(argv[1], std::ios::binary);
  std::vector<std::uint8_t> elf((std::istreambuf_iterator<char>(file)), {});
  auto vm = ckb_vm::MachineBuilder<>{}
                .isa(ckb_vm::ISA_IMC | ckb_vm::ISA_B | ckb_vm::ISA_MOP)
                .version(ckb_vm::VERSION2)
                .instruction_cycle_func(ckb_vm::estimate_cycles)
                .max_cycles(70'000'000)
                .build();
  if (!vm || !vm->load_program(elf, std::vector<std::string>{"main"})) return 1;
  auto result = vm->run();
  if (!result) std::printf("error: %s\n", result.error().to_string().c_str());
  else std::printf("exit=%d cycles=%llu\n", *result, (unsigned long long)vm->cycles());
  return result ? 0 : 1;
}
