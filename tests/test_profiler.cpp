// Profiler: ELF symbol tables (including malformed files) and call-stack
// attribution of cycles in folded-stack form.
#include <doctest/doctest.h>

#include <ckb_vm/decoder.hpp>
#include <ckb_vm/profiler.hpp>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace ckb_vm;

namespace {

std::vector<std::uint8_t> read_program(const std::string& name) {
  std::ifstream f(std::string(CKB_VM_TEST_PROGRAMS_DIR) + "/" + name, std::ios::binary);
  REQUIRE_MESSAGE(f.good(), "missing test program " << name);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Decoded at compile time: an encoding the decoder rejected would not compile.
constexpr Instruction inst(std::uint32_t bits) { return *decode_instruction(bits, ISA_IMC, VERSION2); }

// Encodings (riscv64-unknown-elf-as): the call and return forms the profiler follows.
constexpr Instruction ADDI = inst(0x00150513);         // addi a0, a0, 1
constexpr Instruction CALL = inst(0x001000ef);         // jal ra, +0x800 (target irrelevant here)
constexpr Instruction CALL_REG = inst(0x000300e7);     // jalr ra, 0(t1)
constexpr Instruction RET = inst(0x00008067);          // jalr zero, 0(ra)
constexpr Instruction C_RET = inst(0x8082);            // c.jr ra
constexpr Instruction JUMP = inst(0x0000006f);         // jal zero, 0 (a tail call)
constexpr Instruction JUMP_REG = inst(0x00030067);     // jalr zero, 0(t1)

}  // namespace

TEST_CASE("profiler: function symbols of a test program") {
  const auto elf = read_program("sha256");
  auto table = SymbolTable::from_elf(elf);
  REQUIRE(table.ok());
  // riscv64-unknown-elf-nm -n sha256: _start 0x10000, memcpy 0x10024, sha256_block 0x100b6, main 0x10556
  const auto name_at = [&](std::uint64_t pc) {
    const std::size_t k = table->find(pc);
    return k == SymbolTable::npos ? std::string("-") : table->symbols()[k].name;
  };
  CHECK(name_at(0x10000) == "_start");
  CHECK(name_at(0x10024) == "memcpy");
  CHECK(name_at(0x100b6) == "sha256_block");
  CHECK(name_at(0x10200) == "sha256_block");
  CHECK(name_at(0x10556) == "main");
  CHECK(name_at(0xfffe) == "-");  // below every function
  for (const FunctionSymbol& s : table->symbols()) {
    CHECK_FALSE(s.name.empty());
    CHECK(s.name.find(".L") != 0);
  }
}

TEST_CASE("profiler: malformed ELF files are errors, never crashes") {
  const auto elf = read_program("sha256");
  // Every truncation.
  for (std::size_t n = 0; n < elf.size(); ++n) {
    const std::vector<std::uint8_t> cut(elf.begin(), elf.begin() + static_cast<std::ptrdiff_t>(n));
    auto t = SymbolTable::from_elf(cut);
    if (!t.ok()) CHECK(t.error().code == ErrorCode::ElfParseError);
  }
  // Every byte of the ELF header, the section headers and the symbol and
  // string tables set to 0x00, 0x7f and 0xff.
  const std::uint64_t shoff = elf[0x28] | std::uint64_t{elf[0x29]} << 8;
  std::vector<std::size_t> positions;
  for (std::size_t k = 0; k < 64; ++k) positions.push_back(k);
  for (std::size_t k = shoff; k < elf.size(); ++k) positions.push_back(k);
  for (std::size_t k = 0x2030; k < 0x2030 + 0x360 + 0x114 && k < elf.size(); k += 7) positions.push_back(k);
  int errors = 0;
  for (std::size_t k : positions) {
    for (std::uint8_t v : {std::uint8_t{0x00}, std::uint8_t{0x7f}, std::uint8_t{0xff}}) {
      std::vector<std::uint8_t> bad = elf;
      bad[k] = v;
      auto t = SymbolTable::from_elf(bad);
      if (!t.ok()) {
        CHECK(t.error().code == ErrorCode::ElfParseError);
        CHECK(t.error().message != nullptr);
        ++errors;
      }
    }
  }
  CHECK(errors > 0);
  CHECK(SymbolTable::from_elf(std::vector<std::uint8_t>{}).error().code == ErrorCode::ElfParseError);
  const std::string text = "#!/bin/sh\necho this is not an ELF file\n";
  CHECK_FALSE(SymbolTable::from_elf(std::vector<std::uint8_t>(text.begin(), text.end())).ok());
}

TEST_CASE("profiler: calls, returns and tail calls become folded stacks") {
  CallStackProfiler p(SymbolTable({{0x1000, 0x100, "main"}, {0x2000, 0x100, "work"}, {0x3000, 0, "leaf"},
                                   {0x4000, 0x10, "tail"}}));
  p.record(0x1000, ADDI, 1);
  p.record(0x1004, CALL, 3);      // main -> work
  p.record(0x2000, ADDI, 1);
  p.record(0x2004, CALL_REG, 3);  // work -> leaf
  p.record(0x3000, ADDI, 10);
  p.record(0x3004, C_RET, 3);     // leaf returns to work
  p.record(0x2008, JUMP, 3);      // work tail-calls tail: same frame, new function
  p.record(0x4000, ADDI, 2);
  p.record(0x4004, RET, 3);       // back to main
  p.record(0x1008, ADDI, 1);
  p.record(0x5000, ADDI, 7);      // outside every function
  CHECK(p.folded() ==
        "[unknown] 7\n"
        "main 5\n"
        "main;tail 5\n"
        "main;work 7\n"
        "main;work;leaf 13\n");
  CHECK(p.total_cycles() == 37);
  const auto self = p.self_cycles();
  REQUIRE(self.size() == 5);
  CHECK(self[0] == std::pair<std::string, std::uint64_t>{"leaf", 13});
  CHECK(self[1].first == "[unknown]");
}

TEST_CASE("profiler: returns unwind to the matching frame") {
  CallStackProfiler p(SymbolTable({{0x1000, 0x100, "a"}, {0x2000, 0x100, "b"}, {0x3000, 0x100, "c"}}));
  p.record(0x1000, CALL, 3);  // a -> b, returns to 0x1004
  p.record(0x2000, CALL, 3);  // b -> c, returns to 0x2004
  p.record(0x3000, RET, 3);   // c returns straight to a (like longjmp): two frames go
  p.record(0x1004, ADDI, 1);
  p.record(0x1008, JUMP_REG, 3);
  CHECK(p.folded() == "a 7\na;b 3\na;b;c 3\n");
  // A return with no frame left is harmless.
  p.record(0x100c, RET, 3);
  p.record(0x100c, ADDI, 1);
  CHECK(p.total_cycles() == 17);
}

TEST_CASE("profiler: names cannot break the folded format") {
  CallStackProfiler p(SymbolTable({{0x1000, 0, "odd name;with separators"}}));
  p.record(0x1000, ADDI, 2);
  CHECK(p.folded() == "odd_name_with_separators 2\n");
}
