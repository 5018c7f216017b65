// Snapshot: the older, self-contained snapshot of ckb-vm 0.24 (snapshot.rs).
// It carries every dirty page in full, needs no data source, and works with
// any CoreMachine. Cycles are not part of it: the host restores cycles (and
// max_cycles) itself if it needs them. Prefer Snapshot2 (<ckb_vm/snapshot2.hpp>)
// when the program and its data stay available: it refers to them instead of
// copying them.
//
//   Result<Snapshot> snap = make_snapshot(machine);   // after run() returned
//   ... in a fresh machine of the same version and ISA:
//   resume(machine2, *snap);
//
// Like Snapshot2, a snapshot is only meaningful at an instruction boundary
// (between run() calls), since pc is stored and next_pc is not.
//
// Semantics reproduced from ckb-vm:
// * make_snapshot: version, pc, registers, load reservation address and, in
//   ascending page order, every page whose FLAG_DIRTY bit is set, with its
//   flag byte (FLAG_DIRTY included) and its 4 KiB of content. Pages written
//   while loading the program are dirty too, so program pages with their
//   FLAG_EXECUTABLE / FLAG_FREEZED bits are part of the snapshot and code
//   stays executable after resume (ckb-vm issue 218).
// * resume: version mismatch -> InvalidVersion; registers; pc (update_pc +
//   commit_pc); then per page in snapshot order store_bytes of its content and
//   set_flag(flag) (OR, as ckb-vm); finally the load reservation address.
//
// Differences from ckb-vm, for hand-made snapshots only: ckb-vm keeps page
// indices, flags and contents in three parallel vectors and writes a content
// of any length at its page; here each page is one record and resume rejects
// a content that is not exactly one page (MemPageUnalignedAccess) and an
// index whose address does not fit in 64 bits (MemOutOfBound) before
// touching memory for that page. make_snapshot uses the memory's dirty-page
// log by default (see SnapshotScan).
#pragma once

#include "detail/config.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "constants.hpp"
#include "detail/snapshot_pages.hpp"
#include "error.hpp"
#include "machine.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {

struct SnapshotPage {
  std::uint64_t index = 0;  // page index: the page starts at index * RISCV_PAGESIZE
  std::uint8_t flag = 0;
  std::vector<std::uint8_t> content;  // RISCV_PAGESIZE bytes

  friend bool operator==(const SnapshotPage&, const SnapshotPage&) = default;
};

struct Snapshot {
  std::uint32_t version = 0;
  std::array<std::uint64_t, RISCV_GENERAL_REGISTER_NUMBER> registers{};
  std::uint64_t pc = 0;
  std::vector<SnapshotPage> pages;  // ascending index
  std::uint64_t load_reservation_address = 0;

  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

template <CoreMachine M>
Result<Snapshot> make_snapshot(M& machine, SnapshotScan scan = SnapshotScan::automatic) {
  auto& memory = machine.memory();
  Snapshot snapshot;
  snapshot.version = machine.version();
  snapshot.pc = machine.pc();
  snapshot.load_reservation_address = memory.lr();
  const auto& registers = machine.registers();  // may be a temporary (lifetime extended)
  const std::span<const std::uint64_t> regs = registers;
  for (std::size_t i = 0; i < RISCV_GENERAL_REGISTER_NUMBER && i < regs.size(); ++i) snapshot.registers[i] = regs[i];

  Result<std::vector<detail::DirtyPage>> dirty = detail::dirty_pages(memory, scan);
  if (!dirty.ok()) return dirty.error();
  snapshot.pages.reserve(dirty->size());
  for (const detail::DirtyPage& page : *dirty) {
    SnapshotPage out{page.index, page.flag, {}};
    CKB_VM_TRY(detail::append_pages(memory, page.index, 1, out.content));
    snapshot.pages.push_back(std::move(out));
  }
  return snapshot;
}

template <CoreMachine M>
Status resume(M& machine, const Snapshot& snapshot) {
  if (machine.version() != snapshot.version)
    return Error(ErrorCode::InvalidVersion, "snapshot was taken on a machine of another version");
  for (std::size_t i = 0; i < RISCV_GENERAL_REGISTER_NUMBER; ++i) machine.set_register(i, snapshot.registers[i]);
  machine.update_pc(snapshot.pc);
  machine.commit_pc();
  auto& memory = machine.memory();
  for (const SnapshotPage& page : snapshot.pages) {
    if (page.index > (~std::uint64_t{0} >> RISCV_PAGE_SHIFTS))
      return Error(ErrorCode::MemOutOfBound, "snapshot page index is beyond the address space");
    const std::uint64_t address = page.index << RISCV_PAGE_SHIFTS;
    if (page.content.size() != RISCV_PAGESIZE) {
      Error e = Error::at_address(ErrorCode::MemPageUnalignedAccess, address);
      e.message = "snapshot page content is not exactly one page";
      return e;
    }
    CKB_VM_TRY(memory.store_bytes(address, page.content));
    CKB_VM_TRY(memory.set_flag(page.index, page.flag));
  }
  memory.set_lr(snapshot.load_reservation_address);
  return {};
}

}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
