// The CKB node's own spawn tests (script/src/verify/tests/ckb_latest/
// features_since_v2023.rs) with the node's own programs (script/testdata/ in
// github:nervosnetwork/ckb, binaries as that repository ships them), through
// ckb_vm::ckb::Scheduler. Compiled only when CKB_SPAWN_NODE_TESTDATA names
// that directory, e.g.
//   cmake ... -DCMAKE_CXX_FLAGS='-DCKB_SPAWN_NODE_TESTDATA=\"/tmp/ckb-testdata\"'
// (nothing from that repository is part of this one).
#ifdef CKB_SPAWN_NODE_TESTDATA
#include <doctest/doctest.h>

#include <ckb_vm/ckb/scheduler.hpp>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ckb_spawn_node_tests {

using namespace ckb_vm::ckb;

namespace {

Bytes node_program(const char* name) {
  std::ifstream f(std::string(CKB_SPAWN_NODE_TESTDATA) + "/" + name, std::ios::binary);
  Bytes b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  REQUIRE_MESSAGE(!b.empty(), "missing node test program " << name);
  return b;
}

// The node's test transaction: one input locked by deps[0] (data2), the
// given cell deps.
struct NodeRun {
  ckb_vm::Result<RunStatus> result;
  SchedulerStats stats;
};

NodeRun run_node(const std::vector<const char*>& programs, Bytes args, std::uint64_t max_cycles,
                 std::uint64_t chunk = 0, ScriptHashType hash_type = ScriptHashType::Data2) {
  auto r = std::make_shared<ResolvedTransaction>();
  std::vector<Bytes> deps;
  for (const char* p : programs) deps.push_back(node_program(p));
  Script lock{blake2b_256(deps.at(0)), static_cast<std::uint8_t>(hash_type), std::move(args)};
  // As the node's tests build it (utils.rs): the programs are resolved cell deps
  // whose capacity is their size in CKBytes, but the transaction itself lists no
  // cell dep, so load_transaction / load_cell(CellDep) see what the node's do.
  for (std::size_t i = 0; i < deps.size(); ++i) {
    OutPoint op{};
    op.tx_hash.fill(static_cast<std::uint8_t>(0x10 + i));
    r->resolved_cell_deps.push_back(
        make_cell_meta(op, CellOutput{deps[i].size() * 100'000'000ull, Script{}, std::nullopt}, deps[i]));
  }
  OutPoint null_out_point{};
  null_out_point.index = 0xffffffffu;  // OutPoint::null()
  r->tx.raw.inputs.push_back(CellInput{0, null_out_point});
  r->resolved_inputs.push_back(
      make_cell_meta(null_out_point, CellOutput{100ull * 100'000'000ull, lock, std::nullopt}, {}));
  r->hash = molecule::tx_hash(r->tx);
  SchedulerOptions o;
  o.max_cycles = max_cycles;
  const ScriptGroup group = script_groups(*r).at(0);
  auto s = Scheduler<>::create(r, group, o);
  REQUIRE(s.ok());
  if (chunk == 0) {
    NodeRun out{s->run(), {}};
    out.stats = s->stats();
    return out;
  }
  // In chunks, each resumed from its state's bytes.
  std::optional<Scheduler<>> c(std::move(*s));
  for (;;) {
    auto step = c->run(chunk);
    if (!step.ok() || step->terminated) return NodeRun{step, c->stats()};
    auto st = c->state();
    REQUIRE(st.ok());
    auto bytes = encode_scheduler_state(*st);
    REQUIRE(bytes.ok());
    auto back = decode_scheduler_state(*bytes);
    REQUIRE(back.ok());
    auto resumed = Scheduler<>::resume(r, group, o, *back);
    REQUIRE(resumed.ok());
    c.emplace(std::move(*resumed));
  }
}

std::string describe(const ckb_vm::Result<RunStatus>& r) {
  if (!r.ok()) return "error " + r.error().to_string();
  return "exit " + std::to_string(int(r->exit_code)) + " cycles " + std::to_string(r->cycles);
}

}  // namespace

TEST_CASE("spawn node testdata: spawn_cases 1..19 as features_since_v2023.rs asserts") {
  for (std::uint8_t c = 1; c <= 19; ++c) {
    CAPTURE(int(c));
    NodeRun n = run_node({"spawn_cases"}, {c}, UINT64_MAX);
    MESSAGE("spawn_cases " << int(c) << ": " << describe(n.result));
    if (c == 2 || c == 4) {
      REQUIRE_FALSE(n.result.ok());
      CHECK(std::string(n.result.error().message).find("deadlock") != std::string::npos);
    } else {
      REQUIRE(n.result.ok());
      CHECK(int(n.result->exit_code) == 0);
    }
  }
}

