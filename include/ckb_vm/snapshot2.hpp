// Snapshot2: suspend a running machine into a compact snapshot and resume it
// later in a fresh machine, with ckb-vm 0.24's snapshot2 semantics (what the
// CKB node uses to suspend and resume scripts; the node charges cycles for
// each suspend and resume, so the behaviour here is consensus-relevant).
//
// The idea: most of a script's memory is a copy of data that stays available
// for the whole life of the VM (the program's ELF, cell data loaded by
// syscalls). A `DataSource` hands out that data by id; `Snapshot2Context`
// remembers which memory pages are exact copies of which (id, offset), and a
// snapshot then names those pages instead of carrying their bytes. Pages
// written by the program ("dirty" pages, FLAG_DIRTY set) are carried in full.
//
//   Snapshot2Context<Id, D> ctx(data_source);
//   machine.load_program_with_metadata(program, metadata, args);
//   ctx.mark_program(machine, metadata, program_id, 0);  // program pages come from the source
//   ... machine.run() returns CyclesExceeded or Pause ...
//   Result<Snapshot2<Id>> snap = ctx.make_snapshot(machine);
//   ... later, in a fresh machine of the same version and ISA:
//   Snapshot2Context<Id, D> ctx2(data_source);
//   ctx2.resume(machine2, *snap);        // registers, pc, cycles, max_cycles, memory, flags, lr
//   machine2.set_max_cycles(more);
//   machine2.run();                      // continues where the first machine stopped
//
// When a snapshot is valid
// ------------------------
// A snapshot stores pc but not the machine's next_pc, so it must be taken at an
// instruction boundary: after run() (or step()) has returned, never from inside
// a syscall handler. That is how the CKB node uses it. After CyclesExceeded
// the instruction whose charge failed was not executed and pc still points at
// it, so the resumed machine executes it first (DefaultMachine::run() refunds
// and falls back to single steps near the limit, so this holds for its block
// engine too). A syscall handler that adds cycles beyond max_cycles makes the
// ecall return CyclesExceeded *after* the syscall took effect and pc moved
// past the ecall; a snapshot then resumes after the ecall, with cycles above
// max_cycles (raise max_cycles before running again).
//
// Resume into a fresh machine (or one just reset): resume writes the pages
// the snapshot names and leaves every other page as it is, as ckb-vm does.
// If resume fails, the machine is partially restored and must be discarded.
//
// Semantics reproduced from ckb-vm 0.24 (snapshot2.rs, with the fixes of
// 0.24.14: load_data is const) - same operations, same order, same error kinds:
// * resume: version mismatch -> InvalidVersion; the context forgets every
//   tracked page; registers, pc (update_pc + commit_pc), cycles and max_cycles
//   are restored; then each source run in order: address not page-aligned ->
//   MemPageUnalignedAccess, data source load (unknown id ->
//   SnapshotDataLoadError), loaded length not a page multiple ->
//   MemPageUnalignedAccess, store_bytes, set_flag(flag) on each page,
//   track_pages; then each dirty run: address, then length not page-aligned
//   -> MemPageUnalignedAccess, store_bytes, set_flag on each page; finally
//   the load reservation address.
// * store_bytes(machine, addr, id, offset, length, size_addr): load the data
//   (length 0 means "to the end" if the data source says so), store the full
//   remaining length as a 64-bit value at size_addr (ckb-vm PR 434), untrack
//   the destination pages (marks them dirty), store the bytes, track the pages
//   the data covers completely; returns {bytes written, full length}.
// * track_pages(start, length, id, offset): every page lying completely inside
//   [start, start + length) gets FLAG_DIRTY cleared and is recorded as a copy
//   of (id, offset of that page's first byte) with its current flag.
// * untrack_pages(start, length): nothing for length 0 (ckb-vm PR 420);
//   otherwise every page touched by the range (MemOutOfBound if the range
//   overflows or ends beyond RISCV_MAX_MEMORY) gets FLAG_DIRTY set and is
//   forgotten.
// * mark_program: for each loading action, track the part of its pages that
//   is a copy of the ELF: from addr + offset_from_addr, min(file bytes,
//   size - offset_from_addr) bytes, at ELF offset `offset` + source start.
// * make_snapshot: dirty pages (FLAG_DIRTY set) in ascending order, adjacent
//   pages with equal flags coalesced into one run; then tracked pages that are
//   not dirty, ascending, coalesced while address, flag, id and offset all
//   continue the previous run. A tracked page written afterwards is dirty and
//   so saved with its bytes, never as a source reference (PRs 418, 423).
//   Registers, pc, cycles, max_cycles, version and load reservation address
//   are copied.
//
// Differences from ckb-vm, none reachable with a stable data source and a
// snapshot made by make_snapshot:
// * make_snapshot visits only the pages in the memory's dirty-page log plus
//   the tracked pages, instead of every page (it scans every page only when
//   the log holds an eighth of them or more, which is then cheaper;
//   SnapshotScan::all_pages forces the full scan). The result is identical:
//   the log holds every dirty page (clear_dirty_page_log() only drops pages
//   no longer dirty), and memories without a log are always scanned.
// * resume rejects a source run for which the data source returns fewer
//   bytes than the run's (non-zero) length with SnapshotDataLoadError, after
//   ckb-vm's own alignment check; ckb-vm would restore the shorter run.
// * Address arithmetic that overflows 64 bits in track_pages (a start within
//   a page of 2^64) is MemOutOfBound; ckb-vm panics or wraps there.
#pragma once

