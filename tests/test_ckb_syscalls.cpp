// CKB syscalls, script groups and script verification, driven through the
// table-driven probe script (tests/ckb/src/probe.S): the test writes syscall
// requests into guest memory, runs the script as the node would, and checks
// return codes, the bytes written, the lengths written back and the cycles
// charged. exec is checked with tests/ckb/src/exec_callee.c.
#include <doctest/doctest.h>

#include <ckb_vm/ckb/verifier.hpp>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

namespace ckb_syscalls_tests {

using ckb_vm::Error; using ckb_vm::ErrorCode; using ckb_vm::as_bytes; using ckb_vm::parse_elf;
using ckb_vm::VERSION0; using ckb_vm::VERSION1; using ckb_vm::VERSION2; using ckb_vm::ISA_IMC; using ckb_vm::ISA_B; using ckb_vm::ISA_MOP;
using namespace ckb_vm::ckb;
namespace mol = ckb_vm::ckb::molecule;

namespace {

Bytes read_script(const char* name) {
  std::ifstream f(std::string(CKB_VM_SOURCE_DIR) + "/tests/ckb/bin/" + name, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

Byte32 filled(std::uint8_t b) {
  Byte32 r{};
  r.fill(b);
  return r;
}

constexpr std::uint64_t TABLE = 0x200000;
constexpr std::uint64_t BUF = 0x220000;
constexpr std::uint64_t SIZE = 0x21f000;
constexpr std::uint64_t ARGV = 0x21e000;
constexpr std::uint64_t CODE = 0x240000;
constexpr std::uint64_t GROUP = SOURCE_GROUP_FLAG;

struct Req {
  std::uint64_t a[6] = {};
  std::uint64_t a7 = 0;
};

// a0 = BUF, a1 = SIZE, a2 = offset, a3 = index, a4 = source, a5 = field
Req load(std::uint64_t number, std::uint64_t offset = 0, std::uint64_t index = 0, std::uint64_t source = 0,
         std::uint64_t field = 0) {
  return Req{{BUF, SIZE, offset, index, source, field}, number};
}

// The fixture transaction:
//   cell deps: 0 probe (code), 1 exec_callee, 2 a code blob, 3 a data cell
//              with a type script, 4 + 5 via a dep group: two cells whose
//              type script is the same but whose data differ
//   inputs:    0, 1 locked by the probe (data1), 2 locked by another script;
//              input 0 has type T; input 0's block is header dep 0
//   outputs:   0 (type T), 1 (no type), 2 (type T)
struct Fixture {
  Bytes probe = read_script("probe");
  Bytes callee = read_script("exec_callee");
  Bytes code_blob = {0x13, 0x05, 0xa0, 0x02, 0x67, 0x80, 0x00, 0x00};  // li a0, 42; ret
  Script probe_lock(std::uint8_t hash_type) const {
    return Script{blake2b_256(probe), hash_type, {0xaa, 0xbb}};
  }
  Script type_t = Script{filled(0x71), 1, {1}};
  Script dep_type = Script{filled(0x72), 1, {2}};
  Header header;
  Byte32 header_hash{};
  Bytes extension = {9, 8, 7};

  std::shared_ptr<ResolvedTransaction> make(std::uint8_t hash_type = 4) {
    auto r = std::make_shared<ResolvedTransaction>();
    Transaction& tx = r->tx;
    header.raw.number = 1000;
    header.raw.epoch = pack_epoch({12, 34, 1800});
    header.raw.timestamp = 5555;
    header_hash = mol::header_hash(header);

    auto dep = [&](std::uint8_t id, Bytes data, std::optional<Script> type = std::nullopt) {
      CellDep d{OutPoint{filled(0xd0), id}, 0};
      tx.raw.cell_deps.push_back(d);
      r->resolved_cell_deps.push_back(
          make_cell_meta(d.out_point, CellOutput{1000, Script{filled(0), 0, {}}, std::move(type)}, std::move(data)));
    };
    dep(0, probe);
    dep(1, callee);
    dep(2, code_blob);
    dep(3, Bytes(10000, 0x5a), dep_type);
    dep(4, Bytes{1}, Script{filled(0x73), 1, {}});
    dep(5, Bytes{2}, Script{filled(0x73), 1, {}});

    const Script lock = probe_lock(hash_type);
    const Script other = Script{filled(0x99), 0, {}};
    auto input = [&](std::uint8_t id, const Script& l, std::optional<Script> t, Bytes data, Byte32 block) {
      CellInput in{0x1000u + id, OutPoint{filled(0xe0), id}};
      tx.raw.inputs.push_back(in);
      r->resolved_inputs.push_back(make_cell_meta(in.previous_output, CellOutput{5000u + id, l, std::move(t)},
                                                  std::move(data), block));
    };
    input(0, lock, type_t, Bytes{0x10, 0x11, 0x12}, header_hash);
    input(1, lock, std::nullopt, Bytes{0x20}, filled(0x42));
    input(2, other, std::nullopt, Bytes{}, Byte32{});

    tx.raw.outputs = {CellOutput{100, other, type_t}, CellOutput{200, lock, std::nullopt},
                      CellOutput{300, other, type_t}};
    tx.raw.outputs_data = {Bytes{0x30, 0x31}, Bytes{}, Bytes(5, 0x32)};
    tx.raw.header_deps = {header_hash};
    tx.witnesses = {Bytes{0x40}, Bytes{0x41, 0x41}, Bytes{0x42, 0x42, 0x42}, Bytes{0x43}};
    r->headers = {HeaderView{header, header_hash}};
    r->extensions = {{header_hash, extension}};
    r->hash = mol::tx_hash(tx);
    for (std::size_t i = 0; i < tx.raw.outputs.size(); ++i)
      r->outputs.push_back(make_cell_meta(OutPoint{r->hash, static_cast<std::uint32_t>(i)}, tx.raw.outputs[i],
                                          tx.raw.outputs_data[i]));
    return r;
  }
};

struct ProbeResult {
  ScriptOutcome outcome;
  std::vector<std::uint64_t> results;
  std::vector<std::uint64_t> sizes;  // SIZE word after each... (only final)
  Bytes buffer;                       // BUF contents after the run (first 256 bytes)
  std::uint64_t size_word = 0;
  std::vector<std::string> debug;
};

// Runs the probe as the group of input `lock` with the given requests; `size`
// is the initial value of the size word; `setup` may write more memory.
template <class Setup>
ProbeResult run_probe(std::shared_ptr<ResolvedTransaction> rtx, std::vector<Req> reqs, std::uint64_t size,
                      Setup setup, VerifyOptions options = {}) {
  ProbeResult pr;
  auto debug = std::make_shared<std::vector<std::string>>();
  options.debug_printer = [debug](const Byte32&, std::string_view s) { debug->emplace_back(s); };
  auto group = find_script_group(*rtx, ScriptGroupType::Lock, mol::script_hash(rtx->resolved_inputs[0].output.lock));
  REQUIRE(group);
  auto v = ScriptVerifier<>::create(rtx, *group, options);
  REQUIRE_MESSAGE(v.ok(), (v.ok() ? "" : v.error().message));
  auto& mem = v->machine()->memory();
  REQUIRE(mem.store64(TABLE, reqs.size()).ok());
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    for (int k = 0; k < 6; ++k) REQUIRE(mem.store64(TABLE + 8 + 64 * i + 8 * k, reqs[i].a[k]).ok());
    REQUIRE(mem.store64(TABLE + 8 + 64 * i + 48, reqs[i].a7).ok());
    REQUIRE(mem.store64(TABLE + 8 + 64 * i + 56, 0xdeadbeef).ok());
  }
  REQUIRE(mem.store64(SIZE, size).ok());
  for (std::uint64_t a = BUF; a < BUF + 256; a += 8) REQUIRE(mem.store64(a, 0xcccccccccccccccc).ok());
  setup(*v->machine());
  pr.outcome = v->run();
  if (!v->machine()) return pr;
  auto& m2 = v->machine()->memory();
  for (std::size_t i = 0; i < reqs.size(); ++i) pr.results.push_back(*m2.load64(TABLE + 8 + 64 * i + 56));
  pr.size_word = *m2.load64(SIZE);
  for (std::uint64_t a = BUF; a < BUF + 256; ++a) pr.buffer.push_back(static_cast<std::uint8_t>(*m2.load8(a)));
  pr.debug = *debug;
  return pr;
}
ProbeResult run_probe(std::shared_ptr<ResolvedTransaction> rtx, std::vector<Req> reqs, std::uint64_t size = 256,
                      VerifyOptions options = {}) {
  return run_probe(std::move(rtx), std::move(reqs), size, [](auto&) {}, std::move(options));
}

Bytes first(const Bytes& b, std::size_t n) { return Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)); }

// Loads `number` with the given arguments and checks code, bytes and length.
void expect_load(Fixture& fx, Req req, std::uint64_t size, std::uint64_t code, const Bytes& data,
                 std::uint64_t offset = 0) {
  auto pr = run_probe(fx.make(), {req}, size);
  REQUIRE_MESSAGE(pr.outcome.ok(), pr.outcome.describe());
  REQUIRE(pr.results.size() == 1);
  CHECK(pr.results[0] == code);
  if (code != SUCCESS) return;
  const std::uint64_t off = offset < data.size() ? offset : data.size();
  const std::uint64_t full = data.size() - off;
  CHECK(pr.size_word == full);
  const std::uint64_t n = size < full ? size : full;
  CHECK(first(pr.buffer, n) == Bytes(data.begin() + off, data.begin() + off + n));
  if (n < pr.buffer.size()) CHECK(pr.buffer[n] == 0xcc);  // nothing beyond
}

}  // namespace

