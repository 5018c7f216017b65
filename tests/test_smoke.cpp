// Smoke test for the build scaffolding: checks a few real properties of
// error.hpp so that ckb_vm_tests always runs something.
#include <doctest/doctest.h>

#include <ckb_vm/ckb_vm.hpp>

#include <string>

TEST_CASE("smoke: Result<int> holds a value or an error") {
  ckb_vm::Result<int> ok = 42;
  REQUIRE(ok.ok());
  CHECK(*ok == 42);
  CHECK(ok.value_or(7) == 42);

  ckb_vm::Result<int> bad = ckb_vm::ErrorCode::MemOutOfBound;
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error() == ckb_vm::ErrorCode::MemOutOfBound);
  CHECK(bad.value_or(7) == 7);
}

TEST_CASE("smoke: error names and to_string") {
  CHECK(ckb_vm::error_code_name(ckb_vm::ErrorCode::MemOutOfBound) == "MemOutOfBound");
  const std::string s = ckb_vm::Error::invalid_instruction(0x100b0, 0xffffffffu).to_string();
  CHECK(s.find("InvalidInstruction") == 0);
  CHECK(s.find("pc=0x100b0") != std::string::npos);
}

TEST_CASE("smoke: memory constants") {
  CHECK(ckb_vm::RISCV_MAX_MEMORY == 4u * 1024 * 1024);
  CHECK(ckb_vm::RISCV_PAGES * ckb_vm::RISCV_PAGESIZE == ckb_vm::RISCV_MAX_MEMORY);
}
