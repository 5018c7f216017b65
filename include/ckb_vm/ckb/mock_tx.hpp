// Mock transaction files: the JSON that `ckb-cli mock-tx dump` writes and
// ckb-debugger reads.
//
//   { "mock_info": { "inputs":      [ {"input", "output", "data", "header"?}, ... ],
//                    "cell_deps":   [ {"cell_dep", "output", "data", "header"?}, ... ],
//                    "header_deps": [ <header view: header fields + "hash"> ... ],
//                    "extensions":  [ [<block hash>, <bytes>], ... ]          (optional) },
//     "tx": { "version", "cell_deps", "header_deps", "inputs", "outputs",
//             "outputs_data", "witnesses" } }
//
// Field formats follow CKB's JSON-RPC types: hashes are "0x" + 64 hex digits,
// integers "0x" + hex without redundant leading zeros, byte strings "0x" +
// an even number of hex digits, hash types "data"/"type"/"data1"/"data2",
// dep types "code"/"dep_group". Script, CellOutput, OutPoint, CellInput,
// CellDep and Transaction reject unknown fields (as the RPC types do); a
// header view's "hash" is taken as given (like ckb-debugger's fake_hash).
//
// Before parsing, a file read with load_mock_tx_file gets ckb-debugger's
// template substitutions, in its order:
//   {{ data PATH }}      hex of the file's bytes (no 0x; PATH relative to the mock file)
//   {{ hash PATH }}      hex of the file's CKB blake2b-256
//   {{ def_type NAME }}  (with its surrounding quotes, if any) a TYPE_ID script
//                        object whose args are NAME's bytes
//   {{ ref_type NAME }}  hex of that script's hash (NAME must be def_type'd)
//
// Resolution (to_resolved) mirrors ckb-debugger's mock resources: an input is
// matched against the mock inputs by its whole CellInput, a cell dep (and each
// member of a dep group) by out point, a header dep by hash; a cell's block
// hash is its mock "header" (zero when absent).
#pragma once

#include "../detail/config.hpp"

