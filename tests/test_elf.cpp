// Tests for include/ckb_vm/elf.hpp: parse_elf / convert_flags / load_binary
// against the behaviour of ckb-vm 0.24 (src/elf.rs, load_binary_inner) and the
// goblin 0.2.3 / 0.4.0 header and program-header readers it calls.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "ckb_vm/elf.hpp"
#include "ckb_vm/memory.hpp"
#include "support/elf_writer.hpp"

namespace elf_tests {

using namespace ckb_vm;

namespace {

constexpr std::array<std::uint32_t, 3> kVersions = {VERSION0, VERSION1, VERSION2};
constexpr std::uint64_t U64_MAX = ~std::uint64_t{0};

// Hand-made images (support/elf_writer.hpp): every field as the spec says, the
// bytes outside the header and the table a pattern (so loaded bytes show where
// in the file they came from).

using elfw::ElfSpec;
using elfw::Phdr;
using elfw::put;

std::uint8_t pattern_byte(std::size_t i) { return static_cast<std::uint8_t>(i * 131 + 7); }

std::vector<std::uint8_t> build_elf(const ElfSpec& s) { return elfw::write(s, pattern_byte); }

// The "usual" program: R+X text at 0x10000 and R+W data (with bss) at 0x11000.
ElfSpec two_segment_spec() {
  ElfSpec s;
  s.entry = 0x10000;
  s.phdrs = {
      Phdr{ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x1000, 0x10000, 0x10000, 0x100, 0x100, 0x1000},
      Phdr{ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x2000, 0x11000, 0x11000, 0x80, 0x3000, 0x1000},
  };
  s.file_size = 0x2080;
  return s;
}

ElfSpec one_segment_spec(Phdr p, std::size_t file_size = 0x2000) {
  ElfSpec s;
  s.phdrs = {p};
  s.file_size = file_size;
  return s;
}

Result<ProgramMetadata> parse(const std::vector<std::uint8_t>& bytes, std::uint32_t version = VERSION2) {
  return parse_elf(std::span<const std::uint8_t>(bytes.data(), bytes.size()), version);
}

ErrorCode code_of(const Result<ProgramMetadata>& r) {
  REQUIRE_FALSE(r.ok());
  return r.error().code;
}

void check_error_all_versions(const std::vector<std::uint8_t>& bytes, ErrorCode expected) {
  for (auto v : kVersions) {
    CAPTURE(v);
    auto r = parse(bytes, v);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == expected);
    CHECK(r.error().message != nullptr);
  }
}

std::vector<std::uint8_t> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << p.string());
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::filesystem::path tests_dir() {
#ifdef CKB_VM_SOURCE_DIR
  return std::filesystem::path(CKB_VM_SOURCE_DIR) / "tests";
#else
  return std::filesystem::path(__FILE__).parent_path();
#endif
}

std::filesystem::path corpus_dir() { return tests_dir() / "fuzz" / "corpus" / "elf"; }

std::filesystem::path programs_dir() {
#ifdef CKB_VM_TEST_PROGRAMS_DIR
  return std::filesystem::path(CKB_VM_TEST_PROGRAMS_DIR);
#else
  return tests_dir() / "programs" / "bin";
#endif
}

// ---------------------------------------------------------------------------
// A stand-alone model of ckb-vm's WXorXMemory<FlatMemory> for exactly the
// calls load_binary makes (init_pages, store_byte). The loading tests run on
// it and on the project's WXorXMemory<FlatMemory> / WXorXMemory<SparseMemory>,
// so elf.hpp's contract does not depend on memory.hpp's details alone.

struct ModelMemory {
  explicit ModelMemory(std::uint64_t size = RISCV_MAX_MEMORY) : bytes(size, 0xAA), flags(size / RISCV_PAGESIZE, 0) {}

  std::vector<std::uint8_t> bytes;
  std::vector<std::uint8_t> flags;

  std::uint64_t memory_size() const { return bytes.size(); }

  Result<std::uint8_t> fetch_flag(std::uint64_t page) const {
    if (page >= flags.size()) return Error(ErrorCode::MemOutOfBound);
    return flags[page];
  }
  Status clear_flag(std::uint64_t page, std::uint8_t flag) {
    if (page >= flags.size()) return Error(ErrorCode::MemOutOfBound);
    flags[page] = static_cast<std::uint8_t>(flags[page] & ~flag);
    return ok_status();
  }

  Status init_pages(std::uint64_t addr, std::uint64_t size, std::uint8_t f, std::span<const std::uint8_t> source,
                    std::uint64_t offset_from_addr) {
    if (round_page_down(addr) != addr || round_page_up(size) != size) return Error(ErrorCode::MemPageUnalignedAccess);
    const std::uint64_t msize = memory_size();
    if (addr > msize || size > msize || addr + size > msize || offset_from_addr > size)
      return Error(ErrorCode::MemOutOfBound);
    for (std::uint64_t a = addr; a < addr + size; a += RISCV_PAGESIZE) {
      const std::uint64_t page = a / RISCV_PAGESIZE;
      if (flags[page] & FLAG_FREEZED) return Error(ErrorCode::MemWriteOnFreezedPage);
      flags[page] = static_cast<std::uint8_t>(flags[page] | f);
    }
    // fill_page_data: zero padding, then the source, then zero the rest.
    std::uint64_t written = 0;
    if (offset_from_addr > 0) {
      const std::uint64_t n = std::min(size, offset_from_addr);
      std::fill_n(bytes.begin() + static_cast<std::ptrdiff_t>(addr), n, 0);
      written += n;
    }
    const std::uint64_t n = std::min<std::uint64_t>(size - written, source.size());
    std::copy_n(source.begin(), n, bytes.begin() + static_cast<std::ptrdiff_t>(addr + written));
    written += n;
    if (written < size) std::fill_n(bytes.begin() + static_cast<std::ptrdiff_t>(addr + written), size - written, 0);
    return ok_status();
  }

  Result<std::vector<std::uint8_t>> load_bytes(std::uint64_t addr, std::uint64_t size) const {
    if (addr + size < addr || addr + size > memory_size()) return Error(ErrorCode::MemOutOfBound);
    return std::vector<std::uint8_t>(bytes.begin() + static_cast<std::ptrdiff_t>(addr),
                                     bytes.begin() + static_cast<std::ptrdiff_t>(addr + size));
  }

  Status store_byte(std::uint64_t addr, std::uint64_t size, std::uint8_t value) {
    if (size == 0) return ok_status();
    if (addr + size < addr || addr + size > memory_size()) return Error(ErrorCode::MemOutOfBound);
    for (std::uint64_t page = addr >> RISCV_PAGE_SHIFTS; page <= (addr + size - 1) >> RISCV_PAGE_SHIFTS; ++page) {
      if ((flags[page] & FLAG_WXORX_BIT) != (FLAG_WRITABLE & FLAG_WXORX_BIT))
        return Error(ErrorCode::MemWriteOnExecutablePage);
    }
    std::fill_n(bytes.begin() + static_cast<std::ptrdiff_t>(addr), size, value);
    return ok_status();
  }
};

