// Property: suspending a program at every k-th cycle budget (make_snapshot ->
// encode -> decode -> resume into a fresh machine -> raise max_cycles -> run)
// ends with exactly the exit code, cycles, registers, pc, memory contents,
// page flags and load reservation of an uninterrupted run. Checked for the C
// test programs in tests/programs/bin (when built) and for programs made
// here, for every version, with and without B+MOP, under DefaultMachine::run()
// (the block engine) and under the plain step() loop.
#include "test_snapshot_common.hpp"
#include "support/test_budget.hpp"

#include <string>
#include <vector>

namespace snapshot2_property_tests {

using namespace snaptest;

namespace {

std::vector<VmConfig> all_configs() {
  std::vector<VmConfig> out;
  auto add = [&](u32 version, u8 isa) {
    VmConfig c;
    c.version = version;
    c.isa = isa;
    out.push_back(c);
  };
  add(VERSION0, ISA_IMC);
  add(VERSION1, ISA_IMC);
  add(VERSION1, ISA_IMC | ISA_B | ISA_MOP);
  add(VERSION2, ISA_IMC);
  add(VERSION2, ISA_IMC | ISA_B | ISA_MOP);
  return out;
}

// Cycle budgets per run: 40, or 12 under sanitizers (every configuration and
// program still runs, suspended and resumed a dozen times).
constexpr u64 kCuts = testbudget::scaled<u64>(40, 12);

void check_program(const std::string& name, const ByteVec& program, std::optional<std::int8_t> expected_exit,
                   bool also_step_engine) {
  const Source src = make_source(program);
  for (const VmConfig& cfg : all_configs()) {
    INFO(name << " " << describe(cfg));
    Vm reference = make_vm(cfg, src, ~u64{0});
    load(reference, program);
    auto exit = reference.machine->run();
    REQUIRE_MESSAGE(exit.ok(), exit.error().to_string());
    if (expected_exit) CHECK(*exit == *expected_exit);
    const u64 total = reference.machine->cycles();
    REQUIRE(total > 10 * kCuts);
    const u64 step = total / kCuts;

    std::vector<Engine> engines = {Engine::run};
    if (also_step_engine) engines.push_back(Engine::step);
    for (const Engine engine : engines) {
      const std::string engine_name = engine == Engine::run ? "run()" : "step()";
      INFO("engine: " << engine_name);
      ChainResult chain = run_suspended(cfg, src, program, step, engine);
      REQUIRE(chain.outcome.ok);
      CHECK(chain.outcome.exit_code == *exit);
      CHECK(chain.outcome.cycles == total);
      CHECK(chain.suspensions >= kCuts * 3 / 4);  // syscalls that charge extra cycles skip a few cuts
      check_same_cpu(*reference.machine, *chain.vm.machine);
      check_same_memory(*reference.machine, *chain.vm.machine);
    }
  }
}

void check_built_program(const std::string& name) {
  auto program = read_program(name);
  if (!program) {
    MESSAGE("tests/programs/bin/" << name << " is not built; skipped (programs made by the test still run)");
    return;
  }
  check_program(name, *program, 0, name == "sha256");
}

}  // namespace

TEST_CASE("snapshot2 property: sha256 suspended at every k-th cycle budget") { check_built_program("sha256"); }
TEST_CASE("snapshot2 property: bignum suspended at every k-th cycle budget") { check_built_program("bignum"); }
TEST_CASE("snapshot2 property: sort suspended at every k-th cycle budget") { check_built_program("sort"); }

TEST_CASE("snapshot2 property: a page-writing program suspended at every k-th cycle budget") {
  check_program("page_writer", page_writer_program(SCRATCH, 6, 3), std::nullopt, true);
}

TEST_CASE("snapshot2 property: a data-loading program suspended at every k-th cycle budget") {
  check_program("load_data", load_data_program(0x100800, 0x0ff008, 17, 9 * RISCV_PAGESIZE, 500, 3 * RISCV_PAGESIZE, nullptr),
                std::nullopt, true);
}

TEST_CASE("snapshot2 property: a program loading code suspended at every k-th cycle budget") {
  check_program("load_code", load_code_program(0x180000, 400), 42, false);
}

}  // namespace snapshot2_property_tests