#include <cstdint>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "blake2b.hpp"
#include "expected.hpp"
#include "hex.hpp"
#include "json.hpp"
#include "molecule.hpp"
#include "script_group.hpp"
#include "types.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {
namespace ckb {

struct MockCell {
  OutPoint out_point;    // inputs: input.previous_output; deps: cell_dep.out_point
  CellOutput output;
  Bytes data;
  std::optional<Byte32> header;
};
struct MockInput {
  CellInput input;
  MockCell cell;
};
struct MockCellDep {
  CellDep cell_dep;
  MockCell cell;
};
struct MockInfo {
  std::vector<MockInput> inputs;
  std::vector<MockCellDep> cell_deps;
  std::vector<HeaderView> header_deps;
  std::vector<std::pair<Byte32, Bytes>> extensions;
};
struct MockTransaction {
  MockInfo mock_info;
  Transaction tx;
};

namespace detail {

using Path = std::string;

inline HostError field_error(const Path& path, const std::string& what) { return host_error(path + ": " + what); }

inline Expected<const Json*> member(const Json& obj, std::string_view key, const Path& path) {
  const Json* v = obj.find(key);
  if (!v) return field_error(path, "missing field \"" + std::string(key) + "\"");
  return v;
}

// Parses obj[key] with parse(value, path.key); a missing key names `path`.
template <class F>
auto field(const Json& obj, std::string_view key, const Path& path, F&& parse) {
  using R = decltype(parse(obj, path));
  const Json* v = obj.find(key);
  if (!v) return R(field_error(path, "missing field \"" + std::string(key) + "\""));
  return parse(*v, path + "." + std::string(key));
}

inline HostStatus expect_object(const Json& v, const Path& path, std::initializer_list<std::string_view> allowed,
                                bool deny_unknown) {
  if (!v.is_object()) return field_error(path, std::string("expected an object, found ") + std::string(json_kind_name(v.kind)));
  if (deny_unknown) {
    for (const auto& m : v.members) {
      bool known = false;
      for (std::string_view a : allowed) known = known || m.first == a;
      if (!known) return field_error(path, "unknown field \"" + m.first + "\"");
    }
  }
  return host_ok();
}

inline Expected<std::string_view> string_of(const Json& v, const Path& path) {
  if (!v.is_string()) return field_error(path, std::string("expected a string, found ") + std::string(json_kind_name(v.kind)));
  return std::string_view(v.text);
}

inline Expected<Byte32> parse_h256(const Json& v, const Path& path) {
  auto s = string_of(v, path);
  if (!s.ok()) return s.error();
  if (s->size() != 66 || s->substr(0, 2) != "0x") return field_error(path, "expected 0x followed by 64 hex digits");
  auto bytes = from_hex(s->substr(2));
  if (!bytes) return field_error(path, "invalid hex digit");
  Byte32 r{};
  for (std::size_t i = 0; i < 32; ++i) r[i] = (*bytes)[i];
  return r;
}

// JSON-RPC integers: "0x" prefix, no redundant leading zero, value in range.
inline Expected<std::uint64_t> parse_uint(const Json& v, const Path& path, unsigned bits) {
  auto s = string_of(v, path);
  if (!s.ok()) return s.error();
  std::string_view t = *s;
  if (t.size() < 3 || t.substr(0, 2) != "0x") return field_error(path, "expected a 0x-prefixed hex integer");
  if (t[2] == '0' && t.size() > 3) return field_error(path, "hex integer with redundant leading zeros");
  t.remove_prefix(2);
  if (t[0] == '+') t.remove_prefix(1);  // accepted by the node's parser (Rust from_str_radix)
  if (t.empty()) return field_error(path, "invalid hex integer");
  std::uint64_t value = 0;
  for (char c : t) {
    const int d = hex_digit_value(c);
    if (d < 0) return field_error(path, "invalid hex digit in integer");
    if (value >> (bits - 4) != 0) return field_error(path, "integer does not fit in " + std::to_string(bits) + " bits");
    value = value << 4 | static_cast<std::uint64_t>(d);
  }
  return value;
}

// parse_uint for a fixed width, usable with field() and array_of().
inline auto uint_of(unsigned bits) {
  return [bits](const Json& v, const Path& path) { return parse_uint(v, path, bits); };
}

inline Expected<Uint128> parse_u128(const Json& v, const Path& path) {
  auto s = string_of(v, path);
  if (!s.ok()) return s.error();
  std::string_view t = *s;
  if (t.size() < 3 || t.substr(0, 2) != "0x") return field_error(path, "expected a 0x-prefixed hex integer");
  if (t[2] == '0' && t.size() > 3) return field_error(path, "hex integer with redundant leading zeros");
  t.remove_prefix(2);
  if (t[0] == '+') t.remove_prefix(1);
  if (t.empty() || t.size() > 32) return field_error(path, "integer does not fit in 128 bits");
  Uint128 r{};
  std::size_t nibble = 0;
  for (auto it = t.rbegin(); it != t.rend(); ++it, ++nibble) {
    const int d = hex_digit_value(*it);
    if (d < 0) return field_error(path, "invalid hex digit in integer");
    r[nibble / 2] |= static_cast<std::uint8_t>(d << (4 * (nibble % 2)));
  }
  return r;
}

inline Expected<Bytes> parse_json_bytes(const Json& v, const Path& path) {
  auto s = string_of(v, path);
  if (!s.ok()) return s.error();
  if (s->size() < 2 || s->substr(0, 2) != "0x") return field_error(path, "expected 0x-prefixed hex bytes");
  if (s->size() % 2 != 0) return field_error(path, "hex bytes of odd length");
  auto b = from_hex(s->substr(2));
  if (!b) return field_error(path, "invalid hex digit");
  return std::move(*b);
}

inline Expected<Script> parse_script(const Json& v, const Path& path) {
  CKB_HOST_TRY(expect_object(v, path, {"code_hash", "hash_type", "args"}, true));
  Script s;
  auto code_hash = field(v, "code_hash", path, parse_h256);
  if (!code_hash.ok()) return code_hash.error();
  s.code_hash = *code_hash;
  auto hts = field(v, "hash_type", path, string_of);
  if (!hts.ok()) return hts.error();
  if (*hts == "data") s.hash_type = 0;
  else if (*hts == "type") s.hash_type = 1;
  else if (*hts == "data1") s.hash_type = 2;
  else if (*hts == "data2") s.hash_type = 4;
  else return field_error(path + ".hash_type", "unknown hash type \"" + std::string(*hts) + "\"");
  auto args = field(v, "args", path, parse_json_bytes);
  if (!args.ok()) return args.error();
  s.args = std::move(*args);
  return s;
}

inline Expected<CellOutput> parse_cell_output(const Json& v, const Path& path) {
  CKB_HOST_TRY(expect_object(v, path, {"capacity", "lock", "type"}, true));
  CellOutput c;
  auto capacity = field(v, "capacity", path, uint_of(64));
  if (!capacity.ok()) return capacity.error();
  c.capacity = *capacity;
  auto lock = field(v, "lock", path, parse_script);
  if (!lock.ok()) return lock.error();
  c.lock = std::move(*lock);
  if (const Json* t = v.find("type"); t && !t->is_null()) {
    auto type = parse_script(*t, path + ".type");
    if (!type.ok()) return type.error();
    c.type = std::move(*type);
  }
  return c;
}

inline Expected<OutPoint> parse_out_point(const Json& v, const Path& path) {
  CKB_HOST_TRY(expect_object(v, path, {"tx_hash", "index"}, true));
  auto hash = field(v, "tx_hash", path, parse_h256);
  if (!hash.ok()) return hash.error();
  auto index = field(v, "index", path, uint_of(32));
  if (!index.ok()) return index.error();
  return OutPoint{*hash, static_cast<std::uint32_t>(*index)};
}

inline Expected<CellInput> parse_cell_input(const Json& v, const Path& path) {
  CKB_HOST_TRY(expect_object(v, path, {"since", "previous_output"}, true));
  auto since = field(v, "since", path, uint_of(64));
  if (!since.ok()) return since.error();
  auto prev = field(v, "previous_output", path, parse_out_point);
  if (!prev.ok()) return prev.error();
  return CellInput{*since, *prev};
}

inline Expected<CellDep> parse_cell_dep(const Json& v, const Path& path) {
  CKB_HOST_TRY(expect_object(v, path, {"out_point", "dep_type"}, true));
  auto op = field(v, "out_point", path, parse_out_point);
  if (!op.ok()) return op.error();
  auto ds = field(v, "dep_type", path, string_of);
  if (!ds.ok()) return ds.error();
  CellDep dep{*op, 0};
  if (*ds == "code") dep.dep_type = 0;
  else if (*ds == "dep_group") dep.dep_type = 1;
  else return field_error(path + ".dep_type", "unknown dep type \"" + std::string(*ds) + "\"");
  return dep;
}

template <class T, class F>
Expected<std::vector<T>> parse_array(const Json& v, const Path& path, F&& each) {
  if (!v.is_array()) return field_error(path, std::string("expected an array, found ") + std::string(json_kind_name(v.kind)));
  std::vector<T> out;
  out.reserve(v.items.size());
  for (std::size_t i = 0; i < v.items.size(); ++i) {
    auto item = each(v.items[i], path + "[" + std::to_string(i) + "]");
    if (!item.ok()) return item.error();
    out.push_back(std::move(*item));
  }
  return out;
}

// parse_array<T>(…, each) as a callable, usable with field().
template <class T, class F>
auto array_of(F each) {
  return [each](const Json& v, const Path& path) { return parse_array<T>(v, path, each); };
}

inline Expected<HeaderView> parse_header_view(const Json& v, const Path& path) {
  CKB_HOST_TRY(expect_object(v, path, {}, false));
  HeaderView hv;
  RawHeader& r = hv.header.raw;
  struct U {
    const char* name;
    unsigned bits;
    std::uint64_t* dst64;
    std::uint32_t* dst32;
  };
  std::uint64_t version = 0, compact = 0;
  const U ints[] = {{"version", 32, &version, nullptr},      {"compact_target", 32, &compact, nullptr},
                    {"timestamp", 64, &r.timestamp, nullptr}, {"number", 64, &r.number, nullptr},
                    {"epoch", 64, &r.epoch, nullptr}};
  for (const U& u : ints) {
    auto n = field(v, u.name, path, uint_of(u.bits));
    if (!n.ok()) return n.error();
    *u.dst64 = *n;
  }
  r.version = static_cast<std::uint32_t>(version);
  r.compact_target = static_cast<std::uint32_t>(compact);
  const std::pair<const char*, Byte32*> hashes[] = {{"parent_hash", &r.parent_hash},
                                                    {"transactions_root", &r.transactions_root},
                                                    {"proposals_hash", &r.proposals_hash},
                                                    {"extra_hash", &r.extra_hash},
                                                    {"dao", &r.dao},
                                                    {"hash", &hv.hash}};
  for (const auto& [name, dst] : hashes) {
    auto h = field(v, name, path, parse_h256);
    if (!h.ok()) return h.error();
    *dst = *h;
  }
  auto nonce = field(v, "nonce", path, parse_u128);
  if (!nonce.ok()) return nonce.error();
  hv.header.nonce = *nonce;
  return hv;
}

inline Expected<MockCell> parse_mock_cell(const Json& v, const Path& path) {
  MockCell c;
  auto out = field(v, "output", path, parse_cell_output);
  if (!out.ok()) return out.error();
  c.output = std::move(*out);
  auto data = field(v, "data", path, parse_json_bytes);
  if (!data.ok()) return data.error();
  c.data = std::move(*data);
  if (const Json* h = v.find("header"); h && !h->is_null()) {
    auto hash = parse_h256(*h, path + ".header");
    if (!hash.ok()) return hash.error();
    c.header = *hash;
  }
  return c;
}

// A mock input or cell dep: {head_key: <CellInput or CellDep>, output, data,
// header?}; the cell's out point comes from the head.
template <class Entry, class ParseHead, class OutPointOf>
auto mock_entry(std::string_view head_key, ParseHead parse_head, OutPointOf out_point_of) {
  return [=](const Json& e, const Path& p) -> Expected<Entry> {
    CKB_HOST_TRY(expect_object(e, p, {}, false));
    auto head = field(e, head_key, p, parse_head);
    if (!head.ok()) return head.error();
    auto cell = parse_mock_cell(e, p);
    if (!cell.ok()) return cell.error();
    cell->out_point = out_point_of(*head);
    return Entry{*head, std::move(*cell)};
  };
}

inline Expected<Transaction> parse_transaction(const Json& v, const Path& path) {
  CKB_HOST_TRY(expect_object(
      v, path, {"version", "cell_deps", "header_deps", "inputs", "outputs", "outputs_data", "witnesses"}, true));
  Transaction t;
  auto version = field(v, "version", path, uint_of(32));
  if (!version.ok()) return version.error();
  t.raw.version = static_cast<std::uint32_t>(*version);
  // Each list in the order CKB's JSON type declares it.
  auto into = [&](std::string_view key, auto& dst, auto parse_one) -> HostStatus {
    using T = typename std::decay_t<decltype(dst)>::value_type;
    auto a = field(v, key, path, array_of<T>(parse_one));
    if (!a.ok()) return a.error();
    dst = std::move(*a);
    return host_ok();
  };
  CKB_HOST_TRY(into("cell_deps", t.raw.cell_deps, parse_cell_dep));
  CKB_HOST_TRY(into("header_deps", t.raw.header_deps, parse_h256));
  CKB_HOST_TRY(into("inputs", t.raw.inputs, parse_cell_input));
  CKB_HOST_TRY(into("outputs", t.raw.outputs, parse_cell_output));
  CKB_HOST_TRY(into("outputs_data", t.raw.outputs_data, parse_json_bytes));
  CKB_HOST_TRY(into("witnesses", t.witnesses, parse_json_bytes));
  return t;
}

}  // namespace detail

// Parses a mock transaction from JSON text (templates already applied).
inline Expected<MockTransaction> parse_mock_tx(std::string_view json_text, const JsonLimits& limits = {}) {
  using namespace detail;
  auto doc = parse_json(json_text, limits);
  if (!doc.ok()) return doc.error();
  const Json& root = *doc;
  CKB_HOST_TRY(expect_object(root, "mock transaction", {}, false));
  MockTransaction mt;
  auto info = member(root, "mock_info", "mock transaction");
  if (!info.ok()) return info.error();
  const Json& mi = **info;
  CKB_HOST_TRY(expect_object(mi, "mock_info", {}, false));

  auto in = field(mi, "inputs", "mock_info",
                  array_of<MockInput>(mock_entry<MockInput>("input", parse_cell_input,
                                                            [](const CellInput& i) { return i.previous_output; })));
  if (!in.ok()) return in.error();
  mt.mock_info.inputs = std::move(*in);

  auto cd = field(mi, "cell_deps", "mock_info",
                  array_of<MockCellDep>(mock_entry<MockCellDep>("cell_dep", parse_cell_dep,
                                                                [](const CellDep& d) { return d.out_point; })));
  if (!cd.ok()) return cd.error();
  mt.mock_info.cell_deps = std::move(*cd);

  auto hd = field(mi, "header_deps", "mock_info", array_of<HeaderView>(parse_header_view));
  if (!hd.ok()) return hd.error();
  mt.mock_info.header_deps = std::move(*hd);

  if (const Json* ext = mi.find("extensions"); ext) {
    auto ex = parse_array<std::pair<Byte32, Bytes>>(
        *ext, "mock_info.extensions", [](const Json& e, const Path& p) -> Expected<std::pair<Byte32, Bytes>> {
          if (!e.is_array() || e.items.size() != 2) return field_error(p, "expected [block hash, bytes]");
          auto h = parse_h256(e.items[0], p + "[0]");
          if (!h.ok()) return h.error();
          auto b = parse_json_bytes(e.items[1], p + "[1]");
          if (!b.ok()) return b.error();
          return std::pair<Byte32, Bytes>{*h, std::move(*b)};
        });
    if (!ex.ok()) return ex.error();
    mt.mock_info.extensions = std::move(*ex);
  }

  auto tx = member(root, "tx", "mock transaction");
  if (!tx.ok()) return tx.error();
  auto t = parse_transaction(**tx, "tx");
  if (!t.ok()) return t.error();
  mt.tx = std::move(*t);
  return mt;
}

// Resolves the transaction against its mock cells and headers.
inline Expected<ResolvedTransaction> to_resolved(const MockTransaction& mt) {
  // Cells keyed by out point, inputs first, then deps (a later entry wins),
  // like the mock resource loader's map.
  std::map<std::pair<Byte32, std::uint32_t>, CellMeta> cells;
  auto key = [](const OutPoint& o) { return std::make_pair(o.tx_hash, o.index); };
  auto meta = [](const MockCell& c, const OutPoint& o) {
    return make_cell_meta(o, c.output, c.data, c.header.value_or(Byte32{}));
  };
  for (std::size_t i = 0; i < mt.tx.raw.inputs.size(); ++i) {
    const CellInput& in = mt.tx.raw.inputs[i];
    const MockInput* found = nullptr;
    for (const MockInput& m : mt.mock_info.inputs)
      if (m.input == in) {
        found = &m;
        break;
      }
    if (!found)
      return host_error("tx.inputs[" + std::to_string(i) + "]: no mock input for " + out_point_text(in.previous_output));
    cells.insert_or_assign(key(in.previous_output), meta(found->cell, in.previous_output));
  }
  auto dep_cell = [&mt](const OutPoint& o) -> const MockCell* {
    for (const MockCellDep& d : mt.mock_info.cell_deps)
      if (d.cell_dep.out_point == o) return &d.cell;
    return nullptr;
  };
  for (std::size_t i = 0; i < mt.tx.raw.cell_deps.size(); ++i) {
    const CellDep& dep = mt.tx.raw.cell_deps[i];
    const MockCell* c = dep_cell(dep.out_point);
    if (!c) return host_error("tx.cell_deps[" + std::to_string(i) + "]: no mock cell dep for " + out_point_text(dep.out_point));
    if (dep.dep_type == static_cast<std::uint8_t>(DepType::DepGroup)) {
      auto members = molecule::decode_out_point_vec(c->data, "tx.cell_deps[" + std::to_string(i) + "] dep group data");
      if (!members.ok()) return members.error();
      for (const OutPoint& o : *members) {
        const MockCell* sub = dep_cell(o);
        if (!sub) return host_error("tx.cell_deps[" + std::to_string(i) + "]: dep group member " + out_point_text(o) + " has no mock cell dep");
        cells.insert_or_assign(key(o), meta(*sub, o));
      }
    }
    cells.insert_or_assign(key(dep.out_point), meta(*c, dep.out_point));
  }
  ResolveSources sources;
  sources.cell = [&cells, &key](const OutPoint& o) -> std::optional<CellMeta> {
    auto it = cells.find(key(o));
    if (it == cells.end()) return std::nullopt;
    return it->second;
  };
  sources.header = [&mt](const Byte32& h) -> std::optional<HeaderView> {
    for (const HeaderView& hv : mt.mock_info.header_deps)
      if (hv.hash == h) return hv;
    return std::nullopt;
  };
  sources.extensions = mt.mock_info.extensions;
  return resolve_transaction(mt.tx, sources);
}

// ---------------------------------------------------------------------------
// Templates

// Reads a whole file (at most max_bytes), or an error naming it.
inline Expected<Bytes> read_file_bytes(const std::string& path, std::size_t max_bytes = std::size_t{256} << 20) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return host_error("cannot open " + path);
  f.seekg(0, std::ios::end);
  const std::streamoff size = f.tellg();
  if (size < 0) return host_error("cannot read " + path);
  if (static_cast<std::uint64_t>(size) > max_bytes) return host_error(path + " is larger than " + std::to_string(max_bytes) + " bytes");
  f.seekg(0, std::ios::beg);
  Bytes data(static_cast<std::size_t>(size));
  if (size > 0 && !f.read(reinterpret_cast<char*>(data.data()), size)) return host_error("cannot read " + path);
  return data;
}

