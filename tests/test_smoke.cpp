// Smoke test for the build scaffolding: checks a few real properties of
// error.hpp so that ckb_vm_tests always runs something.
#include <doctest/doctest.h>

#include <ckb_vm/ckb_vm.hpp>

#include <string>
#include <type_traits>

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

// Symbols carry the header version (inline namespace), so two copies of the
// headers at different versions linked into one program cannot collide.
static_assert(std::is_same_v<ckb_vm::Opcode, ckb_vm::CKB_VM_NAMESPACE::Opcode>);

TEST_CASE("smoke: version macros name the inline namespace") {
  const std::string expected = "v" + std::to_string(CKB_VM_VERSION_MAJOR) + "_" +
                               std::to_string(CKB_VM_VERSION_MINOR) + "_" +
                               std::to_string(CKB_VM_VERSION_PATCH);
#define CKB_VM_TEST_STR2(x) #x
#define CKB_VM_TEST_STR(x) CKB_VM_TEST_STR2(x)
  CHECK(std::string(CKB_VM_TEST_STR(CKB_VM_NAMESPACE)) == expected);
#undef CKB_VM_TEST_STR
#undef CKB_VM_TEST_STR2
  CHECK(std::string(CKB_VM_TEST_PROJECT_VERSION) ==
        std::to_string(CKB_VM_VERSION_MAJOR) + "." + std::to_string(CKB_VM_VERSION_MINOR) + "." +
            std::to_string(CKB_VM_VERSION_PATCH));
}

TEST_CASE("smoke: every error code has its own ckb-vm name") {
  CHECK(ckb_vm::ERROR_CODE_COUNT == 24);
  for (std::size_t i = 0; i < ckb_vm::ERROR_CODE_COUNT; ++i) {
    const auto name = ckb_vm::error_code_name(static_cast<ckb_vm::ErrorCode>(i));
    CHECK(name != "Unknown");
    for (std::size_t j = 0; j < i; ++j)
      CHECK(name != ckb_vm::error_code_name(static_cast<ckb_vm::ErrorCode>(j)));
  }
  CHECK(ckb_vm::error_code_name(ckb_vm::ErrorCode::Yield) == "Yield");
  CHECK(ckb_vm::error_code_name(static_cast<ckb_vm::ErrorCode>(200)) == "Unknown");
}
