// libFuzzer target for include/ckb_vm/elf.hpp.
//
// For every input: parse_elf for VERSION0/1/2, check the results against a
// second, deliberately literal transcription of goblin's reader (header via
// field-by-field reads, ProgramHeader::parse with its count sanity check and
// entry-by-entry bounds checks), check cross-version consistency and the
// structural invariants of every action, then load each successful parse into
// fresh 4 MiB memories: the project's WXorXMemory<FlatMemory> and
// WXorXMemory<SparseMemory> plus a minimal local model of ckb-vm's WXorX
// rules, which must all agree on the outcome, and on success every loaded
// page must carry its segment's flags. Any disagreement aborts; crashes/UB are
// caught by the sanitizers.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

#include "fuzz_check.hpp"
#include "ckb_vm/elf.hpp"
#include "ckb_vm/memory.hpp"

namespace {

using namespace ckb_vm;

// ---------------------------------------------------------------------------
// Reference: goblin's Header pread + ProgramHeader::parse, then ckb-vm's loop.

struct Reader {
  std::span<const std::uint8_t> bytes;
  bool le = true;
  // scroll's gread: fails when fewer than sizeof(T) bytes remain at *off.
  template <class T>
  std::optional<T> gread(std::size_t& off) const {
    if (off >= bytes.size() || bytes.size() - off < sizeof(T)) return std::nullopt;
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      const std::size_t shift = le ? i : sizeof(T) - 1 - i;
      v = static_cast<T>(v | static_cast<T>(static_cast<T>(bytes[off + i]) << (8 * shift)));
    }
    off += sizeof(T);
    return v;
  }
};

struct RefHeader {
  std::uint64_t entry, phoff;
  std::uint16_t phnum;
  bool le;
};

Result<RefHeader> reference_header(std::span<const std::uint8_t> b) {
  if (b.empty()) return Error(ErrorCode::ElfParseError);  // scroll: offset 0 >= len
  if (b.size() < 16) return Error(ErrorCode::ElfParseError);
  if (std::memcmp(b.data(), "\x7f" "ELF", 4) != 0) return Error(ErrorCode::ElfParseError);
  const std::uint8_t cls = b[4];
  if (cls != 1 && cls != 2) return Error(ErrorCode::ElfParseError);
  if (b[5] != 1 && b[5] != 2) return Error(ErrorCode::ElfParseError);
  Reader r{b, b[5] == 1};
  std::size_t off = 16;
  RefHeader h{};
  h.le = r.le;
  bool ok = true;
  auto rd16 = [&] { auto v = r.gread<std::uint16_t>(off); ok = ok && v.has_value(); return v.value_or(0); };
  auto rd32 = [&] { auto v = r.gread<std::uint32_t>(off); ok = ok && v.has_value(); return v.value_or(0); };
  auto rdw = [&]() -> std::uint64_t {  // address-sized field
    if (cls == 1) { auto v = r.gread<std::uint32_t>(off); ok = ok && v.has_value(); return v.value_or(0); }
    auto v = r.gread<std::uint64_t>(off); ok = ok && v.has_value(); return v.value_or(0);
  };
  rd16();  // e_type
  rd16();  // e_machine
  rd32();  // e_version
  h.entry = rdw();
  h.phoff = rdw();
  rdw();   // e_shoff
  rd32();  // e_flags
  rd16();  // e_ehsize
  rd16();  // e_phentsize
  h.phnum = rd16();
  rd16();  // e_shentsize
  rd16();  // e_shnum
  rd16();  // e_shstrndx
  if (!ok) return Error(ErrorCode::ElfParseError);
  if (cls == 1) return Error(ErrorCode::ElfBits);
  return h;
}