// Records the calls, to pin the exact sequence ckb-vm's load_binary_inner makes.
struct RecordingMemory {
  struct Call {
    char kind;  // 'i' = init_pages, 's' = store_byte
    std::uint64_t addr, size;
    std::uint8_t flags_or_value;
    std::vector<std::uint8_t> source;
    std::uint64_t offset_from_addr;
    bool operator==(const Call&) const = default;
  };
  std::vector<Call> calls;
  Status init_pages(std::uint64_t addr, std::uint64_t size, std::uint8_t f, std::span<const std::uint8_t> source,
                    std::uint64_t off) {
    calls.push_back({'i', addr, size, f, {source.begin(), source.end()}, off});
    return ok_status();
  }
  Status store_byte(std::uint64_t addr, std::uint64_t size, std::uint8_t value) {
    calls.push_back({'s', addr, size, value, {}, 0});
    return ok_status();
  }
};

template <class M>
Result<std::uint64_t> load(M& m, const std::vector<std::uint8_t>& bytes, std::uint32_t version) {
  auto md = parse(bytes, version);
  if (!md.ok()) return md.error();
  return load_binary(m, std::span<const std::uint8_t>(bytes.data(), bytes.size()), *md, version);
}

// A fresh 4 MiB memory whose first 0x10000..0x20000 bytes hold 0xAA, so that
// the loader's zero fill is observable.
template <class M>
M make_memory() {
  M m(RISCV_MAX_MEMORY);
  REQUIRE(m.store_byte(0x10000, 0x10000, 0xAA).ok());
  return m;
}

template <class M>
std::vector<std::uint8_t> mem_bytes(M& m, std::uint64_t addr, std::uint64_t size) {
  auto r = m.load_bytes(addr, size);
  REQUIRE(r.ok());
  return *r;
}

bool all_equal(const std::vector<std::uint8_t>& v, std::uint8_t b) {
  return std::all_of(v.begin(), v.end(), [b](std::uint8_t x) { return x == b; });
}

std::vector<std::uint8_t> slice(const std::vector<std::uint8_t>& v, std::size_t begin, std::size_t end) {
  return std::vector<std::uint8_t>(v.begin() + static_cast<std::ptrdiff_t>(begin),
                                   v.begin() + static_cast<std::ptrdiff_t>(end));
}

// FREEZED/EXECUTABLE bits of a page (the project's memories also set DIRTY).
template <class M>
std::uint8_t mem_flag(M& m, std::uint64_t page) {
  auto r = m.fetch_flag(page);
  REQUIRE(r.ok());
  return static_cast<std::uint8_t>(*r & (FLAG_FREEZED | FLAG_EXECUTABLE));
}

#define ELF_TEST_MEMORIES ModelMemory, WXorXMemory<FlatMemory>, WXorXMemory<SparseMemory>

}  // namespace

// ===========================================================================

TEST_CASE("convert_flags follows ckb-vm for every R/W/X combination") {
  struct Row {
    std::uint32_t p_flags;
    std::optional<ErrorCode> err;
    std::uint8_t v0, v1;  // allow_freeze_writable = true / false
  };
  const std::uint8_t RX = FLAG_EXECUTABLE | FLAG_FREEZED;
  const Row rows[] = {
      {0, ErrorCode::ElfSegmentUnreadable, 0, 0},
      {ELF_PF_X, ErrorCode::ElfSegmentUnreadable, 0, 0},
      {ELF_PF_W, ErrorCode::ElfSegmentUnreadable, 0, 0},
      {ELF_PF_W | ELF_PF_X, ErrorCode::ElfSegmentUnreadable, 0, 0},  // unreadable wins over W+X
      {ELF_PF_R, std::nullopt, FLAG_FREEZED, FLAG_FREEZED},
      {ELF_PF_R | ELF_PF_X, std::nullopt, RX, RX},
      {ELF_PF_R | ELF_PF_W, std::nullopt, FLAG_FREEZED, 0},
      {ELF_PF_R | ELF_PF_W | ELF_PF_X, ErrorCode::ElfSegmentWritableAndExecutable, 0, 0},
  };
  for (const Row& row : rows) {
    // Bits outside R/W/X (PF_MASKOS, PF_MASKPROC) are ignored.
    for (std::uint32_t extra : {0u, 0x0ff00000u, 0xf0000000u, 0xfffffff8u}) {
      CAPTURE(row.p_flags);
      CAPTURE(extra);
      auto a = convert_flags(row.p_flags | extra, true);
      auto b = convert_flags(row.p_flags | extra, false);
      if (row.err) {
        REQUIRE_FALSE(a.ok());
        REQUIRE_FALSE(b.ok());
        CHECK(a.error().code == *row.err);
        CHECK(b.error().code == *row.err);
      } else {
        REQUIRE(a.ok());
        REQUIRE(b.ok());
        CHECK(*a == row.v0);
        CHECK(*b == row.v1);
      }
    }
  }
}

TEST_CASE("a well-formed two-segment ELF parses into the expected actions") {
  const auto bytes = build_elf(two_segment_spec());
  for (auto v : kVersions) {
    CAPTURE(v);
    auto r = parse(bytes, v);
    REQUIRE(r.ok());
    CHECK(r->entry == 0x10000);
    REQUIRE(r->actions.size() == 2);
    CHECK(r->actions[0] == LoadingAction{0x10000, 0x1000, FLAG_EXECUTABLE | FLAG_FREEZED, 0x1000, 0x1100, 0});
    const std::uint8_t data_flags = v == VERSION0 ? FLAG_FREEZED : 0;
    CHECK(r->actions[1] == LoadingAction{0x11000, 0x3000, data_flags, 0x2000, 0x2080, 0});
  }
}

TEST_CASE("empty input and every truncated header are ElfParseError") {
  check_error_all_versions({}, ErrorCode::ElfParseError);
  const auto full = build_elf(two_segment_spec());
  for (std::size_t n = 0; n < 64; ++n) {
    CAPTURE(n);
    check_error_all_versions(std::vector<std::uint8_t>(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n)),
                             ErrorCode::ElfParseError);
  }
}

TEST_CASE("every prefix of a valid file: header, table, then segment range errors") {
  const auto full = build_elf(two_segment_spec());
  const std::size_t table_end = 64 + 2 * 56;
  for (std::size_t n = 0; n <= full.size(); ++n) {
    CAPTURE(n);
    std::vector<std::uint8_t> prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    auto r = parse(prefix, VERSION1);
    if (n < table_end) {
      CHECK(code_of(r) == ErrorCode::ElfParseError);
    } else if (n < full.size()) {
      // Text segment ends at 0x1100, data at 0x2080.
      CHECK(code_of(r) == ErrorCode::ElfSegmentAddrOrSizeError);
    } else {
      CHECK(r.ok());
    }
  }
}