#include "detail/config.hpp"

#include <algorithm>
#include <array>
#include <concepts>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "constants.hpp"
#include "detail/snapshot_pages.hpp"
#include "elf.hpp"
#include "error.hpp"
#include "machine.hpp"
#include "memory.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {

// What a data source returns: the bytes starting at the requested offset (at
// most the requested length of them) and the full length of the data from
// that offset to its end, regardless of the requested length.
using DataSlice = std::pair<std::span<const std::uint8_t>, std::uint64_t>;

// Data that stays available and unchanged for the whole life of a VM,
// addressed by Id. Views returned by load_data must stay valid at least until
// the next call on the data source (the library copies them into guest memory
// right away). std::nullopt means the id is unknown.
template <class D, class Id>
concept DataSource = requires(const D& d, const Id& id, std::uint64_t n) {
  { d.load_data(id, n, n) } -> std::same_as<std::optional<DataSlice>>;
};

// The slicing rule of the CKB node's data sources: the offset is clamped to
// the data's size, length 0 means "to the end", and the full length counts
// from the (clamped) offset to the end.
constexpr DataSlice slice_data(std::span<const std::uint8_t> data, std::uint64_t offset,
                               std::uint64_t length) noexcept {
  const std::uint64_t size = data.size();
  const std::uint64_t start = offset < size ? offset : size;
  const std::uint64_t full = size - start;
  const std::uint64_t n = (length == 0 || length > full) ? full : length;
  return {data.subspan(static_cast<std::size_t>(start), static_cast<std::size_t>(n)), full};
}

// A data source holding byte strings in memory, for tests, tools and small
// hosts. Copies share the stored bytes. Ids need only operator==.
template <class Id>
class InMemoryDataSource {
 public:
  // Adds or replaces the data for `id`.
  void insert(Id id, std::vector<std::uint8_t> bytes) {
    auto data = std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
    for (auto& entry : entries_) {
      if (entry.first == id) {
        entry.second = std::move(data);
        return;
      }
    }
    entries_.emplace_back(std::move(id), std::move(data));
  }

  // The stored bytes for `id`, or an empty span.
  std::span<const std::uint8_t> bytes(const Id& id) const noexcept {
    for (const auto& entry : entries_)
      if (entry.first == id) return *entry.second;
    return {};
  }

  std::optional<DataSlice> load_data(const Id& id, std::uint64_t offset, std::uint64_t length) const {
    for (const auto& entry : entries_)
      if (entry.first == id) return slice_data(*entry.second, offset, length);
    return std::nullopt;
  }

 private:
  std::vector<std::pair<Id, std::shared_ptr<const std::vector<std::uint8_t>>>> entries_;
};

