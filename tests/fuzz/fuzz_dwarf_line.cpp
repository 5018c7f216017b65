// libFuzzer target for the DWARF line-table reader (detail/dwarf_line.hpp) and
// the ELF section/symbol reader behind it (ElfSections, SymbolTable in elf.hpp).
//
// Every input is used twice: as the contents of a .debug_line section (the
// input also standing in for .debug_line_str, so DW_FORM_line_strp offsets
// land somewhere), and as a whole ELF file. Each parse must return a table or
// an ElfParseError with a message; a table's ranges must be non-empty, sorted
// by start, and every lookup of a range's first address must land in a range
// containing it. Crashes, leaks and undefined behaviour are the sanitizers'
// to catch; the corpus (tests/fuzz/corpus/dwarf_line) holds the .debug_line
// sections of tests/dwarf/bin/prog_v5 and prog_v2 and the prog_v4 ELF.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "fuzz_check.hpp"
#include "ckb_vm/detail/dwarf_line.hpp"
#include "ckb_vm/elf.hpp"

namespace {

using namespace ckb_vm;

void check_table(const Result<LineTable>& t) {
  if (!t.ok()) {
    FUZZ_CHECK(t.error().code == ErrorCode::ElfParseError);
    FUZZ_CHECK(t.error().message != nullptr);
    return;
  }
  const auto ranges = t->ranges();
  for (std::size_t k = 0; k < ranges.size(); ++k) {
    FUZZ_CHECK(ranges[k].begin < ranges[k].end);
    if (k > 0) FUZZ_CHECK(ranges[k - 1].begin <= ranges[k].begin);
    FUZZ_CHECK(ranges[k].file == LineTable::NO_FILE || ranges[k].file < t->files().size());
    const auto found = t->find(ranges[k].begin);
    FUZZ_CHECK(found.has_value());
    (void)t->describe(ranges[k].end);
  }
  (void)t->find(0);
  (void)t->find(~std::uint64_t{0});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  check_table(LineTable::parse(input, input, input, true));
  check_table(LineTable::parse(input, {}, {}, false));
  check_table(LineTable::from_elf(input));
  const Result<SymbolTable> symbols = SymbolTable::from_elf(input);
  if (symbols.ok()) {
    const auto list = symbols->symbols();
    for (std::size_t k = 0; k < list.size(); ++k) {
      if (k > 0) FUZZ_CHECK(list[k - 1].address < list[k].address);
      FUZZ_CHECK(symbols->find(list[k].address) == k);
      FUZZ_CHECK(symbols->starts_function(list[k].address));
    }
  } else {
    FUZZ_CHECK(symbols.error().code == ErrorCode::ElfParseError);
  }
  return 0;
}