TEST_CASE("bad magic is ElfParseError") {
  for (std::size_t i = 0; i < 4; ++i) {
    auto bytes = build_elf(two_segment_spec());
    bytes[i] ^= 0x20;
    CAPTURE(i);
    check_error_all_versions(bytes, ErrorCode::ElfParseError);
  }
  std::vector<std::uint8_t> zeros(4096, 0);
  check_error_all_versions(zeros, ErrorCode::ElfParseError);
}

TEST_CASE("EI_CLASS: ELF32 is ElfBits once its 52-byte header is complete") {
  auto spec = two_segment_spec();
  spec.elf_class = 1;
  const auto bytes = build_elf(spec);
  check_error_all_versions(bytes, ErrorCode::ElfBits);
  // Exactly the 52-byte Elf32_Ehdr is enough to reach the class check.
  check_error_all_versions(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 52), ErrorCode::ElfBits);
  // goblin fails to read a shorter Elf32_Ehdr before ckb-vm looks at the class.
  for (std::size_t n = 16; n < 52; ++n) {
    CAPTURE(n);
    check_error_all_versions(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n)),
                             ErrorCode::ElfParseError);
  }
  // Big-endian ELF32 is ElfBits too.
  spec.data = 2;
  check_error_all_versions(build_elf(spec), ErrorCode::ElfBits);
}

TEST_CASE("EI_CLASS other than 1/2 and EI_DATA other than 1/2 are ElfParseError") {
  for (std::uint8_t cls : {0, 3, 0x80, 0xff}) {
    auto spec = two_segment_spec();
    spec.elf_class = cls;
    CAPTURE(int(cls));
    check_error_all_versions(build_elf(spec), ErrorCode::ElfParseError);
  }
  for (std::uint8_t cls : {1, 2}) {
    for (std::uint8_t data : {0, 3, 0xff}) {
      auto spec = two_segment_spec();
      spec.elf_class = cls;
      spec.data = data;
      CAPTURE(int(cls));
      CAPTURE(int(data));
      // Invalid encoding is refused while reading the header, i.e. before the
      // ELF32 -> ElfBits check.
      check_error_all_versions(build_elf(spec), ErrorCode::ElfParseError);
    }
  }
}

TEST_CASE("big-endian ELF64 is parsed with big-endian fields, as goblin does") {
  auto spec = two_segment_spec();
  const auto le = build_elf(spec);
  spec.data = 2;
  const auto be = build_elf(spec);
  REQUIRE(le != be);
  for (auto v : kVersions) {
    auto a = parse(le, v);
    auto b = parse(be, v);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(*a == *b);
  }
  // A little-endian file relabelled as big-endian reads e_phnum = 0x0200 ->
  // the table no longer fits.
  auto relabelled = le;
  relabelled[5] = 2;
  check_error_all_versions(relabelled, ErrorCode::ElfParseError);
}

TEST_CASE("fields ckb-vm never checks are ignored") {
  const auto reference = parse(build_elf(two_segment_spec()));
  REQUIRE(reference.ok());
  auto check_same = [&](const ElfSpec& spec) {
    for (auto v : {VERSION1, VERSION2}) {
      auto r = parse(build_elf(spec), v);
      REQUIRE(r.ok());
      CHECK(*r == *reference);
    }
  };
  for (std::uint16_t machine : {0, 3, 62, 0xffff}) {  // EM_NONE, EM_386, EM_X86_64
    auto s = two_segment_spec();
    s.machine = machine;
    check_same(s);
  }
  for (std::uint16_t type : {0, 1, 3, 4, 0xffff}) {  // ET_NONE, ET_REL, ET_DYN, ET_CORE
    auto s = two_segment_spec();
    s.e_type = type;
    check_same(s);
  }
  for (std::uint16_t phentsize : {0, 32, 55, 57, 64, 0xffff}) {  // the stride is always 56
    auto s = two_segment_spec();
    s.phentsize = phentsize;
    check_same(s);
  }
  for (std::uint16_t ehsize : {0, 52, 0xffff}) {
    auto s = two_segment_spec();
    s.ehsize = ehsize;
    check_same(s);
  }
  {
    auto s = two_segment_spec();
    s.version = 0;
    s.e_flags = 0xffffffff;
    s.shoff = U64_MAX;  // section headers are never read
    check_same(s);
  }
  {
    auto bytes = build_elf(two_segment_spec());
    bytes[6] = 0;     // EI_VERSION
    bytes[7] = 0xff;  // EI_OSABI
    bytes[8] = 0xff;  // EI_ABIVERSION
    for (std::size_t i = 9; i < 16; ++i) bytes[i] = 0xee;  // EI_PAD
    bytes[58] = bytes[59] = 0xff;                         // e_shentsize
    bytes[60] = bytes[61] = 0xff;                         // e_shnum
    bytes[62] = bytes[63] = 0xff;                         // e_shstrndx
    auto r = parse(bytes);
    REQUIRE(r.ok());
    CHECK(*r == *reference);
  }
}

TEST_CASE("e_phnum == 0: no program headers, e_phoff never read") {
  for (std::uint64_t phoff : {std::uint64_t{0}, std::uint64_t{64}, std::uint64_t{1} << 50, U64_MAX}) {
    ElfSpec s;
    s.phoff = phoff;
    s.phnum = 0;
    s.entry = 0x1234;
    for (auto v : kVersions) {
      auto r = parse(build_elf(s), v);
      REQUIRE(r.ok());
      CHECK(r->actions.empty());
      CHECK(r->entry == 0x1234);
    }
  }
  // A header-only file of exactly 64 bytes.
  ElfSpec s;
  auto bytes = build_elf(s);
  REQUIRE(bytes.size() == 64);
  auto r = parse(bytes);
  REQUIRE(r.ok());
  CHECK(r->actions.empty());
}

TEST_CASE("program header table past the end of the file is ElfParseError") {
  auto base = two_segment_spec();
  const auto good = build_elf(base);
  const std::uint64_t len = good.size();

  SUBCASE("table ends exactly at the end of the file") {
    auto s = base;
    s.phoff = len - 2 * 56;
    auto bytes = build_elf(s);
    REQUIRE(bytes.size() == len);
    CHECK(parse(bytes).ok());
  }
  SUBCASE("one byte short / starting at or past the end") {
    for (std::uint64_t phoff : {len - 2 * 56 + 1, len - 56, len - 1, len, len + 1, len + 56}) {
      auto bytes = good;
      put<std::uint64_t>(bytes, 32, phoff, true);
      CAPTURE(phoff);
      check_error_all_versions(bytes, ErrorCode::ElfParseError);
    }
  }
  SUBCASE("e_phoff + e_phnum * 56 overflows") {
    for (std::uint64_t phoff : {U64_MAX, U64_MAX - 55, U64_MAX - 56 * 2 + 1, U64_MAX - 100, std::uint64_t{1} << 63}) {
      auto bytes = good;
      put<std::uint64_t>(bytes, 32, phoff, true);
      CAPTURE(phoff);
      check_error_all_versions(bytes, ErrorCode::ElfParseError);
    }
  }
  SUBCASE("more headers than len / 56 (goblin's sanity check)") {
    auto bytes = good;
    put<std::uint64_t>(bytes, 32, 0, true);
    put<std::uint16_t>(bytes, 56, static_cast<std::uint16_t>(len / 56 + 1), true);
    check_error_all_versions(bytes, ErrorCode::ElfParseError);
  }
  SUBCASE("a truncated table wins over errors in the segments that do fit") {
    auto s = base;
    s.phdrs[0].flags = 0;                 // unreadable
    s.phdrs[0].filesz = U64_MAX;          // and a bad range
    auto bytes = build_elf(s);
    put<std::uint16_t>(bytes, 56, 0x100, true);  // e_phnum = 256, table runs off the end
    check_error_all_versions(bytes, ErrorCode::ElfParseError);
  }
}

