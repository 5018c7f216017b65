// Molecule serialization of the CKB structures in types.hpp, and the hashes
// derived from it (tx hash, script hash, header hash, data hash).
//
// Encoding follows the molecule rules: integers little endian; a struct is
// its fields back to back; a fixvec is a u32 item count then the items; a
// dynvec or table is a u32 total size, one u32 offset per item/field, then
// the items; an option is empty (None) or its value.
//
// Decoders check everything the molecule verifier checks (strict mode: a
// table must have exactly its schema's field count): total sizes, header
// sizes, offset alignment and order, fixvec lengths, and every nested
// value. A failure names the structure and field path, e.g.
// "Transaction.raw.outputs[2].lock: total size 60 does not match 61 bytes".
#pragma once

#include "../detail/config.hpp"
#include "../detail/byte_io.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "blake2b.hpp"
#include "expected.hpp"
#include "types.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {
namespace ckb::molecule {

using View = std::span<const std::uint8_t>;

// ---------------------------------------------------------------------------
// Encoding

namespace detail {

inline void put32(Bytes& out, std::uint32_t v) { ckb_vm::detail::bytes::append_le(out, v); }
inline void put64(Bytes& out, std::uint64_t v) { ckb_vm::detail::bytes::append_le(out, v); }
inline void put(Bytes& out, View v) { out.insert(out.end(), v.begin(), v.end()); }

// Dynvec/table from already encoded parts.
inline void put_dynamic(Bytes& out, const std::vector<Bytes>& parts) {
  const std::size_t header = 4 * (parts.size() + 1);
  std::size_t total = header;
  for (const Bytes& p : parts) total += p.size();
  put32(out, static_cast<std::uint32_t>(total));
  std::size_t offset = header;
  for (const Bytes& p : parts) {
    put32(out, static_cast<std::uint32_t>(offset));
    offset += p.size();
  }
  for (const Bytes& p : parts) put(out, p);
}

}  // namespace detail

inline Bytes encode_bytes(View data) {
  Bytes out;
  out.reserve(4 + data.size());
  detail::put32(out, static_cast<std::uint32_t>(data.size()));
  detail::put(out, data);
  return out;
}

inline Bytes encode(const Script& s) {
  return [&] {
    Bytes out;
    detail::put_dynamic(out, {Bytes(s.code_hash.begin(), s.code_hash.end()), Bytes{s.hash_type}, encode_bytes(s.args)});
    return out;
  }();
}

inline Bytes encode(const OutPoint& o) {
  Bytes out;
  detail::put(out, o.tx_hash);
  detail::put32(out, o.index);
  return out;
}

inline Bytes encode(const CellInput& i) {
  Bytes out;
  detail::put64(out, i.since);
  detail::put(out, encode(i.previous_output));
  return out;
}

inline Bytes encode(const CellOutput& c) {
  Bytes capacity;
  detail::put64(capacity, c.capacity);
  Bytes out;
  detail::put_dynamic(out, {capacity, encode(c.lock), c.type ? encode(*c.type) : Bytes{}});
  return out;
}

inline Bytes encode(const CellDep& d) {
  Bytes out = encode(d.out_point);
  out.push_back(d.dep_type);
  return out;
}

inline Bytes encode(const RawHeader& h) {
  Bytes out;
  detail::put32(out, h.version);
  detail::put32(out, h.compact_target);
  detail::put64(out, h.timestamp);
  detail::put64(out, h.number);
  detail::put64(out, h.epoch);
  detail::put(out, h.parent_hash);
  detail::put(out, h.transactions_root);
  detail::put(out, h.proposals_hash);
  detail::put(out, h.extra_hash);
  detail::put(out, h.dao);
  return out;
}

inline Bytes encode(const Header& h) {
  Bytes out = encode(h.raw);
  detail::put(out, h.nonce);
  return out;
}

template <class T>
Bytes encode_fixvec(const std::vector<T>& items) {
  Bytes out;
  detail::put32(out, static_cast<std::uint32_t>(items.size()));
  for (const T& item : items) detail::put(out, encode(item));
  return out;
}

inline Bytes encode_byte32_vec(const std::vector<Byte32>& items) {
  Bytes out;
  detail::put32(out, static_cast<std::uint32_t>(items.size()));
  for (const Byte32& item : items) detail::put(out, item);
  return out;
}

inline Bytes encode_bytes_vec(const std::vector<Bytes>& items) {
  std::vector<Bytes> parts;
  parts.reserve(items.size());
  for (const Bytes& b : items) parts.push_back(encode_bytes(b));
  Bytes out;
  detail::put_dynamic(out, parts);
  return out;
}

inline Bytes encode_cell_output_vec(const std::vector<CellOutput>& items) {
  std::vector<Bytes> parts;
  parts.reserve(items.size());
  for (const CellOutput& c : items) parts.push_back(encode(c));
  Bytes out;
  detail::put_dynamic(out, parts);
  return out;
}

inline Bytes encode(const RawTransaction& t) {
  Bytes version;
  detail::put32(version, t.version);
  Bytes out;
  detail::put_dynamic(out, {version, encode_fixvec(t.cell_deps), encode_byte32_vec(t.header_deps),
                            encode_fixvec(t.inputs), encode_cell_output_vec(t.outputs),
                            encode_bytes_vec(t.outputs_data)});
  return out;
}

inline Bytes encode(const Transaction& t) {
  Bytes out;
  detail::put_dynamic(out, {encode(t.raw), encode_bytes_vec(t.witnesses)});
  return out;
}

// ---------------------------------------------------------------------------
// Hashes

inline Byte32 hash_bytes(View data) { return blake2b_256(data); }
inline Byte32 script_hash(const Script& s) { return blake2b_256(encode(s)); }
inline Byte32 tx_hash(const Transaction& t) { return blake2b_256(encode(t.raw)); }
inline Byte32 header_hash(const Header& h) { return blake2b_256(encode(h)); }
inline Byte32 data_hash(View data) { return blake2b_256(data); }

// ---------------------------------------------------------------------------
// Decoding

namespace detail {

inline std::uint32_t get32(View v, std::size_t at) noexcept {
  return ckb_vm::detail::bytes::load_le<std::uint32_t>(v.data() + at);
}
inline std::uint64_t get64(View v, std::size_t at) noexcept {
  return ckb_vm::detail::bytes::load_le<std::uint64_t>(v.data() + at);
}

inline HostError fail(const std::string& path, const std::string& what) { return host_error(path + ": " + what); }

// Splits a dynvec (fields == nullopt: any count) or a table (exactly
// `fields` fields) into its items.
inline Expected<std::vector<View>> split_dynamic(View v, std::optional<std::size_t> fields, const std::string& path) {
  if (v.size() < 4) return fail(path, "header is broken (" + std::to_string(v.size()) + " bytes, need at least 4)");
  const std::uint32_t total = get32(v, 0);
  if (total != v.size())
    return fail(path, "total size " + std::to_string(total) + " does not match " + std::to_string(v.size()) + " bytes");
  if (v.size() == 4) {
    if (fields && *fields != 0) return fail(path, "table has 0 fields, schema has " + std::to_string(*fields));
    return std::vector<View>{};
  }
  if (v.size() < 8) return fail(path, "header is broken");
  const std::uint32_t first = get32(v, 4);
  if (first % 4 != 0 || first < 8) return fail(path, "first offset " + std::to_string(first) + " is invalid");
  if (v.size() < first) return fail(path, "header is broken (offsets run past the end)");
  const std::size_t count = first / 4 - 1;
  if (fields && count != *fields)
    return fail(path, "table has " + std::to_string(count) + " fields, schema has " + std::to_string(*fields));
  std::vector<std::uint32_t> offsets(count + 1);
  for (std::size_t i = 0; i < count; ++i) offsets[i] = get32(v, 4 + 4 * i);
  offsets[count] = total;
  for (std::size_t i = 0; i < count; ++i)
    if (offsets[i] > offsets[i + 1]) return fail(path, "offsets are not in order at item " + std::to_string(i));
  std::vector<View> items;
  items.reserve(count);
  for (std::size_t i = 0; i < count; ++i) items.push_back(v.subspan(offsets[i], offsets[i + 1] - offsets[i]));
  return items;
}

// Splits a fixvec of items of `item_size` bytes.
inline Expected<std::vector<View>> split_fixvec(View v, std::size_t item_size, const std::string& path) {
  if (v.size() < 4) return fail(path, "header is broken (" + std::to_string(v.size()) + " bytes, need at least 4)");
  const std::uint64_t count = get32(v, 0);
  const std::uint64_t want = 4 + count * item_size;
  if (want != v.size())
    return fail(path, std::to_string(count) + " items of " + std::to_string(item_size) + " bytes need " +
                          std::to_string(want) + " bytes, have " + std::to_string(v.size()));
  std::vector<View> items;
  items.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) items.push_back(v.subspan(4 + i * item_size, item_size));
  return items;
}

inline HostStatus expect_size(View v, std::size_t size, const std::string& path) {
  if (v.size() != size)
    return fail(path, "expected " + std::to_string(size) + " bytes, have " + std::to_string(v.size()));
  return host_ok();
}

inline Byte32 byte32_at(View v, std::size_t at) {
  Byte32 r{};
  for (std::size_t i = 0; i < 32; ++i) r[i] = v[at + i];
  return r;
}

}  // namespace detail

