// The CKB transaction data model (the structures of CKB's blockchain.mol
// schema) as plain C++ values. Molecule encoding/decoding is in molecule.hpp.
#pragma once

#include "../detail/config.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "blake2b.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {
namespace ckb {

using Bytes = std::vector<std::uint8_t>;
using Uint128 = std::array<std::uint8_t, 16>;

// Script hash types as stored in Script::hash_type.
enum class ScriptHashType : std::uint8_t { Data = 0, Type = 1, Data1 = 2, Data2 = 4 };

// A hash_type byte's meaning, or nullopt for an unknown value (the node
// rejects such a script with InvalidScriptHashType).
constexpr std::optional<ScriptHashType> to_script_hash_type(std::uint8_t b) noexcept {
  switch (b) {
    case 0: return ScriptHashType::Data;
    case 1: return ScriptHashType::Type;
    case 2: return ScriptHashType::Data1;
    case 4: return ScriptHashType::Data2;
    default: return std::nullopt;
  }
}

constexpr std::string_view script_hash_type_name(ScriptHashType t) noexcept {
  switch (t) {
    case ScriptHashType::Data: return "data";
    case ScriptHashType::Type: return "type";
    case ScriptHashType::Data1: return "data1";
    case ScriptHashType::Data2: return "data2";
  }
  return "unknown";
}

enum class DepType : std::uint8_t { Code = 0, DepGroup = 1 };

struct Script {
  Byte32 code_hash{};
  std::uint8_t hash_type = 0;
  Bytes args;
  friend bool operator==(const Script&, const Script&) = default;
};

struct OutPoint {
  Byte32 tx_hash{};
  std::uint32_t index = 0;
  friend bool operator==(const OutPoint&, const OutPoint&) = default;
};

struct CellInput {
  std::uint64_t since = 0;
  OutPoint previous_output;
  friend bool operator==(const CellInput&, const CellInput&) = default;
};

struct CellOutput {
  std::uint64_t capacity = 0;  // shannons
  Script lock;
  std::optional<Script> type;
  friend bool operator==(const CellOutput&, const CellOutput&) = default;
};

struct CellDep {
  OutPoint out_point;
  std::uint8_t dep_type = 0;  // DepType; any byte is valid molecule
  friend bool operator==(const CellDep&, const CellDep&) = default;
};

struct RawHeader {
  std::uint32_t version = 0;
  std::uint32_t compact_target = 0;
  std::uint64_t timestamp = 0;
  std::uint64_t number = 0;
  std::uint64_t epoch = 0;  // EpochNumberWithFraction, packed
  Byte32 parent_hash{};
  Byte32 transactions_root{};
  Byte32 proposals_hash{};
  Byte32 extra_hash{};
  Byte32 dao{};
  friend bool operator==(const RawHeader&, const RawHeader&) = default;
};

struct Header {
  RawHeader raw;
  Uint128 nonce{};
  friend bool operator==(const Header&, const Header&) = default;
};

struct RawTransaction {
  std::uint32_t version = 0;
  std::vector<CellDep> cell_deps;
  std::vector<Byte32> header_deps;
  std::vector<CellInput> inputs;
  std::vector<CellOutput> outputs;
  std::vector<Bytes> outputs_data;
  friend bool operator==(const RawTransaction&, const RawTransaction&) = default;
};

struct Transaction {
  RawTransaction raw;
  std::vector<Bytes> witnesses;
  friend bool operator==(const Transaction&, const Transaction&) = default;
};

// EpochNumberWithFraction packing: number in bits 0..23, index in 24..39,
// length in 40..55.
struct Epoch {
  std::uint64_t number = 0;
  std::uint64_t index = 0;
  std::uint64_t length = 0;
};
constexpr Epoch unpack_epoch(std::uint64_t v) noexcept {
  return Epoch{v & 0xffffff, (v >> 24) & 0xffff, (v >> 40) & 0xffff};
}
constexpr std::uint64_t pack_epoch(Epoch e) noexcept {
  return (e.number & 0xffffff) | ((e.index & 0xffff) << 24) | ((e.length & 0xffff) << 40);
}

// The code hash of CKB's built-in TYPE_ID script ("TYPE_ID" right-aligned).
inline constexpr Byte32 TYPE_ID_CODE_HASH = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                             0, 0, 0, 0, 0, 0, 0, 0, 0, 'T', 'Y', 'P', 'E', '_', 'I', 'D'};

}  // namespace ckb
}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
