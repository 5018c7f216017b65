// A resolved transaction (the transaction plus the cells, headers and block
// extensions its scripts may read) and its script groups, formed as the CKB
// node forms them (ckb-script's TxData):
//
// * Lock groups: one per distinct lock script hash over the resolved inputs,
//   holding the input indices in order.
// * Type groups: one per distinct type script hash over the inputs (input
//   indices) and then all outputs (output indices).
// * Groups are visited lock groups first, then type groups, each kind in
//   ascending order of the 32-byte script hash (the node keeps them in a
//   BTreeMap keyed by hash), which is the order TransactionScriptsVerifier
//   runs them and sums their cycles.
//
// Script binaries are looked up in the resolved cell deps (dep groups
// expanded in place, as resolve_transaction does): by data hash for hash
// types data/data1/data2 (several deps with the same data hash: the last one
// is used, like the node's map insertion), by type script hash for hash type
// type (several deps with that type hash must hold identical data, otherwise
// the lookup fails with "multiple matches"; the first is used).
#pragma once

#include "../detail/config.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "blake2b.hpp"
#include "expected.hpp"
#include "hex.hpp"
#include "molecule.hpp"
#include "types.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {
namespace ckb {

// A live cell as a script sees it.
struct CellMeta {
  OutPoint out_point;
  CellOutput output;
  Bytes data;
  Byte32 data_hash{};
  // Hash of the block that committed the cell (all zero when unknown, as in
  // ckb-debugger's mock resources). load_header / load_block_extension on
  // this cell succeed only when this hash is one of the header deps.
  Byte32 block_hash{};
};

inline CellMeta make_cell_meta(OutPoint out_point, CellOutput output, Bytes data, Byte32 block_hash = {}) {
  CellMeta c;
  c.out_point = std::move(out_point);
  c.output = std::move(output);
  c.data = std::move(data);
  c.data_hash = blake2b_256(c.data);
  c.block_hash = block_hash;
  return c;
}

// A header with the hash it is known by (a mock file may give a hash that is
// not the header's real hash; the node's mock loader keeps the given one).
struct HeaderView {
  Header header;
  Byte32 hash{};
};

struct ResolvedTransaction {
  Transaction tx;
  Byte32 hash{};  // blake2b(RawTransaction)
  std::vector<CellMeta> resolved_inputs;
  std::vector<CellMeta> resolved_cell_deps;   // dep groups expanded
  std::vector<CellMeta> resolved_dep_groups;  // the dep group cells themselves
  std::vector<HeaderView> headers;            // what the header provider knows
  std::vector<std::pair<Byte32, Bytes>> extensions;  // block hash -> extension

  // Outputs paired with their data, as the node's TxInfo::outputs (a zip:
  // only min(outputs, outputs_data) entries).
  std::vector<CellMeta> outputs;

