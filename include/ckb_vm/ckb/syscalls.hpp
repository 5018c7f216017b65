// The CKB syscalls, as a ckb_vm::Syscalls<Core> handler, with the semantics of
// the CKB node's script/src/syscalls (ckb 0.200+, which pins ckb-vm 0.24.13/14)
// and RFCs 0009 (VM syscalls), 0034 (syscalls 2) and 0050 (syscalls 3).
//
// Which syscalls exist depends on the script version (the VM version):
//   all versions  2061 load_tx_hash, 2051 load_transaction, 2062 load_script_hash,
//                 2052 load_script, 2071 load_cell, 2081 load_cell_by_field,
//                 2073 load_input, 2083 load_input_by_field, 2072 load_header,
//                 2082 load_header_by_field, 2074 load_witness, 2092 load_cell_data,
//                 2091 load_cell_data_as_code, 2177 debug
//   VERSION1+     2041 vm_version, 2042 current_cycles
//   VERSION1      2043 exec (in place: reset the machine, load the new ELF)
//   VERSION2      2043 exec (the scheduler's exec: 75,000 cycles plus a fresh VM),
//                 2104 load_block_extension
// Anything else is not handled here (the machine then reports InvalidEcall);
// the VERSION2 spawn/IPC family (2601-2608) is not implemented yet.
//
// Conventions shared by the loading syscalls ("partial loading"): a0 = buffer,
// a1 = address of a u64 holding the buffer size (on return: the full length
// of the data from the offset), a2 = offset into the data (clamped to its
// length), a3 = index, a4 = source, a5 = field. Only min(size, full length)
// bytes are written. The node charges ceil(written bytes / 4) cycles.
//
// Sources: 1 input, 2 output, 3 cell dep, 4 header dep, each optionally
// or-ed with 0x0100000000000000 for "group". The low 56 bits must be 1..4,
// otherwise the VM stops with External ("invalid source"); the high byte is
// only compared with 0x01 (any other value means a transaction-level source),
// as the node does. Return codes in a0: 0 success, 1 INDEX_OUT_OF_BOUND,
// 2 ITEM_MISSING, 3 SLICE_OUT_OF_BOUND, 4 WRONG_FORMAT.
//
// Cell data goes through a Snapshot2Context (store_bytes for load_cell_data,
// init_pages + track_pages for load_cell_data_as_code, mark_program for exec)
// exactly as the node does, so a VM that loaded cell data can be suspended as
// a compact Snapshot2 whose pages refer to transaction data by DataPieceId.
//
// Exec on VERSION2: the node's scheduler handles exec by yielding, charging
// 75,000 cycles and booting a fresh VM (cycles carried over) with the new
// program. This handler does the same in place: it reads argv from the old
// memory, resets the machine, loads the program with metadata, sets up the
// stack (a quarter of memory, like load_program), starts a fresh
// Snapshot2Context and marks the program, and charges the load. A program
// that does not parse as an ELF, or a data piece that does not exist, stops
// the VM with that error (the node's scheduler propagates it).
#pragma once