// Consecutive pages that are an exact copy of data_source(id) from `offset`:
// [address, address + length) holds load_data(id, offset, length).
template <class Id>
struct SourcePageRun {
  std::uint64_t address = 0;
  std::uint8_t flag = 0;
  Id id{};
  std::uint64_t offset = 0;
  std::uint64_t length = 0;

  friend bool operator==(const SourcePageRun&, const SourcePageRun&) = default;
};

// Consecutive dirty pages with the same flag byte, and their contents.
struct DirtyPageRun {
  std::uint64_t address = 0;
  std::uint8_t flag = 0;
  std::vector<std::uint8_t> content;  // a multiple of RISCV_PAGESIZE bytes

  friend bool operator==(const DirtyPageRun&, const DirtyPageRun&) = default;
};

// The state of a suspended machine (ckb-vm's Snapshot2). Runs are sorted by
// address and coalesced by make_snapshot; flags are page flag bytes as the
// memory holds them (dirty runs include FLAG_DIRTY).
template <class Id>
struct Snapshot2 {
  using id_type = Id;

  std::vector<SourcePageRun<Id>> pages_from_source;
  std::vector<DirtyPageRun> dirty_pages;
  std::uint32_t version = 0;
  std::array<std::uint64_t, RISCV_GENERAL_REGISTER_NUMBER> registers{};
  std::uint64_t pc = 0;
  std::uint64_t cycles = 0;
  std::uint64_t max_cycles = 0;
  std::uint64_t load_reservation_address = 0;

  friend bool operator==(const Snapshot2&, const Snapshot2&) = default;
};

// Tracks which pages of one machine are copies of data-source data, and makes
// and resumes snapshots. Use one context per machine (a syscall handler that
// loads data shares it with the host). Written against the SupportMachine
// concept only, so any machine type modelling it can be snapshotted.
template <class Id, class D>
  requires DataSource<D, Id> && std::copy_constructible<Id> && std::equality_comparable<Id>
class Snapshot2Context {
 public:
  using id_type = Id;
  using data_source_type = D;

  explicit Snapshot2Context(D data_source) : data_source_(std::move(data_source)) {}

  const D& data_source() const noexcept { return data_source_; }
  // Number of pages currently recorded as copies of data-source data.
  std::size_t tracked_page_count() const noexcept { return pages_.size(); }

  // Restores `snapshot` into `machine` (see the header comment for the exact
  // order of effects and errors).
  template <SupportMachine M>
  Status resume(M& machine, const Snapshot2<Id>& snapshot) {
    if (machine.version() != snapshot.version)
      return Error(ErrorCode::InvalidVersion, "snapshot was taken on a machine of another version");
    pages_.clear();
    for (std::size_t i = 0; i < RISCV_GENERAL_REGISTER_NUMBER; ++i) machine.set_register(i, snapshot.registers[i]);
    machine.update_pc(snapshot.pc);
    machine.commit_pc();
    machine.set_cycles(snapshot.cycles);
    machine.set_max_cycles(snapshot.max_cycles);
    auto& memory = machine.memory();
    for (const SourcePageRun<Id>& run : snapshot.pages_from_source) {
      if (run.address % RISCV_PAGESIZE != 0)
        return unaligned(run.address, "source page run address is not page aligned");
      Result<DataSlice> loaded = load_data(run.id, run.offset, run.length);
      if (!loaded.ok()) return loaded.error();
      const std::span<const std::uint8_t> data = loaded->first;
      if (data.size() % RISCV_PAGESIZE != 0)
        return unaligned(run.address + data.size(), "source page run data is not a whole number of pages");
      if (run.length != 0 && data.size() != run.length)
        return Error(ErrorCode::SnapshotDataLoadError, "data source holds fewer bytes than the snapshot references");
      CKB_VM_TRY(memory.store_bytes(run.address, data));
      CKB_VM_TRY(set_flags(memory, run.address, data.size(), run.flag));
      CKB_VM_TRY(track_pages(machine, run.address, data.size(), run.id, run.offset));
    }
    for (const DirtyPageRun& run : snapshot.dirty_pages) {
      if (run.address % RISCV_PAGESIZE != 0)
        return unaligned(run.address, "dirty page run address is not page aligned");
      if (run.content.size() % RISCV_PAGESIZE != 0)
        return unaligned(run.address + run.content.size(), "dirty page run is not a whole number of pages");
      CKB_VM_TRY(memory.store_bytes(run.address, run.content));
      CKB_VM_TRY(set_flags(memory, run.address, run.content.size(), run.flag));
    }
    memory.set_lr(snapshot.load_reservation_address);
    return {};
  }