TEST_CASE("ckb syscalls: load_tx_hash, load_transaction, load_script_hash, load_script with partial loading") {
  Fixture fx;
  auto rtx = fx.make();
  const Bytes tx_hash(rtx->hash.begin(), rtx->hash.end());
  const Bytes tx_bytes = mol::encode(rtx->tx);
  const Script lock = fx.probe_lock(4);
  const Byte32 sh = mol::script_hash(lock);
  expect_load(fx, load(syscall::LOAD_TX_HASH), 256, SUCCESS, tx_hash);
  expect_load(fx, load(syscall::LOAD_TX_HASH), 10, SUCCESS, tx_hash);              // buffer too small
  expect_load(fx, load(syscall::LOAD_TX_HASH, 30), 256, SUCCESS, tx_hash, 30);     // offset
  expect_load(fx, load(syscall::LOAD_TX_HASH, 1000), 256, SUCCESS, tx_hash, 1000); // offset past the end
  expect_load(fx, load(syscall::LOAD_TX_HASH), 0, SUCCESS, tx_hash);               // length only
  expect_load(fx, load(syscall::LOAD_TRANSACTION), 256, SUCCESS, tx_bytes);
  expect_load(fx, load(syscall::LOAD_TRANSACTION, 100), 50, SUCCESS, tx_bytes, 100);
  expect_load(fx, load(syscall::LOAD_SCRIPT_HASH), 256, SUCCESS, Bytes(sh.begin(), sh.end()));
  expect_load(fx, load(syscall::LOAD_SCRIPT), 256, SUCCESS, mol::encode(lock));
  // The size pointer must be valid guest memory: otherwise the VM stops.
  auto pr = run_probe(fx.make(), {Req{{BUF, 0x7fffffff0, 0, 0, 0, 0}, syscall::LOAD_TX_HASH}});
  REQUIRE(pr.outcome.vm_error);
  CHECK(pr.outcome.vm_error->code == ErrorCode::MemOutOfBound);
}

TEST_CASE("ckb syscalls: transferred bytes cost a cycle per 4 bytes, rounded up") {
  Fixture fx;
  auto cycles_for = [&](std::uint64_t size) {
    auto pr = run_probe(fx.make(), {load(syscall::LOAD_TRANSACTION)}, size);
    REQUIRE(pr.outcome.ok());
    return pr.outcome.total_cycles;
  };
  const std::uint64_t base = cycles_for(0);
  CHECK(cycles_for(1) == base + 1);
  CHECK(cycles_for(4) == base + 1);
  CHECK(cycles_for(5) == base + 2);
  CHECK(cycles_for(100) == base + 25);
  CHECK(transferred_byte_cycles(0) == 0);
  CHECK(transferred_byte_cycles(7) == 2);
}

