// Tests for <ckb_vm/memory.hpp>: FlatMemory, SparseMemory and WXorXMemory<M>
// against the behaviour of ckb-vm 0.24's memory models.
#include <doctest/doctest.h>

#include <ckb_vm/memory.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "support/forwarding_memory.hpp"

namespace memory_tests {

using namespace ckb_vm;

namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t PAGE = RISCV_PAGESIZE;
constexpr std::uint64_t KIB64 = 64 * 1024;
constexpr std::uint64_t U64_MAX = ~std::uint64_t{0};

// "ok" or the error kind's name, so failed CHECKs print something readable.
template <class R>
std::string outcome(const R& r) {
  return r.ok() ? std::string("ok") : std::string(r.error().name());
}

// Not one of the built-in models: WXorXMemory<Opaque<M>> exercises WXorXMemory's
// generic (non fast-path) code.
template <class M>
using Opaque = testsupport::ForwardingMemory<M>;

static_assert(Memory<Opaque<FlatMemory>>);
static_assert(Memory<WXorXMemory<Opaque<SparseMemory>>>);

template <class M>
inline constexpr bool is_wxorx_v = false;
template <class M>
inline constexpr bool is_wxorx_v<WXorXMemory<M>> = true;

template <class M>
Bytes contents(M& m, std::uint64_t addr, std::uint64_t size) {
  auto r = m.load_bytes(addr, size);
  REQUIRE(r.ok());
  return std::move(r).value();
}

template <class M>
std::uint8_t flag_of(M& m, std::uint64_t page) {
  auto r = m.fetch_flag(page);
  REQUIRE(r.ok());
  return *r;
}

template <class M>
std::vector<std::uint32_t> log_of(const M& m) {
  auto s = m.dirty_page_log();
  return {s.begin(), s.end()};
}

template <class M>
Status store_width(M& m, std::uint64_t addr, std::uint64_t value, int width) {
  switch (width) {
    case 1: return m.store8(addr, value);
    case 2: return m.store16(addr, value);
    case 4: return m.store32(addr, value);
    default: return m.store64(addr, value);
  }
}

template <class M>
Result<std::uint64_t> load_width(M& m, std::uint64_t addr, int width) {
  switch (width) {
    case 1: return m.load8(addr);
    case 2: return m.load16(addr);
    case 4: return m.load32(addr);
    default: return m.load64(addr);
  }
}

std::uint64_t width_mask(int width) { return width == 8 ? U64_MAX : (std::uint64_t{1} << (8 * width)) - 1; }

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7 + (i >> 8));
  return b;
}

}  // namespace

#define ALL_MODELS                                                                                   \
  FlatMemory, SparseMemory, WXorXMemory<FlatMemory>, WXorXMemory<SparseMemory>, WXorXMemory<Opaque<FlatMemory>>, \
      WXorXMemory<Opaque<SparseMemory>>