  // The data source's data, or SnapshotDataLoadError for an unknown id.
  Result<DataSlice> load_data(const Id& id, std::uint64_t offset, std::uint64_t length) const {
    std::optional<DataSlice> data = data_source_.load_data(id, offset, length);
    if (!data) return Error(ErrorCode::SnapshotDataLoadError, "data source has no data for this id");
    return *data;
  }

  // Memory::store_bytes of data-source data that also records the pages the
  // data fills completely, so snapshots refer to them instead of copying
  // them. Writes the full length as a 64-bit value at size_addr first.
  // Returns {bytes written, full length from offset}.
  template <SupportMachine M>
  Result<std::pair<std::uint64_t, std::uint64_t>> store_bytes(M& machine, std::uint64_t addr, const Id& id,
                                                              std::uint64_t offset, std::uint64_t length,
                                                              std::uint64_t size_addr) {
    Result<DataSlice> loaded = load_data(id, offset, length);
    if (!loaded.ok()) return loaded.error();
    const auto [data, full_length] = *loaded;
    CKB_VM_TRY(machine.memory().store64(size_addr, full_length));
    CKB_VM_TRY(untrack_pages(machine, addr, data.size()));
    CKB_VM_TRY(machine.memory().store_bytes(addr, data));
    CKB_VM_TRY(track_pages(machine, addr, data.size(), id, offset));
    return std::pair<std::uint64_t, std::uint64_t>{data.size(), full_length};
  }

  // After loading a program (load_program / load_program_with_metadata /
  // load_binary with `metadata`), records the program pages that are exact
  // copies of the ELF, which data_source(id) holds starting at `offset`.
  template <SupportMachine M>
  Status mark_program(M& machine, const ProgramMetadata& metadata, const Id& id, std::uint64_t offset) {
    for (const LoadingAction& action : metadata.actions) {
      const std::uint64_t start = action.addr + action.offset_from_addr;
      const std::uint64_t file_bytes = action.source_end - action.source_begin;
      const std::uint64_t room = action.size - action.offset_from_addr;
      CKB_VM_TRY(track_pages(machine, start, std::min(file_bytes, room), id, offset + action.source_begin));
    }
    return {};
  }

  // A snapshot of `machine`. Costs time proportional to the dirty and tracked
  // pages (plus the size of the memory with SnapshotScan::all_pages).
  template <SupportMachine M>
  Result<Snapshot2<Id>> make_snapshot(M& machine, SnapshotScan scan = SnapshotScan::automatic) const {
    auto& memory = machine.memory();
    Snapshot2<Id> snapshot;

    Result<std::vector<detail::DirtyPage>> dirty = detail::dirty_pages(memory, scan);
    if (!dirty.ok()) return dirty.error();
    // Runs of adjacent pages with equal flags, each copied with one
    // allocation and one load.
    const std::vector<detail::DirtyPage>& list = *dirty;
    for (std::size_t begin = 0; begin < list.size();) {
      std::size_t end = begin + 1;
      while (end < list.size() && list[end].index == list[end - 1].index + 1 && list[end].flag == list[begin].flag)
        ++end;
      DirtyPageRun run{list[begin].index << RISCV_PAGE_SHIFTS, list[begin].flag, {}};
      CKB_VM_TRY(detail::append_pages(memory, list[begin].index, end - begin, run.content));
      snapshot.dirty_pages.push_back(std::move(run));
      begin = end;
    }

    for (const auto& [page, entry] : pages_) {
      const Result<std::uint8_t> current = memory.fetch_flag(page);
      if (!current.ok()) return current.error();
      if ((*current & FLAG_DIRTY) != 0) continue;  // written since: saved as a dirty page
      const std::uint64_t address = page << RISCV_PAGE_SHIFTS;
      if (!snapshot.pages_from_source.empty()) {
        SourcePageRun<Id>& last = snapshot.pages_from_source.back();
        if (last.address + last.length == address && last.flag == entry.flag && last.id == entry.id &&
            last.offset + last.length == entry.offset) {
          last.length += RISCV_PAGESIZE;
          continue;
        }
      }
      snapshot.pages_from_source.push_back(SourcePageRun<Id>{address, entry.flag, entry.id, entry.offset, RISCV_PAGESIZE});
    }

    const auto& registers = machine.registers();  // may be a temporary (lifetime extended)
    const std::span<const std::uint64_t> regs = registers;
    for (std::size_t i = 0; i < RISCV_GENERAL_REGISTER_NUMBER && i < regs.size(); ++i) snapshot.registers[i] = regs[i];
    snapshot.version = machine.version();
    snapshot.pc = machine.pc();
    snapshot.cycles = machine.cycles();
    snapshot.max_cycles = machine.max_cycles();
    snapshot.load_reservation_address = memory.lr();
    return snapshot;
  }