TEST_CASE("spawn node testdata: exact cycles the node's tests pin") {
  NodeRun cycles = run_node({"spawn_cycles", "spawn_cycles"}, {}, UINT64_MAX);
  MESSAGE("spawn_cycles: " << describe(cycles.result));
  REQUIRE(cycles.result.ok());
  CHECK(int(cycles.result->exit_code) == 0);
  CHECK(cycles.result->cycles == 1525087);

  NodeRun seventeen = run_node({"spawn_create_17_spawn"}, {}, UINT64_MAX);
  MESSAGE("spawn_create_17_spawn: " << describe(seventeen.result) << " (" << seventeen.stats.suspends
                                    << " suspends, " << seventeen.stats.resumes << " resumes)");
  REQUIRE(seventeen.result.ok());
  CHECK(int(seventeen.result->exit_code) == 0);
  CHECK(seventeen.result->cycles == 36445673);
  for (std::uint64_t k : {100'003ull, 2'000'003ull}) {
    NodeRun chunked = run_node({"spawn_create_17_spawn"}, {}, UINT64_MAX, k);
    REQUIRE(chunked.result.ok());
    CHECK(chunked.result->cycles == 36445673);
    NodeRun cycles_chunked = run_node({"spawn_cycles", "spawn_cycles"}, {}, UINT64_MAX, k);
    REQUIRE(cycles_chunked.result.ok());
    CHECK(cycles_chunked.result->cycles == 1525087);
  }

  // check_fuzz_crash_2: a malformed ELF (first segment's file size larger
  // than its memory size) that reads the transaction through syscalls; the
  // node pins 58741 cycles on VERSION1 (data1) and 58686 on VERSION2 (data2).
  NodeRun crash = run_node({"crash-45a6098d"}, {}, 70'000'000);
  MESSAGE("crash-45a6098d: " << describe(crash.result) << " (node: 58686)");
  REQUIRE(crash.result.ok());
  CHECK(int(crash.result->exit_code) == 0);
  CHECK(crash.result->cycles == 58686);
  NodeRun crash_v1 = run_node({"crash-45a6098d"}, {}, 70'000'000, 0, ScriptHashType::Data1);
  REQUIRE(crash_v1.result.ok());
  CHECK(int(crash_v1.result->exit_code) == 0);
  CHECK(crash_v1.result->cycles == 58741);
}

TEST_CASE("spawn node testdata: the other scenarios") {
  struct Row {
    std::vector<const char*> programs;
    std::uint64_t max_cycles;
    const char* expect;  // "ok", "exit N", or an error name
  };
  const Row rows[] = {
      {{"spawn_caller_strcat", "spawn_callee_strcat"}, UINT64_MAX, "ok"},
      {{"spawn_caller_out_of_cycles", "spawn_callee_out_of_cycles"}, 0xffffff, "CyclesExceeded"},
      {{"spawn_caller_exec", "spawn_callee_exec_caller", "spawn_callee_exec_callee"}, 0xffffff, "ok"},
      {{"spawn_caller_strcat_wrap", "spawn_callee_strcat", "spawn_caller_strcat"}, 0xffffff, "ok"},
      {{"spawn_caller_out_of_cycles_wrap", "spawn_callee_out_of_cycles", "spawn_caller_out_of_cycles"}, 0xffffff,
       "CyclesExceeded"},
      {{"spawn_recursive"}, 70'000'000, "exit 8"},
      {{"spawn_caller_current_cycles", "spawn_callee_current_cycles"}, UINT64_MAX, "ok"},
      {{"infinite_exec"}, 70'000'000, "CyclesExceeded"},
  };
  for (const Row& row : rows) {
    const std::string first = row.programs[0];
    CAPTURE(first);
    NodeRun n = run_node(row.programs, {}, row.max_cycles);
    MESSAGE(std::string(row.programs[0]) << ": " << describe(n.result));
    const std::string expect = row.expect;
    if (expect == "ok") {
      REQUIRE(n.result.ok());
      CHECK(int(n.result->exit_code) == 0);
    } else if (expect.rfind("exit ", 0) == 0) {
      REQUIRE(n.result.ok());
      CHECK(int(n.result->exit_code) == std::stoi(expect.substr(5)));
    } else {
      REQUIRE_FALSE(n.result.ok());
      CHECK(std::string(n.result.error().name()) == expect);
    }
  }
  // spawn_io_cycles: 1024 more bytes cost 512 more cycles (256 on each side).
  auto io = [](std::uint64_t size, bool check) {
    Bytes args(16, 0);
    for (int i = 0; i < 8; ++i) args[i] = static_cast<std::uint8_t>(size >> (8 * i));
    args[8] = check ? 1 : 0;
    return run_node({"spawn_io_cycles"}, args, UINT64_MAX);
  };
  auto a = io(128, true), b = io(128 + 1024, true), c = io(128, false), d = io(128 + 1024, false);
  REQUIRE(a.result.ok());
  REQUIRE(b.result.ok());
  REQUIRE(c.result.ok());
  REQUIRE(d.result.ok());
  CHECK(int(a.result->exit_code) == 0);
  CHECK(int(b.result->exit_code) == 0);
  CHECK(d.result->cycles - c.result->cycles == 512);
  NodeRun saturate = run_node({"spawn_saturate_memory"}, {0}, UINT64_MAX);
  MESSAGE("spawn_saturate_memory: " << describe(saturate.result));
  REQUIRE(saturate.result.ok());
  CHECK(int(saturate.result->exit_code) == 0);
}

}  // namespace ckb_spawn_node_tests
#endif