TEST_SUITE("memory") {

TEST_CASE_TEMPLATE("round trip of every width, little-endian, zero-extended", M, ALL_MODELS) {
  for (const std::uint64_t ms : {KIB64, RISCV_MAX_MEMORY}) {
    M m(ms);
    CHECK(m.memory_size() == ms);
    CHECK(m.memory_pages() == ms / PAGE);
    for (const std::uint64_t addr : {std::uint64_t{0}, std::uint64_t{8}, std::uint64_t{0x1235}, PAGE - 8, ms - 8}) {
      CAPTURE(addr);
      CHECK(outcome(m.store64(addr, 0x0102030405060708ULL)) == "ok");
      CHECK(contents(m, addr, 8) == Bytes{8, 7, 6, 5, 4, 3, 2, 1});
      CHECK(*m.load8(addr) == 0x08);
      CHECK(*m.load16(addr) == 0x0708);
      CHECK(*m.load32(addr) == 0x05060708);
      CHECK(*m.load64(addr) == 0x0102030405060708ULL);
      CHECK(*m.load16(addr + 6) == 0x0102);

      // Only the low bits of the value are stored.
      CHECK(outcome(m.store8(addr, 0x1FF)) == "ok");
      CHECK(*m.load64(addr) == 0x01020304050607FFULL);
      CHECK(outcome(m.store16(addr, 0xABCDEF)) == "ok");
      CHECK(*m.load64(addr) == 0x010203040506CDEFULL);
      CHECK(outcome(m.store32(addr, 0x1122334455ULL)) == "ok");
      CHECK(*m.load64(addr) == 0x0102030422334455ULL);
      // Loads zero-extend.
      CHECK(outcome(m.store64(addr, 0x8080808080808080ULL)) == "ok");
      CHECK(*m.load8(addr) == 0x80);
      CHECK(*m.load16(addr) == 0x8080);
      CHECK(*m.load32(addr) == 0x80808080ULL);
    }
    // Fetches from memory: bare models don't check permissions; WXorX needs
    // an executable page.
    if constexpr (is_wxorx_v<M>) {
      const Bytes code = {0x13, 0x05, 0xa0, 0x02, 0x73, 0x00};
      CHECK(outcome(m.init_pages(ms - PAGE, PAGE, FLAG_EXECUTABLE, code, 0)) == "ok");
    } else {
      CHECK(outcome(m.store_byte(ms - PAGE, PAGE, 0)) == "ok");
      CHECK(outcome(m.store_bytes(ms - PAGE, Bytes{0x13, 0x05, 0xa0, 0x02, 0x73, 0x00})) == "ok");
    }
    CHECK(*m.execute_load32(ms - PAGE) == 0x02a00513U);
    CHECK(*m.execute_load16(ms - PAGE + 4) == 0x0073);
    CHECK(*m.execute_load16(ms - 2) == 0);
    CHECK(*m.execute_load32(ms - 4) == 0);
  }
}

TEST_CASE_TEMPLATE("page-straddling loads and stores touch both pages", M, ALL_MODELS) {
  M m(KIB64);
  for (const int width : {2, 4, 8}) {
    for (std::uint64_t addr = PAGE - width + 1; addr < PAGE; ++addr) {
      CAPTURE(width);
      CAPTURE(addr);
      m.reset();
      const std::uint64_t value = 0x8877665544332211ULL;
      CHECK(outcome(store_width(m, addr, value, width)) == "ok");
      CHECK(*load_width(m, addr, width) == (value & width_mask(width)));
      Bytes expected(16, 0);
      for (int i = 0; i < width; ++i) expected[addr - (PAGE - 8) + i] = static_cast<std::uint8_t>(0x11 * (i + 1));
      CHECK(contents(m, PAGE - 8, 16) == expected);
      CHECK((flag_of(m, 0) & FLAG_DIRTY) != 0);
      CHECK((flag_of(m, 1) & FLAG_DIRTY) != 0);
      CHECK(log_of(m) == std::vector<std::uint32_t>{0, 1});
    }
  }
  // The range 0xFFF..0x1001 explicitly, through store_bytes and load_bytes.
  m.reset();
  CHECK(outcome(m.store_bytes(0xFFF, Bytes{0xAA, 0xBB, 0xCC})) == "ok");
  CHECK(contents(m, 0xFFF, 3) == Bytes{0xAA, 0xBB, 0xCC});
  CHECK(*m.load16(0xFFF) == 0xBBAA);
  CHECK(*m.load32(0xFFE) == 0x00CCBBAAU << 8);
  CHECK(log_of(m) == std::vector<std::uint32_t>{0, 1});
}

TEST_CASE_TEMPLATE("straddling into the page past the end of memory", M, ALL_MODELS) {
  for (const std::uint64_t ms : {KIB64, RISCV_MAX_MEMORY}) {
    CAPTURE(ms);
    M m(ms);
    const std::uint64_t last = ms / PAGE - 1;
    CHECK(outcome(m.load32(ms - 2)) == "MemOutOfBound");
    CHECK(outcome(m.load64(ms - 1)) == "MemOutOfBound");
    if constexpr (is_wxorx_v<M>) {
      // Below RISCV_MAX_MEMORY the in-range page is checked first: it is not
      // executable.
      CHECK(outcome(m.execute_load32(ms - 2)) ==
            (ms < RISCV_MAX_MEMORY ? "MemWriteOnExecutablePage" : "MemOutOfBound"));
    } else {
      CHECK(outcome(m.execute_load32(ms - 2)) == "MemOutOfBound");
    }
    CHECK(outcome(m.store32(ms - 2, 0xDDCCBBAA)) == "MemOutOfBound");
    const Bytes tail = contents(m, ms - 8, 8);
    const bool dirty = (flag_of(m, last) & FLAG_DIRTY) != 0;
    if constexpr (is_wxorx_v<M>) {
      // The permission check visits every page first: nothing happens.
      CHECK(tail == Bytes(8, 0));
      CHECK_FALSE(dirty);
      CHECK(log_of(m).empty());
    } else if constexpr (std::is_same_v<M, FlatMemory>) {
      // ckb-vm's flat store dirties the in-range page before failing on the
      // next one, unless the range already fails the RISCV_MAX_MEMORY check.
      CHECK(tail == Bytes(8, 0));
      CHECK(dirty == (ms < RISCV_MAX_MEMORY));
    } else {
      // ckb-vm's sparse store writes the in-range part, page by page.
      CHECK(tail == Bytes{0, 0, 0, 0, 0, 0, 0xAA, 0xBB});
      CHECK(dirty);
    }
  }
}

TEST_CASE("bare models keep ckb-vm's partial effects of failed bulk stores") {
  FlatMemory flat(KIB64);
  SparseMemory sparse(KIB64);
  WXorXMemory<SparseMemory> guarded(KIB64);
  // Starts in range, runs off the end (and the size makes addr + size wrap).
  CHECK(outcome(flat.store_byte(0, U64_MAX, 0xAA)) == "MemOutOfBound");
  CHECK(outcome(sparse.store_byte(0, U64_MAX, 0xAA)) == "MemOutOfBound");
  CHECK(outcome(guarded.store_byte(0, U64_MAX, 0xAA)) == "MemOutOfBound");
  CHECK(contents(flat, 0, KIB64) == Bytes(KIB64, 0));
  CHECK(flat.dirty_page_log().empty());  // rejected by get_page_indices
  CHECK(contents(sparse, 0, KIB64) == Bytes(KIB64, 0xAA));
  CHECK(sparse.dirty_page_log().size() == KIB64 / PAGE);
  CHECK(contents(guarded, 0, KIB64) == Bytes(KIB64, 0));

  // Ends past memory_size but below RISCV_MAX_MEMORY: Flat dirties the pages
  // that exist, writes nothing.
  FlatMemory flat2(KIB64);
  CHECK(outcome(flat2.store_bytes(KIB64 - PAGE - 10, Bytes(PAGE + 20, 0x55))) == "MemOutOfBound");
  CHECK(log_of(flat2) == std::vector<std::uint32_t>{14, 15});
  CHECK(contents(flat2, 0, KIB64) == Bytes(KIB64, 0));
  SparseMemory sparse2(KIB64);
  CHECK(outcome(sparse2.store_bytes(KIB64 - PAGE - 10, Bytes(PAGE + 20, 0x55))) == "MemOutOfBound");
  CHECK(log_of(sparse2) == std::vector<std::uint32_t>{14, 15});
  CHECK(contents(sparse2, KIB64 - PAGE - 10, PAGE + 10) == Bytes(PAGE + 10, 0x55));
}

TEST_CASE_TEMPLATE("address overflow and addresses at or past memory_size", M, ALL_MODELS) {
  for (const std::uint64_t ms : {KIB64, RISCV_MAX_MEMORY}) {
    CAPTURE(ms);
    M m(ms);
    for (const int width : {1, 2, 4, 8}) {
      CAPTURE(width);
      for (const std::uint64_t addr : {U64_MAX - 1, U64_MAX - width + 1, U64_MAX, ms, ms + 1, ms - width + 1,
                                       RISCV_MAX_MEMORY, RISCV_MAX_MEMORY + 8, U64_MAX - ms}) {
        CAPTURE(addr);
        CHECK(outcome(load_width(m, addr, width)) == "MemOutOfBound");
        CHECK(outcome(store_width(m, addr, 0x42, width)) == "MemOutOfBound");
      }
      CHECK(outcome(load_width(m, ms - width, width)) == "ok");
      CHECK(outcome(store_width(m, ms - width, 0x42, width)) == "ok");
    }
    CHECK(outcome(m.execute_load16(U64_MAX)) == "MemOutOfBound");
    CHECK(outcome(m.execute_load32(U64_MAX - 1)) == "MemOutOfBound");
    CHECK(outcome(m.execute_load32(ms)) == "MemOutOfBound");
    CHECK(outcome(m.store_bytes(U64_MAX - 1, Bytes(8, 1))) == "MemOutOfBound");
    CHECK(outcome(m.store_byte(U64_MAX - 1, 8, 1)) == "MemOutOfBound");
    CHECK(outcome(m.load_bytes(U64_MAX - 1, 8)) == "MemOutOfBound");
    // Only the successful stores at ms - width dirtied anything.
    CHECK(log_of(m) == std::vector<std::uint32_t>{static_cast<std::uint32_t>(ms / PAGE - 1)});
  }
  // ckb-vm's own check: UINT64_MAX - 1 + 8 wraps.
  M m(RISCV_MAX_MEMORY);
  CHECK(outcome(m.load64(U64_MAX - 1)) == "MemOutOfBound");
  CHECK(outcome(m.store64(U64_MAX - 1, 0)) == "MemOutOfBound");
}

TEST_CASE_TEMPLATE("store_byte, store_bytes, load_bytes edge cases", M, ALL_MODELS) {
  M m(KIB64);
  const std::uint64_t ms = KIB64;
  // Zero sizes succeed anywhere, without any effect.
  for (const std::uint64_t addr : {std::uint64_t{0}, ms, ms + 12345, U64_MAX}) {
    CHECK(outcome(m.store_byte(addr, 0, 0x77)) == "ok");
    CHECK(outcome(m.store_bytes(addr, {})) == "ok");
    auto r = m.load_bytes(addr, 0);
    REQUIRE(r.ok());
    CHECK(r->empty());
    CHECK(outcome(m.load_bytes_into(addr, {})) == "ok");
  }
  CHECK(log_of(m).empty());

  // Ranges ending exactly at the end of memory.
  const Bytes data = pattern(16, 3);
  CHECK(outcome(m.store_bytes(ms - 16, data)) == "ok");
  CHECK(contents(m, ms - 16, 16) == data);
  Bytes into(16);
  CHECK(outcome(m.load_bytes_into(ms - 16, into)) == "ok");
  CHECK(into == data);
  CHECK(outcome(m.store_byte(ms - 100, 100, 0x5A)) == "ok");
  CHECK(contents(m, ms - 100, 100) == Bytes(100, 0x5A));
  CHECK(contents(m, 0, ms).size() == ms);

  // One byte too far.
  CHECK(outcome(m.load_bytes(ms - 16, 17)) == "MemOutOfBound");
  CHECK(outcome(m.load_bytes(ms, 1)) == "MemOutOfBound");
  CHECK(outcome(m.load_bytes(0, ms + 1)) == "MemOutOfBound");
  CHECK(outcome(m.load_bytes(1, U64_MAX)) == "MemOutOfBound");
  CHECK(outcome(m.load_bytes(U64_MAX, 1)) == "MemOutOfBound");
  Bytes big(17);
  CHECK(outcome(m.load_bytes_into(ms - 16, big)) == "MemOutOfBound");
  CHECK(outcome(m.store_bytes(ms - 16, Bytes(17, 1))) == "MemOutOfBound");
  CHECK(outcome(m.store_byte(ms - 100, 101, 0)) == "MemOutOfBound");
  CHECK(outcome(m.store_byte(ms, 1, 0)) == "MemOutOfBound");
  CHECK(outcome(m.store_bytes(ms, Bytes(1, 1))) == "MemOutOfBound");

  // Multi-page bulk copy round trip.
  const Bytes big_data = pattern(3 * PAGE + 123, 9);
  CHECK(outcome(m.store_bytes(PAGE / 2, big_data)) == "ok");
  CHECK(contents(m, PAGE / 2, big_data.size()) == big_data);
}

TEST_CASE_TEMPLATE("flags: set ORs, clear clears, out-of-range pages", M, ALL_MODELS) {
  M m(KIB64);
  const std::uint64_t pages = KIB64 / PAGE;
  CHECK(flag_of(m, 3) == 0);
  CHECK(outcome(m.set_flag(3, FLAG_EXECUTABLE)) == "ok");
  CHECK(flag_of(m, 3) == FLAG_EXECUTABLE);
  CHECK(outcome(m.set_flag(3, FLAG_FREEZED)) == "ok");
  CHECK(flag_of(m, 3) == (FLAG_EXECUTABLE | FLAG_FREEZED));
  CHECK(outcome(m.set_flag(3, 0x40)) == "ok");  // arbitrary bits are kept
  CHECK(flag_of(m, 3) == (0x40 | FLAG_EXECUTABLE | FLAG_FREEZED));
  CHECK(outcome(m.clear_flag(3, FLAG_EXECUTABLE | 0x40)) == "ok");
  CHECK(flag_of(m, 3) == FLAG_FREEZED);
  CHECK(outcome(m.clear_flag(3, FLAG_DIRTY)) == "ok");  // clearing clear bits is fine
  CHECK(flag_of(m, 3) == FLAG_FREEZED);
  CHECK(flag_of(m, pages - 1) == 0);
  for (const std::uint64_t page : {pages, pages + 1, RISCV_PAGES, U64_MAX}) {
    CHECK(outcome(m.fetch_flag(page)) == "MemOutOfBound");
    CHECK(outcome(m.set_flag(page, FLAG_DIRTY)) == "MemOutOfBound");
    CHECK(outcome(m.clear_flag(page, FLAG_DIRTY)) == "MemOutOfBound");
  }
  CHECK(log_of(m).empty());
  // set_flag with FLAG_DIRTY is logged like a store.
  CHECK(outcome(m.set_flag(7, FLAG_DIRTY | FLAG_EXECUTABLE)) == "ok");
  CHECK(log_of(m) == std::vector<std::uint32_t>{7});
}

TEST_CASE_TEMPLATE("dirty flags and the dirty page log", M, ALL_MODELS) {
  M m(KIB64);
  CHECK(log_of(m).empty());
  CHECK(outcome(m.load64(0x1000)) == "ok");  // loads never dirty
  CHECK(log_of(m).empty());
  CHECK(outcome(m.store8(0x1000, 1)) == "ok");
  CHECK(flag_of(m, 1) == FLAG_DIRTY);
  CHECK(outcome(m.store8(0x1001, 1)) == "ok");
  CHECK(log_of(m) == std::vector<std::uint32_t>{1});
  CHECK(outcome(m.store64(0x2FFC, 1)) == "ok");
  CHECK(outcome(m.store_bytes(5 * PAGE + 1, Bytes(PAGE, 1))) == "ok");
  CHECK(outcome(m.store_byte(9 * PAGE, PAGE, 1)) == "ok");
  CHECK(outcome(m.set_flag(12, FLAG_DIRTY)) == "ok");
  CHECK(log_of(m) == std::vector<std::uint32_t>{1, 2, 3, 5, 6, 9, 12});
  for (const std::uint64_t page : {0, 4, 7, 8, 10, 11, 13, 14, 15}) CHECK((flag_of(m, page) & FLAG_DIRTY) == 0);

  // Clearing the bit and dirtying again does not duplicate a logged page.
  CHECK(outcome(m.clear_flag(1, FLAG_DIRTY)) == "ok");
  CHECK(flag_of(m, 1) == 0);
  CHECK(outcome(m.store16(0x1000, 1)) == "ok");
  CHECK(flag_of(m, 1) == FLAG_DIRTY);
  CHECK(log_of(m) == std::vector<std::uint32_t>{1, 2, 3, 5, 6, 9, 12});

  // A stale entry stays until the log is cleared; consumers re-check the flag.
  CHECK(outcome(m.clear_flag(2, FLAG_DIRTY)) == "ok");
  CHECK(outcome(m.clear_flag(9, FLAG_DIRTY)) == "ok");
  CHECK(log_of(m) == std::vector<std::uint32_t>{1, 2, 3, 5, 6, 9, 12});
  CHECK(flag_of(m, 9) == 0);

  // Clearing the log drops only the stale entries: pages still dirty stay,
  // in their order, so a snapshot still finds them.
  m.clear_dirty_page_log();
  CHECK(log_of(m) == std::vector<std::uint32_t>{1, 3, 5, 6, 12});
  CHECK(outcome(m.store8(0x1000, 2)) == "ok");  // still dirty and logged: no duplicate
  CHECK(log_of(m) == std::vector<std::uint32_t>{1, 3, 5, 6, 12});
  // A dropped page is logged again on its next clear->set transition.
  CHECK(outcome(m.store32(0x9000, 3)) == "ok");
  CHECK(outcome(m.store32(0x4000, 3)) == "ok");
  CHECK(log_of(m) == std::vector<std::uint32_t>{1, 3, 5, 6, 12, 9, 4});

  // With every dirty bit cleared, clearing the log empties it; failed stores
  // dirty nothing when they fail before any page is touched.
  for (std::uint64_t page = 0; page < KIB64 / PAGE; ++page) CHECK(outcome(m.clear_flag(page, FLAG_DIRTY)) == "ok");
  m.clear_dirty_page_log();
  CHECK(log_of(m).empty());
  CHECK(outcome(m.store64(KIB64, 1)) == "MemOutOfBound");
  CHECK(outcome(m.store_bytes(U64_MAX, Bytes(2, 0))) == "MemOutOfBound");
  CHECK(log_of(m).empty());
}

TEST_CASE_TEMPLATE("load reservation", M, ALL_MODELS) {
  M m(KIB64);
  CHECK(m.lr() == U64_MAX);
  m.set_lr(0x1234);
  CHECK(m.lr() == 0x1234);
  CHECK(outcome(m.store64(0x1234, 5)) == "ok");  // the memory only stores lr
  CHECK(m.lr() == 0x1234);
  m.reset();
  CHECK(m.lr() == U64_MAX);
}

TEST_CASE_TEMPLATE("reset zeroes contents, flags, log and lr", M, ALL_MODELS) {
  M m(KIB64);
  CHECK(outcome(m.store_bytes(100, pattern(3 * PAGE, 1))) == "ok");
  CHECK(outcome(m.store64(KIB64 - 8, U64_MAX)) == "ok");
  CHECK(outcome(m.set_flag(6, FLAG_EXECUTABLE | FLAG_FREEZED)) == "ok");
  // A written page whose dirty bit was cleared must still be zeroed.
  CHECK(outcome(m.clear_flag(0, FLAG_DIRTY)) == "ok");
  m.clear_dirty_page_log();
  m.set_lr(8);
  m.reset();
  CHECK(contents(m, 0, KIB64) == Bytes(KIB64, 0));
  for (std::uint64_t page = 0; page < KIB64 / PAGE; ++page) CHECK(flag_of(m, page) == 0);
  CHECK(log_of(m).empty());
  CHECK(m.lr() == U64_MAX);
  // Usable again, with fresh dirty tracking.
  CHECK(outcome(m.store8(PAGE * 2, 9)) == "ok");
  CHECK(*m.load8(PAGE * 2) == 9);
  CHECK(*m.load8(100) == 0);
  CHECK(log_of(m) == std::vector<std::uint32_t>{2});
  m.reset();
  CHECK(*m.load8(PAGE * 2) == 0);
}

TEST_CASE("FlatMemory: 4 MiB construction, raw access and reset") {
  std::vector<FlatMemory> many;
  for (int i = 0; i < 32; ++i) many.emplace_back();  // 128 MiB of lazily zeroed memory
  for (auto& m : many) {
    CHECK(m.memory_size() == RISCV_MAX_MEMORY);
    CHECK(*m.load64(RISCV_MAX_MEMORY - 8) == 0);
  }
  FlatMemory& m = many.front();
  CHECK(outcome(m.store32(0x10, 0xAABBCCDD)) == "ok");
  CHECK(m.data()[0x10] == 0xDD);
  CHECK(m.page_data(0)[0x11] == 0xCC);
  CHECK(m.flags()[0] == FLAG_DIRTY);
  // Raw writes are not tracked, so reset clears everything after data().
  m.data()[RISCV_MAX_MEMORY - 1] = 0x77;
  CHECK(*m.load8(RISCV_MAX_MEMORY - 1) == 0x77);
  m.reset();
  CHECK(*m.load8(RISCV_MAX_MEMORY - 1) == 0);
  CHECK(*m.load32(0x10) == 0);
  CHECK(m.flags()[0] == 0);
  CHECK(contents(m, 0, RISCV_MAX_MEMORY) == Bytes(RISCV_MAX_MEMORY, 0));
}

TEST_CASE("SparseMemory allocates pages only on writes") {
  SparseMemory m;
  CHECK(m.allocated_pages() == 0);
  for (std::uint64_t addr = 0; addr < RISCV_MAX_MEMORY; addr += 997) CHECK(*m.load8(addr) == 0);
  CHECK(outcome(m.load64(PAGE - 4)) == "ok");
  CHECK(contents(m, 0, RISCV_MAX_MEMORY) == Bytes(RISCV_MAX_MEMORY, 0));
  CHECK(m.allocated_pages() == 0);
  CHECK(outcome(m.store8(5 * PAGE + 3, 1)) == "ok");
  CHECK(m.allocated_pages() == 1);
  CHECK(outcome(m.store64(PAGE - 4, U64_MAX)) == "ok");
  CHECK(m.allocated_pages() == 3);
  CHECK(m.page_data(5)[3] == 1);
  CHECK(m.page_data(7)[0] == 0);
  m.reset();
  CHECK(m.allocated_pages() == 0);
  // A recycled page buffer comes back zeroed.
  CHECK(outcome(m.store8(9 * PAGE, 2)) == "ok");
  CHECK(m.allocated_pages() == 1);
  CHECK(contents(m, 9 * PAGE, PAGE) == [] {
    Bytes b(PAGE, 0);
    b[0] = 2;
    return b;
  }());
  CHECK(*m.load8(5 * PAGE + 3) == 0);
}

TEST_CASE_TEMPLATE("create() rejects invalid sizes, constructors clamp", M, FlatMemory, SparseMemory,
                   WXorXMemory<FlatMemory>, WXorXMemory<SparseMemory>) {
  CHECK(outcome(M::create(RISCV_MAX_MEMORY + PAGE)) == "MemOutOfBound");
  CHECK(outcome(M::create(RISCV_MAX_MEMORY + 1)) == "MemOutOfBound");  // size checked before alignment
  CHECK(outcome(M::create(U64_MAX)) == "MemOutOfBound");
  CHECK(outcome(M::create(PAGE + 1)) == "MemPageUnalignedAccess");
  CHECK(outcome(M::create(1)) == "MemPageUnalignedAccess");
  {
    auto r = M::create(KIB64);
    REQUIRE(r.ok());
    M m = std::move(r).value();
    CHECK(m.memory_size() == KIB64);
    CHECK(outcome(m.store64(KIB64 - 8, 1)) == "ok");
    CHECK(*m.load64(KIB64 - 8) == 1);
  }
  {
    auto r = M::create(0);
    REQUIRE(r.ok());
    M& m = r.value();
    CHECK(m.memory_size() == 0);
    CHECK(m.memory_pages() == 0);
    CHECK(outcome(m.load8(0)) == "MemOutOfBound");
    CHECK(outcome(m.store8(0, 0)) == "MemOutOfBound");
    CHECK(outcome(m.fetch_flag(0)) == "MemOutOfBound");
    CHECK(outcome(m.load_bytes(0, 1)) == "MemOutOfBound");
    CHECK(outcome(m.store_byte(0, 0, 0)) == "ok");
    m.reset();
  }
  CHECK(M(RISCV_MAX_MEMORY * 2).memory_size() == RISCV_MAX_MEMORY);
  CHECK(M(U64_MAX).memory_size() == RISCV_MAX_MEMORY);
  CHECK(M(PAGE * 3 + 5).memory_size() == PAGE * 3);
  CHECK(M(100).memory_size() == 0);
  CHECK(M().memory_size() == RISCV_MAX_MEMORY);
}

TEST_CASE_TEMPLATE("moved-from memories fail safely", M, FlatMemory, SparseMemory) {
  M a(KIB64);
  CHECK(outcome(a.store8(PAGE, 7)) == "ok");
  M b(std::move(a));
  CHECK(*b.load8(PAGE) == 7);
  CHECK(log_of(b) == std::vector<std::uint32_t>{1});
  CHECK(a.memory_size() == 0);  // NOLINT(bugprone-use-after-move)
  CHECK(outcome(a.load8(PAGE)) == "MemOutOfBound");
  CHECK(outcome(a.store8(PAGE, 1)) == "MemOutOfBound");
  CHECK(outcome(a.store_bytes(0, Bytes(4, 1))) == "MemOutOfBound");
  a.reset();
  M c(PAGE);
  c = std::move(b);
  CHECK(*c.load8(PAGE) == 7);
  c.reset();
  CHECK(*c.load8(PAGE) == 0);
}

TEST_CASE("free functions: get_page_indices, check_permission, fill_page_data") {
  CHECK(*get_page_indices(0xFFF, 2) == PageIndices{0, 1});
  CHECK(*get_page_indices(0x1000, 0x1000) == PageIndices{1, 1});
  CHECK(*get_page_indices(RISCV_MAX_MEMORY - 1, 1) == PageIndices{RISCV_PAGES - 1, RISCV_PAGES - 1});
  CHECK(outcome(get_page_indices(RISCV_MAX_MEMORY, 1)) == "MemOutOfBound");
  CHECK(outcome(get_page_indices(U64_MAX, 2)) == "MemOutOfBound");
  CHECK(outcome(get_page_indices(1, U64_MAX)) == "MemOutOfBound");

  FlatMemory m(KIB64);
  CHECK(outcome(m.set_flag(2, FLAG_EXECUTABLE)) == "ok");
  CHECK(outcome(check_permission(m, {0, 1}, FLAG_WRITABLE)) == "ok");
  CHECK(outcome(check_permission(m, {1, 2}, FLAG_WRITABLE)) == "MemWriteOnExecutablePage");
  CHECK(outcome(check_permission(m, {2, 2}, FLAG_EXECUTABLE)) == "ok");
  CHECK(outcome(check_permission(m, {2, 3}, FLAG_EXECUTABLE)) == "MemWriteOnExecutablePage");
  CHECK(outcome(check_permission(m, {15, 16}, FLAG_WRITABLE)) == "MemOutOfBound");
  // The first failing page decides.
  CHECK(outcome(check_permission(m, {2, 16}, FLAG_WRITABLE)) == "MemWriteOnExecutablePage");

  CHECK(outcome(m.store_byte(0, 64, 0xEE)) == "ok");
  CHECK(outcome(fill_page_data(m, 0, 32, Bytes{1, 2, 3}, 4)) == "ok");
  Bytes expected(64, 0xEE);
  std::fill_n(expected.begin(), 32, 0);
  expected[4] = 1;
  expected[5] = 2;
  expected[6] = 3;
  CHECK(contents(m, 0, 64) == expected);
}

TEST_CASE("errors carry the faulting address") {
  WXorXMemory<FlatMemory> m(KIB64);
  auto r = m.store32(KIB64 + 4, 0);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::MemOutOfBound);
  CHECK(r.error().address == KIB64 + 4);
  auto f = m.execute_load32(0x2000);
  REQUIRE_FALSE(f.ok());
  CHECK(f.error().code == ErrorCode::MemWriteOnExecutablePage);
  CHECK(f.error().address == 0x2000);
}