TEST_CASE("PN_XNUM (0xffff) is an ordinary count") {
  // No section-0 lookup: e_phnum = 0xffff means 65535 headers of 56 bytes.
  ElfSpec s;
  s.phnum = 0xffff;
  s.file_size = 64 + std::size_t{0xffff} * 56 - 1;
  auto bytes = build_elf(s);
  std::fill(bytes.begin() + 64, bytes.end(), 0);  // all PT_NULL
  check_error_all_versions(bytes, ErrorCode::ElfParseError);
  bytes.push_back(0);
  for (auto v : kVersions) {
    auto r = parse(bytes, v);
    REQUIRE(r.ok());
    CHECK(r->actions.empty());
  }
  // Put one PT_LOAD as the very last of the 65535 headers.
  const std::size_t last = 64 + std::size_t{0xfffe} * 56;
  put<std::uint32_t>(bytes, last + 0, ELF_PT_LOAD, true);
  put<std::uint32_t>(bytes, last + 4, ELF_PF_R, true);
  put<std::uint64_t>(bytes, last + 16, 0x20000, true);
  put<std::uint64_t>(bytes, last + 40, 1, true);
  auto r = parse(bytes);
  REQUIRE(r.ok());
  REQUIRE(r->actions.size() == 1);
  CHECK(r->actions[0] == LoadingAction{0x20000, 0x1000, FLAG_FREEZED, 0, 0, 0});
}

TEST_CASE("non-PT_LOAD headers are ignored whatever their contents") {
  auto s = two_segment_spec();
  for (std::uint32_t type : {0u, 2u, 3u, 4u, 6u, 7u, 0x6474e551u, 0x70000003u, 0xffffffffu}) {
    Phdr junk{type, 0, U64_MAX, U64_MAX, U64_MAX, U64_MAX, U64_MAX, U64_MAX};
    s.phdrs.insert(s.phdrs.begin() + 1, junk);
  }
  auto r = parse(build_elf(s), VERSION1);
  REQUIRE(r.ok());
  REQUIRE(r->actions.size() == 2);
  auto ref = parse(build_elf(two_segment_spec()), VERSION1);
  CHECK(*r == *ref);
}

TEST_CASE("segment file range checks") {
  auto run = [](std::uint64_t offset, std::uint64_t filesz, std::size_t file_size) {
    return parse(build_elf(one_segment_spec(Phdr{ELF_PT_LOAD, ELF_PF_R, offset, 0x10000, 0, filesz, 0x1000}, file_size)));
  };
  // Exactly up to the end of the file.
  auto r = run(0x100, 0x1f00, 0x2000);
  REQUIRE(r.ok());
  CHECK(r->actions[0].source_begin == 0x100);
  CHECK(r->actions[0].source_end == 0x2000);
  // One byte beyond.
  CHECK(code_of(run(0x100, 0x1f01, 0x2000)) == ErrorCode::ElfSegmentAddrOrSizeError);
  // p_filesz alone larger than the file.
  CHECK(code_of(run(0, 0x2001, 0x2000)) == ErrorCode::ElfSegmentAddrOrSizeError);
  // Empty range at the very end is fine; past the end is not, even when empty.
  CHECK(run(0x2000, 0, 0x2000).ok());
  CHECK(code_of(run(0x2001, 0, 0x2000)) == ErrorCode::ElfSegmentAddrOrSizeError);
  CHECK(code_of(run(U64_MAX, 0, 0x2000)) == ErrorCode::ElfSegmentAddrOrSizeError);
  // p_offset + p_filesz wraps around: begin > end.
  CHECK(code_of(run(0x10, U64_MAX, 0x2000)) == ErrorCode::ElfSegmentAddrOrSizeError);
  CHECK(code_of(run(0x1000, U64_MAX - 0xfff + 0x10, 0x2000)) == ErrorCode::ElfSegmentAddrOrSizeError);
  // Wraps to exactly 0 with a non-zero begin: begin > end.
  CHECK(code_of(run(0x1000, U64_MAX - 0xfff, 0x2000)) == ErrorCode::ElfSegmentAddrOrSizeError);
  // p_offset 0 with p_filesz 0: empty range at the start.
  auto z = run(0, 0, 0x2000);
  REQUIRE(z.ok());
  CHECK(z->actions[0].source_begin == 0);
  CHECK(z->actions[0].source_end == 0);
}

TEST_CASE("segment flags: unreadable and W+X are rejected") {
  for (std::uint32_t f : {0u, ELF_PF_W, ELF_PF_X, ELF_PF_W | ELF_PF_X}) {
    CAPTURE(f);
    check_error_all_versions(build_elf(one_segment_spec(Phdr{ELF_PT_LOAD, f, 0, 0x10000, 0, 0x10, 0x10})),
                             ErrorCode::ElfSegmentUnreadable);
  }
  check_error_all_versions(
      build_elf(one_segment_spec(Phdr{ELF_PT_LOAD, ELF_PF_R | ELF_PF_W | ELF_PF_X, 0, 0x10000, 0, 0x10, 0x10})),
      ErrorCode::ElfSegmentWritableAndExecutable);
}

TEST_CASE("error order: range before flags within a segment, earlier segment first") {
  const Phdr bad_range{ELF_PT_LOAD, ELF_PF_R, 0x10, 0x10000, 0, U64_MAX, 0x10};
  const Phdr unreadable{ELF_PT_LOAD, 0, 0, 0x20000, 0, 0x10, 0x10};
  const Phdr wx{ELF_PT_LOAD, ELF_PF_R | ELF_PF_W | ELF_PF_X, 0, 0x30000, 0, 0x10, 0x10};
  const Phdr bad_range_unreadable{ELF_PT_LOAD, ELF_PF_X, 0x10, 0x10000, 0, U64_MAX, 0x10};
  auto with = [](std::vector<Phdr> phdrs) {
    ElfSpec s;
    s.phdrs = std::move(phdrs);
    s.file_size = 0x1000;
    return build_elf(s);
  };
  check_error_all_versions(with({bad_range_unreadable}), ErrorCode::ElfSegmentAddrOrSizeError);
  check_error_all_versions(with({unreadable, bad_range}), ErrorCode::ElfSegmentUnreadable);
  check_error_all_versions(with({bad_range, unreadable}), ErrorCode::ElfSegmentAddrOrSizeError);
  check_error_all_versions(with({wx, unreadable}), ErrorCode::ElfSegmentWritableAndExecutable);
  check_error_all_versions(with({unreadable, wx}), ErrorCode::ElfSegmentUnreadable);
}