TEST_CASE("ckb syscalls: load_cell over every source, index out of bound and invalid sources") {
  Fixture fx;
  auto rtx = fx.make();
  auto cell = [&](const CellOutput& c) { return mol::encode(c); };
  expect_load(fx, load(syscall::LOAD_CELL, 0, 0, SOURCE_INPUT), 256, SUCCESS, cell(rtx->resolved_inputs[0].output));
  expect_load(fx, load(syscall::LOAD_CELL, 0, 2, SOURCE_INPUT), 256, SUCCESS, cell(rtx->resolved_inputs[2].output));
  expect_load(fx, load(syscall::LOAD_CELL, 0, 3, SOURCE_INPUT), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_CELL, 0, 1, SOURCE_OUTPUT), 256, SUCCESS, cell(rtx->tx.raw.outputs[1]));
  expect_load(fx, load(syscall::LOAD_CELL, 0, 3, SOURCE_OUTPUT), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_CELL, 0, 3, SOURCE_CELL_DEP), 256, SUCCESS, cell(rtx->resolved_cell_deps[3].output));
  expect_load(fx, load(syscall::LOAD_CELL, 0, 0, SOURCE_HEADER_DEP), 256, INDEX_OUT_OF_BOUND, {});
  // Group sources of the probe's lock group: inputs 0 and 1, no outputs.
  expect_load(fx, load(syscall::LOAD_CELL, 0, 1, GROUP | SOURCE_INPUT), 256, SUCCESS, cell(rtx->resolved_inputs[1].output));
  expect_load(fx, load(syscall::LOAD_CELL, 0, 2, GROUP | SOURCE_INPUT), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_CELL, 0, 0, GROUP | SOURCE_OUTPUT), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_CELL, 0, 0, GROUP | SOURCE_CELL_DEP), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_CELL, 0, 0, GROUP | SOURCE_HEADER_DEP), 256, INDEX_OUT_OF_BOUND, {});
  // A high byte other than 0x01 is a transaction-level source, as in the node.
  expect_load(fx, load(syscall::LOAD_CELL, 0, 2, 0x0200000000000001ULL), 256, SUCCESS,
              cell(rtx->resolved_inputs[2].output));
  // Unknown source entries stop the VM (the node returns Error::External).
  for (std::uint64_t bad : {std::uint64_t{0}, std::uint64_t{5}, GROUP, GROUP | 7}) {
    auto pr = run_probe(fx.make(), {load(syscall::LOAD_CELL, 0, 0, bad)});
    REQUIRE(pr.outcome.vm_error);
    CHECK(pr.outcome.vm_error->code == ErrorCode::External);
  }
}

TEST_CASE("ckb syscalls: load_cell_by_field for every field, ITEM_MISSING and invalid fields") {
  Fixture fx;
  auto rtx = fx.make();
  auto u64 = [](std::uint64_t v) {
    Bytes b(8);
    for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
    return b;
  };
  auto bytes = [](const Byte32& h) { return Bytes(h.begin(), h.end()); };
  const CellMeta& in0 = rtx->resolved_inputs[0];
  const CellMeta& in1 = rtx->resolved_inputs[1];
  expect_load(fx, load(syscall::LOAD_CELL_BY_FIELD, 0, 0, SOURCE_INPUT, 0), 256, SUCCESS, u64(5000));
  expect_load(fx, load(syscall::LOAD_CELL_BY_FIELD, 0, 0, SOURCE_INPUT, 1), 256, SUCCESS, bytes(blake2b_256(in0.data)));
  expect_load(fx, load(syscall::LOAD_CELL_BY_FIELD, 0, 0, SOURCE_INPUT, 2), 256, SUCCESS, mol::encode(in0.output.lock));
  expect_load(fx, load(syscall::LOAD_CELL_BY_FIELD, 0, 0, SOURCE_INPUT, 3), 256, SUCCESS,
              bytes(mol::script_hash(in0.output.lock)));
  expect_load(fx, load(syscall::LOAD_CELL_BY_FIELD, 0, 0, SOURCE_INPUT, 4), 256, SUCCESS, mol::encode(*in0.output.type));
  expect_load(fx, load(syscall::LOAD_CELL_BY_FIELD, 0, 0, SOURCE_INPUT, 5), 256, SUCCESS,
              bytes(mol::script_hash(*in0.output.type)));
  // occupied: 8 + (32 + 1 + 2) lock + (32 + 1 + 1) type + 3 data bytes, in shannons
  expect_load(fx, load(syscall::LOAD_CELL_BY_FIELD, 0, 0, SOURCE_INPUT, 6), 256, SUCCESS,
              u64((8 + 35 + 34 + 3) * 100'000'000ULL));
  expect_load(fx, load(syscall::LOAD_CELL_BY_FIELD, 0, 1, SOURCE_INPUT, 4), 256, ITEM_MISSING, {});
  expect_load(fx, load(syscall::LOAD_CELL_BY_FIELD, 0, 1, SOURCE_INPUT, 5), 256, ITEM_MISSING, {});
  expect_load(fx, load(syscall::LOAD_CELL_BY_FIELD, 0, 1, SOURCE_INPUT, 0), 256, SUCCESS, u64(5001));
  expect_load(fx, load(syscall::LOAD_CELL_BY_FIELD, 3, 1, SOURCE_INPUT, 0), 256, SUCCESS, u64(5001), 3);
  expect_load(fx, load(syscall::LOAD_CELL_BY_FIELD, 0, 1, SOURCE_OUTPUT, 1), 256, SUCCESS, bytes(blake2b_256({})));
  (void)in1;
  // Out-of-range index is reported before the field is looked at.
  expect_load(fx, load(syscall::LOAD_CELL_BY_FIELD, 0, 9, SOURCE_INPUT, 99), 256, INDEX_OUT_OF_BOUND, {});
  auto pr = run_probe(fx.make(), {load(syscall::LOAD_CELL_BY_FIELD, 0, 0, SOURCE_INPUT, 7)});
  REQUIRE(pr.outcome.vm_error);
  CHECK(pr.outcome.vm_error->code == ErrorCode::External);
}