// ---------------------------------------------------------------------------
// init_pages

TEST_CASE_TEMPLATE("bare init_pages fills without checks and ignores flags", M, FlatMemory, SparseMemory) {
  M m(KIB64);
  CHECK(outcome(m.store_byte(0, 3 * PAGE, 0xFF)) == "ok");
  const Bytes src = pattern(100, 1);
  // Unaligned address and size are fine; flags are not applied.
  CHECK(outcome(m.init_pages(10, 1000, FLAG_EXECUTABLE | FLAG_FREEZED, src, 5)) == "ok");
  CHECK(flag_of(m, 0) == FLAG_DIRTY);
  Bytes expected(3 * PAGE, 0xFF);
  std::fill_n(expected.begin() + 10, 1000, 0);
  std::copy(src.begin(), src.end(), expected.begin() + 15);
  CHECK(contents(m, 0, 3 * PAGE) == expected);
  // offset_from_addr > size is not rejected: the range is just zeroed.
  CHECK(outcome(m.init_pages(PAGE, 8, 0, src, 100)) == "ok");
  CHECK(contents(m, PAGE, 9) == Bytes{0, 0, 0, 0, 0, 0, 0, 0, 0xFF});
  CHECK(outcome(m.init_pages(KIB64, PAGE, 0, src, 0)) == "MemOutOfBound");
  CHECK(outcome(m.init_pages(KIB64, 0, 0, src, 0)) == "ok");
}

