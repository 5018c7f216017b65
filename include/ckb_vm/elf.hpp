// ELF parsing and loading, bit-for-bit compatible with ckb-vm 0.24's
// `parse_elf` (src/elf.rs) and `load_binary_inner` (src/machine/mod.rs).
//
// What ckb-vm actually checks
// ---------------------------
// ckb-vm does not use goblin's full `Elf::parse`; it reads only the file
// header (`Header` via scroll's `pread`) and the program header table
// (`ProgramHeader::parse(bytes, e_phoff, e_phnum, ctx)`). VERSION0 goes through
// goblin 0.2.3 and VERSION1+ through goblin 0.4.0, but the code of those two
// functions (src/elf/header.rs, src/elf/program_header.rs, src/container.rs)
// is the same in both releases; the changes between them are confined to
// `Elf::parse` (section headers, dynamic tables, `offset + p_filesz` in the
// segment ranges), which ckb-vm never calls. So the header/phdr rules below
// hold for every version, and the only version-dependent behaviour is:
//   * convert_flags: a writable (R+W) segment is FREEZED for VERSION0 and gets
//     no flag at all for VERSION1+ (allow_freeze_writable = version < 1);
//   * load_binary: VERSION0 additionally calls
//     `store_byte(addr, offset_from_addr, 0)` after each segment's init_pages.
//
// Header rules, in the order they fire (each failure is ElfParseError unless
// noted):
//   1. fewer than 16 bytes (EI_NIDENT) -> "too small";
//   2. e_ident[0..4] != "\x7fELF" -> bad magic;
//   3. EI_CLASS not ELFCLASS32/ELFCLASS64 -> invalid class;
//   4. EI_DATA not ELFDATA2LSB/ELFDATA2MSB -> invalid data encoding;
//   5. file shorter than the class's header (52 or 64 bytes) -> truncated;
//   6. ELFCLASS32 (with a complete 52-byte header) -> ElfBits, because the
//      RV64 machine requires a 64-bit container.
// Everything else in the header is ignored: e_machine, e_type, e_version,
// EI_VERSION, EI_OSABI, e_ehsize, e_phentsize (the stride is always 56),
// e_shoff/e_shnum/e_shentsize/e_shstrndx. e_phnum is taken literally: 0 means
// "no program headers" (and then e_phoff is never looked at), and PN_XNUM
// (0xffff) is not special (no section-0 sh_info lookup). e_entry is not
// validated either; an entry point outside memory or outside any executable
// segment parses fine and fails only when the machine fetches its first
// instruction.
//
// Big-endian files are NOT rejected: goblin reads every header field in the
// byte order named by EI_DATA, and ckb-vm's `endianness()` -> ElfBits mapping
// only triggers for EI_DATA values that step 4 already refused. A well-formed
// ELFDATA2MSB ELF64 therefore parses with big-endian fields, and so does it
// here.
//
// Program header table: with n = e_phnum > 0 the whole table
// [e_phoff, e_phoff + 56 * n) must lie inside the file (goblin checks
// n <= len / 56 first, then reads entry by entry; either failure is
// ElfParseError). All entries, PT_LOAD or not, are read before any segment is
// looked at, so a truncated table wins over every segment error.
//
// Segments: only PT_LOAD entries produce actions, in table order. For each:
//   addr   = p_vaddr rounded down to a page
//   offset = p_vaddr - addr
//   size   = round_page_up(p_memsz + offset)        (all wrapping, as ckb-vm)
//   source = [p_offset, p_offset + p_filesz)        (wrapping add)
//   source.begin > source.end || source.end > file size
//                                  -> ElfSegmentAddrOrSizeError
//   then convert_flags(p_flags)    -> ElfSegmentUnreadable /
//                                     ElfSegmentWritableAndExecutable
// so for one segment the range error is reported before a flag error, and an
// earlier segment's error wins over a later one's. p_memsz < p_filesz,
// segments outside memory, overlapping segments and zero-sized segments all
// parse; they are the memory's business at load time.
//
// Loading (through a W^X memory such as WXorXMemory, as ckb-vm always does):
//   * a segment touching a page an earlier segment FREEZED (read-only or
//     executable in any version, writable in VERSION0) -> MemWriteOnFreezedPage;
//     in VERSION1+ a later segment may re-initialise an earlier writable one;
//   * a segment with size 0 (aligned p_vaddr, p_memsz 0, or a size that
//     wrapped to 0) touches no page and succeeds as long as addr <= memory
//     size; anything reaching past the memory -> MemOutOfBound;
//   * VERSION0's extra store_byte fails with MemWriteOnExecutablePage for an
//     executable segment whose p_vaddr is not page aligned (the page is
//     already executable); read-only pages pass (FREEZED does not block it).
//
// Sources read: ckb-vm 0.24 src/elf.rs, src/machine/mod.rs,
// src/memory/wxorx.rs; goblin src/elf/header.rs and program_header.rs at the
// 0.2.3 release commit (0120ace) and the 0.4.0 tag.
#pragma once