Result<ProgramMetadata> reference_parse(std::span<const std::uint8_t> b, std::uint32_t version) {
  auto hr = reference_header(b);
  if (!hr.ok()) return hr.error();
  const RefHeader h = *hr;
  struct Ph { std::uint32_t type, flags; std::uint64_t offset, vaddr, paddr, filesz, memsz, align; };
  std::vector<Ph> phs;
  const std::size_t count = h.phnum;
  if (count > b.size() / 56) return Error(ErrorCode::ElfParseError);
  if (h.phoff > SIZE_MAX) return Error(ErrorCode::ElfParseError);
  std::size_t off = static_cast<std::size_t>(h.phoff);
  Reader r{b, h.le};
  for (std::size_t i = 0; i < count; ++i) {
    // pread_with at `off` fails outright when off >= len; then field by field.
    if (off >= b.size()) return Error(ErrorCode::ElfParseError);
    Ph p{};
    auto t = r.gread<std::uint32_t>(off);
    auto f = r.gread<std::uint32_t>(off);
    auto o = r.gread<std::uint64_t>(off);
    auto va = r.gread<std::uint64_t>(off);
    auto pa = r.gread<std::uint64_t>(off);
    auto fs = r.gread<std::uint64_t>(off);
    auto ms = r.gread<std::uint64_t>(off);
    auto al = r.gread<std::uint64_t>(off);
    if (!t || !f || !o || !va || !pa || !fs || !ms || !al) return Error(ErrorCode::ElfParseError);
    p = Ph{*t, *f, *o, *va, *pa, *fs, *ms, *al};
    phs.push_back(p);
  }
  ProgramMetadata md;
  md.entry = h.entry;
  for (const Ph& p : phs) {
    if (p.type != 1) continue;
    const std::uint64_t aligned = p.vaddr & ~std::uint64_t{0xfff};
    const std::uint64_t pad = p.vaddr - aligned;
    const std::uint64_t sum = p.memsz + pad;
    const std::uint64_t size = sum + ((~sum + 1) & 0xfff);  // ckb-vm's roundup
    const std::uint64_t begin = p.offset, end = p.offset + p.filesz;
    if (begin > end || end > b.size()) return Error(ErrorCode::ElfSegmentAddrOrSizeError);
    auto fl = convert_flags(p.flags, version < VERSION1);
    if (!fl.ok()) return fl.error();
    md.actions.push_back(LoadingAction{aligned, size, *fl, begin, end, pad});
  }
  return md;
}

// ---------------------------------------------------------------------------
// Minimal independent model of ckb-vm's WXorX semantics for the loader's calls.

struct FuzzMemory {
  std::vector<std::uint8_t> bytes = std::vector<std::uint8_t>(RISCV_MAX_MEMORY, 0);
  std::vector<std::uint8_t> flags = std::vector<std::uint8_t>(RISCV_PAGES, 0);

  std::uint64_t memory_size() const { return bytes.size(); }
  Status init_pages(std::uint64_t addr, std::uint64_t size, std::uint8_t f, std::span<const std::uint8_t> src,
                    std::uint64_t off) {
    if (round_page_down(addr) != addr || round_page_up(size) != size) return ErrorCode::MemPageUnalignedAccess;
    const std::uint64_t m = memory_size();
    if (addr > m || size > m || addr + size > m || off > size) return ErrorCode::MemOutOfBound;
    for (std::uint64_t a = addr; a < addr + size; a += RISCV_PAGESIZE) {
      if (flags[a / RISCV_PAGESIZE] & FLAG_FREEZED) return ErrorCode::MemWriteOnFreezedPage;
      flags[a / RISCV_PAGESIZE] |= f;
    }
    std::uint64_t w = 0;
    if (off > 0) {
      std::memset(bytes.data() + addr, 0, static_cast<std::size_t>(off));
      w = off;
    }
    const std::uint64_t n = std::min<std::uint64_t>(size - w, src.size());
    if (n > 0) std::memcpy(bytes.data() + addr + w, src.data(), static_cast<std::size_t>(n));
    w += n;
    if (w < size) std::memset(bytes.data() + addr + w, 0, static_cast<std::size_t>(size - w));
    return ok_status();
  }
  Status store_byte(std::uint64_t addr, std::uint64_t size, std::uint8_t value) {
    if (size == 0) return ok_status();
    if (addr + size < addr || addr + size > memory_size()) return ErrorCode::MemOutOfBound;
    for (std::uint64_t p = addr / RISCV_PAGESIZE; p <= (addr + size - 1) / RISCV_PAGESIZE; ++p)
      if ((flags[p] & FLAG_WXORX_BIT) != (FLAG_WRITABLE & FLAG_WXORX_BIT)) return ErrorCode::MemWriteOnExecutablePage;
    std::memset(bytes.data() + addr, value, static_cast<std::size_t>(size));
    return ok_status();
  }
};

void check_action(const LoadingAction& a, std::size_t len) {
  FUZZ_CHECK(a.addr % RISCV_PAGESIZE == 0);
  FUZZ_CHECK(a.size % RISCV_PAGESIZE == 0);
  FUZZ_CHECK(a.offset_from_addr < RISCV_PAGESIZE);
  FUZZ_CHECK(a.source_begin <= a.source_end);
  FUZZ_CHECK(a.source_end <= len);
  FUZZ_CHECK(a.flags == FLAG_FREEZED || a.flags == 0 || a.flags == (FLAG_EXECUTABLE | FLAG_FREEZED));
}

