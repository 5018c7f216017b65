// The spawn/IPC syscalls of CKB VERSION2 scripts (RFC 0050, "VM syscalls 3")
// and the values they exchange with the scheduler (scheduler.hpp).
//
// Numbers: 2601 spawn, 2602 wait, 2603 process_id, 2604 pipe, 2605 write,
// 2606 read, 2607 inherited_fd, 2608 close; plus, when a VM runs under the
// scheduler, 2042 current_cycles (VERSION1+) and 2043 exec (VERSION2), which
// there have scheduler semantics.
//
// How they work (facts from the CKB node's script/src/syscalls/ and
// scheduler.rs): every syscall except process_id and current_cycles only
// validates what it can see locally, charges its cycles, posts one message
// to the scheduler's message box and stops the VM with ErrorCode::Yield. The
// scheduler then processes the message (scheduler.hpp) and writes the reply
// (a0 and any out-parameters) into the VM's memory; pipe data moves between
// iterations. The VM resumes after the ecall, since the engine commits pc
// before a handler's error is returned.
//
// Charges at the ecall (add_cycles_no_checking, so they may exceed the limit;
// the excess is found when the scheduler sums the iteration):
//   spawn                          100,000 + 800 (only once the arguments passed
//                                  the local checks below)
//   wait, pipe, read, write,
//   inherited_fd, close            800
//   exec, process_id,
//   current_cycles                 nothing here (exec: 75,000 when processed)
//
// Local checks, in the node's order:
//   spawn  a1 must be a valid source (else the VM stops with External); the
//          source is normalised (group flag kept only as 0x01..) and
//          (source, a0 index, a2 place) must name a data piece, else a0 =
//          INDEX_OUT_OF_BOUND; then argc, argv, process-id address and fd
//          array address are loaded from a4 (memory errors stop the VM), the
//          fd array is read up to its 0 terminator; then an unknown data piece
//          gives INDEX_OUT_OF_BOUND, offset (a3 >> 32) >= its length, or a
//          non-zero length (a3 & 0xffffffff) reaching past its end,
//          SLICE_OUT_OF_BOUND.
//   read   loads the length at a2 first (memory errors stop the VM), then an
//          odd fd (not a read end) gives INVALID_FD without yielding.
//   write  the same with an even fd.
//   exec   (source a1, index a0, place a2) not naming a data piece gives
//          INDEX_OUT_OF_BOUND; no source validation, no normalisation.
#pragma once

#include "../detail/config.hpp"

#include <cstdint>
#include <memory>
#include <utility>
#include <variant>
#include <vector>