#include "detail/config.hpp"
#include "detail/byte_io.hpp"

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "constants.hpp"
#include "error.hpp"

#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#endif

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {

// ELF constants ckb-vm relies on. Prefixed so that they do not clash with the
// PT_LOAD/PF_* macros of a system <elf.h>.
inline constexpr std::uint32_t ELF_PT_LOAD = 1;
inline constexpr std::uint32_t ELF_PF_X = 0x1;
inline constexpr std::uint32_t ELF_PF_W = 0x2;
inline constexpr std::uint32_t ELF_PF_R = 0x4;

// One PT_LOAD segment, ready for Memory::init_pages.
struct LoadingAction {
  std::uint64_t addr = 0;              // page-aligned start address
  std::uint64_t size = 0;              // page-rounded size (may wrap to 0)
  std::uint8_t flags = 0;              // FLAG_* bits, see convert_flags
  std::uint64_t source_begin = 0;      // byte range in the ELF file
  std::uint64_t source_end = 0;
  std::uint64_t offset_from_addr = 0;  // p_vaddr - addr, always < page size

  friend bool operator==(const LoadingAction&, const LoadingAction&) = default;
};

struct ProgramMetadata {
  std::vector<LoadingAction> actions;
  std::uint64_t entry = 0;

  friend bool operator==(const ProgramMetadata&, const ProgramMetadata&) = default;
};

// Maps ELF p_flags to page flags. Readability is checked first, then W+X.
inline Result<std::uint8_t> convert_flags(std::uint32_t p_flags, bool allow_freeze_writable) {
  const bool readable = (p_flags & ELF_PF_R) != 0;
  const bool writable = (p_flags & ELF_PF_W) != 0;
  const bool executable = (p_flags & ELF_PF_X) != 0;
  if (!readable) return Error(ErrorCode::ElfSegmentUnreadable, "segment is not readable");
  if (writable && executable)
    return Error(ErrorCode::ElfSegmentWritableAndExecutable, "segment is both writable and executable");
  if (executable) return static_cast<std::uint8_t>(FLAG_EXECUTABLE | FLAG_FREEZED);
  if (writable && !allow_freeze_writable) return static_cast<std::uint8_t>(0);
  return FLAG_FREEZED;
}

namespace detail::elf {

inline constexpr std::size_t IDENT_SIZE = 16;
inline constexpr std::size_t IDENT_CLASS = 4;
inline constexpr std::size_t IDENT_DATA = 5;
inline constexpr std::uint8_t CLASS32 = 1;
inline constexpr std::uint8_t CLASS64 = 2;
inline constexpr std::uint8_t DATA_LSB = 1;
inline constexpr std::uint8_t DATA_MSB = 2;
inline constexpr std::size_t EHDR32_SIZE = 52;
inline constexpr std::size_t EHDR64_SIZE = 64;
inline constexpr std::size_t PHDR64_SIZE = 56;

// Field offsets inside an Elf64_Ehdr / Elf64_Phdr.
inline constexpr std::size_t EH_ENTRY = 24;
inline constexpr std::size_t EH_PHOFF = 32;
inline constexpr std::size_t EH_PHNUM = 56;
inline constexpr std::size_t PH_TYPE = 0;
inline constexpr std::size_t PH_FLAGS = 4;
inline constexpr std::size_t PH_OFFSET = 8;
inline constexpr std::size_t PH_VADDR = 16;
inline constexpr std::size_t PH_FILESZ = 32;
inline constexpr std::size_t PH_MEMSZ = 40;

// Reads an N-byte unsigned integer at p in the given byte order. The caller
// has already checked that the bytes exist.
template <class T>
constexpr T read_uint(const std::uint8_t* p, bool little_endian) noexcept {
  return bytes::load<T>(p, little_endian);
}

}  // namespace detail::elf

// Parses an RV64 ELF the way ckb-vm `parse_elf::<u64>` does. `version` only
// selects how writable segments are flagged (see convert_flags); any value is
// accepted here, as in ckb-vm (versions are validated by the machine).
inline Result<ProgramMetadata> parse_elf(std::span<const std::uint8_t> program, std::uint32_t version) {
  namespace e = detail::elf;
  const std::uint8_t* data = program.data();
  const std::uint64_t len = program.size();

  if (len < e::IDENT_SIZE) return Error(ErrorCode::ElfParseError, "ELF file too small for e_ident");
  if (data[0] != 0x7f || data[1] != 'E' || data[2] != 'L' || data[3] != 'F')
    return Error(ErrorCode::ElfParseError, "bad ELF magic");
  const std::uint8_t elf_class = data[e::IDENT_CLASS];
  if (elf_class != e::CLASS32 && elf_class != e::CLASS64)
    return Error(ErrorCode::ElfParseError, "invalid ELF class");
  const std::uint8_t elf_data = data[e::IDENT_DATA];
  if (elf_data != e::DATA_LSB && elf_data != e::DATA_MSB)
    return Error(ErrorCode::ElfParseError, "invalid ELF data encoding");
  const bool le = elf_data == e::DATA_LSB;
  if (elf_class == e::CLASS32) {
    if (len < e::EHDR32_SIZE) return Error(ErrorCode::ElfParseError, "truncated ELF32 header");
    return Error(ErrorCode::ElfBits, "ELF32 file on a 64-bit machine");
  }
  if (len < e::EHDR64_SIZE) return Error(ErrorCode::ElfParseError, "truncated ELF64 header");

  const std::uint64_t entry = e::read_uint<std::uint64_t>(data + e::EH_ENTRY, le);
  const std::uint64_t phoff = e::read_uint<std::uint64_t>(data + e::EH_PHOFF, le);
  const std::uint64_t phnum = e::read_uint<std::uint16_t>(data + e::EH_PHNUM, le);

  // The table must fit entirely; phnum <= 0xffff so phnum * 56 cannot overflow,
  // and phoff <= len is established before len - phoff is formed.
  if (phnum != 0) {
    if (phnum > len / e::PHDR64_SIZE)
      return Error(ErrorCode::ElfParseError, "buffer too short for the program headers");
    if (phoff >= len || len - phoff < phnum * e::PHDR64_SIZE)
      return Error(ErrorCode::ElfParseError, "program header table past the end of the file");
  }

  ProgramMetadata md;
  md.entry = entry;
  const bool allow_freeze_writable = version < VERSION1;
  std::uint64_t total = 0;
  for (std::uint64_t i = 0; i < phnum; ++i) {
    const std::uint8_t* ph = data + phoff + i * e::PHDR64_SIZE;
    if (e::read_uint<std::uint32_t>(ph + e::PH_TYPE, le) != ELF_PT_LOAD) continue;
    const std::uint32_t p_flags = e::read_uint<std::uint32_t>(ph + e::PH_FLAGS, le);
    const std::uint64_t p_offset = e::read_uint<std::uint64_t>(ph + e::PH_OFFSET, le);
    const std::uint64_t p_vaddr = e::read_uint<std::uint64_t>(ph + e::PH_VADDR, le);
    const std::uint64_t p_filesz = e::read_uint<std::uint64_t>(ph + e::PH_FILESZ, le);
    const std::uint64_t p_memsz = e::read_uint<std::uint64_t>(ph + e::PH_MEMSZ, le);

    LoadingAction a;
    a.addr = round_page_down(p_vaddr);
    a.offset_from_addr = p_vaddr - a.addr;
    a.size = round_page_up(p_memsz + a.offset_from_addr);  // unsigned: wraps like ckb-vm
    a.source_begin = p_offset;
    a.source_end = p_offset + p_filesz;                     // unsigned: wraps like ckb-vm
    if (a.source_begin > a.source_end || a.source_end > len)
      return Error(ErrorCode::ElfSegmentAddrOrSizeError, "segment file range outside the ELF");
    auto flags = convert_flags(p_flags, allow_freeze_writable);
    if (!flags.ok()) return flags.error();
    a.flags = *flags;
    md.actions.push_back(a);
    // ckb-vm keeps this running total (unused by parse_elf's caller) and fails
    // with Unexpected on overflow; unreachable for real inputs, kept for parity.
    const std::uint64_t n = a.source_end - a.source_begin;
    if (total > UINT64_MAX - n) return Error(ErrorCode::Unexpected, "The bytes count overflowed on loading elf");
    total += n;
  }
  return md;
}

// Loads every action into `memory`: init_pages(addr, size, flags,
// program[source_begin, source_end), offset_from_addr), then for VERSION0 the
// extra store_byte(addr, offset_from_addr, 0) ckb-vm performs (on a WXorX
// memory that store fails with MemWriteOnExecutablePage for an executable
// segment whose p_vaddr is not page aligned, as in ckb-vm VERSION0). Stops at
// the first error, leaving earlier segments loaded. Returns the number of file
// bytes loaded. The caller sets pc = md.entry.
//
// Metadata not produced by parse_elf for this very program may name a source
// range outside it; ckb-vm would panic on the slice, this returns
// ElfSegmentAddrOrSizeError before touching memory for that segment.
template <class M>
  requires requires(M& m, std::uint64_t v, std::uint8_t f, std::span<const std::uint8_t> s) {
    { m.init_pages(v, v, f, s, v) } -> std::convertible_to<Status>;
    { m.store_byte(v, v, f) } -> std::convertible_to<Status>;
  }
Result<std::uint64_t> load_binary(M& memory, std::span<const std::uint8_t> program, const ProgramMetadata& md,
                                  std::uint32_t version) {
  std::uint64_t total = 0;
  for (const LoadingAction& a : md.actions) {
    if (a.source_begin > a.source_end || a.source_end > program.size())
      return Error(ErrorCode::ElfSegmentAddrOrSizeError, "segment file range outside the ELF");
    const auto source = program.subspan(static_cast<std::size_t>(a.source_begin),
                                        static_cast<std::size_t>(a.source_end - a.source_begin));
    const Status init = memory.init_pages(a.addr, a.size, a.flags, source, a.offset_from_addr);
    if (!init.ok()) return init.error();
    if (version < VERSION1) {
      const Status zero = memory.store_byte(a.addr, a.offset_from_addr, 0);
      if (!zero.ok()) return zero.error();
    }
    const std::uint64_t n = a.source_end - a.source_begin;
    if (total > UINT64_MAX - n) return Error(ErrorCode::Unexpected, "The bytes count overflowed on loading elf");
    total += n;
  }
  return total;
}

// ---------------------------------------------------------------------------
// Sections and function symbols, for tools (profilers, error reports, debug
// information): nothing above uses them, and ckb-vm never reads them.
//
// ElfSections parses the section header table and the section names of an
// ELF64 file in either byte order. It is defensive: a header, table, name or
// section range that does not fit the file is an ElfParseError, never a crash,
// and nothing is allocated beyond what the file's size can hold. It keeps a
// view of the file's bytes, which must outlive it.

struct ElfSection {
  std::string_view name;  // from the section name string table ("" without one)
  std::uint32_t type = 0;
  std::uint64_t flags = 0;
  std::uint64_t addr = 0;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint32_t link = 0;
  std::uint32_t info = 0;
  std::uint64_t entsize = 0;
};

inline constexpr std::uint32_t ELF_SHT_SYMTAB = 2;
inline constexpr std::uint32_t ELF_SHT_NOBITS = 8;
inline constexpr std::uint64_t ELF_SHF_EXECINSTR = 0x4;

class ElfSections {
 public:
  ElfSections() = default;

  static Result<ElfSections> parse(std::span<const std::uint8_t> elf) {
    const auto fail = [](const char* message) { return Error(ErrorCode::ElfParseError, message); };
    const std::uint64_t file_size = elf.size();
    if (file_size < detail::elf::EHDR64_SIZE || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F')
      return fail("not an ELF file");
    if (elf[detail::elf::IDENT_CLASS] != detail::elf::CLASS64) return fail("not a 64-bit ELF file");
    const std::uint8_t data = elf[detail::elf::IDENT_DATA];
    if (data != detail::elf::DATA_LSB && data != detail::elf::DATA_MSB) return fail("invalid ELF data encoding");
    ElfSections out;
    out.file_ = elf;
    out.little_ = data == detail::elf::DATA_LSB;
    detail::bytes::ByteReader header(elf, out.little_);
    header.seek(0x28);
    const std::uint64_t shoff = header.u64();
    header.seek(0x3a);
    const std::uint16_t shentsize = header.u16();
    std::uint64_t shnum = header.u16();
    std::uint64_t shstrndx = header.u16();
    if (shoff == 0) return out;  // no section headers: nothing to read
    if (shentsize < 64) return fail("ELF section header entries are too small");
    if (!inside(file_size, shoff, shentsize)) return fail("ELF section header table lies outside the file");
    // Extended numbering: the count in section 0's sh_size, the name table's
    // index in its sh_link.
    const auto read_at = [&](std::uint64_t at, unsigned n) {
      detail::bytes::ByteReader r(elf, out.little_);
      r.seek(at);
      return r.uint(n);
    };
    if (shnum == 0) shnum = read_at(shoff + 0x20, 8);
    if (shstrndx == 0xffff) shstrndx = read_at(shoff + 0x28, 4);
    if (shnum > (file_size - shoff) / shentsize) return fail("ELF section header table lies outside the file");

    out.sections_.resize(static_cast<std::size_t>(shnum));
    for (std::uint64_t k = 0; k < shnum; ++k) {
      detail::bytes::ByteReader h(elf.subspan(static_cast<std::size_t>(shoff + k * shentsize), 64), out.little_);
      ElfSection& sec = out.sections_[static_cast<std::size_t>(k)];
      const std::uint32_t name = h.u32();
      sec.type = h.u32();
      sec.flags = h.u64();
      sec.addr = h.u64();
      sec.offset = h.u64();
      sec.size = h.u64();
      sec.link = h.u32();
      sec.info = h.u32();
      h.u64();  // addralign
      sec.entsize = h.u64();
      out.name_offsets_.push_back(name);
      if (sec.type != ELF_SHT_NOBITS && k != 0 && !inside(file_size, sec.offset, sec.size))
        return fail("ELF section lies outside the file");
    }
    if (shstrndx != 0 && shnum != 0) {
      if (shstrndx >= shnum) return fail("ELF section name table does not exist");
      const ElfSection& names = out.sections_[static_cast<std::size_t>(shstrndx)];
      if (names.type == ELF_SHT_NOBITS) return fail("ELF section name table has no contents");
      const std::span<const std::uint8_t> table = out.contents(names);
      for (std::size_t k = 0; k < out.sections_.size(); ++k) {
        const Result<std::string_view> n = string_at(table, out.name_offsets_[k]);
        if (!n.ok()) return n.error();
        out.sections_[k].name = *n;
      }
    }
    return out;
  }

  std::span<const ElfSection> sections() const noexcept { return sections_; }
  bool little_endian() const noexcept { return little_; }

  // The first section with this name, or nullptr.
  const ElfSection* find(std::string_view name) const noexcept {
    for (const ElfSection& s : sections_)
      if (s.name == name) return &s;
    return nullptr;
  }
  // A section's bytes (empty for SHT_NOBITS and section 0); checked by parse().
  std::span<const std::uint8_t> contents(const ElfSection& s) const noexcept {
    if (s.type == ELF_SHT_NOBITS || !inside(file_.size(), s.offset, s.size)) return {};
    return file_.subspan(static_cast<std::size_t>(s.offset), static_cast<std::size_t>(s.size));
  }
  std::span<const std::uint8_t> contents(std::string_view name) const noexcept {
    const ElfSection* s = find(name);
    return s == nullptr ? std::span<const std::uint8_t>{} : contents(*s);
  }

  // The NUL-terminated string at `offset` of a string table.
  static Result<std::string_view> string_at(std::span<const std::uint8_t> table, std::uint64_t offset) {
    if (offset >= table.size()) return Error(ErrorCode::ElfParseError, "ELF name lies outside its string table");
    const char* begin = reinterpret_cast<const char*>(table.data() + offset);
    const void* nul = std::memchr(begin, 0, static_cast<std::size_t>(table.size() - offset));
    if (nul == nullptr) return Error(ErrorCode::ElfParseError, "ELF name is not NUL-terminated");
    return std::string_view(begin, static_cast<std::size_t>(static_cast<const char*>(nul) - begin));
  }

 private:
  // [offset, offset + size) lies inside a file of file_size bytes.
  static bool inside(std::uint64_t file_size, std::uint64_t offset, std::uint64_t size) noexcept {
    return offset <= file_size && size <= file_size - offset;
  }

  std::span<const std::uint8_t> file_;
  bool little_ = true;
  std::vector<ElfSection> sections_;
  std::vector<std::uint32_t> name_offsets_;
};

// A C++ (Itanium ABI) symbol name demangled, e.g. "_ZN3foo3barEi" ->
// "foo::bar(int)", where the standard library offers abi::__cxa_demangle;
// anything else (C names, a failed demangling, no <cxxabi.h>) comes back as is.
inline std::string demangle_symbol(std::string_view name) {
#if __has_include(<cxxabi.h>)
  if (name.size() > 2 && name[0] == '_' && name[1] == 'Z' && name.size() < 4096) {
    const std::string raw(name);
    int status = -1;
    char* text = abi::__cxa_demangle(raw.c_str(), nullptr, nullptr, &status);
    if (text != nullptr) {
      std::string out = status == 0 ? std::string(text) : raw;
      std::free(text);
      return out;
    }
  }
#endif
  return std::string(name);
}

struct FunctionSymbol {
  std::uint64_t address = 0;
  std::uint64_t size = 0;  // 0: unknown (extends to the next symbol)
  std::string name;        // as in the symbol table (mangled for C++)
};

// The function symbols of an ELF file, sorted by address for lookups.
class SymbolTable {
 public:
  SymbolTable() = default;
  // A table of the given functions (any order; one kept per address).
  explicit SymbolTable(std::vector<FunctionSymbol> symbols) : symbols_(std::move(symbols)) { normalize(); }

  // Function symbols of an ELF64 file: STT_FUNC symbols, and STT_NOTYPE
  // symbols defined in executable sections (assembly labels such as _start),
  // excluding local labels (".L...") and mapping symbols ("$x"). A file
  // without a .symtab (stripped) gives an empty table. Malformed input is an
  // ElfParseError.
  static Result<SymbolTable> from_elf(std::span<const std::uint8_t> elf) {
    Result<ElfSections> sections = ElfSections::parse(elf);
    if (!sections.ok()) return sections.error();
    return from_sections(*sections);
  }

  static Result<SymbolTable> from_sections(const ElfSections& elf) {
    const auto fail = [](const char* message) { return Error(ErrorCode::ElfParseError, message); };
    const std::span<const ElfSection> sections = elf.sections();
    SymbolTable table;
    for (const ElfSection& symtab : sections) {
      if (symtab.type != ELF_SHT_SYMTAB) continue;
      if (symtab.entsize != 24) return fail("ELF symbol table entries are not 24 bytes");
      if (symtab.link >= sections.size()) return fail("ELF symbol table names a string table that does not exist");
      const ElfSection& strtab = sections[symtab.link];
      if (strtab.type == ELF_SHT_NOBITS) return fail("ELF string table lies outside the file");
      const std::span<const std::uint8_t> strings = elf.contents(strtab);
      detail::bytes::ByteReader entries(elf.contents(symtab), elf.little_endian());
      while (entries.remaining() >= 24) {
        const std::uint32_t name = entries.u32();
        const std::uint8_t info = entries.u8();
        entries.u8();  // st_other
        const std::uint16_t shndx = entries.u16();
        const std::uint64_t value = entries.u64();
        const std::uint64_t size = entries.u64();
        const unsigned type = info & 0xf;
        if (type != 0 /* NOTYPE */ && type != 2 /* FUNC */) continue;
        if (shndx == 0 || shndx >= 0xff00 || shndx >= sections.size()) continue;  // undefined, absolute, common...
        if (type == 0 && (sections[shndx].flags & ELF_SHF_EXECINSTR) == 0) continue;
        const Result<std::string_view> text = ElfSections::string_at(strings, name);
        if (!text.ok()) return text.error();
        if (text->empty() || text->starts_with(".L") || text->starts_with("$")) continue;
        table.symbols_.push_back(FunctionSymbol{value, size, std::string(*text)});
      }
    }
    table.normalize();
    return table;
  }

  std::span<const FunctionSymbol> symbols() const noexcept { return symbols_; }
  // symbols()[k]'s name demangled (see demangle_symbol).
  const std::string& display_name(std::size_t k) const noexcept { return display_[k]; }
  bool empty() const noexcept { return symbols_.empty(); }
  std::size_t size() const noexcept { return symbols_.size(); }

  // Index of the function containing `pc`, or npos: the last symbol at or
  // below pc, unless it has a size and pc lies beyond it.
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  std::size_t find(std::uint64_t pc) const noexcept {
    const std::size_t k = rank(pc);
    if (k == 0) return npos;
    const FunctionSymbol& s = symbols_[k - 1];
    if (s.size != 0 && pc - s.address >= s.size) return npos;
    return k - 1;
  }
  // How many symbols start at or below pc: two addresses with the same rank
  // have no symbol start between them.
  std::size_t rank(std::uint64_t pc) const noexcept {
    return static_cast<std::size_t>(
        std::upper_bound(symbols_.begin(), symbols_.end(), pc,
                         [](std::uint64_t v, const FunctionSymbol& s) { return v < s.address; }) -
        symbols_.begin());
  }
  // Whether a function starts exactly at `address`.
  bool starts_function(std::uint64_t address) const noexcept {
    const std::size_t k = rank(address);
    return k != 0 && symbols_[k - 1].address == address;
  }

 private:
  // By address; among symbols at the same address the sized one, else the first by name.
  void normalize() {
    std::sort(symbols_.begin(), symbols_.end(), [](const FunctionSymbol& a, const FunctionSymbol& b) {
      if (a.address != b.address) return a.address < b.address;
      if ((a.size != 0) != (b.size != 0)) return a.size != 0;
      return a.name < b.name;
    });
    symbols_.erase(std::unique(symbols_.begin(), symbols_.end(),
                               [](const FunctionSymbol& a, const FunctionSymbol& b) { return a.address == b.address; }),
                   symbols_.end());
    display_.clear();
    display_.reserve(symbols_.size());
    for (const FunctionSymbol& s : symbols_) display_.push_back(demangle_symbol(s.name));
  }

  std::vector<FunctionSymbol> symbols_;
  std::vector<std::string> display_;
};

}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