#include "../detail/config.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../constants.hpp"
#include "../detail/byte_io.hpp"
#include "../elf.hpp"
#include "../error.hpp"
#include "../machine.hpp"
#include "../snapshot2.hpp"
#include "molecule.hpp"
#include "script_group.hpp"
#include "types.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {
namespace ckb {

// ---------------------------------------------------------------------------
// Numbers and codes

namespace syscall {
inline constexpr std::uint64_t VM_VERSION = 2041;
inline constexpr std::uint64_t CURRENT_CYCLES = 2042;
inline constexpr std::uint64_t EXEC = 2043;
inline constexpr std::uint64_t LOAD_TRANSACTION = 2051;
inline constexpr std::uint64_t LOAD_SCRIPT = 2052;
inline constexpr std::uint64_t LOAD_TX_HASH = 2061;
inline constexpr std::uint64_t LOAD_SCRIPT_HASH = 2062;
inline constexpr std::uint64_t LOAD_CELL = 2071;
inline constexpr std::uint64_t LOAD_HEADER = 2072;
inline constexpr std::uint64_t LOAD_INPUT = 2073;
inline constexpr std::uint64_t LOAD_WITNESS = 2074;
inline constexpr std::uint64_t LOAD_CELL_BY_FIELD = 2081;
inline constexpr std::uint64_t LOAD_HEADER_BY_FIELD = 2082;
inline constexpr std::uint64_t LOAD_INPUT_BY_FIELD = 2083;
inline constexpr std::uint64_t LOAD_CELL_DATA_AS_CODE = 2091;
inline constexpr std::uint64_t LOAD_CELL_DATA = 2092;
inline constexpr std::uint64_t LOAD_BLOCK_EXTENSION = 2104;
inline constexpr std::uint64_t DEBUG_PRINT = 2177;
}  // namespace syscall

inline constexpr std::uint8_t SUCCESS = 0;
inline constexpr std::uint8_t INDEX_OUT_OF_BOUND = 1;
inline constexpr std::uint8_t ITEM_MISSING = 2;
inline constexpr std::uint8_t SLICE_OUT_OF_BOUND = 3;
inline constexpr std::uint8_t WRONG_FORMAT = 4;

inline constexpr std::uint64_t SOURCE_INPUT = 1;
inline constexpr std::uint64_t SOURCE_OUTPUT = 2;
inline constexpr std::uint64_t SOURCE_CELL_DEP = 3;
inline constexpr std::uint64_t SOURCE_HEADER_DEP = 4;
inline constexpr std::uint64_t SOURCE_GROUP_FLAG = 0x0100000000000000ULL;
inline constexpr std::uint64_t SOURCE_GROUP_MASK = 0xFF00000000000000ULL;
inline constexpr std::uint64_t SOURCE_ENTRY_MASK = 0x00FFFFFFFFFFFFFFULL;

inline constexpr std::uint64_t EXEC_LOAD_ELF_V2_CYCLES_BASE = 75'000;
inline constexpr std::uint64_t MAX_ARGV_LENGTH = 1024 * 1024;
inline constexpr std::uint64_t BYTES_PER_CYCLE = 4;

// Cycles the node charges for moving `bytes` bytes into the VM.
constexpr std::uint64_t transferred_byte_cycles(std::uint64_t bytes) noexcept {
  return bytes / BYTES_PER_CYCLE + (bytes % BYTES_PER_CYCLE != 0 ? 1 : 0);
}

enum class SourceEntry : std::uint8_t { Input = 1, Output = 2, CellDep = 3, HeaderDep = 4 };
struct Source {
  SourceEntry entry;
  bool group;
};

// The node's Source::parse_from_u64; nullopt where the node fails with
// Error::External.
constexpr std::optional<Source> parse_source(std::uint64_t v) noexcept {
  const std::uint64_t e = v & SOURCE_ENTRY_MASK;
  if (e < 1 || e > 4) return std::nullopt;
  return Source{static_cast<SourceEntry>(e), (v & SOURCE_GROUP_MASK) == SOURCE_GROUP_FLAG};
}

// ---------------------------------------------------------------------------
// Data pieces: what Snapshot2 pages and exec refer to.

enum class DataPieceKind : std::uint8_t {
  Input,
  Output,
  CellDep,
  GroupInput,
  GroupOutput,
  Witness,
  WitnessGroupInput,
  WitnessGroupOutput,
  // Not in the node: a program the host supplies instead of the script's
  // cell dep (ckb-debugger's --bin). Index is always 0.
  HostProgram,
};

struct DataPieceId {
  DataPieceKind kind = DataPieceKind::Input;
  std::uint32_t index = 0;
  friend bool operator==(const DataPieceId&, const DataPieceId&) = default;
};

// The node's DataPieceId::try_from((source, index, place)).
constexpr std::optional<DataPieceId> data_piece_id(std::uint64_t source, std::uint64_t index,
                                                   std::uint64_t place) noexcept {
  if (index > 0xFFFFFFFFULL) return std::nullopt;
  const auto i = static_cast<std::uint32_t>(index);
  constexpr std::uint64_t gi = SOURCE_GROUP_FLAG | SOURCE_INPUT, go = SOURCE_GROUP_FLAG | SOURCE_OUTPUT;
  if (place == 0) {
    if (source == SOURCE_INPUT) return DataPieceId{DataPieceKind::Input, i};
    if (source == SOURCE_OUTPUT) return DataPieceId{DataPieceKind::Output, i};
    if (source == SOURCE_CELL_DEP) return DataPieceId{DataPieceKind::CellDep, i};
    if (source == gi) return DataPieceId{DataPieceKind::GroupInput, i};
    if (source == go) return DataPieceId{DataPieceKind::GroupOutput, i};
  } else if (place == 1) {
    if (source == SOURCE_INPUT || source == SOURCE_OUTPUT) return DataPieceId{DataPieceKind::Witness, i};
    if (source == gi) return DataPieceId{DataPieceKind::WitnessGroupInput, i};
    if (source == go) return DataPieceId{DataPieceKind::WitnessGroupOutput, i};
  }
  return std::nullopt;
}

// Everything a script of one group may read. Shared (immutable) by the
// syscall handler, the data source and the verifier.
struct ScriptEnv {
  std::shared_ptr<const ResolvedTransaction> rtx;
  ScriptGroup group;
  std::uint32_t vm_version = VERSION2;
  // A program replacing the script's binary (DataPieceKind::HostProgram).
  std::shared_ptr<const Bytes> host_program;
};

// The node's SgData as a Snapshot2 DataSource.
class TxDataSource {
 public:
  explicit TxDataSource(std::shared_ptr<const ScriptEnv> env) : env_(std::move(env)) {}

