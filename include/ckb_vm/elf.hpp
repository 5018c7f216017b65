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

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "constants.hpp"
#include "error.hpp"

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
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    const std::size_t shift = little_endian ? i : (sizeof(T) - 1 - i);
    v = static_cast<T>(v | (static_cast<T>(p[i]) << (8 * shift)));
  }
  return v;
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

}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