inline Expected<Bytes> decode_bytes(View v, const std::string& path = "Bytes") {
  auto items = detail::split_fixvec(v, 1, path);
  if (!items.ok()) return items.error();
  return Bytes(v.begin() + 4, v.end());
}

inline Expected<Script> decode_script(View v, const std::string& path = "Script") {
  auto f = detail::split_dynamic(v, 3, path);
  if (!f.ok()) return f.error();
  const auto& fields = *f;
  CKB_HOST_TRY(detail::expect_size(fields[0], 32, path + ".code_hash"));
  CKB_HOST_TRY(detail::expect_size(fields[1], 1, path + ".hash_type"));
  auto args = decode_bytes(fields[2], path + ".args");
  if (!args.ok()) return args.error();
  Script s;
  s.code_hash = detail::byte32_at(fields[0], 0);
  s.hash_type = fields[1][0];
  s.args = std::move(*args);
  return s;
}

inline Expected<OutPoint> decode_out_point(View v, const std::string& path = "OutPoint") {
  CKB_HOST_TRY(detail::expect_size(v, 36, path));
  return OutPoint{detail::byte32_at(v, 0), detail::get32(v, 32)};
}

inline Expected<CellInput> decode_cell_input(View v, const std::string& path = "CellInput") {
  CKB_HOST_TRY(detail::expect_size(v, 44, path));
  return CellInput{detail::get64(v, 0), OutPoint{detail::byte32_at(v, 8), detail::get32(v, 40)}};
}

