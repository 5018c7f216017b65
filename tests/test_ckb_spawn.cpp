// Spawn/IPC (RFC 0050) through the node's scheduler semantics
// (include/ckb_vm/ckb/scheduler.hpp), driven by tests/ckb/spawn/src/spawn_cases.c:
// one program that runs a scenario as the root VM (chosen by its script's
// args) and plays the child roles when spawned. Outcomes are those the CKB
// node gives (features_since_v2023.rs asserts the same outcomes for its own
// programs); cycle totals are pinned and the chunked runs must reproduce them.
//
// With -DCKB_SPAWN_NODE_TESTDATA="<ckb repo>/script/testdata" (e.g. through
// CMAKE_CXX_FLAGS) the node's own spawn programs also run here, with the
// outcomes and exact cycles its tests assert; without it that test case is not
// compiled at all.
#include <doctest/doctest.h>

#include <ckb_vm/ckb/mock_tx.hpp>
#include <ckb_vm/ckb/scheduler.hpp>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "support/test_budget.hpp"

namespace ckb_spawn_tests {

using ckb_vm::Error;
using ckb_vm::ErrorCode;
using namespace ckb_vm::ckb;

namespace {

Bytes read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

Bytes spawn_program() { return read_file(std::string(CKB_VM_SOURCE_DIR) + "/tests/ckb/spawn/bin/spawn_cases"); }

// A transaction with one input locked by `deps[0]` (data2, args `args`),
// `deps` as cell deps in order, and the given witnesses.
struct SpawnTx {
  std::shared_ptr<const ResolvedTransaction> rtx;
  ScriptGroup group;
};

SpawnTx make_tx(const std::vector<Bytes>& deps, Bytes args, std::vector<Bytes> witnesses = {},
                std::uint8_t hash_type = static_cast<std::uint8_t>(ScriptHashType::Data2)) {
  auto r = std::make_shared<ResolvedTransaction>();
  Script lock{blake2b_256(deps.at(0)), hash_type, std::move(args)};
  CellOutput out{100'0000'0000, lock, std::nullopt};
  for (std::size_t i = 0; i < deps.size(); ++i) {
    OutPoint op{};
    op.tx_hash.fill(static_cast<std::uint8_t>(0x10 + i));
    r->tx.raw.cell_deps.push_back(CellDep{op, 0});
    r->resolved_cell_deps.push_back(make_cell_meta(op, CellOutput{1, Script{}, std::nullopt}, deps[i]));
  }
  OutPoint in{};
  in.tx_hash.fill(0xee);
  r->tx.raw.inputs.push_back(CellInput{0, in});
  r->resolved_inputs.push_back(make_cell_meta(in, out, {}));
  r->tx.witnesses = std::move(witnesses);
  r->hash = molecule::tx_hash(r->tx);
  SpawnTx t;
  t.rtx = r;
  t.group = script_groups(*r).at(0);
  return t;
}

SpawnTx case_tx(std::uint8_t c) {
  const Bytes program = spawn_program();
  Bytes witness(16, 0);
  witness.insert(witness.end(), program.begin(), program.end());
  return make_tx({program}, {c}, {witness});
}

ckb_vm::Result<RunStatus> run_case(std::uint8_t c, std::uint64_t max_cycles = 70'000'000,
                                   SchedulerStats* stats = nullptr) {
  SpawnTx t = case_tx(c);
  SchedulerOptions o;
  o.max_cycles = max_cycles;
  auto s = Scheduler<>::create(t.rtx, t.group, o);
  REQUIRE(s.ok());
  auto r = s->run();
  if (stats) *stats = s->stats();
  if (r.ok()) {
    CHECK(s->instantiated_count() == 1);
    CHECK(s->suspended_count() == 0);
  }
  return r;
}

// Runs in chunks of about `k` cycles; every `through_bytes`-th cut goes
// through encode/decode and a fresh scheduler.
ckb_vm::Result<RunStatus> run_chunked(const SpawnTx& t, std::uint64_t k, int through_bytes, std::uint64_t max_cycles,
                                      int* chunks = nullptr, std::size_t* max_state_bytes = nullptr) {
  SchedulerOptions o;
  o.max_cycles = max_cycles;
  auto s = Scheduler<>::create(t.rtx, t.group, o);
  REQUIRE(s.ok());
  std::optional<Scheduler<>> current(std::move(*s));
  for (int n = 1;; ++n) {
    auto r = current->run(k);
    if (!r.ok() || r->terminated) {
      if (chunks) *chunks = n;
      return r;
    }
    CHECK(current->instantiated_count() <= MAX_INSTANTIATED_VMS);
    if (through_bytes > 0 && n % through_bytes == 0) {
      auto st = current->state();
      REQUIRE(st.ok());
      auto bytes = encode_scheduler_state(*st);
      REQUIRE(bytes.ok());
      if (max_state_bytes) *max_state_bytes = std::max(*max_state_bytes, bytes->size());
      auto back = decode_scheduler_state(*bytes);
      REQUIRE(back.ok());
      CHECK(*back == *st);
      auto resumed = Scheduler<>::resume(t.rtx, t.group, o, *back);
      REQUIRE(resumed.ok());
      current.emplace(std::move(*resumed));
    }
  }
}

struct Expect {
  std::uint8_t c;
  const char* what;
  std::optional<ErrorCode> error;  // else exit 0
  std::uint64_t max_cycles = 70'000'000;
};

const Expect kCases[] = {
    {1, "simple read/write", std::nullopt},
    {2, "write deadlock", ErrorCode::Unexpected},
    {3, "invalid fds, other end closed", std::nullopt},
    {4, "wait deadlock", ErrorCode::Unexpected},
    {5, "read until the writer exits", std::nullopt},
    {6, "wait twice, wait unknown", std::nullopt},
    {7, "inherited fds", std::nullopt},
    {8, "fds without owner", std::nullopt},
    {9, "max VMs (16 children alive)", std::nullopt},
    {10, "max fds (32 pipes)", std::nullopt},
    {11, "close invalid and closed fds", std::nullopt},
    {12, "process id", std::nullopt},
    {13, "current cycles", std::nullopt},
    {14, "out of cycles in a child", ErrorCode::CyclesExceeded, 3'000'000},
    {15, "spawn bounds and index checks", std::nullopt},
    {16, "invalid source", ErrorCode::External},
    {17, "exec inside a spawned VM", std::nullopt},
    {18, "recursion to the VM limit", std::nullopt},
    {19, "spawn from a witness, then a non-ELF slice", ErrorCode::ElfParseError},
    {20, "64 KiB through a pipe", std::nullopt},
    {21, "three-stage pipeline", std::nullopt},
    {22, "write matched with a suspended reader", std::nullopt},
};

}  // namespace

TEST_CASE("spawn: every scenario of spawn_cases ends as the node's scheduler ends it") {
  for (const Expect& e : kCases) {
    CAPTURE(int(e.c));
    CAPTURE(e.what);
    auto r = run_case(e.c, e.max_cycles);
    if (e.error) {
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().name() == ckb_vm::error_code_name(*e.error));
      if (e.c == 2 || e.c == 4) CHECK(std::string(r.error().message).find("deadlock") != std::string::npos);
    } else {
      if (!r.ok()) FAIL(r.error().to_string());
      CHECK(r->terminated);
      CHECK(int(r->exit_code) == 0);
    }
  }
}

