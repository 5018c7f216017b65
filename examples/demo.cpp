// Placeholder demo: reports the size of the program file it is given.
// It will be replaced by a demo that loads the program into the VM and runs it.
#include <ckb_vm/ckb_vm.hpp>

#include <cstdio>
#include <filesystem>
#include <system_error>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PROGRAM\n", argv[0]);
    return 2;
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(argv[1], ec);
  if (ec) {
    std::fprintf(stderr, "demo: cannot read %s: %s\n", argv[1], ec.message().c_str());
    return 1;
  }
  std::printf("demo: %s is %llu bytes\n", argv[1], static_cast<unsigned long long>(size));
  std::printf("demo: placeholder only; the VM cannot run programs yet (memory limit will be %llu bytes)\n",
              static_cast<unsigned long long>(ckb_vm::RISCV_MAX_MEMORY));
  return 0;
}