// Reads the file at a template's path (relative paths are taken relative to
// the mock file's directory).
using TemplateFileReader = std::function<Expected<Bytes>(const std::string& path)>;

namespace detail {

// Replaces every `{{ KEYWORD ARG }}` (ckb-debugger's regex `\{\{ ?KEYWORD
// (.+?) ?\}\}`; with `quoted`, one optional '"' on each side is consumed too).
inline Expected<std::string> replace_template(const std::string& text, std::string_view keyword, bool quoted,
                                              const std::function<Expected<std::string>(const std::string&)>& fn) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t open = text.find("{{", pos);
    if (open == std::string::npos) break;
    std::size_t p = open + 2;
    if (p < text.size() && text[p] == ' ') ++p;
    bool match = text.compare(p, keyword.size(), keyword) == 0 && p + keyword.size() < text.size() &&
                 text[p + keyword.size()] == ' ';
    std::size_t arg_start = p + keyword.size() + 1, arg_end = 0, close_end = 0;
    if (match) {
      match = false;
      for (std::size_t q = arg_start + 1; q <= text.size(); ++q) {
        if (text[q - 1] == '\n') break;  // '.' does not match a newline
        if (text.compare(q, 2, "}}") == 0) {
          arg_end = q;
          close_end = q + 2;
          match = true;
          break;
        }
        if (text.compare(q, 3, " }}") == 0) {
          arg_end = q;
          close_end = q + 3;
          match = true;
          break;
        }
      }
    }
    if (!match) {
      out.append(text, pos, open + 1 - pos);
      pos = open + 1;
      continue;
    }
    std::size_t start = open;
    if (quoted && start > pos && text[start - 1] == '"') --start;
    if (quoted && close_end < text.size() && text[close_end] == '"') ++close_end;
    auto replacement = fn(text.substr(arg_start, arg_end - arg_start));
    if (!replacement.ok()) return replacement.error();
    out.append(text, pos, start - pos);
    out += *replacement;
    pos = close_end;
  }
  if (pos < text.size()) out.append(text, pos, std::string::npos);
  return out;
}

