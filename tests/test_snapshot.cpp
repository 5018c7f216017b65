// The full-state Snapshot (<ckb_vm/snapshot.hpp>, ckb-vm's snapshot.rs):
// what it holds, suspend/resume chains (the host restores cycles itself), the
// load reservation, code loaded at run time (ckb-vm PR 218) and resume errors.
#include "test_snapshot_common.hpp"

namespace snapshot_tests {

using namespace snaptest;

namespace {

constexpr u64 PAGE = RISCV_PAGESIZE;

// Runs `program` suspending with the full-state Snapshot every `step` cycles.
ChainResult run_suspended_full(const VmConfig& cfg, const Source& src, const ByteVec& program, u64 step) {
  ChainResult out;
  u64 limit = step;
  Vm vm = make_vm(cfg, src, limit);
  load(vm, program, false);
  for (;;) {
    auto r = vm.machine->run();
    if (r.ok() || r.error().code != ErrorCode::CyclesExceeded) {
      out.outcome = outcome_of(r, vm.machine->cycles());
      break;
    }
    auto snap = make_snapshot(*vm.machine);
    REQUIRE(snap.ok());
    auto full = make_snapshot(*vm.machine, SnapshotScan::all_pages);
    REQUIRE(full.ok());
    CHECK(*full == *snap);
    auto bytes = encode_snapshot(*snap);
    REQUIRE(bytes.ok());
    auto decoded = decode_snapshot(*bytes);
    REQUIRE(decoded.ok());
    CHECK(*decoded == *snap);
    Vm next = make_vm(cfg, src, 0);
    REQUIRE(resume(*next.machine, *decoded).ok());
    CHECK(next.machine->cycles() == 0);  // not part of a Snapshot: the host carries it
    next.machine->set_cycles(vm.machine->cycles());
    check_same_cpu(*vm.machine, *next.machine);
    check_same_memory(*vm.machine, *next.machine);
    CHECK(*make_snapshot(*next.machine) == *snap);
    ++out.suspensions;
    limit = std::max(limit, vm.machine->cycles()) + step;
    next.machine->set_max_cycles(limit);
    vm = std::move(next);
  }
  out.vm = std::move(vm);
  return out;
}

}  // namespace

TEST_CASE("snapshot: holds cpu state and every dirty page with its flag, program pages included") {
  const ByteVec program = page_writer_program(SCRATCH, 2, 1);
  Vm vm = make_vm({}, make_source(program), ~u64{0});
  load(vm, program, false);
  auto snap = make_snapshot(*vm.machine);
  REQUIRE(snap.ok());
  CHECK(snap->version == VERSION2);
  CHECK(snap->pc == 0x10000);
  CHECK(snap->load_reservation_address == ~u64{0});
  CHECK(snap->registers[registers::SP] == vm.machine->registers()[registers::SP]);
  // Loading wrote the code page (executable, frozen) and the stack page.
  REQUIRE(snap->pages.size() == 2);
  CHECK(snap->pages[0].index == 0x10);
  CHECK(snap->pages[0].flag == (FLAG_EXECUTABLE | FLAG_FREEZED | FLAG_DIRTY));
  CHECK(snap->pages[0].content == *vm.machine->memory().load_bytes(0x10000, PAGE));
  CHECK(snap->pages[1].index == RISCV_MAX_MEMORY / PAGE - 1);

  REQUIRE(vm.machine->run().ok());
  snap = make_snapshot(*vm.machine);
  REQUIRE(snap.ok());
  std::vector<u64> indices;
  for (const auto& p : snap->pages) indices.push_back(p.index);
  const std::vector<u64> expected = {0x10, SCRATCH / PAGE, SCRATCH / PAGE + 1, RISCV_MAX_MEMORY / PAGE - 1};
  CHECK(indices == expected);

  // Resumed into a fresh machine, the code is still executable (PR 218): the
  // machine runs the program again from its entry.
  Vm again = make_vm({}, make_source(program), ~u64{0});
  REQUIRE(resume(*again.machine, *snap).ok());
  check_same_memory(*vm.machine, *again.machine);
  again.machine->update_pc(0x10000);
  again.machine->commit_pc();
  auto exit = again.machine->run();
  REQUIRE(exit.ok());
}

TEST_CASE("snapshot: suspending at every k-th cycle budget gives the uninterrupted result") {
  struct Case {
    const char* name;
    ByteVec program;
  };
  std::vector<Case> cases = {
      {"page_writer", page_writer_program(SCRATCH, 4, 2)},
      {"load_data", load_data_program(0x100008, 0x0ff000, 9, 4 * PAGE, 300, 2 * PAGE, nullptr)},
      {"load_code", load_code_program(0x180000, 300)},
  };
  if (auto sha = read_program("sha256")) cases.push_back({"sha256", *sha});
  for (const auto& c : cases) {
    for (const u32 version : {VERSION0, VERSION1, VERSION2}) {
      VmConfig cfg;
      cfg.version = version;
      cfg.isa = version == VERSION0 ? ISA_IMC : (ISA_IMC | ISA_B | ISA_MOP);
      cfg.track = false;
      INFO(c.name << " " << describe(cfg));
      const Source src = make_source(c.program);
      Vm reference = make_vm(cfg, src, ~u64{0});
      load(reference, c.program, false);
      auto exit = reference.machine->run();
      REQUIRE(exit.ok());
      const u64 total = reference.machine->cycles();
      ChainResult chain = run_suspended_full(cfg, src, c.program, total / 30);
      REQUIRE(chain.outcome.ok);
      CHECK(chain.outcome.exit_code == *exit);
      CHECK(chain.outcome.cycles == total);
      CHECK(chain.suspensions >= 20);
      check_same_cpu(*reference.machine, *chain.vm.machine);
      check_same_memory(*reference.machine, *chain.vm.machine);
    }
  }
}

TEST_CASE("snapshot: the load reservation survives a suspension") {
  const ByteVec program = lr_sc_program(30);
  const Source src = make_source(program);
  VmConfig cfg;
  cfg.isa = ISA_IMC | ISA_A;
  cfg.cost = constant_cycles;
  ChainResult chain = run_suspended_full(cfg, src, program, 3);
  REQUIRE(chain.outcome.ok);
  CHECK(chain.outcome.exit_code == 8);
}

TEST_CASE("snapshot: resume errors") {
  const ByteVec program = page_writer_program(SCRATCH, 1, 1);
  Vm vm = make_vm({}, make_source(program), ~u64{0});
  load(vm, program, false);
  const Snapshot good = *make_snapshot(*vm.machine);
  auto error_of = [&](const Snapshot& s, u32 version = VERSION2) {
    VmConfig cfg;
    cfg.version = version;
    Vm target = make_vm(cfg, make_source(program), 0);
    auto r = resume(*target.machine, s);
    REQUIRE_FALSE(r.ok());
    return r.error().code;
  };
  CHECK(error_of(good, VERSION1) == ErrorCode::InvalidVersion);
  Snapshot s = good;
  s.pages[0].content.pop_back();
  CHECK(error_of(s) == ErrorCode::MemPageUnalignedAccess);
  s = good;
  s.pages[0].index = RISCV_MAX_MEMORY / PAGE;
  CHECK(error_of(s) == ErrorCode::MemOutOfBound);
  s = good;
  s.pages[0].index = ~u64{0};
  CHECK(error_of(s) == ErrorCode::MemOutOfBound);
  s = good;
  s.pages.push_back(s.pages[0]);  // the code page twice: W^X refuses the second write
  CHECK(error_of(s) == ErrorCode::MemWriteOnExecutablePage);
}

}  // namespace snapshot_tests