TEST_CASE("ckb syscalls: load_input and load_input_by_field") {
  Fixture fx;
  auto rtx = fx.make();
  const auto& ins = rtx->tx.raw.inputs;
  Bytes since(8);
  for (int i = 0; i < 8; ++i) since[i] = static_cast<std::uint8_t>(ins[1].since >> (8 * i));
  expect_load(fx, load(syscall::LOAD_INPUT, 0, 2, SOURCE_INPUT), 256, SUCCESS, mol::encode(ins[2]));
  expect_load(fx, load(syscall::LOAD_INPUT, 0, 1, GROUP | SOURCE_INPUT), 256, SUCCESS, mol::encode(ins[1]));
  expect_load(fx, load(syscall::LOAD_INPUT, 0, 2, GROUP | SOURCE_INPUT), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_INPUT, 0, 0, SOURCE_OUTPUT), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_INPUT, 0, 0, SOURCE_CELL_DEP), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_INPUT, 0, 0, SOURCE_HEADER_DEP), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_INPUT_BY_FIELD, 0, 1, SOURCE_INPUT, 0), 256, SUCCESS,
              mol::encode(ins[1].previous_output));
  expect_load(fx, load(syscall::LOAD_INPUT_BY_FIELD, 0, 1, SOURCE_INPUT, 1), 256, SUCCESS, since);
  auto pr = run_probe(fx.make(), {load(syscall::LOAD_INPUT_BY_FIELD, 0, 0, SOURCE_INPUT, 2)});
  REQUIRE(pr.outcome.vm_error);
  CHECK(pr.outcome.vm_error->code == ErrorCode::External);
}

TEST_CASE("ckb syscalls: load_header and load_header_by_field, visible only through header deps") {
  Fixture fx;
  auto rtx = fx.make();
  const Bytes header = mol::encode(fx.header);
  auto u64 = [](std::uint64_t v) {
    Bytes b(8);
    for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
    return b;
  };
  expect_load(fx, load(syscall::LOAD_HEADER, 0, 0, SOURCE_HEADER_DEP), 256, SUCCESS, header);
  expect_load(fx, load(syscall::LOAD_HEADER, 0, 1, SOURCE_HEADER_DEP), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_HEADER, 0, 0, SOURCE_INPUT), 256, SUCCESS, header);
  expect_load(fx, load(syscall::LOAD_HEADER, 0, 0, GROUP | SOURCE_INPUT), 256, SUCCESS, header);
  expect_load(fx, load(syscall::LOAD_HEADER, 0, 1, SOURCE_INPUT), 256, ITEM_MISSING, {});   // block not a header dep
  expect_load(fx, load(syscall::LOAD_HEADER, 0, 0, SOURCE_CELL_DEP), 256, ITEM_MISSING, {});
  expect_load(fx, load(syscall::LOAD_HEADER, 0, 9, SOURCE_CELL_DEP), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_HEADER, 0, 0, SOURCE_OUTPUT), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_HEADER, 0, 0, GROUP | SOURCE_OUTPUT), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_HEADER, 0, 0, GROUP | SOURCE_HEADER_DEP), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_HEADER_BY_FIELD, 0, 0, SOURCE_HEADER_DEP, 0), 256, SUCCESS, u64(12));
  expect_load(fx, load(syscall::LOAD_HEADER_BY_FIELD, 0, 0, SOURCE_HEADER_DEP, 1), 256, SUCCESS, u64(1000 - 34));
  expect_load(fx, load(syscall::LOAD_HEADER_BY_FIELD, 0, 0, SOURCE_HEADER_DEP, 2), 256, SUCCESS, u64(1800));
  auto pr = run_probe(fx.make(), {load(syscall::LOAD_HEADER_BY_FIELD, 0, 0, SOURCE_HEADER_DEP, 3)});
  REQUIRE(pr.outcome.vm_error);
  CHECK(pr.outcome.vm_error->code == ErrorCode::External);
}

TEST_CASE("ckb syscalls: load_witness over transaction and group sources") {
  Fixture fx;
  auto rtx = fx.make();
  const auto& w = rtx->tx.witnesses;
  expect_load(fx, load(syscall::LOAD_WITNESS, 0, 2, SOURCE_INPUT), 256, SUCCESS, w[2]);
  expect_load(fx, load(syscall::LOAD_WITNESS, 0, 3, SOURCE_OUTPUT), 256, SUCCESS, w[3]);  // index into all witnesses
  expect_load(fx, load(syscall::LOAD_WITNESS, 0, 4, SOURCE_INPUT), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_WITNESS, 0, 1, GROUP | SOURCE_INPUT), 256, SUCCESS, w[1]);
  expect_load(fx, load(syscall::LOAD_WITNESS, 0, 2, GROUP | SOURCE_INPUT), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_WITNESS, 0, 0, GROUP | SOURCE_OUTPUT), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_WITNESS, 0, 0, SOURCE_CELL_DEP), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_WITNESS, 0, 0, SOURCE_HEADER_DEP), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_WITNESS, 1, 2, SOURCE_INPUT), 1, SUCCESS, w[2], 1);
}