inline Byte32 type_id_script_hash(const std::string& name) {
  Script s{TYPE_ID_CODE_HASH, static_cast<std::uint8_t>(ScriptHashType::Type), Bytes(name.begin(), name.end())};
  return molecule::script_hash(s);
}

}  // namespace detail

// Applies the data/hash/def_type/ref_type templates. `base_dir` is the mock
// file's directory ("" for the current directory).
inline Expected<std::string> apply_mock_templates(std::string text, const std::string& base_dir,
                                                  TemplateFileReader reader = {}) {
  if (!reader) reader = [](const std::string& p) { return read_file_bytes(p); };
  auto resolve = [&base_dir](const std::string& p) {
    if (!p.empty() && p[0] == '/') return p;
    return base_dir.empty() ? p : base_dir + "/" + p;
  };
  auto data = detail::replace_template(text, "data", false, [&](const std::string& p) -> Expected<std::string> {
    auto bytes = reader(resolve(p));
    if (!bytes.ok()) return host_error("template {{ data " + p + " }}: " + bytes.error().message);
    return to_hex(*bytes);
  });
  if (!data.ok()) return data.error();
  auto hash = detail::replace_template(*data, "hash", false, [&](const std::string& p) -> Expected<std::string> {
    auto bytes = reader(resolve(p));
    if (!bytes.ok()) return host_error("template {{ hash " + p + " }}: " + bytes.error().message);
    return to_hex(blake2b_256(*bytes));
  });
  if (!hash.ok()) return hash.error();
  std::map<std::string, std::string> type_ids;
  auto collect = detail::replace_template(*hash, "def_type", false, [&](const std::string& name) -> Expected<std::string> {
    if (type_ids.count(name)) return host_error("template {{ def_type " + name + " }} is defined twice");
    type_ids.emplace(name, to_hex(detail::type_id_script_hash(name)));
    return std::string("{{ def_type ") + name + " }}";
  });
  if (!collect.ok()) return collect.error();
  auto def = detail::replace_template(*hash, "def_type", true, [&](const std::string& name) -> Expected<std::string> {
    return "{\n  \"code_hash\": \"" + to_hex(TYPE_ID_CODE_HASH, true) + "\",\n  \"hash_type\": \"type\",\n  \"args\": \"0x" +
           to_hex(Bytes(name.begin(), name.end())) + "\"\n}";
  });
  if (!def.ok()) return def.error();
  return detail::replace_template(*def, "ref_type", false, [&](const std::string& name) -> Expected<std::string> {
    auto it = type_ids.find(name);
    if (it == type_ids.end()) return host_error("template {{ ref_type " + name + " }} names no def_type");
    return it->second;
  });
}

