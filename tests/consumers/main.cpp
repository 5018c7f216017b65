// Shared by the consumer projects: includes the umbrella header from the
// installed or source tree and uses real types and constants from it.
#include <ckb_vm/ckb_vm.hpp>

#include <cstdint>
#include <cstdio>

int main() {
  ckb_vm::Result<std::uint64_t> memory = ckb_vm::RISCV_MAX_MEMORY;
  ckb_vm::Result<std::uint64_t> fault =
      ckb_vm::Error::at_address(ckb_vm::ErrorCode::MemOutOfBound, ckb_vm::RISCV_MAX_MEMORY);
  if (!memory.ok() || *memory != (std::uint64_t{4} << 20) || fault.ok() || fault.error().name() != "MemOutOfBound") {
    std::puts("consumer: unexpected values from ckb_vm headers");
    return 1;
  }
  std::printf("consumer: RISCV_MAX_MEMORY=%llu, %s\n", static_cast<unsigned long long>(*memory),
              fault.error().to_string().c_str());
  return 0;
}