  const ScriptEnv& env() const noexcept { return *env_; }

  // The whole data piece, or nullopt when it does not exist.
  std::optional<std::span<const std::uint8_t>> piece(const DataPieceId& id) const noexcept {
    const ResolvedTransaction& rtx = *env_->rtx;
    const ScriptGroup& g = env_->group;
    const auto& inputs = rtx.resolved_inputs;
    const auto& outputs_data = rtx.tx.raw.outputs_data;
    const auto& witnesses = rtx.tx.witnesses;
    const std::size_t i = id.index;
    auto at = [](const auto& v, std::size_t k) -> std::optional<std::span<const std::uint8_t>> {
      if (k >= v.size()) return std::nullopt;
      return std::span<const std::uint8_t>(v[k]);
    };
    switch (id.kind) {
      case DataPieceKind::Input:
        if (i >= inputs.size()) return std::nullopt;
        return std::span<const std::uint8_t>(inputs[i].data);
      case DataPieceKind::Output: return at(outputs_data, i);
      case DataPieceKind::CellDep:
        if (i >= rtx.resolved_cell_deps.size()) return std::nullopt;
        return std::span<const std::uint8_t>(rtx.resolved_cell_deps[i].data);
      case DataPieceKind::GroupInput:
        if (i >= g.input_indices.size() || g.input_indices[i] >= inputs.size()) return std::nullopt;
        return std::span<const std::uint8_t>(inputs[g.input_indices[i]].data);
      case DataPieceKind::GroupOutput:
        if (i >= g.output_indices.size()) return std::nullopt;
        return at(outputs_data, g.output_indices[i]);
      case DataPieceKind::Witness: return at(witnesses, i);
      case DataPieceKind::WitnessGroupInput:
        if (i >= g.input_indices.size()) return std::nullopt;
        return at(witnesses, g.input_indices[i]);
      case DataPieceKind::WitnessGroupOutput:
        if (i >= g.output_indices.size()) return std::nullopt;
        return at(witnesses, g.output_indices[i]);
      case DataPieceKind::HostProgram:
        if (i != 0 || !env_->host_program) return std::nullopt;
        return std::span<const std::uint8_t>(*env_->host_program);
    }
    return std::nullopt;
  }

  std::optional<DataSlice> load_data(const DataPieceId& id, std::uint64_t offset, std::uint64_t length) const {
    auto p = piece(id);
    if (!p) return std::nullopt;
    return slice_data(*p, offset, length);
  }

 private:
  std::shared_ptr<const ScriptEnv> env_;
};

using ScriptSnapshotContext = Snapshot2Context<DataPieceId, TxDataSource>;

// Receives the script's debug output (syscall 2177): the group's script hash
// and the message.
using DebugPrinter = std::function<void(const Byte32& script_hash, std::string_view message)>;

// True when `s` is well-formed UTF-8 (what Rust's String::from_utf8 accepts).
inline bool is_valid_utf8(std::span<const std::uint8_t> s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const std::uint8_t c = s[i];
    if (c < 0x80) { ++i; continue; }
    std::size_t n;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07; }
    else return false;
    if (s.size() - i <= n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = cp << 6 | (s[i + k] & 0x3F);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    i += n + 1;
  }
  return true;
}

// Occupied capacity of a cell in shannons (8 + lock + type + data bytes, each
// byte 10^8 shannons), nullopt on overflow.
inline std::optional<std::uint64_t> occupied_capacity(const CellOutput& out, std::uint64_t data_bytes) noexcept {
  constexpr std::uint64_t shannons = 100'000'000;
  auto bytes = [](std::uint64_t n) -> std::optional<std::uint64_t> {
    if (n > UINT64_MAX / shannons) return std::nullopt;
    return n * shannons;
  };
  auto add = [](std::optional<std::uint64_t> a, std::optional<std::uint64_t> b) -> std::optional<std::uint64_t> {
    if (!a || !b || *a + *b < *a) return std::nullopt;
    return *a + *b;
  };
  std::optional<std::uint64_t> total = add(bytes(8), bytes(data_bytes));
  total = add(bytes(32 + 1 + static_cast<std::uint64_t>(out.lock.args.size())), total);
  if (out.type) total = add(bytes(32 + 1 + static_cast<std::uint64_t>(out.type->args.size())), total);
  return total;
}