TEST_CASE("ckb syscalls: load_cell_data partial loading, sources and snapshot tracking") {
  Fixture fx;
  auto rtx = fx.make();
  const Bytes big = rtx->resolved_cell_deps[3].data;
  expect_load(fx, load(syscall::LOAD_CELL_DATA, 0, 0, SOURCE_INPUT), 256, SUCCESS, Bytes{0x10, 0x11, 0x12});
  expect_load(fx, load(syscall::LOAD_CELL_DATA, 1, 0, SOURCE_INPUT), 256, SUCCESS, Bytes{0x10, 0x11, 0x12}, 1);
  expect_load(fx, load(syscall::LOAD_CELL_DATA, 9, 0, SOURCE_INPUT), 256, SUCCESS, Bytes{0x10, 0x11, 0x12}, 9);
  expect_load(fx, load(syscall::LOAD_CELL_DATA, 0, 2, SOURCE_OUTPUT), 3, SUCCESS, Bytes(5, 0x32));
  expect_load(fx, load(syscall::LOAD_CELL_DATA, 100, 3, SOURCE_CELL_DEP), 256, SUCCESS, big, 100);
  expect_load(fx, load(syscall::LOAD_CELL_DATA, 0, 1, GROUP | SOURCE_INPUT), 256, SUCCESS, Bytes{0x20});
  expect_load(fx, load(syscall::LOAD_CELL_DATA, 0, 2, GROUP | SOURCE_INPUT), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_CELL_DATA, 0, 0, GROUP | SOURCE_OUTPUT), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_CELL_DATA, 0, 0, SOURCE_HEADER_DEP), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_CELL_DATA, 0, 0, GROUP | SOURCE_CELL_DEP), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_CELL_DATA, 0, 6, SOURCE_CELL_DEP), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_CELL_DATA, 0, 0x100000000ULL, SOURCE_INPUT), 256, INDEX_OUT_OF_BOUND, {});
  // size 0: only the length is written, nothing is charged.
  auto only_len = run_probe(fx.make(), {load(syscall::LOAD_CELL_DATA, 10, 3, SOURCE_CELL_DEP)}, 0);
  REQUIRE(only_len.outcome.ok());
  CHECK(only_len.results[0] == SUCCESS);
  CHECK(only_len.size_word == big.size() - 10);
  CHECK(only_len.buffer[0] == 0xcc);
  auto some = run_probe(fx.make(), {load(syscall::LOAD_CELL_DATA, 10, 3, SOURCE_CELL_DEP)}, 4);
  CHECK(some.outcome.total_cycles == only_len.outcome.total_cycles + 1);
  auto bad = run_probe(fx.make(), {load(syscall::LOAD_CELL_DATA, 0, 0, 9)});
  REQUIRE(bad.outcome.vm_error);
  CHECK(bad.outcome.vm_error->code == ErrorCode::External);

  // Whole pages of cell data loaded with load_cell_data are recorded as
  // copies of the data piece, so a snapshot refers to them.
  auto group = find_script_group(*rtx, ScriptGroupType::Lock, mol::script_hash(rtx->resolved_inputs[0].output.lock));
  auto v = ScriptVerifier<>::create(rtx, *group);
  REQUIRE(v.ok());
  auto& m = *v->machine();
  REQUIRE(m.memory().store64(TABLE, 1).ok());
  const Req r = Req{{0x230000, SIZE, 0, 3, SOURCE_CELL_DEP, 0}, syscall::LOAD_CELL_DATA};
  for (int k = 0; k < 6; ++k) REQUIRE(m.memory().store64(TABLE + 8 + 8 * k, r.a[k]).ok());
  REQUIRE(m.memory().store64(TABLE + 8 + 48, r.a7).ok());
  REQUIRE(m.memory().store64(SIZE, 10000).ok());
  REQUIRE(v->run().ok());
  auto snap = v->snapshot_context()->make_snapshot(m);
  REQUIRE(snap.ok());
  bool found = false;
  for (const auto& run : snap->pages_from_source)
    if (run.id == DataPieceId{DataPieceKind::CellDep, 3} && run.address == 0x230000 && run.length == 8192) found = true;
  CHECK(found);
}

TEST_CASE("ckb syscalls: load_cell_data_as_code maps executable code and checks the slice") {
  Fixture fx;
  // load the 8-byte blob into one page, then call it: returns 42
  std::vector<Req> reqs = {Req{{CODE, 4096, 0, 8, 2, SOURCE_CELL_DEP}, syscall::LOAD_CELL_DATA_AS_CODE},
                           Req{{CODE, 0, 0, 0, 0, 0}, 0}};
  auto pr = run_probe(fx.make(), reqs);
  REQUIRE_MESSAGE(pr.outcome.ok(), pr.outcome.describe());
  CHECK(pr.results[0] == SUCCESS);
  CHECK(pr.results[1] == 42);
  auto slice = [&](std::uint64_t mem, std::uint64_t off, std::uint64_t size, std::uint64_t index, std::uint64_t src) {
    auto r = run_probe(fx.make(), {Req{{CODE, mem, off, size, index, src}, syscall::LOAD_CELL_DATA_AS_CODE}});
    REQUIRE_MESSAGE(r.outcome.ok(), r.outcome.describe());
    return r.results[0];
  };
  CHECK(slice(4096, 8, 1, 2, SOURCE_CELL_DEP) == SLICE_OUT_OF_BOUND);   // offset at the end
  CHECK(slice(4096, 4, 8, 2, SOURCE_CELL_DEP) == SLICE_OUT_OF_BOUND);   // runs past the end
  CHECK(slice(4, 0, 8, 2, SOURCE_CELL_DEP) == SLICE_OUT_OF_BOUND);      // larger than memory size
  CHECK(slice(4096, 0, 0, 2, SOURCE_CELL_DEP) == SLICE_OUT_OF_BOUND);   // zero size
  CHECK(slice(4096, 0, 8, 9, SOURCE_CELL_DEP) == INDEX_OUT_OF_BOUND);
  CHECK(slice(4096, 0, 8, 0, SOURCE_HEADER_DEP) == INDEX_OUT_OF_BOUND);
  // The transfer charge is the mapped memory size.
  auto one = run_probe(fx.make(), {Req{{CODE, 4096, 0, 8, 2, SOURCE_CELL_DEP}, syscall::LOAD_CELL_DATA_AS_CODE}});
  auto two = run_probe(fx.make(), {Req{{CODE, 8192, 0, 8, 2, SOURCE_CELL_DEP}, syscall::LOAD_CELL_DATA_AS_CODE}});
  CHECK(two.outcome.total_cycles - one.outcome.total_cycles == 1024);
  // Unaligned address: the memory rejects it and the VM stops.
  auto bad = run_probe(fx.make(), {Req{{CODE + 1, 4096, 0, 8, 2, SOURCE_CELL_DEP}, syscall::LOAD_CELL_DATA_AS_CODE}});
  REQUIRE(bad.outcome.vm_error);
  CHECK(bad.outcome.vm_error->code == ErrorCode::MemPageUnalignedAccess);
}