TEST_CASE_TEMPLATE("WXorX init_pages checks, fill and flags", M, WXorXMemory<FlatMemory>, WXorXMemory<SparseMemory>,
                   WXorXMemory<Opaque<FlatMemory>>, WXorXMemory<Opaque<SparseMemory>>) {
  const std::uint64_t ms = KIB64;
  M m(ms);
  const Bytes src = pattern(100, 1);

  SUBCASE("alignment is checked first") {
    CHECK(outcome(m.init_pages(1, PAGE, 0, src, 0)) == "MemPageUnalignedAccess");
    CHECK(outcome(m.init_pages(0, PAGE + 1, 0, src, 0)) == "MemPageUnalignedAccess");
    CHECK(outcome(m.init_pages(0, 1, 0, src, 0)) == "MemPageUnalignedAccess");
    CHECK(outcome(m.init_pages(PAGE + 8, ms * 4, 0, src, ms * 8)) == "MemPageUnalignedAccess");
    // round_page_up(UINT64_MAX) wraps to 0, so it is "unaligned".
    CHECK(outcome(m.init_pages(0, U64_MAX, 0, src, 0)) == "MemPageUnalignedAccess");
    CHECK(outcome(m.init_pages(U64_MAX, PAGE, 0, src, 0)) == "MemPageUnalignedAccess");
  }
  SUBCASE("then bounds and offset_from_addr") {
    CHECK(outcome(m.init_pages(0, ms + PAGE, 0, src, 0)) == "MemOutOfBound");
    CHECK(outcome(m.init_pages(ms + PAGE, 0, 0, src, 0)) == "MemOutOfBound");
    CHECK(outcome(m.init_pages(PAGE, ms, 0, src, 0)) == "MemOutOfBound");
    CHECK(outcome(m.init_pages(0, U64_MAX - PAGE + 1, 0, src, 0)) == "MemOutOfBound");
    CHECK(outcome(m.init_pages(round_page_down(U64_MAX), PAGE, 0, src, 0)) == "MemOutOfBound");
    CHECK(outcome(m.init_pages(0, PAGE, 0, src, PAGE + 1)) == "MemOutOfBound");
    CHECK(outcome(m.init_pages(0, 0, 0, src, 1)) == "MemOutOfBound");
    CHECK(log_of(m).empty());
    for (std::uint64_t page = 0; page < ms / PAGE; ++page) CHECK(flag_of(m, page) == 0);
    // Edges that are allowed.
    CHECK(outcome(m.init_pages(ms, 0, FLAG_EXECUTABLE, src, 0)) == "ok");
    CHECK(outcome(m.init_pages(0, 0, FLAG_EXECUTABLE, src, 0)) == "ok");
    CHECK(log_of(m).empty());
    CHECK(outcome(m.init_pages(0, PAGE, 0, src, PAGE)) == "ok");
    CHECK(outcome(m.init_pages(0, ms, 0, {}, 0)) == "ok");
    CHECK(log_of(m).size() == ms / PAGE);
  }
  SUBCASE("fill: zeros, source, zeros; pages end up flagged and dirty") {
    CHECK(outcome(m.store_byte(0, 6 * PAGE, 0xFF)) == "ok");
    for (std::uint64_t page = 0; page < 6; ++page) CHECK(outcome(m.clear_flag(page, FLAG_DIRTY)) == "ok");
    m.clear_dirty_page_log();
    CHECK(outcome(m.init_pages(2 * PAGE, 2 * PAGE, FLAG_EXECUTABLE, src, 10)) == "ok");
    Bytes expected(2 * PAGE, 0);
    std::copy(src.begin(), src.end(), expected.begin() + 10);
    CHECK(contents(m, 2 * PAGE, 2 * PAGE) == expected);
    CHECK(contents(m, 2 * PAGE - 1, 1) == Bytes{0xFF});
    CHECK(contents(m, 4 * PAGE, 1) == Bytes{0xFF});
    // ckb-vm leaves loaded pages dirty: nothing clears FLAG_DIRTY after init.
    CHECK(flag_of(m, 2) == (FLAG_EXECUTABLE | FLAG_DIRTY));
    CHECK(flag_of(m, 3) == (FLAG_EXECUTABLE | FLAG_DIRTY));
    CHECK(flag_of(m, 4) == 0);
    CHECK(log_of(m) == std::vector<std::uint32_t>{2, 3});
    // The inner fill bypasses W^X, so an executable page can be re-initialized,
    // and flags are only ever ORed in: it stays executable.
    CHECK(outcome(m.init_pages(2 * PAGE, PAGE, 0, Bytes{1, 2}, 0)) == "ok");
    CHECK(flag_of(m, 2) == (FLAG_EXECUTABLE | FLAG_DIRTY));
    CHECK(contents(m, 2 * PAGE, 3) == Bytes{1, 2, 0});
    CHECK(outcome(m.store8(2 * PAGE, 0)) == "MemWriteOnExecutablePage");
  }
  SUBCASE("source longer than the range is truncated; offset == size zero-fills") {
    const Bytes long_src = pattern(PAGE + 500, 7);
    CHECK(outcome(m.init_pages(0, PAGE, 0, long_src, 0)) == "ok");
    CHECK(contents(m, 0, PAGE) == Bytes(long_src.begin(), long_src.begin() + PAGE));
    CHECK(*m.load8(PAGE) == 0);
    CHECK(outcome(m.init_pages(0, PAGE, 0, long_src, 100)) == "ok");
    Bytes expected(PAGE, 0);
    std::copy(long_src.begin(), long_src.begin() + PAGE - 100, expected.begin() + 100);
    CHECK(contents(m, 0, PAGE) == expected);
    CHECK(outcome(m.init_pages(0, PAGE, 0, long_src, PAGE)) == "ok");
    CHECK(contents(m, 0, PAGE) == Bytes(PAGE, 0));
  }
  SUBCASE("a freezed page stops init_pages, after earlier pages got their flags") {
    CHECK(outcome(m.store_byte(3 * PAGE, 4 * PAGE, 0xAB)) == "ok");
    CHECK(outcome(m.set_flag(5, FLAG_FREEZED)) == "ok");
    CHECK(outcome(m.init_pages(3 * PAGE, 4 * PAGE, FLAG_EXECUTABLE, src, 0)) == "MemWriteOnFreezedPage");
    CHECK(flag_of(m, 3) == (FLAG_EXECUTABLE | FLAG_DIRTY));
    CHECK(flag_of(m, 4) == (FLAG_EXECUTABLE | FLAG_DIRTY));
    CHECK(flag_of(m, 5) == (FLAG_FREEZED | FLAG_DIRTY));
    CHECK(flag_of(m, 6) == FLAG_DIRTY);
    CHECK(contents(m, 3 * PAGE, 4 * PAGE) == Bytes(4 * PAGE, 0xAB));  // nothing written
    // Freezing does not affect ordinary stores (only the W^X bit does).
    CHECK(outcome(m.store8(5 * PAGE, 1)) == "ok");
    CHECK(outcome(m.init_pages(5 * PAGE, PAGE, 0, src, 0)) == "MemWriteOnFreezedPage");
    CHECK(outcome(m.init_pages(6 * PAGE, PAGE, FLAG_FREEZED, src, 0)) == "ok");
    CHECK(outcome(m.init_pages(6 * PAGE, PAGE, 0, src, 0)) == "MemWriteOnFreezedPage");
  }
}