TEST_CASE("VERSION0 freezes writable segments, VERSION1+ does not") {
  const auto bytes = build_elf(one_segment_spec(Phdr{ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0, 0x10000, 0, 0x10, 0x10}));
  auto v0 = parse(bytes, VERSION0);
  auto v1 = parse(bytes, VERSION1);
  auto v2 = parse(bytes, VERSION2);
  REQUIRE(v0.ok());
  REQUIRE(v1.ok());
  REQUIRE(v2.ok());
  CHECK(v0->actions[0].flags == FLAG_FREEZED);
  CHECK(v1->actions[0].flags == 0);
  CHECK(v2->actions[0].flags == 0);
  // Any version number >= 1 behaves like VERSION1 (ckb-vm only compares with VERSION1).
  auto v99 = parse(bytes, 99);
  REQUIRE(v99.ok());
  CHECK(v99->actions[0].flags == 0);
}

TEST_CASE("address and size arithmetic wraps like ckb-vm") {
  struct Row {
    std::uint64_t vaddr, memsz;
    std::uint64_t addr, size, offset;
  };
  const Row rows[] = {
      {0x10000, 0x1000, 0x10000, 0x1000, 0},
      {0x10000, 0x1001, 0x10000, 0x2000, 0},
      {0x10123, 0x10, 0x10000, 0x1000, 0x123},
      {0x10fff, 0x1, 0x10000, 0x1000, 0xfff},
      {0x10fff, 0x2, 0x10000, 0x2000, 0xfff},
      {0x10000, 0, 0x10000, 0, 0},                 // zero-size segment
      {0x10010, 0, 0x10000, 0x1000, 0x10},         // zero memsz but unaligned: one page
      {0x10000, U64_MAX, 0x10000, 0, 0},           // memsz rounds up past 2^64 -> 0
      {0x10000, U64_MAX - 0xfff, 0x10000, U64_MAX - 0xfff, 0},
      {0x10123, U64_MAX - 0x122, 0x10000, 0, 0x123},  // memsz + offset == 2^64 -> 0
      {0x10123, U64_MAX, 0x10000, 0x1000, 0x123},      // memsz + offset wraps to 0x122
      {U64_MAX, 1, U64_MAX - 0xfff, 0x1000, 0xfff},
      {U64_MAX - 0xfff, 0x1000, U64_MAX - 0xfff, 0x1000, 0},
  };
  for (const Row& row : rows) {
    CAPTURE(row.vaddr);
    CAPTURE(row.memsz);
    auto r = parse(build_elf(one_segment_spec(Phdr{ELF_PT_LOAD, ELF_PF_R, 0x20, row.vaddr, 0, 0x10, row.memsz})));
    REQUIRE(r.ok());
    REQUIRE(r->actions.size() == 1);
    CHECK(r->actions[0] == LoadingAction{row.addr, row.size, FLAG_FREEZED, 0x20, 0x30, row.offset});
  }
}

TEST_CASE("p_memsz smaller than p_filesz and out-of-memory addresses still parse") {
  auto r = parse(build_elf(one_segment_spec(Phdr{ELF_PT_LOAD, ELF_PF_R, 0, 0x10000, 0, 0x1800, 0x10})));
  REQUIRE(r.ok());
  CHECK(r->actions[0] == LoadingAction{0x10000, 0x1000, FLAG_FREEZED, 0, 0x1800, 0});
  auto far = parse(build_elf(one_segment_spec(Phdr{ELF_PT_LOAD, ELF_PF_R, 0, 0x7fff0000, 0, 0x10, 0x10})));
  REQUIRE(far.ok());
  CHECK(far->actions[0].addr == 0x7fff0000);
}

TEST_CASE_TEMPLATE("entry point is not validated by parse_elf", M, ELF_TEST_MEMORIES) {
  // ckb-vm sets pc = e_entry unconditionally; an entry outside memory or
  // outside every executable segment is accepted by parse and load and fails
  // only when the first instruction is fetched (MemOutOfBound, or
  // MemWriteOnExecutablePage for a non-executable page), at run time.
  for (std::uint64_t entry : {std::uint64_t{0}, std::uint64_t{0x11000}, RISCV_MAX_MEMORY, U64_MAX, 0xdeadbeefcafebabe}) {
    auto s = two_segment_spec();
    s.entry = entry;
    const auto bytes = build_elf(s);
    for (auto v : kVersions) {
      auto r = parse(bytes, v);
      REQUIRE(r.ok());
      CHECK(r->entry == entry);
      M m(RISCV_MAX_MEMORY);
      CHECK(load_binary(m, std::span<const std::uint8_t>(bytes), *r, v).ok());
    }
  }
}

// ---------------------------------------------------------------------------
// Loading

TEST_CASE("load_binary issues exactly ckb-vm's calls") {
  auto s = two_segment_spec();
  s.phdrs[0].vaddr = 0x10010;  // unaligned text: offset_from_addr = 0x10
  const auto bytes = build_elf(s);
  for (auto v : kVersions) {
    CAPTURE(v);
    auto md = parse(bytes, v);
    REQUIRE(md.ok());
    RecordingMemory m;
    auto r = load_binary(m, std::span<const std::uint8_t>(bytes), *md, v);
    REQUIRE(r.ok());
    CHECK(*r == 0x100 + 0x80);
    std::vector<RecordingMemory::Call> expected;
    expected.push_back({'i', 0x10000, 0x1000, FLAG_EXECUTABLE | FLAG_FREEZED,
                        std::vector<std::uint8_t>(bytes.begin() + 0x1000, bytes.begin() + 0x1100), 0x10});
    if (v == VERSION0) expected.push_back({'s', 0x10000, 0x10, 0, {}, 0});
    expected.push_back({'i', 0x11000, 0x3000, static_cast<std::uint8_t>(v == VERSION0 ? FLAG_FREEZED : 0),
                        std::vector<std::uint8_t>(bytes.begin() + 0x2000, bytes.begin() + 0x2080), 0});
    if (v == VERSION0) expected.push_back({'s', 0x11000, 0, 0, {}, 0});  // size 0: still called
    CHECK(m.calls == expected);
  }
}

