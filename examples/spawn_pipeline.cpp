// A CKB script that spawns two children connected by pipes (parent -> "upper"
// -> "count" -> parent), run through the node's scheduler three ways: in one
// go; in chunks of about 2,000 cycles in this process; and in chunks whose whole
// state (every VM as a Snapshot2, pipes, fds, cycle counters) is turned into
// bytes and resumed by a fresh scheduler each time, as a node would resume a
// long verification later or elsewhere. All three must charge the same cycles.
//
//   spawn_pipeline tests/ckb/spawn/bin/spawn_cases
//
// (spawn_cases runs its scenario 21 when its script's args are {21};
// tests/ckb/spawn/src/spawn_cases.c.)
#include <ckb_vm/ckb/scheduler.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>

using namespace ckb_vm::ckb;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: spawn_pipeline SPAWN_CASES_ELF\n");
    return 2;
  }
  std::ifstream file(argv[1], std::ios::binary);
  const Bytes program((std::istreambuf_iterator<char>(file)), {});
  if (program.empty()) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }

  // A transaction whose input 0 is locked by the program (data2 = VERSION2),
  // found in cell dep 0.
  auto rtx = std::make_shared<ResolvedTransaction>();
  OutPoint dep{};
  dep.tx_hash.fill(0x11);
  rtx->tx.raw.cell_deps.push_back(CellDep{dep, 0});
  rtx->resolved_cell_deps.push_back(make_cell_meta(dep, CellOutput{}, program));
  const Script lock{blake2b_256(program), static_cast<std::uint8_t>(ScriptHashType::Data2), {21}};
  OutPoint input{};
  input.tx_hash.fill(0x22);
  rtx->tx.raw.inputs.push_back(CellInput{0, input});
  rtx->resolved_inputs.push_back(make_cell_meta(input, CellOutput{0, lock, std::nullopt}, {}));
  rtx->hash = molecule::tx_hash(rtx->tx);
  const ScriptGroup group = script_groups(*rtx).at(0);
  const SchedulerOptions options;  // 70,000,000 cycles, like ckb-debugger

  // 1. In one go.
  auto whole = Scheduler<>::create(rtx, group, options);
  if (!whole.ok()) {
    std::fprintf(stderr, "%s\n", whole.error().message.c_str());
    return 1;
  }
  auto once = whole->run();
  if (!once.ok()) {
    std::fprintf(stderr, "error: %s\n", once.error().to_string().c_str());
    return 1;
  }
  std::printf("one run: exit=%d cycles=%llu, %llu VMs spawned\n", once->exit_code,
              static_cast<unsigned long long>(once->cycles),
              static_cast<unsigned long long>(whole->stats().spawned));

  // 2. and 3. In chunks, in process or through bytes.
  for (bool through_bytes : {false, true}) {
    auto first = Scheduler<>::create(rtx, group, options);
    if (!first.ok()) return 1;
    std::optional<Scheduler<>> s(std::move(*first));
    int chunks = 0;
    std::size_t largest = 0;
    for (;;) {
      ++chunks;
      auto r = s->run(2'000);
      if (!r.ok()) {
        std::fprintf(stderr, "error: %s\n", r.error().to_string().c_str());
        return 1;
      }
      if (r->terminated) {
        std::printf("%s: exit=%d cycles=%llu in %d chunks", through_bytes ? "through bytes" : "in process",
                    r->exit_code, static_cast<unsigned long long>(r->cycles), chunks);
        if (through_bytes) std::printf(", largest state %zu bytes", largest);
        std::printf("\n");
        if (r->cycles != once->cycles || r->exit_code != once->exit_code) return 1;
        break;
      }
      if (!through_bytes) continue;
      auto state = s->state();
      if (!state.ok()) return 1;
      auto bytes = encode_scheduler_state(*state);
      if (!bytes.ok()) return 1;
      largest = std::max(largest, bytes->size());
      // ... the bytes could be written to disk here and read back later ...
      auto decoded = decode_scheduler_state(*bytes);
      if (!decoded.ok()) return 1;
      auto resumed = Scheduler<>::resume(rtx, group, options, *decoded);
      if (!resumed.ok()) {
        std::fprintf(stderr, "%s\n", resumed.error().message.c_str());
        return 1;
      }
      s.emplace(std::move(*resumed));
    }
  }
  std::printf("same cycles\n");
  return 0;
}