inline Expected<CellDep> decode_cell_dep(View v, const std::string& path = "CellDep") {
  CKB_HOST_TRY(detail::expect_size(v, 37, path));
  return CellDep{OutPoint{detail::byte32_at(v, 0), detail::get32(v, 32)}, v[36]};
}

inline Expected<CellOutput> decode_cell_output(View v, const std::string& path = "CellOutput") {
  auto f = detail::split_dynamic(v, 3, path);
  if (!f.ok()) return f.error();
  const auto& fields = *f;
  CKB_HOST_TRY(detail::expect_size(fields[0], 8, path + ".capacity"));
  auto lock = decode_script(fields[1], path + ".lock");
  if (!lock.ok()) return lock.error();
  CellOutput c;
  c.capacity = detail::get64(fields[0], 0);
  c.lock = std::move(*lock);
  if (!fields[2].empty()) {
    auto type = decode_script(fields[2], path + ".type");
    if (!type.ok()) return type.error();
    c.type = std::move(*type);
  }
  return c;
}

inline Expected<RawHeader> decode_raw_header(View v, const std::string& path = "RawHeader") {
  CKB_HOST_TRY(detail::expect_size(v, 192, path));
  RawHeader h;
  h.version = detail::get32(v, 0);
  h.compact_target = detail::get32(v, 4);
  h.timestamp = detail::get64(v, 8);
  h.number = detail::get64(v, 16);
  h.epoch = detail::get64(v, 24);
  h.parent_hash = detail::byte32_at(v, 32);
  h.transactions_root = detail::byte32_at(v, 64);
  h.proposals_hash = detail::byte32_at(v, 96);
  h.extra_hash = detail::byte32_at(v, 128);
  h.dao = detail::byte32_at(v, 160);
  return h;
}