#include "../error.hpp"
#include "../machine.hpp"
#include "syscalls.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {
namespace ckb {

namespace syscall {
inline constexpr std::uint64_t SPAWN = 2601;
inline constexpr std::uint64_t WAIT = 2602;
inline constexpr std::uint64_t PROCESS_ID = 2603;
inline constexpr std::uint64_t PIPE = 2604;
inline constexpr std::uint64_t WRITE = 2605;
inline constexpr std::uint64_t READ = 2606;
inline constexpr std::uint64_t INHERITED_FD = 2607;
inline constexpr std::uint64_t CLOSE = 2608;
}  // namespace syscall

// Return codes added by RFC 0050.
inline constexpr std::uint8_t WAIT_FAILURE = 5;
inline constexpr std::uint8_t INVALID_FD = 6;
inline constexpr std::uint8_t OTHER_END_CLOSED = 7;
inline constexpr std::uint8_t MAX_VMS_SPAWNED = 8;
inline constexpr std::uint8_t MAX_FDS_CREATED = 9;

inline constexpr std::uint64_t SPAWN_EXTRA_CYCLES_BASE = 100'000;  // spawn, and every suspend or resume
inline constexpr std::uint64_t SPAWN_YIELD_CYCLES_BASE = 800;

using VmId = std::uint64_t;
inline constexpr VmId ROOT_VM_ID = 0;
inline constexpr std::uint64_t MAX_VMS_COUNT = 16;
inline constexpr std::size_t MAX_INSTANTIATED_VMS = 4;
inline constexpr std::uint64_t MAX_FDS = 64;

// File descriptors come in pairs from pipe: the even one reads, the odd one
// (even + 1) writes; slots start at 2.
using Fd = std::uint64_t;
inline constexpr Fd FIRST_FD_SLOT = 2;
constexpr Fd other_fd(Fd fd) noexcept { return fd ^ 1; }
constexpr bool is_read_fd(Fd fd) noexcept { return fd % 2 == 0; }
constexpr bool is_write_fd(Fd fd) noexcept { return fd % 2 == 1; }

// ---------------------------------------------------------------------------
// VM states

struct Runnable {
  friend bool operator==(const Runnable&, const Runnable&) = default;
};
struct Terminated {
  friend bool operator==(const Terminated&, const Terminated&) = default;
};
struct WaitingForExit {
  VmId target = 0;
  std::uint64_t exit_code_addr = 0;
  friend bool operator==(const WaitingForExit&, const WaitingForExit&) = default;
};
struct WaitingForRead {
  Fd fd = 0;
  std::uint64_t length = 0;
  std::uint64_t buffer_addr = 0;
  std::uint64_t length_addr = 0;
  friend bool operator==(const WaitingForRead&, const WaitingForRead&) = default;
};
struct WaitingForWrite {
  Fd fd = 0;
  std::uint64_t consumed = 0;  // bytes already delivered
  std::uint64_t length = 0;
  std::uint64_t buffer_addr = 0;
  std::uint64_t length_addr = 0;
  friend bool operator==(const WaitingForWrite&, const WaitingForWrite&) = default;
};
// The variant index is the state's tag in the byte encoding: keep the order.
using VmState = std::variant<Runnable, Terminated, WaitingForExit, WaitingForRead, WaitingForWrite>;

// ---------------------------------------------------------------------------
// Messages from a VM's syscalls to the scheduler

struct DataLocation {
  DataPieceId id;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;  // 0 (spawn/exec) or UINT64_MAX (root): to the end
};

struct ExecMessage {
  DataLocation location;
  std::uint64_t argc = 0, argv = 0;
};
struct SpawnMessage {
  DataLocation location;
  std::uint64_t argc = 0, argv = 0;
  std::vector<Fd> fds;
  std::uint64_t process_id_addr = 0;
};
struct WaitMessage {
  VmId target = 0;
  std::uint64_t exit_code_addr = 0;
};
struct PipeMessage {
  std::uint64_t fd1_addr = 0, fd2_addr = 0;
};
struct ReadMessage {
  Fd fd = 0;
  std::uint64_t length = 0, buffer_addr = 0, length_addr = 0;
};
struct WriteMessage {
  Fd fd = 0;
  std::uint64_t length = 0, buffer_addr = 0, length_addr = 0;
};
struct InheritedFdMessage {
  std::uint64_t buffer_addr = 0, length_addr = 0;
};
struct CloseMessage {
  Fd fd = 0;
};

using MessageBody = std::variant<ExecMessage, SpawnMessage, WaitMessage, PipeMessage, ReadMessage, WriteMessage,
                                 InheritedFdMessage, CloseMessage>;
struct Message {
  VmId vm = 0;
  MessageBody body;
};

// What the syscall handlers of every VM share with their scheduler: the
// message box and the cycles charged so far (the node's total_cycles, the
// base of current_cycles).
struct SchedulerLink {
  std::uint64_t total_cycles = 0;
  std::vector<Message> message_box;
};

// ---------------------------------------------------------------------------
// The handler. Registered before CkbSyscalls so that it answers 2042/2043.

template <class Core>
class SpawnSyscalls final : public Syscalls<Core> {
 public:
  SpawnSyscalls(VmId id, std::uint32_t script_version, std::shared_ptr<SchedulerLink> link,
                std::shared_ptr<ScriptSnapshotContext> context)
      : id_(id), version_(script_version), link_(std::move(link)), context_(std::move(context)) {}

  Status initialize(Core&) override { return {}; }

  Result<bool> ecall(Core& m) override {
    const std::uint64_t n = m.registers()[registers::A7];
    if (n == syscall::CURRENT_CYCLES) {
      if (version_ < VERSION1) return false;
      const std::uint64_t sum = link_->total_cycles + m.cycles();
      if (sum < link_->total_cycles) return Error(ErrorCode::CyclesOverflow);
      m.set_register(registers::A0, sum);
      return true;
    }
    if (version_ < VERSION2) return false;
    switch (n) {
      case syscall::EXEC: return exec(m);
      case syscall::SPAWN: return spawn(m);
      case syscall::WAIT: {
        const auto& r = m.registers();
        return post(m, SPAWN_YIELD_CYCLES_BASE, WaitMessage{r[registers::A0], r[registers::A1]});
      }
      case syscall::PROCESS_ID: m.set_register(registers::A0, id_); return true;
      case syscall::PIPE: {
        const std::uint64_t a = m.registers()[registers::A0];
        return post(m, SPAWN_YIELD_CYCLES_BASE, PipeMessage{a, a + 8});
      }
      case syscall::WRITE:
      case syscall::READ: return read_write(m, n == syscall::READ);
      case syscall::INHERITED_FD: {
        const auto& r = m.registers();
        return post(m, SPAWN_YIELD_CYCLES_BASE, InheritedFdMessage{r[registers::A0], r[registers::A1]});
      }
      case syscall::CLOSE: return post(m, SPAWN_YIELD_CYCLES_BASE, CloseMessage{m.registers()[registers::A0]});
      default: return false;
    }
  }