// ---------------------------------------------------------------------------
// The handler

template <class Core>
class CkbSyscalls final : public Syscalls<Core> {
 public:
  // `context` is shared with the host (verifier, snapshot code); it must be
  // built on a TxDataSource for the same `env`.
  CkbSyscalls(std::shared_ptr<const ScriptEnv> env, std::shared_ptr<ScriptSnapshotContext> context,
              DebugPrinter printer = {})
      : env_(std::move(env)), context_(std::move(context)), printer_(std::move(printer)),
        script_bytes_(molecule::encode(env_->group.script)) {}

  Status initialize(Core&) override { return {}; }

  Result<bool> ecall(Core& m) override {
    const std::uint64_t n = m.registers()[registers::A7];
    const std::uint32_t version = env_->vm_version;
    switch (n) {
      case syscall::LOAD_TX_HASH: return finish(m, store_data(m, env_->rtx->hash));
      case syscall::LOAD_TRANSACTION: return finish(m, store_data(m, transaction_bytes()));
      case syscall::LOAD_SCRIPT_HASH: return finish(m, store_data(m, env_->group.script_hash));
      case syscall::LOAD_SCRIPT: return finish(m, store_data(m, script_bytes_));
      case syscall::LOAD_CELL:
      case syscall::LOAD_CELL_BY_FIELD: return load_cell(m, n == syscall::LOAD_CELL_BY_FIELD);
      case syscall::LOAD_INPUT:
      case syscall::LOAD_INPUT_BY_FIELD: return load_input(m, n == syscall::LOAD_INPUT_BY_FIELD);
      case syscall::LOAD_HEADER:
      case syscall::LOAD_HEADER_BY_FIELD: return load_header(m, n == syscall::LOAD_HEADER_BY_FIELD);
      case syscall::LOAD_WITNESS: return load_witness(m);
      case syscall::LOAD_CELL_DATA: return load_cell_data(m);
      case syscall::LOAD_CELL_DATA_AS_CODE: return load_cell_data_as_code(m);
      case syscall::DEBUG_PRINT: return debug_print(m);
      case syscall::VM_VERSION:
        if (version < VERSION1) return false;
        m.set_register(registers::A0, m.version());
        return true;
      case syscall::CURRENT_CYCLES:
        if (version < VERSION1) return false;
        m.set_register(registers::A0, m.cycles());
        return true;
      case syscall::EXEC:
        if (version == VERSION1) return exec_v1(m);
        if (version >= VERSION2) return exec_v2(m);
        return false;
      case syscall::LOAD_BLOCK_EXTENSION:
        if (version < VERSION2) return false;
        return load_block_extension(m);
      default: return false;
    }
  }

 private:
  using View = std::span<const std::uint8_t>;
  static constexpr std::uint64_t kNone = UINT64_MAX;  // "no bytes written" marker for finish()

  // ---- helpers
  static Error external(const char* what) noexcept { return Error(ErrorCode::External, what); }
  static Error unexpected(const char* what) noexcept { return Error(ErrorCode::Unexpected, what); }

  // The node's store_data: returns the bytes written.
  static Result<std::uint64_t> store_data(Core& m, View data) {
    const auto& r = m.registers();
    const std::uint64_t addr = r[registers::A0], size_addr = r[registers::A1];
    const std::uint64_t len = data.size();
    const std::uint64_t offset = r[registers::A2] < len ? r[registers::A2] : len;
    auto size = m.memory().load64(size_addr);
    if (!size.ok()) return size.error();
    const std::uint64_t full = len - offset;
    const std::uint64_t real = *size < full ? *size : full;
    CKB_VM_TRY(m.memory().store64(size_addr, full));
    CKB_VM_TRY(m.memory().store_bytes(addr, data.subspan(offset, real)));
    return real;
  }
  static Result<std::uint64_t> store_u64(Core& m, std::uint64_t v) {
    std::uint8_t b[8];
    ckb_vm::detail::bytes::store_le(b, v);
    return store_data(m, View(b, 8));
  }

  // Charge the transfer and set a0.
  static Result<bool> finish(Core& m, Result<std::uint64_t> written, std::uint8_t code = SUCCESS) {
    if (!written.ok()) return written.error();
    CKB_VM_TRY(m.add_cycles_no_checking(transferred_byte_cycles(*written)));
    m.set_register(registers::A0, code);
    return true;
  }
  static Result<bool> reply(Core& m, std::uint8_t code) {
    m.set_register(registers::A0, code);
    return true;
  }

  const ResolvedTransaction& rtx() const noexcept { return *env_->rtx; }
  const ScriptGroup& group() const noexcept { return env_->group; }

