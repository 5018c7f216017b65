// libFuzzer target for include/ckb_vm/ckb/molecule.hpp.
//
// The first byte picks a decoder (Script, CellOutput, CellInput, CellDep,
// OutPoint, Header, RawHeader, RawTransaction, Transaction, Bytes, BytesVec,
// Byte32Vec, OutPointVec); the rest is the buffer. A decoder must either
// reject the buffer with an error naming the structure, or accept it, and
// then encoding the decoded value must give back exactly the same bytes
// (molecule has one encoding per value). Hashes of accepted values are
// computed too. Any disagreement aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "fuzz_check.hpp"
#include "ckb_vm/ckb/molecule.hpp"

namespace {

namespace mol = ckb_vm::ckb::molecule;
using ckb_vm::ckb::Bytes;

using fuzz::fail;

template <class R, class Enc>
void check(const R& r, mol::View input, Enc encode, const char* name) {
  if (!r.ok()) {
    if (r.error().message.empty()) fail(name);
    return;
  }
  const Bytes again = encode(*r);
  if (again.size() != input.size() || !std::equal(again.begin(), again.end(), input.begin())) fail(name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const mol::View v(data + 1, size - 1);
  auto enc = [](const auto& x) { return mol::encode(x); };
  switch (data[0] % 13) {
    case 0: {
      auto r = mol::decode_script(v);
      check(r, v, enc, "Script round trip");
      if (r.ok()) (void)mol::script_hash(*r);
      break;
    }
    case 1: check(mol::decode_cell_output(v), v, enc, "CellOutput round trip"); break;
    case 2: check(mol::decode_cell_input(v), v, enc, "CellInput round trip"); break;
    case 3: check(mol::decode_cell_dep(v), v, enc, "CellDep round trip"); break;
    case 4: check(mol::decode_out_point(v), v, enc, "OutPoint round trip"); break;
    case 5: {
      auto r = mol::decode_header(v);
      check(r, v, enc, "Header round trip");
      if (r.ok()) (void)mol::header_hash(*r);
      break;
    }
    case 6: check(mol::decode_raw_header(v), v, enc, "RawHeader round trip"); break;
    case 7: check(mol::decode_raw_transaction(v), v, enc, "RawTransaction round trip"); break;
    case 8: {
      auto r = mol::decode_transaction(v);
      check(r, v, enc, "Transaction round trip");
      if (r.ok()) (void)mol::tx_hash(*r);
      break;
    }
    case 9: check(mol::decode_bytes(v), v, [](const Bytes& b) { return mol::encode_bytes(b); }, "Bytes round trip"); break;
    case 10:
      check(mol::decode_bytes_vec(v), v, [](const std::vector<Bytes>& b) { return mol::encode_bytes_vec(b); },
            "BytesVec round trip");
      break;
    case 11:
      check(mol::decode_byte32_vec(v), v, [](const auto& b) { return mol::encode_byte32_vec(b); }, "Byte32Vec round trip");
      break;
    case 12:
      check(mol::decode_out_point_vec(v), v, [](const auto& b) { return mol::encode_fixvec(b); }, "OutPointVec round trip");
      break;
  }
  return 0;
}