TEST_CASE("ckb syscalls: debug prints UTF-8 text and charges its length") {
  Fixture fx;
  const std::string text = "hello from the probe";
  auto pr = run_probe(fx.make(), {Req{{BUF + 512, 0, 0, 0, 0, 0}, syscall::DEBUG_PRINT}}, 256, [&](auto& m) {
    REQUIRE(m.memory().store_bytes(BUF + 512, as_bytes(text)).ok());
    REQUIRE(m.memory().store8(BUF + 512 + text.size(), 0).ok());
  });
  REQUIRE(pr.outcome.ok());
  REQUIRE(pr.debug.size() == 1);
  CHECK(pr.debug[0] == text);
  const std::uint8_t invalid[] = {0xc3, 0x28, 0};
  auto bad = run_probe(fx.make(), {Req{{BUF + 512, 0, 0, 0, 0, 0}, syscall::DEBUG_PRINT}}, 256, [&](auto& m) {
    REQUIRE(m.memory().store_bytes(BUF + 512, std::span<const std::uint8_t>(invalid, 3)).ok());
  });
  REQUIRE(bad.outcome.vm_error);
  CHECK(bad.outcome.vm_error->code == ErrorCode::External);
  CHECK(is_valid_utf8(as_bytes("caf\xc3\xa9 \xf0\x9f\x98\x80")));
  CHECK_FALSE(is_valid_utf8(as_bytes("\xed\xa0\x80")));  // surrogate
  CHECK_FALSE(is_valid_utf8(as_bytes("\xc0\xaf")));      // overlong
  CHECK_FALSE(is_valid_utf8(as_bytes("\xf4\x90\x80\x80")));  // > U+10FFFF
  CHECK_FALSE(is_valid_utf8(as_bytes("\xe2\x82")));      // truncated
}

TEST_CASE("ckb syscalls: vm_version, current_cycles and load_block_extension exist per version") {
  Fixture fx;
  // hash type data (V0): 2041/2042/2104 are unknown ecalls
  for (std::uint64_t n : {syscall::VM_VERSION, syscall::CURRENT_CYCLES, syscall::LOAD_BLOCK_EXTENSION, syscall::EXEC}) {
    auto pr = run_probe(fx.make(0), {Req{{}, n}});
    REQUIRE(pr.outcome.vm_error);
    CHECK(pr.outcome.vm_error->code == ErrorCode::InvalidEcall);
    CHECK(pr.outcome.vm_version == VERSION0);
  }
  auto v1 = run_probe(fx.make(2), {Req{{}, syscall::VM_VERSION}, Req{{}, syscall::CURRENT_CYCLES}});
  REQUIRE(v1.outcome.ok());
  CHECK(v1.results[0] == 1);
  CHECK(v1.results[1] > v1.outcome.transfer_cycles);
  CHECK(v1.results[1] < v1.outcome.total_cycles);
  auto v1ext = run_probe(fx.make(2), {load(syscall::LOAD_BLOCK_EXTENSION, 0, 0, SOURCE_HEADER_DEP)});
  REQUIRE(v1ext.outcome.vm_error);
  CHECK(v1ext.outcome.vm_error->code == ErrorCode::InvalidEcall);
  auto v2 = run_probe(fx.make(4), {Req{{}, syscall::VM_VERSION}});
  REQUIRE(v2.outcome.ok());
  CHECK(v2.results[0] == 2);
  expect_load(fx, load(syscall::LOAD_BLOCK_EXTENSION, 0, 0, SOURCE_HEADER_DEP), 256, SUCCESS, fx.extension);
  expect_load(fx, load(syscall::LOAD_BLOCK_EXTENSION, 0, 0, SOURCE_INPUT), 256, SUCCESS, fx.extension);
  expect_load(fx, load(syscall::LOAD_BLOCK_EXTENSION, 0, 0, GROUP | SOURCE_INPUT), 256, SUCCESS, fx.extension);
  expect_load(fx, load(syscall::LOAD_BLOCK_EXTENSION, 0, 1, SOURCE_INPUT), 256, ITEM_MISSING, {});
  expect_load(fx, load(syscall::LOAD_BLOCK_EXTENSION, 0, 0, SOURCE_CELL_DEP), 256, ITEM_MISSING, {});
  expect_load(fx, load(syscall::LOAD_BLOCK_EXTENSION, 0, 1, SOURCE_HEADER_DEP), 256, INDEX_OUT_OF_BOUND, {});
  expect_load(fx, load(syscall::LOAD_BLOCK_EXTENSION, 0, 0, SOURCE_OUTPUT), 256, INDEX_OUT_OF_BOUND, {});
}

namespace {

// exec(index, source, place, bounds, argc = 2, argv = {"first", "second"})
ProbeResult run_exec(Fixture& fx, std::uint8_t hash_type, std::uint64_t index, std::uint64_t source,
                     std::uint64_t place, std::uint64_t bounds, std::uint64_t argc = 2) {
  return run_probe(fx.make(hash_type), {Req{{index, source, place, bounds, argc, ARGV}, syscall::EXEC}}, 256,
                   [](auto& m) {
                     REQUIRE(m.memory().store64(ARGV, ARGV + 64).ok());
                     REQUIRE(m.memory().store64(ARGV + 8, ARGV + 80).ok());
                     REQUIRE(m.memory().store_bytes(ARGV + 64, as_bytes(std::string_view("first\0", 6))).ok());
                     REQUIRE(m.memory().store_bytes(ARGV + 80, as_bytes(std::string_view("second\0", 7))).ok());
                   });
}

}  // namespace