  const Bytes& transaction_bytes() {
    if (!tx_bytes_) tx_bytes_ = molecule::encode(rtx().tx);
    return *tx_bytes_;
  }

  // ---- load_cell / load_cell_by_field
  const CellMeta* fetch_cell(Source s, std::uint64_t index) const noexcept {
    const auto& inputs = rtx().resolved_inputs;
    auto get = [index](const std::vector<CellMeta>& v) -> const CellMeta* {
      return index < v.size() ? &v[index] : nullptr;
    };
    auto via = [](const std::vector<std::size_t>& indices, std::uint64_t k,
                  const std::vector<CellMeta>& v) -> const CellMeta* {
      if (k >= indices.size() || indices[k] >= v.size()) return nullptr;
      return &v[indices[k]];
    };
    if (!s.group) {
      switch (s.entry) {
        case SourceEntry::Input: return get(inputs);
        case SourceEntry::Output: return get(rtx().outputs);
        case SourceEntry::CellDep: return get(rtx().resolved_cell_deps);
        case SourceEntry::HeaderDep: return nullptr;
      }
    }
    switch (s.entry) {
      case SourceEntry::Input: return via(group().input_indices, index, inputs);
      case SourceEntry::Output: return via(group().output_indices, index, rtx().outputs);
      default: return nullptr;
    }
  }

  Result<bool> load_cell(Core& m, bool by_field) {
    const auto& r = m.registers();
    const std::uint64_t index = r[registers::A3];
    const auto source = parse_source(r[registers::A4]);
    if (!source) return external("invalid source");
    const CellMeta* cell = fetch_cell(*source, index);
    if (!cell) return reply(m, INDEX_OUT_OF_BOUND);
    if (!by_field) return finish(m, store_data(m, molecule::encode(cell->output)));
    switch (r[registers::A5]) {
      case 0: return finish(m, store_u64(m, cell->output.capacity));
      case 1: return finish(m, store_data(m, cell->data_hash));
      case 2: return finish(m, store_data(m, molecule::encode(cell->output.lock)));
      case 3: return finish(m, store_data(m, molecule::script_hash(cell->output.lock)));
      case 4:
        if (!cell->output.type) return reply(m, ITEM_MISSING);
        return finish(m, store_data(m, molecule::encode(*cell->output.type)));
      case 5:
        if (!cell->output.type) return reply(m, ITEM_MISSING);
        return finish(m, store_data(m, molecule::script_hash(*cell->output.type)));
      case 6: {
        const auto occupied = occupied_capacity(cell->output, cell->data.size());
        if (!occupied) return unexpected("occupied capacity overflow");
        return finish(m, store_u64(m, *occupied));
      }
      default: return external("invalid cell field");
    }
  }

  // ---- load_input / load_input_by_field
  Result<bool> load_input(Core& m, bool by_field) {
    const auto& r = m.registers();
    const std::uint64_t index = r[registers::A3];
    const auto source = parse_source(r[registers::A4]);
    if (!source) return external("invalid source");
    const auto& inputs = rtx().tx.raw.inputs;
    const CellInput* input = nullptr;
    if (source->entry == SourceEntry::Input) {
      if (!source->group) {
        if (index < inputs.size()) input = &inputs[index];
      } else if (index < group().input_indices.size() && group().input_indices[index] < inputs.size()) {
        input = &inputs[group().input_indices[index]];
      }
    }
    if (!input) return reply(m, INDEX_OUT_OF_BOUND);
    if (!by_field) return finish(m, store_data(m, molecule::encode(*input)));
    switch (r[registers::A5]) {
      case 0: return finish(m, store_data(m, molecule::encode(input->previous_output)));
      case 1: return finish(m, store_u64(m, input->since));
      default: return external("invalid input field");
    }
  }

  // ---- load_header / load_header_by_field
  // A cell's header is visible only when its block is a header dep.
  const HeaderView* cell_header(const CellMeta& cell) const noexcept {
    if (!rtx().is_header_dep(cell.block_hash)) return nullptr;
    return rtx().find_header(cell.block_hash);
  }

  // nullptr with code set.
  const HeaderView* fetch_header(Source s, std::uint64_t index, std::uint8_t& code) const noexcept {
    code = INDEX_OUT_OF_BOUND;
    const CellMeta* cell = nullptr;
    if (!s.group) {
      switch (s.entry) {
        case SourceEntry::Input: cell = index < rtx().resolved_inputs.size() ? &rtx().resolved_inputs[index] : nullptr; break;
        case SourceEntry::CellDep:
          cell = index < rtx().resolved_cell_deps.size() ? &rtx().resolved_cell_deps[index] : nullptr;
          break;
        case SourceEntry::HeaderDep: {
          const auto& deps = rtx().tx.raw.header_deps;
          if (index >= deps.size()) return nullptr;
          code = ITEM_MISSING;
          return rtx().find_header(deps[index]);
        }
        case SourceEntry::Output: return nullptr;
      }
    } else if (s.entry == SourceEntry::Input) {
      const auto& gi = group().input_indices;
      if (index < gi.size() && gi[index] < rtx().resolved_inputs.size()) cell = &rtx().resolved_inputs[gi[index]];
    }
    if (!cell) return nullptr;
    code = ITEM_MISSING;
    return cell_header(*cell);
  }