TEST_CASE_TEMPLATE("W^X: no writes to executable pages", M, WXorXMemory<FlatMemory>, WXorXMemory<SparseMemory>,
                   WXorXMemory<Opaque<FlatMemory>>, WXorXMemory<Opaque<SparseMemory>>) {
  M m(KIB64);
  const Bytes code = pattern(PAGE, 0x10);
  CHECK(outcome(m.init_pages(PAGE, PAGE, FLAG_EXECUTABLE, code, 0)) == "ok");
  for (std::uint64_t page = 0; page < 3; ++page) CHECK(outcome(m.clear_flag(page, FLAG_DIRTY)) == "ok");
  m.clear_dirty_page_log();
  for (const std::uint64_t addr : {PAGE, PAGE + 7, 2 * PAGE - 8}) {
    for (const int width : {1, 2, 4, 8}) {
      CAPTURE(addr);
      CAPTURE(width);
      CHECK(outcome(store_width(m, addr, 0, width)) == "MemWriteOnExecutablePage");
      std::uint64_t expected = 0;
      for (int i = width - 1; i >= 0; --i) expected = (expected << 8) | code[addr - PAGE + i];
      CHECK(*load_width(m, addr, width) == expected);  // loads pass through
    }
  }
  CHECK(outcome(m.store_bytes(PAGE + 5, Bytes(3, 0))) == "MemWriteOnExecutablePage");
  CHECK(outcome(m.store_byte(PAGE + 5, 3, 0)) == "MemWriteOnExecutablePage");
  // Straddling from a writable page into the executable one (and out of it).
  CHECK(outcome(m.store32(PAGE - 2, 0)) == "MemWriteOnExecutablePage");
  CHECK(outcome(m.store64(2 * PAGE - 4, 0)) == "MemWriteOnExecutablePage");
  CHECK(outcome(m.store_bytes(PAGE - 100, Bytes(200, 0))) == "MemWriteOnExecutablePage");
  CHECK(outcome(m.store_byte(0, 3 * PAGE, 0)) == "MemWriteOnExecutablePage");
  CHECK(contents(m, PAGE, PAGE) == code);
  for (std::uint64_t page = 0; page < 3; ++page) CHECK((flag_of(m, page) & FLAG_DIRTY) == 0);
  CHECK(log_of(m).empty());
  // Next to the executable page, writes are fine.
  CHECK(outcome(m.store32(PAGE - 4, 1)) == "ok");
  CHECK(outcome(m.store32(2 * PAGE, 1)) == "ok");
  // Clearing the executable bit makes the page writable again.
  CHECK(outcome(m.clear_flag(1, FLAG_EXECUTABLE)) == "ok");
  CHECK(outcome(m.store32(PAGE - 2, 0)) == "ok");
}