TEST_CASE("spawn: the 4-instantiated limit holds and VMs are swapped as Snapshot2") {
  SchedulerStats st;
  auto r = run_case(9, 70'000'000, &st);  // 17 VMs alive at once
  REQUIRE(r.ok());
  CHECK(st.spawned == 17);
  CHECK(st.max_instantiated == MAX_INSTANTIATED_VMS);
  CHECK(st.suspends > 0);
  CHECK(st.resumes > 0);
  // Every suspend and resume is charged 100,000 cycles; they dominate here.
  CHECK(r->cycles > (st.suspends + st.resumes) * SPAWN_EXTRA_CYCLES_BASE);
}

TEST_CASE("spawn: a non-V2 script has no spawn syscalls") {
  const Bytes program = spawn_program();
  SpawnTx t = make_tx({program}, {1}, {}, static_cast<std::uint8_t>(ScriptHashType::Data1));
  auto s = Scheduler<>::create(t.rtx, t.group);
  REQUIRE(s.ok());
  auto r = s->run();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::InvalidEcall);
  CHECK(r.error().value == 2604);  // pipe
}

TEST_CASE("spawn: chunked runs (in process and through bytes) charge exactly the uninterrupted cycles") {
  for (std::uint8_t c : {1, 5, 9, 13, 17, 18, 20, 21, 22}) {
    CAPTURE(int(c));
    SpawnTx t = case_tx(c);
    auto whole = Scheduler<>::create(t.rtx, t.group);
    REQUIRE(whole.ok());
    auto once = whole->run();
    REQUIRE(once.ok());
    REQUIRE(once->terminated);
    for (std::uint64_t k : {997ull, 10'007ull, 123'457ull, 1'000'003ull}) {
      CAPTURE(k);
      int chunks = 0;
      std::size_t bytes = 0;
      auto in_process = run_chunked(t, k, 0, 70'000'000, &chunks);
      REQUIRE(in_process.ok());
      CHECK(in_process->terminated);
      CHECK(in_process->exit_code == 0);
      CHECK(in_process->cycles == once->cycles);
      if (k < 1'000) CHECK(chunks > 2);
      auto through = run_chunked(t, k, 1, 70'000'000, nullptr, &bytes);
      REQUIRE(through.ok());
      CHECK(through->cycles == once->cycles);
      auto mixed = run_chunked(t, k, 3, 70'000'000);
      REQUIRE(mixed.ok());
      CHECK(mixed->cycles == once->cycles);
      MESSAGE("case " << int(c) << " k=" << k << ": " << chunks << " chunks, largest state " << bytes << " bytes, "
                      << once->cycles << " cycles");
    }
  }
}

TEST_CASE("spawn: a pause cuts like a budget") {
  SpawnTx t = case_tx(18);
  auto whole = Scheduler<>::create(t.rtx, t.group);
  REQUIRE(whole.ok());
  auto once = whole->run();
  REQUIRE(once.ok());
  auto s = Scheduler<>::create(t.rtx, t.group);
  REQUIRE(s.ok());
  ckb_vm::Pause pause;
  int cuts = 0;
  for (int i = 0;; ++i) {
    // A pause that has fired stops the running VM at its next block boundary
    // (here: before it runs anything); budget cuts in between make progress.
    if (i % 2 == 0) pause.interrupt();
    auto r = i % 2 == 0 ? s->run(UINT64_MAX, pause) : s->run(20'000);
    REQUIRE(r.ok());
    if (r->terminated) {
      CHECK(r->cycles == once->cycles);
      break;
    }
    ++cuts;
    REQUIRE(cuts < 100000);
  }
  CHECK(cuts > 10);
}

TEST_CASE("spawn: out of cycles is the same error however the run is cut") {
  SpawnTx t = case_tx(14);
  auto r = run_chunked(t, 50'000, 2, 3'000'000);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::CyclesExceeded);
}

TEST_CASE("spawn: scheduler state bytes reject hostile input") {
  SpawnTx t = case_tx(9);
  auto s = Scheduler<>::create(t.rtx, t.group);
  REQUIRE(s.ok());
  auto r = s->run(2'000'000);
  REQUIRE(r.ok());
  REQUIRE_FALSE(r->terminated);
  auto st = s->state();
  REQUIRE(st.ok());
  auto bytes = encode_scheduler_state(*st);
  REQUIRE(bytes.ok());
  std::size_t dirty = 0, runs = 0;
  for (const SuspendedVm& vm : st->vms) {
    for (const auto& d : vm.snapshot.dirty_pages) dirty += d.content.size();
    runs += vm.snapshot.pages_from_source.size();
  }
  MESSAGE(st->vms.size() << " VMs suspended in " << bytes->size() << " bytes (" << dirty << " dirty page bytes, "
                         << runs << " source runs)");
  // Every truncation fails cleanly.
  for (std::size_t n = 0; n < bytes->size(); n += 1 + n / 16) {
    auto d = decode_scheduler_state(std::span<const std::uint8_t>(bytes->data(), n));
    CHECK_FALSE(d.ok());
  }
  // Random corruption: decode may fail or succeed, resume and run must not crash.
  // 200 corruptions, or the first 50 under sanitizers.
  std::mt19937_64 rng(7);
  for (int i = 0; i < testbudget::scaled(200, 50); ++i) {
    Bytes b = *bytes;
    for (int k = 0; k < 4; ++k) b[rng() % b.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    auto d = decode_scheduler_state(b);
    if (!d.ok()) continue;
    auto resumed = Scheduler<>::resume(t.rtx, t.group, {}, *d);
    if (!resumed.ok()) continue;
    (void)resumed->run(5'000'000);
  }
}

TEST_CASE("spawn: a mock transaction file whose lock spawns runs through the scheduler") {
  // tests/ckb/spawn/pipeline_mock_tx.json: ckb-debugger's format, the
  // pipeline scenario (21) as input 0's lock, the program via {{ data }}.
  auto mt = load_mock_tx_file(std::string(CKB_VM_SOURCE_DIR) + "/tests/ckb/spawn/pipeline_mock_tx.json");
  REQUIRE(mt.ok());
  auto rtx = to_resolved(*mt);
  REQUIRE(rtx.ok());
  auto shared = std::make_shared<const ResolvedTransaction>(std::move(*rtx));
  auto hash = script_hash_by_index(*mt, ScriptGroupType::Lock, false, 0);
  REQUIRE(hash.ok());
  auto group = find_script_group(*shared, ScriptGroupType::Lock, *hash);
  REQUIRE(group.has_value());
  ScriptOutcome o = verify_script_group_scheduled(shared, *group);
  CHECK(o.ok());
  CHECK(o.total_cycles == o.transfer_cycles + o.running_cycles);
  // The same as the scenario run directly.
  auto direct = run_case(21);
  REQUIRE(direct.ok());
  CHECK(o.total_cycles == direct->cycles);
  TransactionOutcome t = verify_transaction_scheduled(shared);
  CHECK(t.ok());
  CHECK(t.total_cycles == o.total_cycles);
  // Without the scheduler the first spawn-family syscall is unknown.
  ScriptOutcome plain = verify_script_group(shared, *group);
  REQUIRE(plain.vm_error.has_value());
  CHECK(plain.vm_error->code == ErrorCode::InvalidEcall);
}

TEST_CASE("spawn: a custom runner (a step loop for one process) gives the same run") {
  SpawnTx t = case_tx(21);
  auto whole = Scheduler<>::create(t.rtx, t.group);
  REQUIRE(whole.ok());
  auto once = whole->run();
  REQUIRE(once.ok());
  auto s = Scheduler<>::create(t.rtx, t.group);
  REQUIRE(s.ok());
  std::map<VmId, std::uint64_t> steps;
  s->set_runner([&steps](VmId id, Scheduler<>::machine_type& m) -> ckb_vm::Result<std::int8_t> {
    if (id != 1) return m.run();
    m.set_running(true);
    while (m.running()) {
      auto st = m.step();
      if (!st.ok()) return st.error();
      ++steps[id];
    }
    return m.exit_code();
  });
  auto r = s->run();
  REQUIRE(r.ok());
  CHECK(r->exit_code == 0);
  CHECK(r->cycles == once->cycles);
  CHECK(steps[1] > 100);
  // program(id): the ELF each booted VM runs (scenario 21 spawns its own program).
  for (VmId id : {VmId{0}, VmId{1}}) {
    CAPTURE(id);
    const auto elf = s->program(id);
    REQUIRE(elf.has_value());
    CHECK(std::equal(elf->begin(), elf->end(), t.rtx->resolved_cell_deps.at(0).data.begin(),
                     t.rtx->resolved_cell_deps.at(0).data.end()));
  }
  CHECK_FALSE(s->program(1000).has_value());
}

TEST_CASE("spawn: cycles of the smallest spawn add up by hand") {
  // tests/ckb/spawn/src/spawn_min.S, no fusion, no compressed instructions.
  // Iteration 1, root: 31 instructions before and including the spawn ecall
  //   ld 2, bnez 3, 7 x sd 2, sb 3, 12 x addi 1... = 531, plus the spawn's
  //   100,000 + 800; the child is booted (its load charged to it).
  // Iteration 2, child: ld 2 + bnez 3 + addi + addi + ecall 500 = 507, exits 7.
  // Iteration 3, root: ld 2 + 3 x addi + ecall 500 = 505, plus wait's 800;
  //   the child's exit code is already there: a0 = 0 at once.
  // Iteration 4, root: lb 3 + 2 x addi + ecall 500 = 505, exit 0.
  // No VM is ever suspended (2 VMs). Load charges: ceil(bytes / 4) of the ELF
  // plus stack bytes, counted by loading the ELF into a plain machine.
  const Bytes elf = read_file(std::string(CKB_VM_SOURCE_DIR) + "/tests/ckb/spawn/bin/spawn_min");
  REQUIRE(!elf.empty());
  auto load_cycles = [&elf](std::vector<std::string> args) {
    auto m = ckb_vm::MachineBuilder<>{}.isa(ckb_vm::ISA_IMC | ckb_vm::ISA_B | ckb_vm::ISA_MOP).version(ckb_vm::VERSION2).build();
    REQUIRE(m.ok());
    auto bytes = m->load_program(elf, args);
    REQUIRE(bytes.ok());
    return transferred_byte_cycles(*bytes);
  };
  const std::uint64_t root_load = load_cycles({}), child_load = load_cycles({""});
  const std::uint64_t expected = root_load + (531 + 100'800) + (child_load + 507) + (505 + 800) + 505;
  SpawnTx t = make_tx({elf}, {});
  auto s = Scheduler<>::create(t.rtx, t.group);
  REQUIRE(s.ok());
  auto r = s->run();
  REQUIRE(r.ok());
  CHECK(int(r->exit_code) == 0);
  CHECK(r->cycles == expected);
  CHECK(s->stats().suspends == 0);
  CHECK(s->stats().iterations == 4);
  CHECK(s->root_transfer_cycles() == root_load);
  // With a limit one cycle short the run fails; exactly enough succeeds.
  SchedulerOptions tight;
  tight.max_cycles = expected - 1;
  auto short_run = Scheduler<>::create(t.rtx, t.group, tight);
  REQUIRE(short_run.ok());
  auto fail = short_run->run();
  REQUIRE_FALSE(fail.ok());
  CHECK(fail.error().code == ErrorCode::CyclesExceeded);
  tight.max_cycles = expected;
  auto exact = Scheduler<>::create(t.rtx, t.group, tight);
  REQUIRE(exact.ok());
  auto ok = exact->run();
  REQUIRE(ok.ok());
  CHECK(ok->cycles == expected);
}

TEST_CASE("spawn: pinned cycles and swap counts of the scenarios") {
  // Regression pins for the committed spawn_cases binary (rebuilding it with
  // another compiler changes them; tests/ckb/spawn/build.sh --check tells).
  // The accounting that produces them reproduces the node's own pinned
  // figures (spawn_cycles 1,525,087; spawn_create_17_spawn 36,445,673) in
  // tests/test_ckb_spawn_node.cpp.
  struct Pin {
    std::uint8_t c;
    std::uint64_t cycles;
    std::uint64_t suspends, resumes;
  };
  const Pin pins[] = {
      {1, 118082, 0, 0},    {3, 12063, 0, 0},     {5, 122900, 0, 0},   {6, 111268, 0, 0},
      {7, 117107, 0, 0},    {8, 321685, 0, 0},    {9, 5683299, 26, 13}, {10, 46619, 0, 0},
      {11, 9728, 0, 0},     {12, 115032, 0, 0},   {13, 115601, 0, 0},  {15, 5746, 0, 0},
      {17, 186538, 0, 0},   {18, 4393971, 13, 13}, {20, 756450, 0, 0},  {21, 234123, 0, 0},
      {22, 1338892, 5, 3},
  };
  for (const Pin& p : pins) {
    CAPTURE(int(p.c));
    SchedulerStats st;
    auto r = run_case(p.c, 70'000'000, &st);
    REQUIRE(r.ok());
    CHECK(r->cycles == p.cycles);
    CHECK(st.suspends == p.suspends);
    CHECK(st.resumes == p.resumes);
  }
}

TEST_CASE("spawn: swaps made while matching I/O stay out of the next VM's current_cycles (Meepo bug)") {
  // Scenario 22: the root writes to child 1 while 6 VMs exist and child 1 is
  // suspended; matching the write resumes it (and suspends another VM) after
  // the iteration's cycles were added to the total, so those 200,000 cycles
  // wait in iteration_cycles and child 1, which runs next, does not see them.
  SpawnTx t = case_tx(22);
  auto s = Scheduler<>::create(t.rtx, t.group);
  REQUIRE(s.ok());
  Scheduler<>* sched = &*s;
  int seen = 0;
  s->set_runner([sched, &seen](VmId id, Scheduler<>::machine_type& m) -> ckb_vm::Result<std::int8_t> {
    if (id != 1) return m.run();
    m.set_running(true);
    while (m.running()) {
      auto word = m.memory().load32(m.pc());
      const bool current_cycles = word.ok() && *word == 0x00000073 && m.registers()[ckb_vm::registers::A7] == 2042;
      auto st = m.step();
      if (!st.ok()) return st.error();
      if (current_cycles) {
        ++seen;
        CHECK(sched->iteration_cycles() == 2 * SPAWN_EXTRA_CYCLES_BASE);
        CHECK(m.registers()[ckb_vm::registers::A0] == sched->consumed_cycles() + m.cycles());
      }
    }
    return m.exit_code();
  });
  auto r = s->run();
  REQUIRE(r.ok());
  CHECK(int(r->exit_code) == 0);
  CHECK(seen == 1);
  // The pending cycles are charged all the same.
  auto plain = run_case(22);
  REQUIRE(plain.ok());
  CHECK(plain->cycles == r->cycles);
}

}  // namespace ckb_spawn_tests