TEST_CASE("ckb syscalls: exec on VERSION1 and VERSION2 passes argv and charges the load") {
  Fixture fx;
  for (std::uint8_t hash_type : {std::uint8_t{2}, std::uint8_t{4}}) {
    CAPTURE(hash_type);
    auto pr = run_exec(fx, hash_type, 1, SOURCE_CELL_DEP, 0, 0);
    REQUIRE_MESSAGE(pr.outcome.exit_code.has_value(), pr.outcome.describe());
    CHECK(*pr.outcome.exit_code == 0);  // exec_callee saw {"first", "second"}
    auto noargs = run_exec(fx, hash_type, 1, SOURCE_CELL_DEP, 0, 0, 0);
    REQUIRE(noargs.outcome.exit_code.has_value());
    CHECK(*noargs.outcome.exit_code == 7);
    auto missing_dep = run_exec(fx, hash_type, 9, SOURCE_CELL_DEP, 0, 0);
    if (hash_type == 2) {
      CHECK(missing_dep.results.at(0) == INDEX_OUT_OF_BOUND);
    } else {
      // VERSION2: the data piece id is valid but names no data; the node's
      // scheduler fails the script with the data source error.
      REQUIRE(missing_dep.outcome.vm_error);
      CHECK(missing_dep.outcome.vm_error->code == ErrorCode::SnapshotDataLoadError);
    }
  }
  // VERSION2 charges 75,000 cycles more than VERSION1 for the same exec
  // (both charge the ELF and the 48 stack bytes). The callee's start-up code
  // has one AUIPC+ADDI pair (lla), which only VERSION2's MOP fuses into one
  // instruction: one cycle less.
  auto v1 = run_exec(fx, 2, 1, SOURCE_CELL_DEP, 0, 0);
  auto v2 = run_exec(fx, 4, 1, SOURCE_CELL_DEP, 0, 0);
  REQUIRE(v1.outcome.ok());
  REQUIRE(v2.outcome.ok());
  CHECK(v2.outcome.total_cycles - v1.outcome.total_cycles == EXEC_LOAD_ELF_V2_CYCLES_BASE - 1);
  // Bounds select a slice; an offset at or past the end is SLICE_OUT_OF_BOUND on VERSION1.
  const std::uint64_t callee_size = fx.callee.size();
  CHECK(run_exec(fx, 2, 1, SOURCE_CELL_DEP, 0, callee_size << 32).results.at(0) == SLICE_OUT_OF_BOUND);
  CHECK(run_exec(fx, 2, 1, SOURCE_CELL_DEP, 0, (1ULL << 32) | callee_size).results.at(0) == SLICE_OUT_OF_BOUND);
  auto sliced = run_exec(fx, 2, 1, SOURCE_CELL_DEP, 0, callee_size);  // length == whole program
  REQUIRE(sliced.outcome.exit_code.has_value());
  CHECK(*sliced.outcome.exit_code == 0);
  // Not an ELF: VERSION1 resets the machine and returns WRONG_FORMAT, which
  // leaves nothing to run; VERSION2's scheduler fails the script.
  auto v1bad = run_exec(fx, 2, 2, SOURCE_CELL_DEP, 0, 0);
  REQUIRE(v1bad.outcome.vm_error);
  auto v2bad = run_exec(fx, 4, 2, SOURCE_CELL_DEP, 0, 0);
  REQUIRE(v2bad.outcome.vm_error);
  CHECK(v2bad.outcome.vm_error->code == ErrorCode::ElfParseError);
  // VERSION2 exec from a witness: invalid place/source pairs are INDEX_OUT_OF_BOUND.
  CHECK(run_exec(fx, 4, 0, SOURCE_CELL_DEP, 1, 0).results.at(0) == INDEX_OUT_OF_BOUND);
  CHECK(run_exec(fx, 4, 0, SOURCE_INPUT, 2, 0).results.at(0) == INDEX_OUT_OF_BOUND);
  // VERSION2: a data piece that does not exist fails the script.
  auto missing = run_exec(fx, 4, 1, SOURCE_OUTPUT, 1, 0);  // witness 1 is 2 bytes: not an ELF
  REQUIRE(missing.outcome.vm_error);
}

TEST_CASE("ckb script groups: lock and type groups in the node's order, binary lookup rules") {
  Fixture fx;
  auto rtx = fx.make();
  const auto groups = script_groups(*rtx);
  // locks: probe lock (inputs 0, 1), other lock (input 2); types: T (input 0; outputs 0, 2)
  REQUIRE(groups.size() == 3);
  CHECK(groups[0].group_type == ScriptGroupType::Lock);
  CHECK(groups[1].group_type == ScriptGroupType::Lock);
  CHECK(groups[0].script_hash < groups[1].script_hash);
  CHECK(groups[2].group_type == ScriptGroupType::Type);
  CHECK(groups[2].input_indices == std::vector<std::size_t>{0});
  CHECK(groups[2].output_indices == std::vector<std::size_t>{0, 2});
  for (const auto& g : groups)
    if (g.script == fx.probe_lock(4)) CHECK(g.input_indices == std::vector<std::size_t>{0, 1});

  // data hash lookup: the last dep with that data wins
  auto twice = fx.make();
  twice->resolved_cell_deps.push_back(twice->resolved_cell_deps[0]);
  CHECK(*find_script_binary(*twice, fx.probe_lock(4)) == twice->resolved_cell_deps.size() - 1);
  // type lookup: same type hash with different data is ambiguous
  const Script by_type{mol::script_hash(Script{filled(0x73), 1, {}}), 1, {}};
  auto multiple = find_script_binary(*rtx, by_type);
  REQUIRE_FALSE(multiple.ok());
  CHECK(multiple.error().message.find("MultipleMatches") != std::string::npos);
  CHECK(*find_script_binary(*rtx, Script{mol::script_hash(fx.dep_type), 1, {}}) == 3);
  CHECK_FALSE(find_script_binary(*rtx, Script{filled(1), 0, {}}).ok());
  CHECK_FALSE(find_script_binary(*rtx, Script{filled(1), 3, {}}).ok());
}