TEST_CASE_TEMPLATE("W^X: instruction fetch needs executable pages", M, WXorXMemory<FlatMemory>,
                   WXorXMemory<SparseMemory>, WXorXMemory<Opaque<FlatMemory>>, WXorXMemory<Opaque<SparseMemory>>) {
  for (const std::uint64_t ms : {KIB64, RISCV_MAX_MEMORY}) {
    CAPTURE(ms);
    M m(ms);
    // A fetch from a non-executable page is reported as MemWriteOnExecutablePage.
    CHECK(outcome(m.execute_load16(0)) == "MemWriteOnExecutablePage");
    CHECK(outcome(m.execute_load32(0x100)) == "MemWriteOnExecutablePage");
    Bytes code(PAGE);
    for (std::size_t i = 0; i < PAGE; ++i) code[i] = static_cast<std::uint8_t>(i);
    CHECK(outcome(m.init_pages(0, PAGE, FLAG_EXECUTABLE, code, 0)) == "ok");
    CHECK(*m.execute_load16(0) == 0x0100);
    CHECK(*m.execute_load32(4) == 0x07060504U);
    CHECK(*m.execute_load32(PAGE - 4) == 0xFFFEFDFCU);
    CHECK(*m.execute_load16(PAGE - 2) == 0xFFFE);
    // Straddling into a non-executable page.
    CHECK(outcome(m.execute_load32(PAGE - 2)) == "MemWriteOnExecutablePage");
    CHECK(outcome(m.execute_load16(PAGE - 1)) == "MemWriteOnExecutablePage");
    CHECK(outcome(m.init_pages(PAGE, PAGE, FLAG_EXECUTABLE, Bytes{0xAA, 0xBB}, 0)) == "ok");
    CHECK(*m.execute_load32(PAGE - 2) == 0xBBAAFFFEU);
    CHECK(*m.execute_load16(PAGE - 1) == 0xAAFF);

    // The last page: the RISCV_MAX_MEMORY check comes first, then pages are
    // checked in order (permission of the in-range page before the range).
    const std::uint64_t last = ms / PAGE - 1;
    CHECK(outcome(m.execute_load32(ms - 2)) ==
          (ms < RISCV_MAX_MEMORY ? "MemWriteOnExecutablePage" : "MemOutOfBound"));
    CHECK(outcome(m.store32(ms - 2, 0)) == "MemOutOfBound");
    CHECK(outcome(m.set_flag(last, FLAG_EXECUTABLE)) == "ok");
    CHECK(outcome(m.execute_load32(ms - 2)) == "MemOutOfBound");
    CHECK(outcome(m.execute_load32(ms - 4)) == "ok");
    CHECK(outcome(m.store32(ms - 2, 0)) ==
          (ms < RISCV_MAX_MEMORY ? "MemWriteOnExecutablePage" : "MemOutOfBound"));
    CHECK(outcome(m.execute_load32(ms)) == "MemOutOfBound");
    CHECK(outcome(m.execute_load16(U64_MAX)) == "MemOutOfBound");
    CHECK(outcome(m.execute_load32(U64_MAX - 2)) == "MemOutOfBound");
  }
}