  Result<bool> load_header(Core& m, bool by_field) {
    const auto& r = m.registers();
    const auto source = parse_source(r[registers::A4]);
    if (!source) return external("invalid source");
    std::uint8_t code = 0;
    const HeaderView* h = fetch_header(*source, r[registers::A3], code);
    if (!h) return reply(m, code);
    if (!by_field) return finish(m, store_data(m, molecule::encode(h->header)));
    const Epoch epoch = unpack_epoch(h->header.raw.epoch);
    switch (r[registers::A5]) {
      case 0: return finish(m, store_u64(m, epoch.number));
      case 1:
        if (h->header.raw.number < epoch.index) return unexpected("header epoch index exceeds block number");
        return finish(m, store_u64(m, h->header.raw.number - epoch.index));
      case 2: return finish(m, store_u64(m, epoch.length));
      default: return external("invalid header field");
    }
  }

  // ---- load_block_extension
  Result<bool> load_block_extension(Core& m) {
    const auto& r = m.registers();
    const auto source = parse_source(r[registers::A4]);
    if (!source) return external("invalid source");
    const std::uint64_t index = r[registers::A3];
    const CellMeta* cell = nullptr;
    if (!source->group) {
      switch (source->entry) {
        case SourceEntry::Input:
          if (index < rtx().resolved_inputs.size()) cell = &rtx().resolved_inputs[index];
          break;
        case SourceEntry::CellDep:
          if (index < rtx().resolved_cell_deps.size()) cell = &rtx().resolved_cell_deps[index];
          break;
        case SourceEntry::HeaderDep: {
          const auto& deps = rtx().tx.raw.header_deps;
          if (index >= deps.size()) return reply(m, INDEX_OUT_OF_BOUND);
          const Bytes* e = rtx().find_extension(deps[index]);
          if (!e) return reply(m, ITEM_MISSING);
          return finish(m, store_data(m, *e));
        }
        case SourceEntry::Output: break;
      }
    } else if (source->entry == SourceEntry::Input) {
      const auto& gi = group().input_indices;
      if (index < gi.size() && gi[index] < rtx().resolved_inputs.size()) cell = &rtx().resolved_inputs[gi[index]];
    }
    if (!cell) return reply(m, INDEX_OUT_OF_BOUND);
    if (!rtx().is_header_dep(cell->block_hash)) return reply(m, ITEM_MISSING);
    const Bytes* e = rtx().find_extension(cell->block_hash);
    if (!e) return reply(m, ITEM_MISSING);
    return finish(m, store_data(m, *e));
  }

  // ---- load_witness
  const Bytes* fetch_witness(Source s, std::uint64_t index) const noexcept {
    const auto& w = rtx().tx.witnesses;
    auto get = [&w](std::uint64_t k) -> const Bytes* { return k < w.size() ? &w[k] : nullptr; };
    if (s.entry != SourceEntry::Input && s.entry != SourceEntry::Output) return nullptr;
    if (!s.group) return get(index);
    const auto& indices = s.entry == SourceEntry::Input ? group().input_indices : group().output_indices;
    if (index >= indices.size()) return nullptr;
    return get(indices[index]);
  }

  Result<bool> load_witness(Core& m) {
    const auto& r = m.registers();
    const auto source = parse_source(r[registers::A4]);
    if (!source) return external("invalid source");
    const Bytes* w = fetch_witness(*source, r[registers::A3]);
    if (!w) return reply(m, INDEX_OUT_OF_BOUND);
    return finish(m, store_data(m, *w));
  }

  // ---- load_cell_data / load_cell_data_as_code
  // The node normalises the source before forming the data piece id.
  static std::optional<std::uint64_t> normalized_source(std::uint64_t raw) noexcept {
    const auto s = parse_source(raw);
    if (!s) return std::nullopt;
    return s->group ? ((raw & SOURCE_ENTRY_MASK) | SOURCE_GROUP_FLAG) : (raw & SOURCE_ENTRY_MASK);
  }