TEST_CASE("ckb verifier: version selection, load cycles, cycle limit, transaction sum, TYPE_ID") {
  Fixture fx;
  CHECK(select_vm(0)->version == VERSION0);
  CHECK(select_vm(0)->isa == ISA_IMC);
  CHECK(select_vm(2)->version == VERSION1);
  CHECK(select_vm(4)->version == VERSION2);
  CHECK(select_vm(1)->version == VERSION2);
  CHECK(select_vm(1)->isa == (ISA_IMC | ISA_B | ISA_MOP));
  CHECK_FALSE(select_vm(3));

  auto pr = run_probe(fx.make(), {});
  REQUIRE(pr.outcome.ok());
  // load cycles: ELF file bytes loaded plus the 16 bytes V1+ reserves on the stack
  const auto md = parse_elf(fx.probe, VERSION1);
  REQUIRE(md.ok());
  std::uint64_t elf_bytes = 0;
  for (const auto& a : md->actions) elf_bytes += a.source_end - a.source_begin;
  CHECK(pr.outcome.transfer_cycles == transferred_byte_cycles(elf_bytes + 16));
  CHECK(pr.outcome.total_cycles == pr.outcome.transfer_cycles + pr.outcome.running_cycles);

  VerifyOptions tight;
  tight.max_cycles = pr.outcome.total_cycles - 1;
  auto limited = run_probe(fx.make(), {}, 256, tight);
  REQUIRE(limited.outcome.vm_error);
  CHECK(limited.outcome.vm_error->code == ErrorCode::CyclesExceeded);

  // Whole transaction: the "other" lock's code is not in the deps, so the
  // verifier stops there with a setup error.
  auto rtx = fx.make();
  auto all = verify_transaction(rtx);
  CHECK_FALSE(all.ok());
  REQUIRE(all.failed_group);
  CHECK(all.groups[*all.failed_group].outcome.setup_error.has_value());

  // A transaction whose only script is the probe sums its single group.
  auto simple = fx.make();
  simple->resolved_inputs.resize(2);
  simple->tx.raw.inputs.resize(2);
  for (auto& o : simple->tx.raw.outputs) o.type.reset();
  simple->resolved_inputs[0].output.type.reset();
  simple->outputs.clear();
  auto sum = verify_transaction(simple);
  REQUIRE(sum.ok());
  REQUIRE(sum.groups.size() == 1);
  CHECK(sum.total_cycles == sum.groups[0].outcome.total_cycles);

  // TYPE_ID: creating a cell with the right args costs 1,000,000 cycles.
  auto tid = fx.make();
  Script type_id{TYPE_ID_CODE_HASH, 1, {}};
  {
    Blake2b h = Blake2b::ckb();
    h.update(mol::encode(tid->tx.raw.inputs[0]));
    const std::uint8_t index[8] = {1, 0, 0, 0, 0, 0, 0, 0};
    h.update(std::span<const std::uint8_t>(index, 8));
    const Byte32 args = h.finalize32();
    type_id.args.assign(args.begin(), args.end());
  }
  tid->tx.raw.outputs[1].type = type_id;
  auto g = find_script_group(*tid, ScriptGroupType::Type, mol::script_hash(type_id));
  REQUIRE(g);
  auto ok = verify_script_group(tid, *g);
  CHECK(ok.ok());
  CHECK(ok.total_cycles == TYPE_ID_CYCLES);
  type_id.args[0] ^= 1;
  tid->tx.raw.outputs[1].type = type_id;
  auto g2 = find_script_group(*tid, ScriptGroupType::Type, mol::script_hash(type_id));
  REQUIRE(g2);
  auto bad = verify_script_group(tid, *g2);
  REQUIRE(bad.exit_code);
  CHECK(*bad.exit_code == -3);
}

TEST_CASE("ckb syscalls: a script that loaded cell data suspends into a snapshot and resumes with the same cycles") {
  Fixture fx;
  // load 10000 bytes of cell dep 3 at 0x230000, then the tx hash, then exit
  const std::vector<Req> reqs = {Req{{0x230000, SIZE, 0, 3, SOURCE_CELL_DEP, 0}, syscall::LOAD_CELL_DATA},
                                 Req{{BUF, SIZE + 8, 0, 0, 0, 0}, syscall::LOAD_TX_HASH}};
  auto rtx = fx.make();
  auto group = find_script_group(*rtx, ScriptGroupType::Lock, mol::script_hash(rtx->resolved_inputs[0].output.lock));
  REQUIRE(group);
  auto prepare = [&](ScriptVerifier<>& v) {
    auto& mem = v.machine()->memory();
    REQUIRE(mem.store64(TABLE, reqs.size()).ok());
    for (std::size_t i = 0; i < reqs.size(); ++i) {
      for (int k = 0; k < 6; ++k) REQUIRE(mem.store64(TABLE + 8 + 64 * i + 8 * k, reqs[i].a[k]).ok());
      REQUIRE(mem.store64(TABLE + 8 + 64 * i + 48, reqs[i].a7).ok());
    }
    REQUIRE(mem.store64(SIZE, 10000).ok());
    REQUIRE(mem.store64(SIZE + 8, 32).ok());
  };
  auto whole = ScriptVerifier<>::create(rtx, *group);
  REQUIRE(whole.ok());
  prepare(*whole);
  const ScriptOutcome full = whole->run();
  REQUIRE(full.ok());

  // Stop after the cell data load (its transfer charge is 2500 cycles).
  VerifyOptions limited;
  limited.max_cycles = full.total_cycles - 50;
  auto first = ScriptVerifier<>::create(rtx, *group, limited);
  REQUIRE(first.ok());
  prepare(*first);
  const ScriptOutcome cut = first->run();
  REQUIRE(cut.vm_error);
  CHECK(cut.vm_error->code == ckb_vm::ErrorCode::CyclesExceeded);
  auto snap = first->snapshot_context()->make_snapshot(*first->machine());
  REQUIRE(snap.ok());
  std::uint64_t source_bytes = 0, dirty_bytes = 0;
  for (const auto& r : snap->pages_from_source) source_bytes += r.length;
  for (const auto& r : snap->dirty_pages) dirty_bytes += r.content.size();
  CHECK(source_bytes >= 8192);  // the two whole pages of cell data are references, not bytes

  // A fresh, unloaded machine for the same group resumes it.
  auto second = ScriptVerifier<>::create_for_resume(rtx, *group);
  REQUIRE(second.ok());
  REQUIRE(second->snapshot_context()->resume(*second->machine(), *snap).ok());
  second->machine()->set_max_cycles(DEFAULT_MAX_CYCLES);
  const ScriptOutcome resumed = second->run();
  REQUIRE_MESSAGE(resumed.ok(), resumed.describe());
  CHECK(resumed.total_cycles == full.total_cycles);
  for (std::uint64_t a = 0x230000; a < 0x230000 + 10000; a += 1000)
    CHECK(*second->machine()->memory().load8(a) == 0x5a);
  (void)dirty_bytes;
}

}  // namespace ckb_syscalls_tests