TEST_CASE_TEMPLATE("bare models fetch without permission checks", M, FlatMemory, SparseMemory) {
  M m(KIB64);
  CHECK(outcome(m.store32(PAGE - 2, 0x44332211)) == "ok");
  CHECK(*m.execute_load32(PAGE - 2) == 0x44332211U);
  CHECK(outcome(m.set_flag(0, FLAG_EXECUTABLE)) == "ok");
  CHECK(outcome(m.store16(0, 0xBEEF)) == "ok");  // no W^X in the bare models
  CHECK(*m.execute_load16(0) == 0xBEEF);
  CHECK(outcome(m.execute_load32(KIB64 - 2)) == "MemOutOfBound");
}

// ---------------------------------------------------------------------------
// Property test: identical observable behaviour across models.

namespace {

enum class OpKind {
  Load,
  Store,
  Fetch,
  StoreBytes,
  StoreByte,
  LoadBytes,
  LoadBytesInto,
  SetFlag,
  ClearFlag,
  FetchFlag,
  InitPages,
  SetLr,
  ClearLog,
  Reset,
};

struct Op {
  OpKind kind = OpKind::Load;
  int width = 1;
  std::uint64_t addr = 0;
  std::uint64_t size = 0;
  std::uint64_t value = 0;
  std::uint64_t offset = 0;
  std::uint8_t flag = 0;
  Bytes data;
};

struct Outcome {
  std::string status;
  std::uint64_t value = 0;
  Bytes bytes;
  bool operator==(const Outcome&) const = default;
};

class Gen {
 public:
  Gen(std::uint64_t seed, std::uint64_t ms) : rng_(seed), ms_(ms) {}

  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }

  std::uint64_t addr() {
    switch (below(10)) {
      case 0: return below(ms_ + 2 * PAGE);
      case 1: {  // just before a page boundary (may wrap)
        const std::uint64_t boundary = below(ms_ / PAGE + 2) * PAGE;
        return boundary - 1 - below(8);
      }
      case 2: return ms_ + below(24) - 16;                         // around the end of memory
      case 3: return U64_MAX - below(16);
      case 4: return RISCV_MAX_MEMORY + below(16) - 8;
      default: return below(std::min<std::uint64_t>(ms_, 8 * PAGE));  // a small hot region
    }
  }

  std::uint64_t size() {
    switch (below(12)) {
      case 0: return U64_MAX - below(PAGE);
      case 1: return ms_ + below(3);
      case 2: return 0;
      default: return below(3 * PAGE);
    }
  }

  std::uint8_t flag() {
    static constexpr std::uint8_t choices[] = {FLAG_EXECUTABLE, FLAG_EXECUTABLE, FLAG_DIRTY, FLAG_FREEZED,
                                               FLAG_EXECUTABLE | FLAG_DIRTY, 0x40, 0};
    return choices[below(sizeof choices)];
  }

  std::uint64_t page() {
    switch (below(8)) {
      case 0: return ms_ / PAGE + below(2);
      case 1: return U64_MAX - below(2);
      default: return below(std::min<std::uint64_t>(ms_ / PAGE, 8));
    }
  }

  Op next() {
    Op op;
    const std::uint64_t r = below(100);
    if (r < 20) {
      op.kind = OpKind::Load;
    } else if (r < 45) {
      op.kind = OpKind::Store;
    } else if (r < 55) {
      op.kind = OpKind::Fetch;
    } else if (r < 62) {
      op.kind = OpKind::StoreBytes;
    } else if (r < 67) {
      op.kind = OpKind::StoreByte;
    } else if (r < 71) {
      op.kind = OpKind::LoadBytes;
    } else if (r < 74) {
      op.kind = OpKind::LoadBytesInto;
    } else if (r < 79) {
      op.kind = OpKind::SetFlag;
    } else if (r < 87) {
      op.kind = OpKind::ClearFlag;
    } else if (r < 90) {
      op.kind = OpKind::FetchFlag;
    } else if (r < 96) {
      op.kind = OpKind::InitPages;
    } else if (r < 98) {
      op.kind = OpKind::SetLr;
    } else if (r < 99) {
      op.kind = OpKind::ClearLog;
    } else {
      op.kind = below(4) == 0 ? OpKind::Reset : OpKind::ClearLog;
    }
    static constexpr int widths[] = {1, 2, 4, 8};
    op.width = widths[below(4)];
    op.addr = addr();
    op.value = rng_();
    op.flag = flag();
    switch (op.kind) {
      case OpKind::Fetch: op.width = below(2) == 0 ? 2 : 4; break;
      case OpKind::StoreBytes: {
        const auto n = static_cast<std::size_t>(below(2 * PAGE + 20));
        op.data = pattern(n, static_cast<std::uint8_t>(rng_()));
        break;
      }
      case OpKind::StoreByte:
      case OpKind::LoadBytes: op.size = size(); break;
      case OpKind::LoadBytesInto: op.size = below(2 * PAGE); break;
      case OpKind::SetFlag:
      case OpKind::ClearFlag:
      case OpKind::FetchFlag: op.addr = page(); break;
      case OpKind::InitPages:
        if (below(6) == 0) {
          op.addr = addr();
          op.size = size();
          op.offset = below(8) == 0 ? U64_MAX - below(4) : below(2 * PAGE);
        } else {
          op.addr = below(std::min<std::uint64_t>(ms_ / PAGE, 8) + 1) * PAGE;
          op.size = below(4) * PAGE;
          op.offset = below(op.size + 2);
        }
        {
          // Separate statements: the order of rng draws must not depend on the
          // compiler's argument evaluation order.
          const auto n = static_cast<std::size_t>(below(std::min<std::uint64_t>(op.size, 3 * PAGE) + 100));
          op.data = pattern(n, static_cast<std::uint8_t>(rng_()));
        }
        op.flag = below(10) == 0 ? FLAG_FREEZED : (below(2) == 0 ? FLAG_EXECUTABLE : 0);
        break;
      default: break;
    }
    return op;
  }

