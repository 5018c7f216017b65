// DWARF line tables (detail/dwarf_line.hpp) against what binutils says about
// the committed test ELFs (tests/dwarf/: one program built with -g for DWARF
// 5, 4, 3 and 2), plus hand-made and corrupted inputs, which must give an
// ElfParseError or a table, never a crash.
#include <doctest/doctest.h>

#include <ckb_vm/detail/dwarf_line.hpp>
#include <ckb_vm/elf.hpp>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace dwarf_line_tests {

using namespace ckb_vm;

namespace {

std::string dwarf_dir() { return std::string(CKB_VM_SOURCE_DIR) + "/tests/dwarf"; }

std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE_MESSAGE(f.good(), "missing " << path);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream f(path);
  REQUIRE_MESSAGE(f.good(), "missing " << path);
  std::vector<std::string> out;
  for (std::string line; std::getline(f, line);) out.push_back(line);
  return out;
}

bool ends_with_path(std::string_view full, std::string_view tail) {
  if (full == tail) return true;
  return full.size() > tail.size() && full.ends_with(tail) && full[full.size() - tail.size() - 1] == '/';
}

// A .debug_line unit (DWARF 3, 32-bit) around a given program, with one file.
std::vector<std::uint8_t> unit_v3(const std::vector<std::uint8_t>& program, std::uint8_t line_range = 14,
                                  std::uint8_t opcode_base = 13) {
  std::vector<std::uint8_t> header = {1 /* min_inst_length */, 1 /* default_is_stmt */, 0xfb /* line_base -5 */,
                                      line_range, opcode_base};
  const std::uint8_t lengths[12] = {0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1};
  for (unsigned k = 1; k < opcode_base; ++k) header.push_back(k <= 12 ? lengths[k - 1] : 1);
  header.push_back(0);  // no include directories
  for (char c : std::string("a.c")) header.push_back(static_cast<std::uint8_t>(c));
  header.insert(header.end(), {0, 0, 0, 0});  // NUL, dir, mtime, length
  header.push_back(0);                       // end of files
  std::vector<std::uint8_t> unit = {3, 0};   // version
  detail::bytes::append_le(unit, static_cast<std::uint32_t>(header.size()));
  // (Byte by byte: GCC 12 -O3 warns falsely about range inserts here.)
  for (std::uint8_t b : header) unit.push_back(b);
  for (std::uint8_t b : program) unit.push_back(b);
  std::vector<std::uint8_t> out;
  detail::bytes::append_le(out, static_cast<std::uint32_t>(unit.size()));
  for (std::uint8_t b : unit) out.push_back(b);
  return out;
}

std::vector<std::uint8_t> set_address(std::uint64_t a) {
  std::vector<std::uint8_t> out = {0, 9, 2};
  detail::bytes::append_le(out, a);
  return out;
}
const std::vector<std::uint8_t> END_SEQUENCE = {0, 1, 1};