TEST_CASE_TEMPLATE("load_binary places bytes, zero fill and flags", M, ELF_TEST_MEMORIES) {
  const auto bytes = build_elf(two_segment_spec());
  for (auto v : kVersions) {
    CAPTURE(v);
    M m = make_memory<M>();
    auto r = load(m, bytes, v);
    REQUIRE(r.ok());
    CHECK(*r == 0x180);
    CHECK(mem_bytes(m, 0x10000, 0x100) == slice(bytes, 0x1000, 0x1100));
    CHECK(all_equal(mem_bytes(m, 0x10100, 0xf00), 0));
    CHECK(mem_bytes(m, 0x11000, 0x80) == slice(bytes, 0x2000, 0x2080));
    CHECK(all_equal(mem_bytes(m, 0x11080, 0x2f80), 0));
    CHECK(all_equal(mem_bytes(m, 0x14000, 0xc000), 0xAA));  // untouched
    CHECK(mem_flag(m, 0xf) == 0);
    CHECK(mem_flag(m, 0x10) == (FLAG_EXECUTABLE | FLAG_FREEZED));
    for (std::uint64_t p = 0x11; p < 0x14; ++p) CHECK(mem_flag(m, p) == (v == VERSION0 ? FLAG_FREEZED : 0));
    CHECK(mem_flag(m, 0x14) == 0);
  }
}

TEST_CASE_TEMPLATE("VERSION0's extra store_byte fails on an unaligned executable segment", M, ELF_TEST_MEMORIES) {
  // store_byte(addr, offset_from_addr, 0) runs after init_pages marked the
  // page executable, so WXorX refuses it (MemWriteOnExecutablePage) in VERSION0
  // only. FREEZED alone does not stop store_byte, so read-only segments are
  // fine (and the bytes it zeroes were already zeroed by init_pages).
  const auto text = build_elf(one_segment_spec(Phdr{ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x100, 0x10004, 0, 0x10, 0x10}));
  const auto ro = build_elf(one_segment_spec(Phdr{ELF_PT_LOAD, ELF_PF_R, 0x100, 0x10004, 0, 0x10, 0x10}));
  {
    M m = make_memory<M>();
    auto r = load(m, text, VERSION0);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::MemWriteOnExecutablePage);
  }
  for (auto v : {VERSION1, VERSION2}) {
    M m = make_memory<M>();
    auto r = load(m, text, v);
    REQUIRE(r.ok());
    CHECK(*r == 0x10);
    CHECK(all_equal(mem_bytes(m, 0x10000, 4), 0));
    CHECK(mem_bytes(m, 0x10004, 0x10) == slice(text, 0x100, 0x110));
  }
  for (auto v : kVersions) {
    M m = make_memory<M>();
    auto r = load(m, ro, v);
    REQUIRE(r.ok());
    CHECK(all_equal(mem_bytes(m, 0x10000, 4), 0));
    CHECK(mem_bytes(m, 0x10004, 0x10) == slice(ro, 0x100, 0x110));
    CHECK(all_equal(mem_bytes(m, 0x10014, 0xfec), 0));
  }
}

TEST_CASE_TEMPLATE("overlapping segments: a FREEZED page cannot be initialised twice", M, ELF_TEST_MEMORIES) {
  const Phdr a{ELF_PT_LOAD, ELF_PF_R, 0, 0x10000, 0, 0x10, 0x1800};
  const Phdr b_ro{ELF_PT_LOAD, ELF_PF_R, 0, 0x11000, 0, 0x10, 0x10};
  ElfSpec s;
  s.phdrs = {a, b_ro};
  s.file_size = 0x1000;
  const auto bytes = build_elf(s);
  for (auto v : kVersions) {
    M m = make_memory<M>();
    auto r = load(m, bytes, v);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::MemWriteOnFreezedPage);
  }
  // A writable first segment is FREEZED only in VERSION0, so the overlap is a
  // load error in VERSION0 and allowed in VERSION1+ (the later segment wins).
  const Phdr w{ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0, 0x10000, 0, 0x10, 0x1000};
  const Phdr x{ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x100, 0x10000, 0, 0x10, 0x10};
  s.phdrs = {w, x};
  const auto wx = build_elf(s);
  {
    M m = make_memory<M>();
    auto r = load(m, wx, VERSION0);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::MemWriteOnFreezedPage);
  }
  for (auto v : {VERSION1, VERSION2}) {
    M m = make_memory<M>();
    auto r = load(m, wx, v);
    REQUIRE(r.ok());
    CHECK(mem_flag(m, 0x10) == (FLAG_EXECUTABLE | FLAG_FREEZED));
    CHECK(mem_bytes(m, 0x10000, 0x10) == slice(wx, 0x100, 0x110));
    CHECK(all_equal(mem_bytes(m, 0x10010, 0xff0), 0));
  }
}

TEST_CASE_TEMPLATE("zero-size segments load as no-ops, out-of-memory ones fail at load", M, ELF_TEST_MEMORIES) {
  ElfSpec s;
  s.phdrs = {Phdr{ELF_PT_LOAD, ELF_PF_R, 0, 0x10000, 0, 0, 0}, Phdr{ELF_PT_LOAD, ELF_PF_R, 0, 0x10000, 0, 0, 0x10}};
  s.file_size = 0x1000;
  const auto bytes = build_elf(s);
  for (auto v : kVersions) {
    auto md = parse(bytes, v);
    REQUIRE(md.ok());
    CHECK(md->actions[0].size == 0);
    M m = make_memory<M>();
    auto r = load_binary(m, std::span<const std::uint8_t>(bytes), *md, v);
    REQUIRE(r.ok());  // the empty segment froze nothing, so the second one loads
    CHECK(*r == 0);
    CHECK(mem_flag(m, 0x10) == FLAG_FREEZED);
    CHECK(all_equal(mem_bytes(m, 0x10000, 0x1000), 0));
  }
  // Zero-size at exactly the end of memory is accepted, beyond it is not.
  for (auto [addr, ok] : {std::pair{RISCV_MAX_MEMORY, true}, std::pair{RISCV_MAX_MEMORY + 0x1000, false}}) {
    auto b = build_elf(one_segment_spec(Phdr{ELF_PT_LOAD, ELF_PF_R, 0, addr, 0, 0, 0}));
    for (auto v : kVersions) {
      M m(RISCV_MAX_MEMORY);
      auto r = load(m, b, v);
      CHECK(r.ok() == ok);
      if (!ok) CHECK(r.error().code == ErrorCode::MemOutOfBound);
    }
  }
  // A segment reaching past the end of memory parses but does not load.
  auto b = build_elf(one_segment_spec(Phdr{ELF_PT_LOAD, ELF_PF_R, 0, RISCV_MAX_MEMORY - 0x1000, 0, 0, 0x1001}));
  M m(RISCV_MAX_MEMORY);
  auto r = load(m, b, VERSION1);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::MemOutOfBound);
  // A wrapped-to-zero size at an in-memory address loads nothing.
  auto w = build_elf(one_segment_spec(Phdr{ELF_PT_LOAD, ELF_PF_R, 0, 0x20000, 0, 0, U64_MAX}));
  M m2(RISCV_MAX_MEMORY);
  auto r2 = load(m2, w, VERSION1);
  REQUIRE(r2.ok());
  CHECK(mem_flag(m2, 0x20) == 0);
}

