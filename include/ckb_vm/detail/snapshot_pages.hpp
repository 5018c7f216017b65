// Internals shared by <ckb_vm/snapshot.hpp> and <ckb_vm/snapshot2.hpp>:
// finding the dirty pages of a memory and copying page runs out of it.
// Not part of the public API.
#pragma once

#include "config.hpp"

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <span>
#include <vector>

#include "../constants.hpp"
#include "../error.hpp"
#include "../memory.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {

// How a snapshot finds the dirty pages of a machine's memory.
//   automatic  use the memory's dirty-page log when it has one
//              (MemoryWithDirtyPageLog; time proportional to the log, at
//              most the pages dirtied since the memory was created, reset or
//              its log last cleared), else visit every page;
//   all_pages  visit every page, as ckb-vm does (time proportional to the
//              memory size). Both give the same snapshot; all_pages exists
//              for cross-checking and benchmarking.
enum class SnapshotScan : std::uint8_t { automatic, all_pages };

namespace detail {

struct DirtyPage {
  std::uint64_t index;
  std::uint8_t flag;
};

// The pages whose FLAG_DIRTY bit is set, with their flags, in ascending order.
//
// With the dirty-page log (MemoryWithDirtyPageLog, <ckb_vm/memory.hpp>): every
// page whose bit is set is in the log, whatever the host did with
// clear_dirty_page_log(); entries may be stale because the bit was cleared
// later (Snapshot2Context::track_pages does that) and may repeat, so the
// candidates are deduplicated and each one's flag is fetched again. Cost: O(L log L) for a
// log of L entries, L <= dirty + once-dirty pages; when L is an eighth of the
// pages or more, the scan of every page is cheaper and used instead.
template <class Mem>
Result<std::vector<DirtyPage>> dirty_pages(Mem& memory, SnapshotScan scan) {
  std::vector<DirtyPage> out;
  const std::uint64_t pages = memory.memory_pages();
  if constexpr (MemoryWithDirtyPageLog<Mem>) {
    const std::span<const std::uint32_t> log = memory.dirty_page_log();
    // A log covering an eighth of memory or more costs more to sort than
    // visiting every flag byte does; then the scan is used (still within a
    // constant factor of the log's length).
    if (scan == SnapshotScan::automatic && log.size() < pages / 8) {
      std::vector<std::uint64_t> candidates(log.begin(), log.end());
      std::sort(candidates.begin(), candidates.end());
      candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
      out.reserve(candidates.size());
      for (const std::uint64_t page : candidates) {
        if (page >= pages) break;  // sorted: nothing further is in range
        const Result<std::uint8_t> flag = memory.fetch_flag(page);
        if (!flag.ok()) return flag.error();
        if ((*flag & FLAG_DIRTY) != 0) out.push_back(DirtyPage{page, *flag});
      }
      return out;
    }
  }
  for (std::uint64_t page = 0; page < pages; ++page) {
    const Result<std::uint8_t> flag = memory.fetch_flag(page);
    if (!flag.ok()) return flag.error();
    if ((*flag & FLAG_DIRTY) != 0) out.push_back(DirtyPage{page, *flag});
  }
  return out;
}

// Appends the `count` pages starting at page index `first` to `content`.
template <class Mem>
Status append_pages(Mem& memory, std::uint64_t first, std::uint64_t count, std::vector<std::uint8_t>& content) {
  const std::size_t old_size = content.size();
  const std::size_t bytes = static_cast<std::size_t>(count * RISCV_PAGESIZE);
  content.resize(old_size + bytes);
  const Status s = memory.load_bytes_into(first << RISCV_PAGE_SHIFTS, std::span<std::uint8_t>(content).subspan(old_size));
  if (!s.ok()) content.resize(old_size);
  return s;
}

}  // namespace detail
}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
