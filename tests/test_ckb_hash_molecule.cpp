// BLAKE2b against published vectors, CKB's default hash, and molecule
// encoding/decoding of the CKB structures (round trips, hand-checked layouts,
// and rejection of malformed buffers).
#include <doctest/doctest.h>

#include <ckb_vm/ckb/blake2b.hpp>
#include <ckb_vm/ckb/hex.hpp>
#include <ckb_vm/ckb/molecule.hpp>

#include <string>

namespace ckb_hash_molecule_tests {

using namespace ckb_vm::ckb;
namespace mol = ckb_vm::ckb::molecule;

namespace {

std::string hash_hex(Blake2b h, std::string_view input) {
  h.update(input);
  return to_hex(h.finalize_vector());
}

Byte32 filled(std::uint8_t b) {
  Byte32 r{};
  r.fill(b);
  return r;
}

Script sample_script(std::uint8_t seed) {
  Script s;
  s.code_hash = filled(seed);
  s.hash_type = 1;
  s.args = {seed, static_cast<std::uint8_t>(seed + 1), 3};
  return s;
}

Transaction sample_tx() {
  Transaction t;
  t.raw.version = 0;
  t.raw.cell_deps = {CellDep{OutPoint{filled(1), 3}, 0}, CellDep{OutPoint{filled(2), 0}, 1}};
  t.raw.header_deps = {filled(9)};
  t.raw.inputs = {CellInput{0, OutPoint{filled(4), 1}}, CellInput{0x2000000000000005, OutPoint{filled(5), 7}}};
  CellOutput a{1000, sample_script(7), std::nullopt};
  CellOutput b{2000, sample_script(8), sample_script(9)};
  t.raw.outputs = {a, b};
  t.raw.outputs_data = {{}, {1, 2, 3, 4}};
  t.witnesses = {{0x55}, {}, {1, 2}};
  return t;
}

}  // namespace

TEST_CASE("ckb blake2b: RFC 7693 and BLAKE2 reference vectors") {
  // RFC 7693 appendix A: BLAKE2b-512("abc").
  CHECK(hash_hex(Blake2b(64), "abc") ==
        "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
        "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
  // BLAKE2b-512 of the empty string.
  CHECK(hash_hex(Blake2b(64), "") ==
        "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419"
        "d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce");
}

TEST_CASE("ckb blake2b: ckb-default-hash of empty input and streaming equals one shot") {
  CHECK(to_hex(blake2b_256({})) == "44f4c69744d5f8c55d642062949dcae49bc4e7ef43d388c5a12f42b5633d163e");
  // Feeding the same bytes in uneven pieces (across the 128-byte block
  // boundary, including exactly one block) gives the same digest.
  std::vector<std::uint8_t> data(1000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7 + 3);
  for (std::size_t n : {0u, 1u, 127u, 128u, 129u, 256u, 999u, 1000u}) {
    const std::span<const std::uint8_t> all(data.data(), n);
    Blake2b pieces = Blake2b::ckb();
    std::size_t at = 0, step = 1;
    while (at < n) {
      const std::size_t take = std::min(step, n - at);
      pieces.update(all.subspan(at, take));
      at += take;
      step = step * 3 + 1;
    }
    CHECK(pieces.finalize32() == blake2b_256(all));
  }
}

TEST_CASE("ckb molecule: Script layout, hash and round trip") {
  Script s;
  s.code_hash = filled(0xab);
  s.hash_type = 2;
  s.args = {1, 2, 3};
  const Bytes enc = mol::encode(s);
  // table header: total, 3 offsets; then 32 + 1 + (4 + 3)
  REQUIRE(enc.size() == 16 + 32 + 1 + 7);
  CHECK(enc[0] == enc.size());
  CHECK(enc[4] == 16);
  CHECK(enc[8] == 48);
  CHECK(enc[12] == 49);
  CHECK(enc[48] == 2);
  CHECK(enc[49] == 3);
  auto back = mol::decode_script(enc);
  REQUIRE(back.ok());
  CHECK(*back == s);
  CHECK(mol::script_hash(s) == blake2b_256(enc));
}

TEST_CASE("ckb molecule: Transaction round trip and every nested structure") {
  const Transaction t = sample_tx();
  const Bytes enc = mol::encode(t);
  auto back = mol::decode_transaction(enc);
  REQUIRE(back.ok());
  CHECK(*back == t);
  auto raw = mol::decode_raw_transaction(mol::encode(t.raw));
  REQUIRE(raw.ok());
  CHECK(*raw == t.raw);
  CHECK(mol::tx_hash(t) == blake2b_256(mol::encode(t.raw)));

  for (const CellOutput& c : t.raw.outputs) {
    auto d = mol::decode_cell_output(mol::encode(c));
    REQUIRE(d.ok());
    CHECK(*d == c);
  }
  CHECK(mol::encode(t.raw.inputs[1]).size() == 44);
  CHECK(*mol::decode_cell_input(mol::encode(t.raw.inputs[1])) == t.raw.inputs[1]);
  CHECK(mol::encode(t.raw.cell_deps[1]).size() == 37);
  CHECK(*mol::decode_cell_dep(mol::encode(t.raw.cell_deps[1])) == t.raw.cell_deps[1]);
  CHECK(*mol::decode_out_point(mol::encode(t.raw.cell_deps[0].out_point)) == t.raw.cell_deps[0].out_point);

  Header h;
  h.raw.version = 1;
  h.raw.compact_target = 0x1d0fffff;
  h.raw.timestamp = 123456789;
  h.raw.number = 42;
  h.raw.epoch = pack_epoch({5, 3, 1800});
  h.raw.parent_hash = filled(1);
  h.raw.dao = filled(5);
  h.nonce.fill(0x77);
  const Bytes he = mol::encode(h);
  CHECK(he.size() == 208);
  CHECK(*mol::decode_header(he) == h);
  CHECK(mol::header_hash(h) == blake2b_256(he));
  CHECK(unpack_epoch(h.raw.epoch).length == 1800);
  CHECK(unpack_epoch(h.raw.epoch).index == 3);
  CHECK(unpack_epoch(h.raw.epoch).number == 5);

  std::vector<OutPoint> ops = {OutPoint{filled(3), 1}, OutPoint{filled(4), 2}};
  auto ops_back = mol::decode_out_point_vec(mol::encode_fixvec(ops));
  REQUIRE(ops_back.ok());
  CHECK(*ops_back == ops);
  CHECK(mol::encode_bytes_vec({}).size() == 4);
  CHECK(mol::decode_bytes_vec(mol::encode_bytes_vec({})).value().empty());
}

TEST_CASE("ckb molecule: malformed buffers are rejected with the field named") {
  const Bytes good = mol::encode(sample_tx());
  // Every truncation fails cleanly.
  for (std::size_t n = 0; n < good.size(); n += 7) {
    auto r = mol::decode_transaction(std::span<const std::uint8_t>(good.data(), n));
    CHECK_FALSE(r.ok());
  }
  // Total size mismatch.
  Bytes bad = good;
  bad[0] ^= 1;
  auto r1 = mol::decode_transaction(bad);
  REQUIRE_FALSE(r1.ok());
  CHECK(r1.error().message.find("total size") != std::string::npos);
  // A table with an extra field is rejected in strict mode.
  Script s = sample_script(1);
  Bytes enc = mol::encode(s);
  Bytes four;  // Script with 4 fields: add an empty 4th field
  {
    const std::uint32_t total = static_cast<std::uint32_t>(enc.size() + 4);
    auto put32 = [&four](std::uint32_t v) {
      for (int i = 0; i < 4; ++i) four.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    };
    put32(total);
    put32(20);
    put32(52);
    put32(53);
    put32(total);
    four.insert(four.end(), enc.begin() + 16, enc.end());
  }
  auto r2 = mol::decode_script(four);
  REQUIRE_FALSE(r2.ok());
  CHECK(r2.error().message.find("4 fields") != std::string::npos);
  // Offsets out of order.
  Bytes swapped = enc;
  swapped[8] = 60;
  auto r3 = mol::decode_script(swapped);
  CHECK_FALSE(r3.ok());
  // Wrong code_hash width (args length claims more bytes than exist).
  Bytes badargs = enc;
  badargs[49] = 9;
  auto r4 = mol::decode_script(badargs);
  REQUIRE_FALSE(r4.ok());
  CHECK(r4.error().message.find("Script.args") != std::string::npos);
  // Nested failure path names the output.
  Transaction t = sample_tx();
  Bytes e = mol::encode(t);
  // fixvec count too large for the data
  auto r5 = mol::decode_out_point_vec(Bytes{0xff, 0xff, 0xff, 0xff});
  REQUIRE_FALSE(r5.ok());
  CHECK(r5.error().message.find("OutPointVec") != std::string::npos);
  CHECK_FALSE(mol::decode_header(Bytes(207)).ok());
  CHECK_FALSE(mol::decode_cell_input(Bytes(43)).ok());
  CHECK(mol::decode_cell_output(Bytes{4, 0, 0, 0}).error().message.find("0 fields") != std::string::npos);
}

}  // namespace ckb_hash_molecule_tests