  const HeaderView* find_header(const Byte32& block_hash) const noexcept {
    for (const HeaderView& h : headers)
      if (h.hash == block_hash) return &h;
    return nullptr;
  }
  const Bytes* find_extension(const Byte32& block_hash) const noexcept {
    for (const auto& e : extensions)
      if (e.first == block_hash) return &e.second;
    return nullptr;
  }
  bool is_header_dep(const Byte32& block_hash) const noexcept {
    return std::find(tx.raw.header_deps.begin(), tx.raw.header_deps.end(), block_hash) != tx.raw.header_deps.end();
  }
};

// Where resolve_transaction finds cells and headers.
struct ResolveSources {
  // The live cell at an out point (output, data, block hash), or nullopt.
  std::function<std::optional<CellMeta>(const OutPoint&)> cell;
  // A known header by block hash, or nullopt.
  std::function<std::optional<HeaderView>(const Byte32&)> header;
  std::vector<std::pair<Byte32, Bytes>> extensions;
};

inline std::string out_point_text(const OutPoint& o) {
  return to_hex(o.tx_hash, true) + ":" + std::to_string(o.index);
}

inline constexpr std::size_t MAX_DEP_EXPANSION_LIMIT = 2048;

// Resolves inputs, cell deps (expanding dep groups) and header deps the way
// ckb-types' resolve_transaction does: duplicate inputs are dead cells, a
// dep group's data must be a non-empty OutPointVec, at most 2048 deps after
// expansion, and every header dep must be known.
inline Expected<ResolvedTransaction> resolve_transaction(Transaction tx, const ResolveSources& sources) {
  ResolvedTransaction r;
  r.hash = molecule::tx_hash(tx);
  auto find = [&](const OutPoint& o, const std::string& what) -> Expected<CellMeta> {
    std::optional<CellMeta> c = sources.cell ? sources.cell(o) : std::nullopt;
    if (!c) return host_error(what + ": unknown cell " + out_point_text(o));
    return std::move(*c);
  };
  for (std::size_t i = 0; i < tx.raw.inputs.size(); ++i) {
    const OutPoint& o = tx.raw.inputs[i].previous_output;
    for (std::size_t j = 0; j < i; ++j)
      if (tx.raw.inputs[j].previous_output == o)
        return host_error("inputs[" + std::to_string(i) + "]: dead cell (spent twice) " + out_point_text(o));
    auto c = find(o, "inputs[" + std::to_string(i) + "]");
    if (!c.ok()) return c.error();
    r.resolved_inputs.push_back(std::move(*c));
  }
  std::size_t slots = MAX_DEP_EXPANSION_LIMIT;
  for (std::size_t i = 0; i < tx.raw.cell_deps.size(); ++i) {
    const CellDep& dep = tx.raw.cell_deps[i];
    const std::string where = "cell_deps[" + std::to_string(i) + "]";
    auto c = find(dep.out_point, where);
    if (!c.ok()) return c.error();
    if (dep.dep_type == static_cast<std::uint8_t>(DepType::DepGroup)) {
      auto members = molecule::decode_out_point_vec(c->data, where + " dep group data");
      if (!members.ok() || c->data.empty() || members->empty())
        return host_error(where + ": invalid dep group " + out_point_text(dep.out_point));
      if (members->size() > slots) return host_error(where + ": more than 2048 cell deps after expansion");
      slots -= members->size();
      for (std::size_t k = 0; k < members->size(); ++k) {
        auto m = find((*members)[k], where + " dep group member " + std::to_string(k));
        if (!m.ok()) return m.error();
        r.resolved_cell_deps.push_back(std::move(*m));
      }
      r.resolved_dep_groups.push_back(std::move(*c));
    } else {
      if (slots == 0) return host_error(where + ": more than 2048 cell deps after expansion");
      --slots;
      r.resolved_cell_deps.push_back(std::move(*c));
    }
  }
  for (std::size_t i = 0; i < tx.raw.header_deps.size(); ++i) {
    const Byte32& h = tx.raw.header_deps[i];
    std::optional<HeaderView> hv = sources.header ? sources.header(h) : std::nullopt;
    if (!hv) return host_error("header_deps[" + std::to_string(i) + "]: unknown header " + to_hex(h, true));
    if (!r.find_header(h)) r.headers.push_back(std::move(*hv));
  }
  r.extensions = sources.extensions;
  const std::size_t n = std::min(tx.raw.outputs.size(), tx.raw.outputs_data.size());
  for (std::size_t i = 0; i < n; ++i)
    r.outputs.push_back(make_cell_meta(OutPoint{r.hash, static_cast<std::uint32_t>(i)}, tx.raw.outputs[i],
                                       tx.raw.outputs_data[i]));
  r.tx = std::move(tx);
  return r;
}

enum class ScriptGroupType : std::uint8_t { Lock = 0, Type = 1 };

constexpr std::string_view script_group_type_name(ScriptGroupType t) noexcept {
  return t == ScriptGroupType::Lock ? "lock" : "type";
}

struct ScriptGroup {
  Script script;
  ScriptGroupType group_type = ScriptGroupType::Lock;
  Byte32 script_hash{};
  std::vector<std::size_t> input_indices;
  std::vector<std::size_t> output_indices;
};

// Every script group of the transaction, in the node's verification order.
inline std::vector<ScriptGroup> script_groups(const ResolvedTransaction& rtx) {
  std::map<Byte32, ScriptGroup> locks, types;
  auto entry = [](std::map<Byte32, ScriptGroup>& m, const Script& s, ScriptGroupType t) -> ScriptGroup& {
    const Byte32 h = molecule::script_hash(s);
    auto it = m.find(h);
    if (it == m.end()) it = m.emplace(h, ScriptGroup{s, t, h, {}, {}}).first;
    return it->second;
  };
  for (std::size_t i = 0; i < rtx.resolved_inputs.size(); ++i) {
    const CellOutput& out = rtx.resolved_inputs[i].output;
    entry(locks, out.lock, ScriptGroupType::Lock).input_indices.push_back(i);
    if (out.type) entry(types, *out.type, ScriptGroupType::Type).input_indices.push_back(i);
  }
  for (std::size_t i = 0; i < rtx.tx.raw.outputs.size(); ++i) {
    const CellOutput& out = rtx.tx.raw.outputs[i];
    if (out.type) entry(types, *out.type, ScriptGroupType::Type).output_indices.push_back(i);
  }
  std::vector<ScriptGroup> groups;
  groups.reserve(locks.size() + types.size());
  for (auto& [h, g] : locks) groups.push_back(std::move(g));
  for (auto& [h, g] : types) groups.push_back(std::move(g));
  return groups;
}

inline std::optional<ScriptGroup> find_script_group(const ResolvedTransaction& rtx, ScriptGroupType type,
                                                    const Byte32& script_hash) {
  for (ScriptGroup& g : script_groups(rtx))
    if (g.group_type == type && g.script_hash == script_hash) return std::move(g);
  return std::nullopt;
}

// Index into resolved_cell_deps of the cell holding `script`'s code.
inline Expected<std::size_t> find_script_binary(const ResolvedTransaction& rtx, const Script& script) {
  const auto hash_type = to_script_hash_type(script.hash_type);
  if (!hash_type)
    return host_error("script hash_type " + std::to_string(script.hash_type) + " is invalid (InvalidScriptHashType)");
  const auto& deps = rtx.resolved_cell_deps;
  if (*hash_type == ScriptHashType::Type) {
    std::optional<std::size_t> found;
    for (std::size_t i = 0; i < deps.size(); ++i) {
      if (!deps[i].output.type || molecule::script_hash(*deps[i].output.type) != script.code_hash) continue;
      if (!found) found = i;
      else if (deps[*found].data_hash != deps[i].data_hash)
        return host_error("script code " + to_hex(script.code_hash, true) + " matches several different cell deps (MultipleMatches)");
    }
    if (found) return *found;
  } else {
    std::optional<std::size_t> found;
    for (std::size_t i = 0; i < deps.size(); ++i)
      if (deps[i].data_hash == script.code_hash) found = i;
    if (found) return *found;
  }
  return host_error("script code " + to_hex(script.code_hash, true) + " not found in cell deps (ScriptNotFound)");
}

}  // namespace ckb
}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