  // Advanced: records every page lying completely inside [start, start +
  // length) as a copy of data_source(id) (the page at the first page boundary
  // >= start holding the byte at `offset` + (boundary - start)), clearing its
  // FLAG_DIRTY. The caller guarantees the memory really holds that data.
  template <SupportMachine M>
  Status track_pages(M& machine, std::uint64_t start, std::uint64_t length, const Id& id, std::uint64_t offset) {
    const std::uint64_t skip = (RISCV_PAGESIZE - (start % RISCV_PAGESIZE)) % RISCV_PAGESIZE;
    if (length < skip) return {};
    std::uint64_t address = start + skip;
    if (address < start) return Error::at_address(ErrorCode::MemOutOfBound, start);
    offset += skip;
    length -= skip;
    auto& memory = machine.memory();
    while (length >= RISCV_PAGESIZE) {
      const std::uint64_t page = address >> RISCV_PAGE_SHIFTS;
      CKB_VM_TRY(memory.clear_flag(page, FLAG_DIRTY));
      const Result<std::uint8_t> flag = memory.fetch_flag(page);
      if (!flag.ok()) return flag.error();
      pages_.insert_or_assign(page, Tracked{id, offset, *flag});
      address += RISCV_PAGESIZE;
      length -= RISCV_PAGESIZE;
      offset += RISCV_PAGESIZE;
    }
    return {};
  }

  // Advanced: forgets every page touched by [start, start + length) and marks
  // it dirty. Nothing happens for length 0.
  template <SupportMachine M>
  Status untrack_pages(M& machine, std::uint64_t start, std::uint64_t length) {
    if (length == 0) return {};
    const Result<PageIndices> pages = get_page_indices(start, length);
    if (!pages.ok()) return pages.error();
    auto& memory = machine.memory();
    for (std::uint64_t page = pages->first; page <= pages->last; ++page) {
      CKB_VM_TRY(memory.set_flag(page, FLAG_DIRTY));
      pages_.erase(page);
    }
    return {};
  }

 private:
  struct Tracked {
    Id id;
    std::uint64_t offset;
    std::uint8_t flag;
  };

  static Error unaligned(std::uint64_t address, const char* message) noexcept {
    Error e = Error::at_address(ErrorCode::MemPageUnalignedAccess, address);
    e.message = message;
    return e;
  }

  // set_flag(flag) on each page of the page-aligned run [address, address + size).
  template <class Mem>
  static Status set_flags(Mem& memory, std::uint64_t address, std::uint64_t size, std::uint8_t flag) {
    const std::uint64_t first = address >> RISCV_PAGE_SHIFTS;
    const std::uint64_t count = size / RISCV_PAGESIZE;
    for (std::uint64_t i = 0; i < count; ++i) CKB_VM_TRY(memory.set_flag(first + i, flag));
    return {};
  }

  std::map<std::uint64_t, Tracked> pages_;  // page index -> source; ordered for make_snapshot
  D data_source_;
};

}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
