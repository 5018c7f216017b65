// libFuzzer target for the spawn scheduler's suspended state
// (<ckb_vm/ckb/scheduler.hpp>: decode_scheduler_state, Scheduler<>::resume).
// A host that suspends a transaction's scripts may keep the state bytes
// anywhere, so they are untrusted input. The input is the state bytes:
//   * decoding fails cleanly, or gives a state that encodes and decodes back
//     to an equal state;
//   * a decoded state is resumed against a fixed transaction (the spawn_cases
//     program, scenario 9: a parent with children and pipes); resume may
//     refuse it, and when it accepts, the scheduler runs a bounded budget and
//     must end with a result or an error, never a crash.
// Seeds in corpus/scheduler_state are real states of that transaction cut at a
// few budgets. Any violated property aborts.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <span>
#include <string>

#include "fuzz_check.hpp"
#include "ckb_vm/ckb/scheduler.hpp"

namespace {

using namespace ckb_vm::ckb;

using fuzz::fail;

struct Fixture {
  std::shared_ptr<const ResolvedTransaction> rtx;
  ScriptGroup group;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    std::ifstream in(std::string(CKB_VM_SOURCE_DIR) + "/tests/ckb/spawn/bin/spawn_cases", std::ios::binary);
    const Bytes program((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (program.empty()) fail("tests/ckb/spawn/bin/spawn_cases is missing");
    auto r = std::make_shared<ResolvedTransaction>();
    OutPoint dep{};
    dep.tx_hash.fill(0x10);
    r->tx.raw.cell_deps.push_back(CellDep{dep, 0});
    r->resolved_cell_deps.push_back(make_cell_meta(dep, CellOutput{1, Script{}, std::nullopt}, program));
    const Script lock{blake2b_256(program), static_cast<std::uint8_t>(ScriptHashType::Data2), Bytes{9}};
    OutPoint input{};
    input.tx_hash.fill(0xee);
    r->tx.raw.inputs.push_back(CellInput{0, input});
    r->resolved_inputs.push_back(make_cell_meta(input, CellOutput{100'0000'0000, lock, std::nullopt}, {}));
    // The scenario reads its children's code from the witness after 16 bytes.
    Bytes witness(16 + program.size(), 0);
    std::copy(program.begin(), program.end(), witness.begin() + 16);
    r->tx.witnesses.push_back(std::move(witness));
    r->hash = molecule::tx_hash(r->tx);
    Fixture out;
    out.rtx = r;
    out.group = script_groups(*r).at(0);
    return out;
  }();
  return f;
}

}  // namespace

// With CKB_VM_SCHEDULER_STATE_SEEDS=DIR set, writes the seed corpus (states of
// the fixture cut at three budgets) into DIR; that is how corpus/scheduler_state
// was made.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* dir = std::getenv("CKB_VM_SCHEDULER_STATE_SEEDS");
  if (dir == nullptr) return 0;
  const Fixture& f = fixture();
  for (std::uint64_t budget : {20'000ull, 400'000ull, 2'000'000ull}) {
    auto s = Scheduler<>::create(f.rtx, f.group);
    if (!s.ok()) fail("create failed");
    auto r = s->run(budget);
    if (!r.ok() || r->terminated) continue;
    auto st = s->state();
    if (!st.ok()) fail("state failed");
    auto bytes = encode_scheduler_state(*st);
    if (!bytes.ok()) fail("encode failed");
    std::ofstream out(std::string(dir) + "/cut_" + std::to_string(budget) + ".bin", std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes->data()), static_cast<std::streamsize>(bytes->size()));
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto state = decode_scheduler_state(std::span<const std::uint8_t>(data, size));
  if (!state.ok()) return 0;
  auto bytes = encode_scheduler_state(*state);
  if (!bytes.ok()) return 0;  // e.g. a snapshot the encoder refuses: an error, not a crash
  auto again = decode_scheduler_state(*bytes);
  if (!again.ok() || !(*again == *state)) fail("scheduler state does not survive encode/decode");
  const Fixture& f = fixture();
  SchedulerOptions options;
  options.max_cycles = 3'000'000;
  auto resumed = Scheduler<>::resume(f.rtx, f.group, options, *state);
  if (!resumed.ok()) return 0;
  (void)resumed->run(1'000'000);
  return 0;
}