 private:
  std::mt19937_64 rng_;
  std::uint64_t ms_;
};

template <class R>
Outcome value_outcome(const R& r) {
  Outcome o;
  o.status = outcome(r);
  if (r.ok()) o.value = static_cast<std::uint64_t>(*r);
  return o;
}

template <class M>
Outcome apply(M& m, const Op& op) {
  switch (op.kind) {
    case OpKind::Load: return value_outcome(load_width(m, op.addr, op.width));
    case OpKind::Store: return {outcome(store_width(m, op.addr, op.value, op.width)), 0, {}};
    case OpKind::Fetch:
      return op.width == 2 ? value_outcome(m.execute_load16(op.addr)) : value_outcome(m.execute_load32(op.addr));
    case OpKind::StoreBytes: return {outcome(m.store_bytes(op.addr, op.data)), 0, {}};
    case OpKind::StoreByte: return {outcome(m.store_byte(op.addr, op.size, static_cast<std::uint8_t>(op.value))), 0, {}};
    case OpKind::LoadBytes: {
      auto r = m.load_bytes(op.addr, op.size);
      Outcome o{outcome(r), 0, {}};
      if (r.ok()) o.bytes = std::move(r).value();
      return o;
    }
    case OpKind::LoadBytesInto: {
      Bytes buf(static_cast<std::size_t>(op.size), 0xCD);
      Outcome o{outcome(m.load_bytes_into(op.addr, buf)), 0, {}};
      o.bytes = std::move(buf);
      return o;
    }
    case OpKind::SetFlag: return {outcome(m.set_flag(op.addr, op.flag)), 0, {}};
    case OpKind::ClearFlag: return {outcome(m.clear_flag(op.addr, op.flag)), 0, {}};
    case OpKind::FetchFlag: return value_outcome(m.fetch_flag(op.addr));
    case OpKind::InitPages: return {outcome(m.init_pages(op.addr, op.size, op.flag, op.data, op.offset)), 0, {}};
    case OpKind::SetLr: m.set_lr(op.value); return {"ok", 0, {}};
    case OpKind::ClearLog: m.clear_dirty_page_log(); return {"ok", 0, {}};
    case OpKind::Reset: m.reset(); return {"ok", 0, {}};
  }
  return {};
}

struct State {
  Bytes bytes;
  Bytes flags;
  std::vector<std::uint32_t> log;
  std::uint64_t lr = 0;
  bool operator==(const State&) const = default;
};

template <class M>
State capture(M& m) {
  State s;
  s.bytes = contents(m, 0, m.memory_size());
  for (std::uint64_t page = 0; page < m.memory_pages(); ++page) s.flags.push_back(flag_of(m, page));
  s.log = log_of(m);
  s.lr = m.lr();
  return s;
}

// Bulk stores that start inside memory and run past its end leave different
// partial effects in bare Flat and bare Sparse (both as in ckb-vm; see the
// dedicated test above), so the bare comparison skips them.
bool bare_divergent(std::uint64_t ms, std::uint64_t addr, std::uint64_t size) {
  if (size == 0 || addr >= ms) return false;
  return addr + size < addr || addr + size > ms;
}

bool skip_for_bare(const Op& op, std::uint64_t ms) {
  switch (op.kind) {
    case OpKind::Store: return bare_divergent(ms, op.addr, static_cast<std::uint64_t>(op.width));
    case OpKind::StoreBytes: return bare_divergent(ms, op.addr, op.data.size());
    case OpKind::StoreByte:
    case OpKind::InitPages: return bare_divergent(ms, op.addr, op.size);
    default: return false;
  }
}

// How often each status was seen, so the tests can insist that the random
// sequences really reach every outcome.
using Tally = std::map<std::string, int>;

template <class... Ms>
void run_property(std::uint64_t seed, std::uint64_t ms, int steps, int compare_every, bool bare, Tally& tally) {
  Gen gen(seed, ms);
  std::tuple<Ms...> models{Ms(ms)...};
  for (int step = 0; step < steps; ++step) {
    const Op op = gen.next();
    if (bare && skip_for_bare(op, ms)) continue;
    const std::vector<Outcome> outcomes = std::apply([&](auto&... m) { return std::vector<Outcome>{apply(m, op)...}; }, models);
    ++tally[outcomes[0].status];
    for (std::size_t i = 1; i < outcomes.size(); ++i) {
      if (!(outcomes[i] == outcomes[0])) {
        FAIL_CHECK("seed " << seed << " step " << step << " op " << static_cast<int>(op.kind) << " addr " << op.addr
                           << " size " << op.size << " model " << i << ": " << outcomes[i].status << " vs "
                           << outcomes[0].status);
        return;
      }
    }
    if (step % compare_every == 0 || step == steps - 1) {
      const std::vector<State> states = std::apply([](auto&... m) { return std::vector<State>{capture(m)...}; }, models);
      // The dirty-page log invariant: every page whose FLAG_DIRTY bit is set
      // is in the log, whatever clear_flag / clear_dirty_page_log did.
      for (std::size_t page = 0; page < states[0].flags.size(); ++page) {
        if ((states[0].flags[page] & FLAG_DIRTY) != 0 &&
            std::find(states[0].log.begin(), states[0].log.end(), page) == states[0].log.end()) {
          FAIL_CHECK("seed " << seed << " step " << step << ": dirty page " << page << " missing from the log");
          return;
        }
      }
      for (std::size_t i = 1; i < states.size(); ++i) {
        if (!(states[i] == states[0])) {
          FAIL_CHECK("seed " << seed << " step " << step << ": state of model " << i << " differs");
          return;
        }
      }
    }
  }
  // Sanity: the sequence actually did something.
  CHECK(std::get<0>(models).memory_size() == ms);
}

}  // namespace

TEST_CASE("property: WXorX over Flat, Sparse and the generic path agree") {
  Tally tally;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    CAPTURE(seed);
    run_property<WXorXMemory<FlatMemory>, WXorXMemory<SparseMemory>, WXorXMemory<Opaque<FlatMemory>>,
                 WXorXMemory<Opaque<SparseMemory>>>(seed, KIB64, 3000, 1, false, tally);
  }
  run_property<WXorXMemory<FlatMemory>, WXorXMemory<SparseMemory>, WXorXMemory<Opaque<SparseMemory>>>(
      99, RISCV_MAX_MEMORY, 3000, 300, false, tally);
  for (const char* status : {"ok", "MemOutOfBound", "MemWriteOnExecutablePage", "MemWriteOnFreezedPage",
                             "MemPageUnalignedAccess"}) {
    CAPTURE(status);
    CHECK(tally[status] >= 20);
  }
  CHECK(tally.size() == 5);
}

TEST_CASE("property: bare Flat and Sparse agree") {
  Tally tally;
  for (std::uint64_t seed = 11; seed <= 16; ++seed) {
    CAPTURE(seed);
    run_property<FlatMemory, SparseMemory>(seed, KIB64, 3000, 1, true, tally);
  }
  run_property<FlatMemory, SparseMemory>(199, RISCV_MAX_MEMORY, 3000, 300, true, tally);
  CHECK(tally["ok"] >= 1000);
  CHECK(tally["MemOutOfBound"] >= 100);
  CHECK(tally.size() == 2);
}

}  // TEST_SUITE

#undef ALL_MODELS

}  // namespace memory_tests