TEST_CASE("load_binary refuses metadata whose source range is not inside the program") {
  const auto bytes = build_elf(two_segment_spec());
  ProgramMetadata md;
  md.actions.push_back(LoadingAction{0x10000, 0x1000, FLAG_FREEZED, 0, bytes.size() + 1, 0});
  RecordingMemory m;
  auto r = load_binary(m, std::span<const std::uint8_t>(bytes), md, VERSION1);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::ElfSegmentAddrOrSizeError);
  CHECK(m.calls.empty());
  md.actions[0].source_begin = 10;
  md.actions[0].source_end = 5;
  r = load_binary(m, std::span<const std::uint8_t>(bytes), md, VERSION1);
  REQUIRE_FALSE(r.ok());
  CHECK(m.calls.empty());
}

// ---------------------------------------------------------------------------
// Real programs

namespace {

// What `readelf -lW` says about a file, reduced to what ckb-vm uses.
struct ReadelfLoad {
  std::uint64_t offset, vaddr, filesz, memsz;
  std::string flg;
};

#ifdef _WIN32
#define popen _popen
#define pclose _pclose
#endif

std::optional<std::vector<ReadelfLoad>> readelf_loads(const std::filesystem::path& file, std::uint64_t& entry) {
  const std::string cmd = "readelf -hlW '" + file.string() + "' 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return std::nullopt;
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (pclose(p) != 0) return std::nullopt;
  std::vector<ReadelfLoad> loads;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream in(line);
    std::string first;
    in >> first;
    if (first == "Entry") {
      std::string word, value;
      in >> word >> word >> value;  // "point address: 0x..."
      entry = std::stoull(value, nullptr, 16);
    } else if (first == "LOAD") {
      ReadelfLoad l;
      std::string off, va, pa, fs, ms;
      in >> off >> va >> pa >> fs >> ms;
      l.offset = std::stoull(off, nullptr, 16);
      l.vaddr = std::stoull(va, nullptr, 16);
      l.filesz = std::stoull(fs, nullptr, 16);
      l.memsz = std::stoull(ms, nullptr, 16);
      // Flg is up to three columns among R, W, E, then the alignment.
      std::string tok;
      while (in >> tok && tok.rfind("0x", 0) != 0) l.flg += tok;
      loads.push_back(l);
    }
  }
  return loads;
}

// Loads md into a fresh M and checks the outcome; on success also that every
// loaded page carries the action's flags and starts with the file bytes
// (when no later action overlaps it).
template <class M>
void check_load_outcome(const std::vector<std::uint8_t>& bytes, const ProgramMetadata& md, std::uint32_t version,
                        std::optional<ErrorCode> expected, std::optional<std::uint64_t> total = std::nullopt) {
  M m(RISCV_MAX_MEMORY);
  auto r = load_binary(m, std::span<const std::uint8_t>(bytes), md, version);
  if (expected) {
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == *expected);
    return;
  }
  REQUIRE(r.ok());
  if (total) CHECK(*r == *total);
  for (std::size_t i = 0; i < md.actions.size(); ++i) {
    const LoadingAction& a = md.actions[i];
    const bool overlapped = std::any_of(md.actions.begin() + static_cast<std::ptrdiff_t>(i) + 1, md.actions.end(),
                                        [&](const LoadingAction& b) { return b.addr < a.addr + a.size && a.addr < b.addr + b.size; });
    if (overlapped || a.size == 0) continue;
    for (std::uint64_t p = a.addr / RISCV_PAGESIZE; p < (a.addr + a.size) / RISCV_PAGESIZE; ++p)
      CHECK((mem_flag(m, p) & a.flags) == a.flags);
    const std::uint64_t n = std::min(a.source_end - a.source_begin, a.size - a.offset_from_addr);
    CHECK(mem_bytes(m, a.addr + a.offset_from_addr, n) == slice(bytes, a.source_begin, a.source_begin + n));
  }
}

void check_against_readelf(const std::filesystem::path& file) {
  CAPTURE(file.string());
  std::uint64_t entry = 0;
  auto loads = readelf_loads(file, entry);
  REQUIRE_MESSAGE(loads.has_value(), "readelf -hlW failed on " << file.string());
  const auto bytes = read_file(file);
  for (auto v : kVersions) {
    CAPTURE(v);
    auto r = parse(bytes, v);
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    CHECK(r->entry == entry);
    REQUIRE(r->actions.size() == loads->size());
    for (std::size_t i = 0; i < loads->size(); ++i) {
      const ReadelfLoad& l = (*loads)[i];
      const bool w = l.flg.find('W') != std::string::npos;
      const bool x = l.flg.find('E') != std::string::npos;
      const std::uint64_t addr = l.vaddr & ~(RISCV_PAGESIZE - 1);
      std::uint8_t flags = x ? (FLAG_EXECUTABLE | FLAG_FREEZED) : (w && v != VERSION0 ? 0 : FLAG_FREEZED);
      CHECK(r->actions[i] == LoadingAction{addr, round_page_up(l.memsz + (l.vaddr - addr)), flags, l.offset,
                                           l.offset + l.filesz, l.vaddr - addr});
    }
  }
}

}  // namespace

TEST_CASE("committed seed ELF matches hard-coded readelf facts") {
  // tests/fuzz/corpus/elf/valid_two_segments.elf was built with
  //   riscv64-unknown-elf-gcc -nostdlib -march=rv64imc -mabi=lp64
  //     -T tests/programs/link.ld   (R+X text with a string, R+W .data + 8 KiB .bss)
  // `riscv64-unknown-elf-readelf -hlW` reports:
  //   Entry point address: 0x10000, 3 program headers at offset 64
  //   RISCV_ATTRIBUT 0x002009 0x0...0 0x0...0 0x00002d 0x000000 R   0x1
  //   LOAD           0x001000 0x0000000000010000 ... 0x000026 0x000026 R E 0x1000
  //   LOAD           0x002000 0x0000000000011000 ... 0x000009 0x002009 RW  0x1000
  const auto file = corpus_dir() / "valid_two_segments.elf";
  REQUIRE_MESSAGE(std::filesystem::exists(file), "missing seed file " << file.string());
  const auto bytes = read_file(file);
  REQUIRE(bytes.size() == 9272);
  for (auto v : kVersions) {
    CAPTURE(v);
    auto r = parse(bytes, v);
    REQUIRE(r.ok());
    CHECK(r->entry == 0x10000);
    REQUIRE(r->actions.size() == 2);
    CHECK(r->actions[0] == LoadingAction{0x10000, 0x1000, FLAG_EXECUTABLE | FLAG_FREEZED, 0x1000, 0x1026, 0});
    CHECK(r->actions[1] == LoadingAction{0x11000, 0x3000, static_cast<std::uint8_t>(v == VERSION0 ? FLAG_FREEZED : 0),
                                         0x2000, 0x2009, 0});
    check_load_outcome<ModelMemory>(bytes, *r, v, std::nullopt, 0x26 + 0x9);
    check_load_outcome<WXorXMemory<FlatMemory>>(bytes, *r, v, std::nullopt, 0x26 + 0x9);
    check_load_outcome<WXorXMemory<SparseMemory>>(bytes, *r, v, std::nullopt, 0x26 + 0x9);
  }
  check_against_readelf(file);
}

