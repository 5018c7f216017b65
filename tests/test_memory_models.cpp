// How the memory models are put together, and the dirty-page log contract
// between <ckb_vm/memory.hpp> and the snapshot code:
//   * the Memory concept does not require the dirty-page log; models with one
//     model MemoryWithDirtyPageLog, and snapshots use it only then;
//   * clear_dirty_page_log() never hides a page that is still dirty, so a
//     snapshot made after a host called it is the full-scan snapshot.
#include <doctest/doctest.h>

#include <ckb_vm/machine.hpp>
#include <ckb_vm/memory.hpp>
#include <ckb_vm/snapshot.hpp>
#include <ckb_vm/snapshot2.hpp>

#include <algorithm>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include "support/forwarding_memory.hpp"

namespace memory_models_tests {

using namespace ckb_vm;

namespace {

constexpr std::uint64_t PAGE = RISCV_PAGESIZE;

// A Memory without a dirty-page log: everything else forwarded to FlatMemory.
using LoglessMemory = testsupport::ForwardingMemory<FlatMemory, /*WithLog=*/false>;

// The log is optional in the concept, present in every built-in model, and
// WXorXMemory offers it exactly when its inner model does.
static_assert(Memory<LoglessMemory> && !MemoryWithDirtyPageLog<LoglessMemory>);
static_assert(Memory<WXorXMemory<LoglessMemory>> && !MemoryWithDirtyPageLog<WXorXMemory<LoglessMemory>>);
static_assert(MemoryWithDirtyPageLog<FlatMemory> && MemoryWithDirtyPageLog<SparseMemory>);
static_assert(MemoryWithDirtyPageLog<WXorXMemory<FlatMemory>> && MemoryWithDirtyPageLog<WXorXMemory<SparseMemory>>);

// Flat and Sparse share one implementation and differ in their storage only;
// WXorXMemory takes its fast paths for both (and only for them).
static_assert(std::is_base_of_v<detail::PagedMemory<detail::FlatPages>, FlatMemory>);
static_assert(std::is_base_of_v<detail::PagedMemory<detail::SparsePages>, SparseMemory>);
static_assert(detail::PagedModel<FlatMemory> && detail::PagedModel<SparseMemory>);
static_assert(!detail::PagedModel<LoglessMemory>);
// A class derived from a built-in model may override accesses, so WXorXMemory
// reaches it through the concept only.
struct DerivedFlat : FlatMemory {
  using FlatMemory::FlatMemory;
};
static_assert(!detail::PagedModel<DerivedFlat> && Memory<WXorXMemory<DerivedFlat>>);

template <class Mem>
using Core = DefaultCoreMachine<Mem>;

// Dirties pages 3..5, 40 and 70 (70 through set_flag), then clears the dirty
// bit of page 4 again, as Snapshot2Context::track_pages would.
template <class Mem>
void dirty_some_pages(Core<Mem>& core) {
  auto& m = core.memory();
  const std::vector<std::uint8_t> bytes(3 * PAGE, 0x5A);
  REQUIRE(m.store_bytes(3 * PAGE, bytes).ok());
  REQUIRE(m.store64(40 * PAGE + 16, 0x1122334455667788).ok());
  REQUIRE(m.set_flag(70, FLAG_DIRTY).ok());
  REQUIRE(m.clear_flag(4, FLAG_DIRTY).ok());
  core.set_register(5, 77);
}

std::vector<std::uint64_t> page_indices_of(const Snapshot& s) {
  std::vector<std::uint64_t> out;
  for (const SnapshotPage& p : s.pages) out.push_back(p.index);
  return out;
}

}  // namespace

TEST_SUITE("memory models") {

TEST_CASE_TEMPLATE("a snapshot after clear_dirty_page_log() still holds every dirty page", Mem,
                   WXorXMemory<FlatMemory>, WXorXMemory<SparseMemory>, FlatMemory, SparseMemory) {
  Core<Mem> core(ISA_IMC, VERSION2, ~std::uint64_t{0});
  dirty_some_pages(core);
  // The host drops the log, e.g. after a snapshot of its own.
  core.memory().clear_dirty_page_log();

  const Result<Snapshot> fast = make_snapshot(core);
  const Result<Snapshot> full = make_snapshot(core, SnapshotScan::all_pages);
  REQUIRE(fast.ok());
  REQUIRE(full.ok());
  CHECK(page_indices_of(*full) == std::vector<std::uint64_t>{3, 5, 40, 70});
  CHECK(page_indices_of(*fast) == page_indices_of(*full));
  CHECK(*fast == *full);

  // Still complete after further writes, clears and another clear of the log.
  REQUIRE(core.memory().store8(4 * PAGE, 1).ok());
  REQUIRE(core.memory().clear_flag(40, FLAG_DIRTY).ok());
  core.memory().clear_dirty_page_log();
  REQUIRE(core.memory().store8(41 * PAGE, 1).ok());
  const Result<Snapshot> fast2 = make_snapshot(core);
  const Result<Snapshot> full2 = make_snapshot(core, SnapshotScan::all_pages);
  REQUIRE(fast2.ok());
  REQUIRE(full2.ok());
  CHECK(page_indices_of(*full2) == std::vector<std::uint64_t>{3, 4, 5, 41, 70});
  CHECK(*fast2 == *full2);
}

TEST_CASE_TEMPLATE("Snapshot2 after clear_dirty_page_log() equals the full scan", Mem, WXorXMemory<FlatMemory>,
                   WXorXMemory<SparseMemory>) {
  using Context = Snapshot2Context<std::uint64_t, InMemoryDataSource<std::uint64_t>>;
  InMemoryDataSource<std::uint64_t> source;
  source.insert(1, std::vector<std::uint8_t>(4 * PAGE, 0xA5));
  Context ctx(source);
  Core<Mem> core(ISA_IMC, VERSION2, ~std::uint64_t{0});
  dirty_some_pages(core);
  // Pages 10..13 come from the data source (tracked: not dirty).
  REQUIRE(ctx.store_bytes(core, 10 * PAGE, 1, 0, 4 * PAGE, 100 * PAGE).ok());
  core.memory().clear_dirty_page_log();
  // Writing a tracked page makes it dirty again.
  REQUIRE(core.memory().store8(11 * PAGE + 3, 9).ok());

  const auto fast = ctx.make_snapshot(core);
  const auto full = ctx.make_snapshot(core, SnapshotScan::all_pages);
  REQUIRE(fast.ok());
  REQUIRE(full.ok());
  CHECK(*fast == *full);
  std::vector<std::uint64_t> dirty;
  for (const auto& run : full->dirty_pages)
    for (std::uint64_t a = run.address; a < run.address + run.content.size(); a += PAGE) dirty.push_back(a / PAGE);
  CHECK(dirty == std::vector<std::uint64_t>{3, 5, 11, 40, 70, 100});
}

TEST_CASE("a memory without a dirty-page log is snapshotted by scanning its flags") {
  Core<WXorXMemory<LoglessMemory>> core(ISA_IMC, VERSION2, ~std::uint64_t{0});
  dirty_some_pages(core);
  const Result<Snapshot> fast = make_snapshot(core);
  const Result<Snapshot> full = make_snapshot(core, SnapshotScan::all_pages);
  REQUIRE(fast.ok());
  REQUIRE(full.ok());
  CHECK(page_indices_of(*fast) == std::vector<std::uint64_t>{3, 5, 40, 70});
  CHECK(*fast == *full);
}

TEST_CASE_TEMPLATE("single-page hooks used by WXorXMemory", M, FlatMemory, SparseMemory) {
  M m(16 * PAGE);
  typename M::PageSlot slot{};
  CHECK_FALSE(m.template page_slot<std::uint32_t>(PAGE - 2, slot));   // straddles
  CHECK_FALSE(m.template page_slot<std::uint8_t>(16 * PAGE, slot));   // past the end
  REQUIRE(m.template page_slot<std::uint32_t>(2 * PAGE + 4, slot));
  CHECK(slot.page == 2);
  CHECK(slot.offset == 4);
  CHECK(slot.flag == 0);
  CHECK(m.template store_in_page<std::uint32_t>(slot, 0xDEADBEEF).ok());
  CHECK(*m.fetch_flag(2) == FLAG_DIRTY);
  CHECK(m.dirty_page_log().size() == 1);
  REQUIRE(m.template page_slot<std::uint32_t>(2 * PAGE + 4, slot));
  CHECK(m.template load_in_page<std::uint32_t>(slot) == 0xDEADBEEF);
  CHECK(*m.load32(2 * PAGE + 4) == 0xDEADBEEF);
  // try_store is fast on dirty pages only, and not on pages with a forbidden bit.
  CHECK_FALSE(m.template try_store<std::uint8_t>(5 * PAGE, 1));
  CHECK(m.template try_store<std::uint8_t>(2 * PAGE, 1));
  REQUIRE(m.set_flag(2, FLAG_EXECUTABLE).ok());
  CHECK_FALSE((m.template try_store<std::uint8_t, FLAG_EXECUTABLE>(2 * PAGE, 1)));
  std::uint64_t out = 0;
  CHECK(m.template try_load<std::uint8_t>(2 * PAGE, out));
  CHECK(out == 1);
}

TEST_CASE_TEMPLATE("zero-filling skips only pages that hold no data, and dirties them all", M, FlatMemory,
                   SparseMemory, WXorXMemory<FlatMemory>) {
  // A loader clears .bss with store_byte(addr, size, 0); Flat skips the pages it
  // never wrote. Whatever a model skips, the bytes, flags and log must be those
  // of writing every zero.
  M m(16 * PAGE);
  const std::vector<std::uint8_t> ones(3 * PAGE, 0xff);
  REQUIRE(m.store_bytes(4 * PAGE, ones).ok());               // pages 4..6 hold data
  REQUIRE(m.clear_flag(5, FLAG_DIRTY).ok());                 // 5: data, no longer dirty
  m.clear_dirty_page_log();
  REQUIRE(m.store_byte(3 * PAGE + 100, 3 * PAGE, 0).ok());   // pages 3..6, partly
  for (std::uint64_t page = 3; page <= 6; ++page) CHECK((*m.fetch_flag(page) & FLAG_DIRTY) != 0);
  CHECK(*m.fetch_flag(2) == 0);
  CHECK(*m.fetch_flag(7) == 0);
  const auto bytes = m.load_bytes(3 * PAGE, 4 * PAGE);
  REQUIRE(bytes.ok());
  for (std::uint64_t i = 0; i < 4 * PAGE; ++i) {
    const bool zeroed = i >= 100 && i < 100 + 3 * PAGE;
    const std::uint8_t expected = zeroed || i < PAGE ? 0 : 0xff;
    if ((*bytes)[i] != expected) {
      FAIL_CHECK("byte " << i << " of pages 3..6 is " << int((*bytes)[i]) << ", expected " << int(expected));
      break;
    }
  }
  // The log holds each page once (4, 6 were still logged; 3 and 5 join it).
  std::vector<std::uint32_t> log(m.dirty_page_log().begin(), m.dirty_page_log().end());
  std::sort(log.begin(), log.end());
  CHECK(log == std::vector<std::uint32_t>{3, 4, 5, 6});
  // Out of range: an error, as for any other fill value.
  CHECK(m.store_byte(15 * PAGE, 2 * PAGE, 0).error().code == ErrorCode::MemOutOfBound);
}

TEST_CASE("zero-filling after data() was handed out writes every byte") {
  // Writes through the raw pointer bypass dirty tracking, so no page can be
  // assumed to hold zeros.
  FlatMemory m(4 * PAGE);
  std::uint8_t* raw = m.data();
  raw[2 * PAGE + 7] = 0x5a;
  REQUIRE(m.store_byte(2 * PAGE, PAGE, 0).ok());
  CHECK(*m.load8(2 * PAGE + 7) == 0);
  CHECK((*m.fetch_flag(2) & FLAG_DIRTY) != 0);
}

}  // TEST_SUITE

}  // namespace memory_models_tests