inline Expected<Header> decode_header(View v, const std::string& path = "Header") {
  CKB_HOST_TRY(detail::expect_size(v, 208, path));
  auto raw = decode_raw_header(v.first(192), path + ".raw");
  if (!raw.ok()) return raw.error();
  Header h;
  h.raw = *raw;
  for (std::size_t i = 0; i < 16; ++i) h.nonce[i] = v[192 + i];
  return h;
}

inline Expected<std::vector<OutPoint>> decode_out_point_vec(View v, const std::string& path = "OutPointVec") {
  auto items = detail::split_fixvec(v, 36, path);
  if (!items.ok()) return items.error();
  std::vector<OutPoint> out;
  out.reserve(items->size());
  for (View item : *items) out.push_back(OutPoint{detail::byte32_at(item, 0), detail::get32(item, 32)});
  return out;
}

inline Expected<std::vector<Byte32>> decode_byte32_vec(View v, const std::string& path = "Byte32Vec") {
  auto items = detail::split_fixvec(v, 32, path);
  if (!items.ok()) return items.error();
  std::vector<Byte32> out;
  out.reserve(items->size());
  for (View item : *items) out.push_back(detail::byte32_at(item, 0));
  return out;
}

inline Expected<std::vector<Bytes>> decode_bytes_vec(View v, const std::string& path = "BytesVec") {
  auto items = detail::split_dynamic(v, std::nullopt, path);
  if (!items.ok()) return items.error();
  std::vector<Bytes> out;
  out.reserve(items->size());
  for (std::size_t i = 0; i < items->size(); ++i) {
    auto b = decode_bytes((*items)[i], path + "[" + std::to_string(i) + "]");
    if (!b.ok()) return b.error();
    out.push_back(std::move(*b));
  }
  return out;
}

inline Expected<RawTransaction> decode_raw_transaction(View v, const std::string& path = "RawTransaction") {
  auto f = detail::split_dynamic(v, 6, path);
  if (!f.ok()) return f.error();
  const auto& fields = *f;
  RawTransaction t;
  CKB_HOST_TRY(detail::expect_size(fields[0], 4, path + ".version"));
  t.version = detail::get32(fields[0], 0);

  auto deps = detail::split_fixvec(fields[1], 37, path + ".cell_deps");
  if (!deps.ok()) return deps.error();
  for (View d : *deps) t.cell_deps.push_back(CellDep{OutPoint{detail::byte32_at(d, 0), detail::get32(d, 32)}, d[36]});

  auto headers = decode_byte32_vec(fields[2], path + ".header_deps");
  if (!headers.ok()) return headers.error();
  t.header_deps = std::move(*headers);

  auto inputs = detail::split_fixvec(fields[3], 44, path + ".inputs");
  if (!inputs.ok()) return inputs.error();
  for (View i : *inputs)
    t.inputs.push_back(CellInput{detail::get64(i, 0), OutPoint{detail::byte32_at(i, 8), detail::get32(i, 40)}});

  auto outputs = detail::split_dynamic(fields[4], std::nullopt, path + ".outputs");
  if (!outputs.ok()) return outputs.error();
  for (std::size_t i = 0; i < outputs->size(); ++i) {
    auto c = decode_cell_output((*outputs)[i], path + ".outputs[" + std::to_string(i) + "]");
    if (!c.ok()) return c.error();
    t.outputs.push_back(std::move(*c));
  }

  auto data = decode_bytes_vec(fields[5], path + ".outputs_data");
  if (!data.ok()) return data.error();
  t.outputs_data = std::move(*data);
  return t;
}

inline Expected<Transaction> decode_transaction(View v, const std::string& path = "Transaction") {
  auto f = detail::split_dynamic(v, 2, path);
  if (!f.ok()) return f.error();
  auto raw = decode_raw_transaction((*f)[0], path + ".raw");
  if (!raw.ok()) return raw.error();
  auto witnesses = decode_bytes_vec((*f)[1], path + ".witnesses");
  if (!witnesses.ok()) return witnesses.error();
  return Transaction{std::move(*raw), std::move(*witnesses)};
}

}  // namespace ckb::molecule
}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