// Reads a mock transaction file, applies the templates and parses it.
inline Expected<MockTransaction> load_mock_tx_file(const std::string& path, const JsonLimits& limits = {}) {
  auto bytes = read_file_bytes(path, limits.max_input_bytes);
  if (!bytes.ok()) return bytes.error();
  const std::size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? std::string() : path.substr(0, slash);
  auto text = apply_mock_templates(std::string(bytes->begin(), bytes->end()), dir);
  if (!text.ok()) return text.error();
  auto mt = parse_mock_tx(*text, limits);
  if (!mt.ok()) return host_error(path + ": " + mt.error().message);
  return mt;
}

// The hash of the script a ckb-debugger style selection names:
// --cell-type input|output, --cell-index N, --script-group-type lock|type.
inline Expected<Byte32> script_hash_by_index(const MockTransaction& mt, ScriptGroupType type, bool output,
                                             std::size_t index) {
  const CellOutput* cell = nullptr;
  if (output) {
    if (index >= mt.tx.raw.outputs.size()) return host_error("output " + std::to_string(index) + " does not exist");
    cell = &mt.tx.raw.outputs[index];
  } else {
    if (index >= mt.mock_info.inputs.size()) return host_error("input " + std::to_string(index) + " does not exist");
    cell = &mt.mock_info.inputs[index].cell.output;
  }
  if (type == ScriptGroupType::Lock) {
    if (output) return host_error("an output's lock script is not run; choose an input or a type script");
    return molecule::script_hash(cell->lock);
  }
  if (!cell->type) return host_error(std::string(output ? "output " : "input ") + std::to_string(index) + " has no type script");
  return molecule::script_hash(*cell->type);
}

}  // namespace ckb
}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