// Flags of every page an action covers, unless a later action overlaps it.
template <class M>
void check_flags(M& m, const ProgramMetadata& md) {
  for (std::size_t i = 0; i < md.actions.size(); ++i) {
    const LoadingAction& a = md.actions[i];
    bool overlapped = false;
    for (std::size_t j = i + 1; j < md.actions.size(); ++j) {
      const LoadingAction& b = md.actions[j];
      if (b.addr < a.addr + a.size && a.addr < b.addr + b.size) overlapped = true;
    }
    if (overlapped) continue;
    for (std::uint64_t p = a.addr / RISCV_PAGESIZE; p < (a.addr + a.size) / RISCV_PAGESIZE; ++p) {
      auto f = m.fetch_flag(p);
      FUZZ_CHECK(f.ok());
      FUZZ_CHECK((*f & a.flags) == a.flags);
    }
  }
}

void load_and_compare(std::span<const std::uint8_t> program, const ProgramMetadata& md, std::uint32_t version,
                      std::uint64_t total) {
  // Built once; reset() between inputs clears contents, flags and logs.
  static WXorXMemory<FlatMemory> flat(RISCV_MAX_MEMORY);
  static WXorXMemory<SparseMemory> sparse(RISCV_MAX_MEMORY);
  static FuzzMemory model;
  flat.reset();
  sparse.reset();
  std::fill(model.flags.begin(), model.flags.end(), std::uint8_t{0});  // bytes are never read back

  const auto a = load_binary(flat, program, md, version);
  const auto b = load_binary(sparse, program, md, version);
  const auto c = load_binary(model, program, md, version);
  FUZZ_CHECK(a.ok() == b.ok());
  FUZZ_CHECK(a.ok() == c.ok());
  if (!a.ok()) {
    FUZZ_CHECK(a.error().code == b.error().code);
    FUZZ_CHECK(a.error().code == c.error().code);
    return;
  }
  FUZZ_CHECK(*a == total && *b == total && *c == total);
  check_flags(flat, md);
  check_flags(sparse, md);
  // The two real memories hold identical bytes afterwards (page by page, to
  // avoid multi-megabyte temporaries).
  for (const LoadingAction& act : md.actions) {
    for (std::uint64_t addr = act.addr; addr < act.addr + act.size; addr += RISCV_PAGESIZE) {
      std::array<std::uint8_t, RISCV_PAGESIZE> x, y;
      FUZZ_CHECK(flat.load_bytes_into(addr, x).ok());
      FUZZ_CHECK(sparse.load_bytes_into(addr, y).ok());
      FUZZ_CHECK(x == y);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> program(data, size);
  std::optional<Result<ProgramMetadata>> results[3];
  for (std::uint32_t v = 0; v < 3; ++v) {
    auto r = parse_elf(program, v);
    auto ref = reference_parse(program, v);
    FUZZ_CHECK(r.ok() == ref.ok());
    if (r.ok()) {
      FUZZ_CHECK(*r == *ref);
      std::uint64_t total = 0;
      for (const auto& a : r->actions) {
        check_action(a, size);
        total += a.source_end - a.source_begin;
      }
      load_and_compare(program, *r, v, total);
    } else {
      FUZZ_CHECK(r.error().code == ref.error().code);
      FUZZ_CHECK(r.error().message != nullptr);
    }
    results[v].emplace(std::move(r));
  }
  // Versions differ only in how writable segments are flagged.
  for (int v = 1; v < 3; ++v) {
    const auto& a = *results[0];
    const auto& b = *results[v];
    FUZZ_CHECK(a.ok() == b.ok());
    if (!a.ok()) {
      FUZZ_CHECK(a.error().code == b.error().code);
      continue;
    }
    FUZZ_CHECK(a->entry == b->entry);
    FUZZ_CHECK(a->actions.size() == b->actions.size());
    for (std::size_t i = 0; i < a->actions.size(); ++i) {
      LoadingAction x = a->actions[i];
      const LoadingAction& y = b->actions[i];
      if (y.flags == 0) {
        FUZZ_CHECK(x.flags == FLAG_FREEZED);
        x.flags = 0;
      }
      FUZZ_CHECK(x == y);
    }
  }
  return 0;
}