std::vector<std::uint8_t> cat(std::initializer_list<std::vector<std::uint8_t>> parts) {
  std::vector<std::uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace

TEST_CASE("dwarf line: every version of the test program agrees with addr2line and objdump") {
  for (const std::string version : {"5", "4", "3", "2"}) {
    CAPTURE(version);
    const std::string name = "prog_v" + version;
    const auto elf = read_bytes(dwarf_dir() + "/bin/" + name);
    const Result<LineTable> table = LineTable::from_elf(elf);
    REQUIRE(table.ok());
    CHECK_FALSE(table->empty());

    // addr2line at every 2nd address of the code: "0x10000 /path/file.cpp:32 (discriminator 3)".
    int located = 0;
    for (const std::string& row : read_lines(dwarf_dir() + "/expected/" + name + ".addr2line")) {
      CAPTURE(row);
      std::istringstream in(row);
      std::string address_text, where;
      in >> address_text >> where;
      const std::uint64_t address = std::stoull(address_text, nullptr, 16);
      const auto colon = where.rfind(':');
      REQUIRE(colon != std::string::npos);
      const std::string file = where.substr(0, colon);
      const std::string line = where.substr(colon + 1);
      const std::optional<SourceLine> ours = table->find(address);
      if (file == "??") {
        CHECK_FALSE(ours.has_value());
        continue;
      }
      REQUIRE(ours.has_value());
      CHECK(ends_with_path(file, ours->file));
      CHECK(std::to_string(ours->line) == line);
      ++located;
    }
    CHECK(located > 150);

    // objdump --dwarf=decodedline rows "address file line": the last row at an
    // address describes it (unless that address ends a sequence).
    std::map<std::uint64_t, std::pair<std::string, std::string>> last;
    for (const std::string& row : read_lines(dwarf_dir() + "/expected/" + name + ".lines")) {
      std::istringstream in(row);
      std::string address_text, file, line;
      in >> address_text >> file >> line;
      last[std::stoull(address_text, nullptr, 16)] = {file, line};
    }
    CHECK(last.size() > 40);
    for (const auto& row : last) {
      // A plain variable: Clang 14 cannot capture a structured binding in CAPTURE's lambda.
      const std::uint64_t address = row.first;
      const auto& expected = row.second;
      CAPTURE(address);
      const std::optional<SourceLine> ours = table->find(address);
      if (!ours) continue;  // the end of a sequence
      CHECK(ends_with_path(ours->file, expected.first));
      CHECK(std::to_string(ours->line) == expected.second);
    }
  }
}

TEST_CASE("dwarf line: names, files and lines of known functions") {
  const auto elf = read_bytes(dwarf_dir() + "/bin/prog_v5");
  const Result<LineTable> lines = LineTable::from_elf(elf);
  const Result<SymbolTable> symbols = SymbolTable::from_elf(elf);
  REQUIRE(lines.ok());
  REQUIRE(symbols.ok());
  std::map<std::string, std::string> where;
  for (std::size_t k = 0; k < symbols->size(); ++k)
    where[symbols->display_name(k)] = lines->describe(symbols->symbols()[k].address);
  // Demangled C++ names; C names as they are.
  // (addr2line's answers at the functions' first instructions.)
  CHECK(where["calc::mix(unsigned long, int)"] == "prog.cpp:17");
  CHECK(where["calc::fold(unsigned long const*, int)"] == "prog.cpp:23");
  CHECK(where["calc::fib(unsigned long)"] == "prog.cpp:32");
  CHECK(where["unsigned int calc::twice<unsigned int>(unsigned int)"] == "prog.cpp:28");
  CHECK(where["main"] == "prog.cpp:36");
  CHECK(where["_start"] == "prog.cpp:52");
  CHECK(where["c_sum"] == "helper.c:9");
  CHECK(where["c_fault"] == "helper.c:15");
  CHECK(demangle_symbol("_ZN4calc3mixEmi") == "calc::mix(unsigned long, int)");
  CHECK(demangle_symbol("_Znot a name") == "_Znot a name");
  CHECK(demangle_symbol("main") == "main");
  // Stripped of line tables: an empty table, no error.
  const auto plain = read_bytes(std::string(CKB_VM_TEST_PROGRAMS_DIR) + "/sha256");
  const Result<LineTable> none = LineTable::from_elf(plain);
  REQUIRE(none.ok());
  CHECK(none->empty());
  CHECK(none->describe(0x10000).empty());
}

TEST_CASE("dwarf line: hand-made programs") {
  // special opcodes, advance_pc, advance_line, const_add_pc, fixed_advance_pc
  const auto program = cat({set_address(0x1000),
                            {0x01},                         // copy: 0x1000 line 1
                            {0x02, 0x04},                   // advance_pc 4
                            {0x03, 0x09},                   // advance_line +9 -> 10
                            {0x01},                         // copy: 0x1004 line 10
                            {static_cast<std::uint8_t>(13 + 5 + 14 * 2)},  // special: +2 addr, +0 line
                            {0x09, 0x10, 0x00},             // fixed_advance_pc 16 -> 0x1016
                            {0x03, 0x7f},                   // advance_line -1 -> 9
                            {0x01},
                            {0x08},                         // const_add_pc: (255-13)/14 = 17 -> 0x1027
                            END_SEQUENCE});
  const auto bytes = unit_v3(program);
  const Result<LineTable> t = LineTable::parse(bytes, {}, {});
  REQUIRE(t.ok());
  CHECK(t->describe(0x0fff).empty());
  CHECK(t->describe(0x1000) == "a.c:1");
  CHECK(t->describe(0x1003) == "a.c:1");
  CHECK(t->describe(0x1004) == "a.c:10");
  CHECK(t->describe(0x1006) == "a.c:10");
  CHECK(t->describe(0x1016) == "a.c:9");
  CHECK(t->describe(0x1026) == "a.c:9");
  CHECK(t->describe(0x1027).empty());  // end of the sequence
  // A sequence without an end is dropped; a file index out of range is "??".
  const auto open_ended = unit_v3(cat({set_address(0x2000), {0x04, 0x07}, {0x01}, {0x02, 0x04}, {0x01}}));
  const Result<LineTable> o = LineTable::parse(open_ended, {}, {});
  REQUIRE(o.ok());
  CHECK(o->empty());
  const auto bad_file = unit_v3(cat({set_address(0x2000), {0x04, 0x07}, {0x01}, {0x02, 0x04}, END_SEQUENCE}));
  const Result<LineTable> b = LineTable::parse(bad_file, {}, {});
  REQUIRE(b.ok());
  CHECK(b->describe(0x2000) == "??:1");
}

TEST_CASE("dwarf line: malformed headers are errors") {
  const auto fine = unit_v3(cat({set_address(0x1000), {0x01}, {0x02, 0x04}, END_SEQUENCE}));
  REQUIRE(LineTable::parse(fine, {}, {}).ok());
  const auto error = [](const std::vector<std::uint8_t>& bytes) {
    const Result<LineTable> t = LineTable::parse(bytes, {}, {});
    return !t.ok() && t.error().code == ErrorCode::ElfParseError && t.error().message != nullptr;
  };
  CHECK(error(unit_v3({0x01}, /*line_range=*/0)));
  CHECK(error(unit_v3({0x00, 0x00})));                          // extended opcode of length 0
  CHECK(error(unit_v3({0x00, 0x80, 0x80, 0x80, 0x80, 0x10})));  // extended length beyond the unit
  CHECK(error(unit_v3({0x00, 0x0a, 0x02, 1, 2, 3, 4, 5, 6, 7, 8, 9})));  // 9-byte address
  CHECK(error(unit_v3({0x02, 0x80})));                          // truncated LEB128
  CHECK(error(unit_v3({0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})));  // LEB128 over 64 bits
  auto bad_version = fine;
  bad_version[4] = 6;
  CHECK(error(bad_version));
  auto long_unit = fine;
  long_unit[0] = static_cast<std::uint8_t>(long_unit[0] + 1);
  CHECK(error(long_unit));
  auto reserved = fine;
  reserved[0] = 0xf0, reserved[1] = 0xff, reserved[2] = 0xff, reserved[3] = 0xff;
  CHECK(error(reserved));
  auto long_header = fine;
  long_header[6] = 0xff;  // header_length
  CHECK(error(long_header));
  CHECK(error(std::vector<std::uint8_t>{0x01, 0x00}));  // a truncated unit length
  // DWARF 5 with a file table claiming 2^63 entries, and one with no entry format.
  std::vector<std::uint8_t> v5 = {5, 0, 8, 0};
  std::vector<std::uint8_t> h = {1, 1, 1, 0xfb, 14, 13, 0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1};
  h.insert(h.end(), {1, 1, 0x08, 1, 'd', 0});  // directories: (path, string) x1 "d"
  auto huge = h;
  huge.insert(huge.end(), {1, 1, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f});
  auto formatless = h;
  formatless.insert(formatless.end(), {0, 5});
  for (const auto* header : {&huge, &formatless}) {
    std::vector<std::uint8_t> unit = v5;
    detail::bytes::append_le(unit, static_cast<std::uint32_t>(header->size()));
    unit.insert(unit.end(), header->begin(), header->end());
    std::vector<std::uint8_t> bytes;
    detail::bytes::append_le(bytes, static_cast<std::uint32_t>(unit.size()));
    bytes.insert(bytes.end(), unit.begin(), unit.end());
    CHECK(error(bytes));
  }
}

TEST_CASE("dwarf line: corrupted sections of the test program never crash") {
  const auto elf = read_bytes(dwarf_dir() + "/bin/prog_v5");
  const Result<ElfSections> sections = ElfSections::parse(elf);
  REQUIRE(sections.ok());
  const auto line = sections->contents(".debug_line");
  const auto line_str = sections->contents(".debug_line_str");
  REQUIRE(line.size() > 100);
  REQUIRE(line_str.size() > 10);
  const std::vector<std::uint8_t> original(line.begin(), line.end());
  int errors = 0, tables = 0;
  const auto run = [&](const std::vector<std::uint8_t>& bytes) {
    const Result<LineTable> t = LineTable::parse(bytes, line_str, {});
    if (t.ok()) {
      ++tables;
      for (const LineTable::Range& r : t->ranges()) CHECK(r.begin < r.end);
    } else {
      ++errors;
      CHECK(t.error().code == ErrorCode::ElfParseError);
    }
  };
  for (std::size_t n = 0; n <= original.size(); ++n)
    run(std::vector<std::uint8_t>(original.begin(), original.begin() + static_cast<std::ptrdiff_t>(n)));
  for (std::size_t k = 0; k < original.size(); ++k) {
    for (std::uint8_t v : {std::uint8_t{0x00}, std::uint8_t{0x80}, std::uint8_t{0xff}}) {
      auto bad = original;
      bad[k] = v;
      run(bad);
    }
  }
  CHECK(errors > 0);
  CHECK(tables > 0);
  // And through the ELF: every byte of the section headers.
  const std::uint64_t shoff = detail::bytes::load_le<std::uint64_t>(elf.data() + 0x28);
  for (std::size_t k = shoff; k < elf.size(); ++k) {
    auto bad = elf;
    bad[k] = 0xff;
    const Result<LineTable> t = LineTable::from_elf(bad);
    if (!t.ok()) CHECK(t.error().code == ErrorCode::ElfParseError);
  }
}

}  // namespace dwarf_line_tests