  Result<bool> load_cell_data(Core& m) {
    const auto& r = m.registers();
    const auto source = normalized_source(r[registers::A4]);
    if (!source) return external("invalid source");
    const auto id = data_piece_id(*source, r[registers::A3], 0);
    if (!id) return reply(m, INDEX_OUT_OF_BOUND);
    const std::uint64_t addr = r[registers::A0], size_addr = r[registers::A1], offset = r[registers::A2];
    auto loaded = context_->load_data(*id, offset, UINT64_MAX);
    if (!loaded.ok()) return reply(m, INDEX_OUT_OF_BOUND);
    const std::uint64_t available = loaded->first.size();
    auto size = m.memory().load64(size_addr);
    if (!size.ok()) return size.error();
    if (*size == 0) {
      CKB_VM_TRY(m.memory().store64(size_addr, available));
      return reply(m, SUCCESS);
    }
    auto stored = context_->store_bytes(m, addr, *id, offset, *size, size_addr);
    if (!stored.ok()) {
      if (stored.error().code == ErrorCode::SnapshotDataLoadError) return reply(m, INDEX_OUT_OF_BOUND);
      return stored.error();
    }
    return finish(m, stored->first);
  }

  Result<bool> load_cell_data_as_code(Core& m) {
    const auto& r = m.registers();
    const std::uint64_t addr = r[registers::A0], memory_size = r[registers::A1];
    const std::uint64_t content_offset = r[registers::A2], content_size = r[registers::A3];
    const auto source = normalized_source(r[registers::A5]);
    if (!source) return external("invalid source");
    const auto id = data_piece_id(*source, r[registers::A4], 0);
    if (!id) return reply(m, INDEX_OUT_OF_BOUND);
    auto loaded = context_->load_data(*id, 0, UINT64_MAX);
    if (!loaded.ok()) return reply(m, INDEX_OUT_OF_BOUND);
    const View cell = content_size == 0 ? View{} : loaded->first;
    const std::uint64_t end = content_offset + content_size;
    if (end < content_offset) return Error(ErrorCode::MemOutOfBound);
    if (content_offset >= cell.size() || end > cell.size() || content_size > memory_size)
      return reply(m, SLICE_OUT_OF_BOUND);
    CKB_VM_TRY(m.memory().init_pages(addr, memory_size, FLAG_EXECUTABLE | FLAG_FREEZED,
                                     cell.subspan(content_offset, content_size), 0));
    CKB_VM_TRY(context_->track_pages(m, addr, memory_size, *id, content_offset));
    CKB_VM_TRY(m.add_cycles_no_checking(transferred_byte_cycles(memory_size)));
    return reply(m, SUCCESS);
  }

  // ---- debug
  Result<bool> debug_print(Core& m) {
    std::uint64_t addr = m.registers()[registers::A0];
    std::vector<std::uint8_t> buffer;
    for (;;) {
      auto b = m.memory().load8(addr);
      if (!b.ok()) return b.error();
      if (*b == 0) break;
      buffer.push_back(static_cast<std::uint8_t>(*b));
      ++addr;
    }
    CKB_VM_TRY(m.add_cycles_no_checking(transferred_byte_cycles(buffer.size())));
    if (!is_valid_utf8(buffer)) return external("debug message is not valid UTF-8");
    if (printer_)
      printer_(group().script_hash, std::string_view(reinterpret_cast<const char*>(buffer.data()), buffer.size()));
    return true;
  }

  // ---- exec
  // Reads argc C strings through the argv pointer array (VERSION1 also
  // limits their total size, counting 8 bytes per entry).
  static Result<std::vector<Bytes>> read_argv(Core& m, std::uint64_t argc, std::uint64_t argv, bool limit) {
    std::vector<Bytes> args;
    std::uint64_t total = 0;
    for (std::uint64_t i = 0; i < argc; ++i) {
      auto ptr = m.memory().load64(argv + 8 * i);
      if (!ptr.ok()) return ptr.error();
      Bytes s;
      for (std::uint64_t a = *ptr;; ++a) {
        auto b = m.memory().load8(a);
        if (!b.ok()) return b.error();
        if (*b == 0) break;
        s.push_back(static_cast<std::uint8_t>(*b));
        if (s.size() > RISCV_MAX_MEMORY) return Error(ErrorCode::MemOutOfBound);
      }
      total += 8 + s.size();
      if (limit && total > MAX_ARGV_LENGTH) return unexpected("argv is too long");
      if (!limit && total > 2 * RISCV_MAX_MEMORY) return Error(ErrorCode::MemOutOfStack);
      args.push_back(std::move(s));
    }
    return args;
  }