TEST_CASE("test programs rv64i and sort match hard-coded readelf facts") {
  // Values from `readelf -hlW tests/programs/bin/{rv64i,sort}` (builds are
  // reproducible, see tests/programs/README.md; refresh these if a program's
  // source changes):
  //   rv64i: Entry 0x10000
  //     LOAD 0x001000 0x0000000000010000 ... 0x000c9c 0x000c9c R E 0x1000
  //     LOAD 0x002000 0x0000000000011000 ... 0x000031 0x003000 RW  0x1000
  //   sort:  Entry 0x10000
  //     LOAD 0x001000 0x0000000000010000 ... 0x0004b0 0x0004b0 R E 0x1000
  //     LOAD 0x002000 0x0000000000011000 ... 0x000001 0x04e210 RW  0x1000
  struct Program {
    const char* name;
    std::uint64_t text_filesz, data_filesz, data_size;
  };
  for (const Program& p : {Program{"rv64i", 0xc9c, 0x31, 0x3000}, Program{"sort", 0x4b0, 0x1, 0x4f000}}) {
    CAPTURE(p.name);
    const auto file = programs_dir() / p.name;
    REQUIRE_MESSAGE(std::filesystem::exists(file), "missing test program " << file.string());
    const auto bytes = read_file(file);
    for (auto v : kVersions) {
      CAPTURE(v);
      auto r = parse(bytes, v);
      REQUIRE(r.ok());
      CHECK(r->entry == 0x10000);
      REQUIRE(r->actions.size() == 2);
      CHECK(r->actions[0] ==
            LoadingAction{0x10000, 0x1000, FLAG_EXECUTABLE | FLAG_FREEZED, 0x1000, 0x1000 + p.text_filesz, 0});
      CHECK(r->actions[1] == LoadingAction{0x11000, p.data_size,
                                           static_cast<std::uint8_t>(v == VERSION0 ? FLAG_FREEZED : 0), 0x2000,
                                           0x2000 + p.data_filesz, 0});
      const std::uint64_t total = p.text_filesz + p.data_filesz;
      check_load_outcome<ModelMemory>(bytes, *r, v, std::nullopt, total);
      check_load_outcome<WXorXMemory<FlatMemory>>(bytes, *r, v, std::nullopt, total);
      check_load_outcome<WXorXMemory<SparseMemory>>(bytes, *r, v, std::nullopt, total);
    }
  }
}

TEST_CASE("test programs parse as readelf describes them") {
  const auto dir = programs_dir();
  REQUIRE_MESSAGE(std::filesystem::is_directory(dir), "test programs directory missing: " << dir.string());
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  REQUIRE_MESSAGE(!files.empty(), "no test programs in " << dir.string() << " (build tests/programs first)");
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    const auto bytes = read_file(f);
    if (bytes.size() < 4 || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F') continue;
    check_against_readelf(f);
  }
}

TEST_CASE("every seed in the fuzz corpus has the documented outcome") {
  // parse: nullopt = parses in every version; load[v]: nullopt = loads fine.
  using E = ErrorCode;
  struct Expect {
    std::optional<E> parse;
    std::array<std::optional<E>, 3> load;
    bool readelf = false;  // cross-check actions against readelf -lW
  };
  const std::map<std::string, Expect> table = {
      {"bad_magic.elf", {E::ElfParseError, {}}},
      {"big_endian.elf", {std::nullopt, {}, true}},
      {"elf32.elf", {E::ElfBits, {}}},
      {"filesz_overflow.elf", {E::ElfSegmentAddrOrSizeError, {}}},
      {"filesz_past_end.elf", {E::ElfSegmentAddrOrSizeError, {}}},
      {"header_only.elf", {std::nullopt, {}, true}},
      {"mixed_types.elf", {std::nullopt, {}, true}},
      {"out_of_memory.elf", {std::nullopt, {E::MemOutOfBound, E::MemOutOfBound, E::MemOutOfBound}}},
      {"phoff_overflow.elf", {E::ElfParseError, {}}},
      {"program_rv64c.elf", {std::nullopt, {}, true}},  // copies of tests/programs/bin/{rv64c,rv64i}
      {"program_rv64i.elf", {std::nullopt, {}, true}},
      {"ro_overlap.elf",
       {std::nullopt, {E::MemWriteOnFreezedPage, E::MemWriteOnFreezedPage, E::MemWriteOnFreezedPage}, true}},
      {"rw_overlap.elf", {std::nullopt, {E::MemWriteOnFreezedPage, std::nullopt, std::nullopt}, true}},
      {"tiny_exit.elf", {std::nullopt, {}, true}},
      {"truncated_phdrs.elf", {E::ElfParseError, {}}},
      {"unaligned_exec.elf", {std::nullopt, {E::MemWriteOnExecutablePage, std::nullopt, std::nullopt}, true}},
      {"unreadable.elf", {E::ElfSegmentUnreadable, {}}},
      {"valid_two_segments.elf", {std::nullopt, {}, true}},
      {"wx.elf", {E::ElfSegmentWritableAndExecutable, {}}},
      {"zero_size_and_wrap.elf", {std::nullopt, {E::MemOutOfBound, E::MemOutOfBound, E::MemOutOfBound}}},
  };
  const auto dir = corpus_dir();
  REQUIRE_MESSAGE(std::filesystem::is_directory(dir), "missing corpus directory " << dir.string());
  std::size_t seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    CAPTURE(name);
    auto it = table.find(name);
    REQUIRE_MESSAGE(it != table.end(), "corpus file without an expected outcome: " << name);
    ++seen;
    const Expect& ex = it->second;
    const auto bytes = read_file(entry.path());
    for (std::size_t v = 0; v < kVersions.size(); ++v) {
      CAPTURE(v);
      auto md = parse(bytes, kVersions[v]);
      if (ex.parse) {
        REQUIRE_FALSE(md.ok());
        CHECK(md.error().code == *ex.parse);
        continue;
      }
      REQUIRE(md.ok());
      check_load_outcome<ModelMemory>(bytes, *md, kVersions[v], ex.load[v]);
      check_load_outcome<WXorXMemory<FlatMemory>>(bytes, *md, kVersions[v], ex.load[v]);
      check_load_outcome<WXorXMemory<SparseMemory>>(bytes, *md, kVersions[v], ex.load[v]);
    }
    if (ex.readelf) check_against_readelf(entry.path());
  }
  CHECK(seen == table.size());
}

#undef ELF_TEST_MEMORIES
#ifdef _WIN32
#undef popen
#undef pclose
#endif

}  // namespace elf_tests
