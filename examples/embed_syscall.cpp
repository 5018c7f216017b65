// Embedding ckb-vm-cpp with a syscall of the host's own.
//
// Shows: a Syscalls<Core> handler that reads its arguments from registers,
// copies host data into guest memory (CKB's partial-loading convention:
// buffer, in/out length, offset, index) and returns a status in a0; a
// MachineBuilder that installs it; and reading the guest's result back.
//
//   embed_syscall examples/guest/bin/items
//
// The guest (examples/guest/items.c) loads items 0, 1, 2, ... until the
// handler reports there are no more, and exits with a hash of their bytes.
#include <ckb_vm/ckb_vm.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace ckb_vm;
using Core = DefaultCoreMachine<>;

class LoadItem final : public Syscalls<Core> {
 public:
  explicit LoadItem(std::vector<std::string> items) : items_(std::move(items)) {}

  Status initialize(Core&) override { return {}; }

  Result<bool> ecall(Core& machine) override {
    const auto& r = machine.registers();
    if (r[registers::A7] != 3000) return false;  // not ours: let the next handler try
    const std::uint64_t buffer = r[registers::A0], size_address = r[registers::A1];
    const std::uint64_t offset = r[registers::A2], index = r[registers::A3];
    if (index >= items_.size()) {
      machine.set_register(registers::A0, 1);  // no such item
      return true;
    }
    const std::string& item = items_[index];
    auto capacity = machine.memory().load64(size_address);  // guest memory errors stop the VM
    if (!capacity.ok()) return capacity.error();
    const std::uint64_t start = std::min<std::uint64_t>(offset, item.size());
    const std::uint64_t n = std::min<std::uint64_t>(*capacity, item.size() - start);
    CKB_VM_TRY(machine.memory().store_bytes(buffer, as_bytes(item).subspan(start, n)));
    CKB_VM_TRY(machine.memory().store64(size_address, item.size() - start));  // full length
    machine.set_register(registers::A0, 0);
    return true;
  }

 private:
  std::vector<std::string> items_;
};

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PROGRAM\n", argv[0]);
    return 2;
  }
  std::ifstream file(argv[1], std::ios::binary);
  const std::vector<std::uint8_t> program((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());

  const std::vector<std::string> items = {"hello, guest", std::string(5000, 'x'), "the last item"};
  auto machine = MachineBuilder<>{}
                     .isa(ISA_IMC | ISA_B | ISA_MOP)
                     .version(VERSION2)
                     .instruction_cycle_func(estimate_cycles)
                     .max_cycles(100'000'000)
                     .syscall(std::make_unique<LoadItem>(items))
                     .build();
  if (!machine.ok()) return 1;
  if (auto loaded = machine->load_program(program, std::vector<std::string>{"items"}); !loaded.ok()) {
    std::fprintf(stderr, "load failed: %s\n", loaded.error().to_string().c_str());
    return 1;
  }
  auto result = machine->run();
  if (!result.ok()) {
    std::printf("error %s\n", result.error().to_string().c_str());
    return 1;
  }

  // The same hash on the host side: FNV-1a 64 over each item, 8 times.
  std::uint64_t expected = 0xcbf29ce484222325u;
  for (const std::string& item : items)
    for (int round = 0; round < 8; ++round)
      for (unsigned char c : item) expected = (expected ^ c) * 0x100000001b3u;
  const std::uint64_t got = machine->registers()[registers::A0];
  std::printf("guest hash 0x%016llx, host hash 0x%016llx: %s\n", static_cast<unsigned long long>(got),
              static_cast<unsigned long long>(expected), got == expected ? "match" : "MISMATCH");
  std::printf("exit=%d cycles=%llu\n", *result, static_cast<unsigned long long>(machine->cycles()));
  return got == expected ? 0 : 1;
}