  Result<bool> exec_v1(Core& m) {
    const auto& r = m.registers();
    const std::uint64_t index = r[registers::A0];
    const auto source = parse_source(r[registers::A1]);
    if (!source) return external("invalid source");
    const std::uint64_t place = r[registers::A2];
    if (place > 1) return external("invalid place");
    const std::uint64_t bounds = r[registers::A3];
    const std::uint64_t offset = bounds >> 32, length = bounds & 0xFFFFFFFFULL;
    View data;
    if (place == 0) {
      const bool allowed = source->entry != SourceEntry::HeaderDep && !(source->group && source->entry == SourceEntry::CellDep);
      const CellMeta* cell = allowed ? fetch_cell(*source, index) : nullptr;
      if (!cell) return reply(m, INDEX_OUT_OF_BOUND);
      data = cell->data;
    } else {
      const Bytes* w = fetch_witness(*source, index);
      if (!w) return reply(m, INDEX_OUT_OF_BOUND);
      data = *w;
    }
    if (offset >= data.size()) return reply(m, SLICE_OUT_OF_BOUND);
    if (length != 0) {
      if (offset + length > data.size()) return reply(m, SLICE_OUT_OF_BOUND);
      data = data.subspan(offset, length);
    } else {
      data = data.subspan(offset);
    }
    auto args = read_argv(m, r[registers::A4], r[registers::A5], true);
    if (!args.ok()) return args.error();
    const Bytes program(data.begin(), data.end());  // the reset below does not touch transaction data, but copy for clarity

    const std::uint64_t cycles = m.cycles();
    m.reset(m.max_cycles());
    m.set_cycles(cycles);
    auto loaded = m.load_elf(program, true);
    if (!loaded.ok()) return reply(m, WRONG_FORMAT);
    CKB_VM_TRY(m.add_cycles_no_checking(transferred_byte_cycles(*loaded)));
    auto stack = init_stack(m, *args, RISCV_MAX_MEMORY - DEFAULT_STACK_SIZE, DEFAULT_STACK_SIZE);
    if (!stack.ok()) return reply(m, WRONG_FORMAT);
    CKB_VM_TRY(m.add_cycles_no_checking(transferred_byte_cycles(*stack)));
    // Like the node, the Snapshot2 context is left as it is.
    return true;
  }

  static Result<std::uint64_t> init_stack(Core& m, const std::vector<Bytes>& args, std::uint64_t start,
                                          std::uint64_t size) {
    std::vector<ckb_vm::Bytes> views;
    views.reserve(args.size());
    for (const Bytes& a : args) views.emplace_back(a);
    return m.initialize_stack(std::span<const ckb_vm::Bytes>(views), start, size);
  }

  Result<bool> exec_v2(Core& m) {
    const auto& r = m.registers();
    const auto id = data_piece_id(r[registers::A1], r[registers::A0], r[registers::A2]);
    if (!id) return reply(m, INDEX_OUT_OF_BOUND);
    const std::uint64_t bounds = r[registers::A3];
    const std::uint64_t offset = bounds >> 32, length = bounds & 0xFFFFFFFFULL;
    // The node's order: charge, load the data piece, parse the ELF, load it
    // into a fresh machine, then read argv from the old one.
    CKB_VM_TRY(m.add_cycles_no_checking(EXEC_LOAD_ELF_V2_CYCLES_BASE));
    auto loaded = context_->load_data(*id, offset, length);
    if (!loaded.ok()) return loaded.error();
    const Bytes program(loaded->first.begin(), loaded->first.end());
    auto metadata = parse_elf(program, m.version());
    if (!metadata.ok()) return metadata.error();
    auto args = read_argv(m, r[registers::A4], r[registers::A5], false);  // before the reset clears memory

    const std::uint64_t cycles = m.cycles();
    m.reset(m.max_cycles());
    m.set_cycles(cycles);
    auto elf_bytes = m.load_binary(program, *metadata, true);
    if (!elf_bytes.ok()) return elf_bytes.error();
    if (!args.ok()) return args.error();
    const std::uint64_t memory_size = m.memory().memory_size();
    const std::uint64_t stack_size = memory_size / 4;
    auto stack = init_stack(m, *args, memory_size - stack_size, stack_size);
    if (!stack.ok()) return stack.error();
    *context_ = ScriptSnapshotContext(TxDataSource(env_));
    CKB_VM_TRY(context_->mark_program(m, *metadata, *id, offset));
    CKB_VM_TRY(m.add_cycles_no_checking(transferred_byte_cycles(*elf_bytes + *stack)));
    return true;
  }

  std::shared_ptr<const ScriptEnv> env_;
  std::shared_ptr<ScriptSnapshotContext> context_;
  DebugPrinter printer_;
  Bytes script_bytes_;
  std::optional<Bytes> tx_bytes_;
};

}  // namespace ckb
}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