 private:
  Result<bool> post(Core& m, std::uint64_t cycles, MessageBody body) {
    if (cycles != 0) CKB_VM_TRY(m.add_cycles_no_checking(cycles));
    link_->message_box.push_back(Message{id_, std::move(body)});
    return Error(ErrorCode::Yield);
  }

  Result<bool> exec(Core& m) {
    const auto& r = m.registers();
    const auto id = data_piece_id(r[registers::A1], r[registers::A0], r[registers::A2]);
    if (!id) return reply(m, INDEX_OUT_OF_BOUND);
    const std::uint64_t bounds = r[registers::A3];
    return post(m, 0,
                ExecMessage{DataLocation{*id, bounds >> 32, bounds & 0xFFFFFFFFULL}, r[registers::A4], r[registers::A5]});
  }

  Result<bool> spawn(Core& m) {
    const auto& r = m.registers();
    std::uint64_t source = r[registers::A1];
    const auto parsed = parse_source(source);
    if (!parsed) return Error(ErrorCode::External, "invalid source");
    source = parsed->group ? ((source & SOURCE_ENTRY_MASK) | SOURCE_GROUP_FLAG) : (source & SOURCE_ENTRY_MASK);
    const auto id = data_piece_id(source, r[registers::A0], r[registers::A2]);
    if (!id) return reply(m, INDEX_OUT_OF_BOUND);
    const std::uint64_t bounds = r[registers::A3];
    const std::uint64_t offset = bounds >> 32, length = bounds & 0xFFFFFFFFULL;
    const std::uint64_t args = r[registers::A4];
    auto& mem = m.memory();
    auto argc = mem.load64(args);
    if (!argc.ok()) return argc.error();
    auto argv = mem.load64(args + 8);
    if (!argv.ok()) return argv.error();
    auto pid_addr = mem.load64(args + 16);
    if (!pid_addr.ok()) return pid_addr.error();
    auto fds_addr = mem.load64(args + 24);
    if (!fds_addr.ok()) return fds_addr.error();
    std::vector<Fd> fds;
    if (*fds_addr != 0) {
      // Bounded by memory: the walk fails at its end at the latest.
      for (std::uint64_t a = *fds_addr;; a += 8) {
        auto fd = mem.load64(a);
        if (!fd.ok()) return fd.error();
        if (*fd == 0) break;
        fds.push_back(*fd);
      }
    }
    auto piece = context_->load_data(*id, 0, 0);
    if (!piece.ok()) {
      if (piece.error().code == ErrorCode::SnapshotDataLoadError) return reply(m, INDEX_OUT_OF_BOUND);
      return piece.error();
    }
    const std::uint64_t full = piece->second;
    if (offset >= full) return reply(m, SLICE_OUT_OF_BOUND);
    if (length > 0 && offset + length > full) return reply(m, SLICE_OUT_OF_BOUND);  // both < 2^32: no overflow
    CKB_VM_TRY(m.add_cycles_no_checking(SPAWN_EXTRA_CYCLES_BASE));
    return post(m, SPAWN_YIELD_CYCLES_BASE,
                SpawnMessage{DataLocation{*id, offset, length}, *argc, *argv, std::move(fds), *pid_addr});
  }

  Result<bool> read_write(Core& m, bool read) {
    const auto& r = m.registers();
    const Fd fd = r[registers::A0];
    const std::uint64_t buffer = r[registers::A1], length_addr = r[registers::A2];
    auto length = m.memory().load64(length_addr);
    if (!length.ok()) return length.error();
    if (read ? !is_read_fd(fd) : !is_write_fd(fd)) return reply(m, INVALID_FD);
    if (read) return post(m, SPAWN_YIELD_CYCLES_BASE, ReadMessage{fd, *length, buffer, length_addr});
    return post(m, SPAWN_YIELD_CYCLES_BASE, WriteMessage{fd, *length, buffer, length_addr});
  }

  static Result<bool> reply(Core& m, std::uint8_t code) {
    m.set_register(registers::A0, code);
    return true;
  }

  VmId id_;
  std::uint32_t version_;
  std::shared_ptr<SchedulerLink> link_;
  std::shared_ptr<ScriptSnapshotContext> context_;
};

}  // namespace ckb
}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
